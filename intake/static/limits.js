/* File limits checked in the browser, before a large body is sent (the server checks them again).
   A file over the size limit, or too many files, is taken out of the field at once with a message
   in the page's language (from the field's data attributes), so the form keeps everything typed. */
(function () {
  "use strict";
  function check(input) {
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
    var problems = [];
    var files = input.files || [];
    if (files.length > maxFiles) { problems.push(input.getAttribute("data-too-many")); }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxBytes) {
        problems.push(input.getAttribute("data-too-large").replace("{name}", files[i].name));
      }
    }
    var box = document.getElementById(input.id + "-client-error");
    if (!box) {
      box = document.createElement("ul");
      box.id = input.id + "-client-error";
      box.className = "field-errors";
      box.setAttribute("role", "alert");
      input.parentNode.insertBefore(box, input);
    }
    box.textContent = "";
    problems.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      box.appendChild(item);
    });
    if (problems.length) {
      input.value = "";
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
  function init() {
    var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].addEventListener("change", function (event) { check(event.target); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
