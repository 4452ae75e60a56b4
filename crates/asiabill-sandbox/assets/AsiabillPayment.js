/*
 * AsiaBill Sandbox: a stand-in for AsiaBill's in-site JS SDK (AsiabillPayment.min.js, V2022-03),
 * served by the offline simulator. Readable on purpose, despite the file name.
 *
 * The browser API is the real script's (API notes, section 12):
 *
 *   var asiabill = AsiabillPay(sessionToken);          // throws without a token
 *   asiabill.elementInit("payment_steps", {
 *     formId: "asiabill-card",                         // merchant wrapper (or <form>)
 *     formWrapperId: "asiabill-card-element",          // mount point, inside formId
 *     frameId: "asiabill-card-frame",                  // id given to the iframe
 *     customerId: "", autoValidate: true,
 *     layout: { pageMode: "inner" | "block",
 *               style: { frameMaxHeight: "47", input: { FontSize, FontFamily, FontWeight, Color,
 *                                                       ContainerBorder, ContainerBg, ContainerSh } } }
 *   }).then(...).catch(...);
 *   asiabill.confirmPaymentMethod({ apikey: sessionToken, trnxDetail: { billingDetail, card, customerId } })
 *     .then(function (result) {
 *       // result.data.code === "0": result.data.data.customerPaymentMethodId is "pm_..."
 *       // otherwise: result.data.message says why
 *     });
 *   window.addEventListener("getErrorMessage", function (e) { e.detail.errorMessage; });
 *
 * The card inputs live in an iframe served by the simulator (its origin is this script's
 * origin). The frame sends the card to the simulator itself; this page only ever gets the
 * payment method id. The page and the frame talk with window.postMessage, each checking the
 * other's origin (and the page the frame's window):
 *
 *   frame -> page   {type: "asiabill:ready", ok, code, message}     frame loaded; token checked
 *   page  -> frame  {type: "asiabill:init", mode, style, autoValidate}
 *   page  -> frame  {type: "asiabill:confirm", nonce, apikey, billingDetail, customerId}
 *   frame -> page   {type: "asiabill:result", nonce, data}          data = {code, message, data?}
 *   frame -> page   {type: "asiabill:error", errorMessage}          -> CustomEvent "getErrorMessage"
 *                                                                      ("" once the fields are valid again)
 *   frame -> page   {type: "asiabill:submit"}                       Enter pressed: submit formId
 */
(function (window, document) {
  "use strict";

  var SCRIPT_NAME = "AsiabillPayment.min.js";
  var FRAME_PATH = "/static/v3/elements/card";
  var READY_TIMEOUT_MS = 20000;
  var CONFIRM_TIMEOUT_MS = 60000;
  var DEFAULT_FRAME_ID = "asiabill-card-frame";

  function scriptUrl() {
    var current = document.currentScript;
    if (current && current.src) {
      return current.src;
    }
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (scripts[i].src && scripts[i].src.indexOf(SCRIPT_NAME) !== -1) {
        return scripts[i].src;
      }
    }
    return window.location.href;
  }

  // The simulator's origin: where this script came from, and where the card frame lives.
  var SANDBOX_ORIGIN = new URL(scriptUrl(), window.location.href).origin;

  function failure(code, message) {
    return { data: { code: String(code), message: String(message) } };
  }

  function reportError(message) {
    window.dispatchEvent(new CustomEvent("getErrorMessage", { detail: { errorMessage: message } }));
  }

  function randomNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function pixels(value, fallback) {
    var n = parseFloat(value);
    return (isFinite(n) && n > 0 ? n : fallback) + "px";
  }

  function Payment(token) {
    this.token = token;
    this.frame = null;
    this.form = null;
    this.layout = {};
    this.autoValidate = false;
    this.ready = false;
    this.readyWaiter = null;
    this.confirms = {};
    window.addEventListener("message", this.receive.bind(this));
  }

  Payment.prototype.elementInit = function (name, options) {
    var self = this;
    options = options || {};
    if (name !== "payment_steps") {
      return Promise.reject(failure("E0001", "unknown element: " + name));
    }
    var mount = document.getElementById(options.formWrapperId);
    if (!mount) {
      return Promise.reject(failure("E0001", "formWrapperId does not name an element: " + options.formWrapperId));
    }
    var form = null;
    if (options.formId) {
      form = document.getElementById(options.formId);
      if (!form || !form.contains(mount)) {
        return Promise.reject(failure("E0001", "formId must name an element around formWrapperId: " + options.formId));
      }
    }
    var layout = options.layout || {};
    var style = layout.style || {};
    var mode = layout.pageMode === "block" ? "block" : "inner";
    var frameId = options.frameId || DEFAULT_FRAME_ID;

    this.discardFrame();
    var stale = document.getElementById(frameId);
    if (stale && stale.tagName === "IFRAME" && stale.parentNode) {
      stale.parentNode.removeChild(stale);
    }

    var frame = document.createElement("iframe");
    frame.id = frameId;
    frame.name = frameId;
    frame.title = "AsiaBill secure card fields";
    frame.setAttribute("frameborder", "0");
    frame.setAttribute("scrolling", "no");
    frame.setAttribute("allowtransparency", "true");
    frame.setAttribute("allow", "payment");
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.overflow = "hidden";
    frame.style.background = "transparent";
    frame.style.height = pixels(style.frameMaxHeight, mode === "block" ? 104 : 47);
    var query = new URLSearchParams({
      token: this.token,
      origin: window.location.origin,
      mode: mode,
      lang: document.documentElement.lang || navigator.language || "en"
    });
    frame.src = SANDBOX_ORIGIN + FRAME_PATH + "?" + query.toString();

    this.frame = frame;
    this.form = form;
    this.layout = { mode: mode, style: style.input || {} };
    this.autoValidate = options.autoValidate === true;
    if (form) {
      form.setAttribute("data-asiabill-element", "payment_steps");
    }

    return new Promise(function (resolve, reject) {
      var waiter = {
        resolve: function (value) {
          window.clearTimeout(timer);
          resolve(value);
        },
        reject: function (value) {
          window.clearTimeout(timer);
          reject(value);
        }
      };
      var timer = window.setTimeout(function () {
        if (self.readyWaiter === waiter) {
          self.readyWaiter = null;
        }
        var result = failure("E0002", "the card frame did not load");
        reportError(result.data.message);
        reject(result);
      }, READY_TIMEOUT_MS);
      self.readyWaiter = waiter;
      mount.appendChild(frame);
    });
  };

  Payment.prototype.discardFrame = function () {
    if (this.readyWaiter) {
      this.readyWaiter.reject(failure("E0003", "the card frame was replaced"));
      this.readyWaiter = null;
    }
    if (this.frame && this.frame.parentNode) {
      this.frame.parentNode.removeChild(this.frame);
    }
    this.frame = null;
    this.ready = false;
    var nonces = Object.keys(this.confirms);
    for (var i = 0; i < nonces.length; i++) {
      this.confirms[nonces[i]](failure("E0003", "the card frame was replaced"));
    }
    this.confirms = {};
  };

  Payment.prototype.confirmPaymentMethod = function (args) {
    var self = this;
    args = args || {};
    var detail = args.trnxDetail || {};
    if (!this.frame || !this.ready) {
      var notReady = failure("E0003", "elementInit has not finished");
      reportError(notReady.data.message);
      return Promise.resolve(notReady);
    }
    var nonce = randomNonce();
    var target = this.frame.contentWindow;
    return new Promise(function (resolve) {
      var timer = window.setTimeout(function () {
        delete self.confirms[nonce];
        resolve(failure("E0004", "no answer from the card frame"));
      }, CONFIRM_TIMEOUT_MS);
      self.confirms[nonce] = function (result) {
        window.clearTimeout(timer);
        resolve(result);
      };
      // The card fields of trnxDetail are empty by design: the frame fills them.
      target.postMessage(
        {
          type: "asiabill:confirm",
          nonce: nonce,
          apikey: String(args.apikey || self.token),
          billingDetail: detail.billingDetail || {},
          customerId: detail.customerId || ""
        },
        SANDBOX_ORIGIN
      );
    });
  };

  Payment.prototype.receive = function (event) {
    if (event.origin !== SANDBOX_ORIGIN || !this.frame || event.source !== this.frame.contentWindow) {
      return;
    }
    var message = event.data;
    if (!message || typeof message.type !== "string") {
      return;
    }
    switch (message.type) {
      case "asiabill:ready":
        this.onReady(message);
        break;
      case "asiabill:result": {
        var settle = this.confirms[message.nonce];
        if (settle) {
          delete this.confirms[message.nonce];
          settle({ data: message.data });
        }
        break;
      }
      case "asiabill:error":
        reportError(String(message.errorMessage || ""));
        break;
      case "asiabill:submit":
        if (this.form && this.form.tagName === "FORM") {
          if (typeof this.form.requestSubmit === "function") {
            this.form.requestSubmit();
          } else {
            this.form.submit();
          }
        }
        break;
    }
  };

  Payment.prototype.onReady = function (message) {
    var waiter = this.readyWaiter;
    this.readyWaiter = null;
    if (message.ok) {
      this.ready = true;
      this.frame.contentWindow.postMessage(
        { type: "asiabill:init", mode: this.layout.mode, style: this.layout.style, autoValidate: this.autoValidate },
        SANDBOX_ORIGIN
      );
      if (waiter) {
        waiter.resolve({ data: { code: "0", message: "success" } });
      }
    } else {
      var result = failure(message.code || "T0001", message.message || "the session token was refused");
      reportError(result.data.message);
      if (waiter) {
        waiter.reject(result);
      }
    }
  };

  function AsiabillPay(sessionToken) {
    if (typeof sessionToken !== "string" || sessionToken.trim() === "") {
      throw new Error("AsiabillPay: a sessionToken is required");
    }
    return new Payment(sessionToken.trim());
  }

  window.AsiabillPay = AsiabillPay;
})(window, document);
