/*
 * AsiaBill Sandbox: the card frame's script. It runs on the simulator's origin inside the
 * iframe that AsiabillPayment.min.js puts in the merchant's page, reads the card inputs,
 * and sends the card to the simulator itself; the merchant's page gets only the result.
 * Messages are described at the top of AsiabillPayment.min.js.
 */
(function (window, document) {
  "use strict";

  var root = document.getElementById("ab-card");
  var parentOrigin = root.getAttribute("data-parent-origin");
  var token = root.getAttribute("data-token");
  var text = {
    cardNumber: root.getAttribute("data-err-card-number"),
    month: root.getAttribute("data-err-expiry-month"),
    year: root.getAttribute("data-err-expiry-year"),
    cvv: root.getAttribute("data-err-security-code"),
    session: root.getAttribute("data-err-session"),
    network: root.getAttribute("data-err-network")
  };
  // The simulator's codes for a refused card, shown in the frame's language.
  var messageOfCode = {
    I0030: text.cardNumber,
    I0034: text.month,
    I0038: text.year,
    I0041: text.cvv,
    T0001: text.session
  };
  var inputs = {
    cardNumber: document.getElementById("ab-card-number"),
    month: document.getElementById("ab-card-month"),
    year: document.getElementById("ab-card-year"),
    cvv: document.getElementById("ab-card-cvv")
  };
  var autoValidate = false;
  var touched = {};
  var busy = false;

  var shownError = "";

  function post(message) {
    window.parent.postMessage(message, parentOrigin);
  }

  // Tells the page what to show in its error box ("" clears it), once per change.
  function report(errorMessage) {
    if (errorMessage !== shownError) {
      shownError = errorMessage;
      post({ type: "asiabill:error", errorMessage: errorMessage });
    }
  }

  function digits(value) {
    return String(value).replace(/[\s-]/g, "");
  }

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var d = number.charCodeAt(number.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function month() {
    var m = inputs.month.value.trim();
    return /^\d$/.test(m) ? "0" + m : m;
  }

  function year() {
    var y = inputs.year.value.trim();
    return /^\d{2}$/.test(y) ? "20" + y : y;
  }

  function monthOk(m) {
    return /^\d{2}$/.test(m) && Number(m) >= 1 && Number(m) <= 12;
  }

  // Same rules as the simulator: 12-19 digits passing Luhn; month 01-12; a four-digit year,
  // not expired and at most 10 years ahead; 3 or 4 digits of CVV.
  var checks = {
    cardNumber: function () {
      var n = digits(inputs.cardNumber.value);
      return /^\d{12,19}$/.test(n) && luhn(n);
    },
    month: function () {
      return monthOk(month());
    },
    year: function () {
      var y = year();
      if (!/^\d{4}$/.test(y)) {
        return false;
      }
      var now = new Date();
      var thisYear = now.getFullYear();
      var n = Number(y);
      if (n > thisYear + 10 || n < thisYear) {
        return false;
      }
      return n > thisYear || !monthOk(month()) || Number(month()) >= now.getMonth() + 1;
    },
    cvv: function () {
      return /^\d{3,4}$/.test(inputs.cvv.value.trim());
    }
  };

  var order = ["cardNumber", "month", "year", "cvv"];

  var codeOf = { cardNumber: "I0030", month: "I0034", year: "I0038", cvv: "I0041" };

  // Marks each field in `names` and answers the first that fails, or "".
  function validate(names) {
    var first = "";
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      var ok = checks[name]();
      inputs[name].setAttribute("aria-invalid", ok ? "false" : "true");
      if (!ok && !first) {
        first = name;
      }
    }
    return first;
  }

  function touchedNames() {
    return order.filter(function (name) {
      return touched[name];
    });
  }

  function applyLayout(message) {
    root.className = "ab-card ab-card--" + (message.mode === "block" ? "block" : "inner");
    autoValidate = message.autoValidate === true;
    var style = message.style || {};
    var box = root.querySelector(".ab-box");
    var set = function (element, property, value) {
      if (element && value !== undefined && value !== null && value !== "") {
        element.style.setProperty(property, String(value));
      }
    };
    set(box, "border", style.ContainerBorder);
    set(box, "background", style.ContainerBg);
    set(box, "box-shadow", style.ContainerSh);
    var size = style.FontSize;
    if (typeof size === "number" || /^\d+(\.\d+)?$/.test(String(size))) {
      size = size + "px";
    }
    order.forEach(function (name) {
      var input = inputs[name];
      set(input, "font-size", size);
      set(input, "font-family", style.FontFamily);
      set(input, "font-weight", style.FontWeight);
      set(input, "color", style.Color);
    });
  }

  function answer(nonce, data) {
    if (data.code !== "0") {
      data.message = messageOfCode[data.code] || data.message || text.network;
      // Always sent, even when the same as before: this attempt failed too.
      shownError = data.message;
      post({ type: "asiabill:error", errorMessage: data.message });
    }
    post({ type: "asiabill:result", nonce: nonce, data: data });
  }

  function confirm(message) {
    order.forEach(function (name) {
      touched[name] = true;
    });
    var failed = validate(order);
    if (failed) {
      answer(message.nonce, { code: codeOf[failed], message: text[failed] });
      return;
    }
    report("");
    if (busy) {
      answer(message.nonce, { code: "E0005", message: "a payment method is already being created" });
      return;
    }
    busy = true;
    var body = {
      token: message.apikey || token,
      card: {
        cardNo: digits(inputs.cardNumber.value),
        cardExpireMonth: month(),
        cardExpireYear: year(),
        cardSecurityCode: inputs.cvv.value.trim()
      },
      billingDetail: message.billingDetail || {},
      customerId: message.customerId || ""
    };
    window
      .fetch("/static/v3/elements/payment_method", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      })
      .then(function (response) {
        return response.json();
      })
      .then(function (reply) {
        answer(message.nonce, reply && typeof reply.code === "string" ? reply : { code: "E0004", message: "" });
      })
      .catch(function () {
        answer(message.nonce, { code: "E0004", message: text.network });
      })
      .then(function () {
        busy = false;
      });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) {
      return;
    }
    var message = event.data;
    if (!message || typeof message.type !== "string") {
      return;
    }
    if (message.type === "asiabill:init") {
      applyLayout(message);
    } else if (message.type === "asiabill:confirm" && inputs.cardNumber) {
      confirm(message);
    }
  });

  if (inputs.cardNumber) {
    order.forEach(function (name) {
      var input = inputs[name];
      input.addEventListener("input", function () {
        input.value = input.value.replace(name === "cardNumber" ? /[^\d ]/g : /\D/g, "");
      });
      input.addEventListener("blur", function () {
        if (input.value !== "") {
          touched[name] = true;
        }
        if (autoValidate) {
          var failed = validate(touchedNames());
          report(failed ? text[failed] : "");
        }
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          post({ type: "asiabill:submit" });
        }
      });
    });
  }

  post({
    type: "asiabill:ready",
    ok: root.getAttribute("data-code") === "0",
    code: root.getAttribute("data-code"),
    message: root.getAttribute("data-message")
  });
})(window, document);
