/* Keyboard shortcuts of the review face. Progressive: every action is also a link or a button,
   and the pages work the same without this file. No network, no storage. */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(el.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox-table tbody tr[data-href]")); }
  function current() { var r = rows(); return r.findIndex(function (tr) { return tr.classList.contains("current"); }); }
  function select(index) {
    var r = rows();
    if (!r.length) { return; }
    index = Math.max(0, Math.min(r.length - 1, index));
    r.forEach(function (tr) { tr.classList.remove("current"); });
    r[index].classList.add("current");
    var link = r[index].querySelector("a");
    if (link) { link.focus(); }
  }
  function follow(selector) { var a = document.querySelector(selector); if (a) { window.location.href = a.href; } }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) && event.target.tagName !== "BUTTON") {
      return;
    }
    var i = current();
    switch (event.key) {
      case "j": select(i + 1); break;
      case "k": select(i < 0 ? 0 : i - 1); break;
      case "o":
        if (i >= 0) { window.location.href = rows()[i].getAttribute("data-href"); } else { return; }
        break;
      case "x":
        if (i >= 0) { var box = rows()[i].querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
        else { return; }
        break;
      case "]": follow("a[rel=next]"); break;
      case "[": follow("a[rel=prev]"); break;
      case "/": {
        var first = document.querySelector(".filter-bar select, .filter-bar input");
        if (!first) { return; }
        first.focus();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });
}());
