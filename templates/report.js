(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) { return; }
  var checks = Array.prototype.slice.call(document.querySelectorAll("details.check"));
  var search = document.getElementById("filter-text");
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[type=checkbox]"));
  var shown = document.getElementById("filter-shown");
  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = {};
    boxes.forEach(function (b) { wanted[b.value] = b.checked; });
    var visible = 0;
    checks.forEach(function (c) {
      var text = c.textContent.toLowerCase();
      var ok = wanted[c.getAttribute("data-severity")] !== false &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      c.hidden = !ok;
      if (ok) { visible += 1; }
    });
    shown.textContent = visible + " of " + checks.length + " failing checks shown";
  }
  function openAll(open) { checks.forEach(function (c) { c.open = open; }); }
  search.addEventListener("input", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  document.getElementById("expand-all").addEventListener("click", function () { openAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { openAll(false); });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  bar.hidden = false;
  apply();
})();
