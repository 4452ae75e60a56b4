// In-site card payment with AsiaBill's JS SDK (section 12 of the API notes).
//
// The card fields live in an iframe served by AsiaBill; this page never sees the card number.
// The SDK turns them into a customerPaymentMethodId, which this script puts into the form and
// posts to the shop, whose server then calls confirmCharge.
(function () {
  "use strict";

  var form = document.getElementById("asiabill-card");
  if (!form) {
    return;
  }
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("insite-pay");
  var token = form.getAttribute("data-session-token");
  var generic = form.getAttribute("data-error-generic") || "The card could not be used.";

  function showError(message) {
    errors.textContent = message || generic;
    button.disabled = false;
  }

  // The SDK reports field validation problems through this window event.
  window.addEventListener("getErrorMessage", function (event) {
    var detail = event && event.detail;
    showError(detail && detail.errorMessage);
  });

  if (typeof window.AsiabillPay !== "function") {
    showError();
    button.disabled = true;
    return;
  }

  var sdk;
  try {
    sdk = window.AsiabillPay(token);
  } catch (e) {
    showError();
    button.disabled = true;
    return;
  }

  sdk
    .elementInit("payment_steps", {
      formId: "asiabill-card",
      formWrapperId: "asiabill-card-element",
      frameId: "asiabill-card-frame",
      customerId: "",
      autoValidate: false,
      layout: {
        pageMode: "block",
        style: {
          frameMaxHeight: "104",
          input: {
            FontSize: "16px",
            FontFamily: "system-ui, sans-serif",
            Color: "#1e2328",
            ContainerBorder: "1px solid #928572",
            ContainerBg: "#ffffff",
          },
        },
      },
    })
    .catch(function () {
      showError();
    });

  form.addEventListener("submit", function (event) {
    if (form.elements.customerPaymentMethodId.value) {
      return; // Second pass: the id is in, let the browser post the form.
    }
    event.preventDefault();
    errors.textContent = "";
    button.disabled = true;
    var billing = {};
    try {
      billing = JSON.parse(form.getAttribute("data-billing") || "{}");
    } catch (e) {
      billing = {};
    }
    sdk
      .confirmPaymentMethod({
        apikey: token,
        trnxDetail: {
          billingDetail: billing,
          card: {
            cardNo: "",
            cardExpireMonth: "",
            cardExpireYear: "",
            cardSecurityCode: "",
            issuingBank: "",
          },
          customerId: "",
        },
      })
      .then(function (result) {
        var data = result && result.data;
        if (data && data.code === "0" && data.data && data.data.customerPaymentMethodId) {
          form.elements.customerPaymentMethodId.value = data.data.customerPaymentMethodId;
          form.submit();
        } else {
          showError(data && data.message);
        }
      })
      .catch(function (e) {
        showError(e && e.message);
      });
  });
})();
