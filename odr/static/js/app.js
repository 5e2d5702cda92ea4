// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // Steps that cannot be undone ask once more.
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // A file over the limit is refused here, before it travels.
    var input = form.querySelector("input[type=file][data-max-bytes]");
    if (input && input.files.length && input.files[0].size > Number(input.getAttribute("data-max-bytes"))) {
      event.preventDefault();
      input.setCustomValidity(input.getAttribute("data-too-large"));
      input.reportValidity();
      return;
    }
    // One click, one request: no double submissions on a slow connection.
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // Coming back with the browser's back button shows the page as it was left: usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });

  document.addEventListener("change", function (event) {
    if (event.target.type === "file") {
      event.target.setCustomValidity("");
    }
  });

  // Put the keyboard where the problem is: the error summary after a refused form.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
