(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) { return; }
  var checks = Array.prototype.slice.call(document.querySelectorAll("details.check"));
  var search = document.getElementById("filter-text");
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[type=checkbox]"));
  var shown = document.getElementById("filter-shown");
  // Each finding row carries its own severity: the severity boxes show and hide rows, and a
  // check stays in view while one of its rows does (a critical finding of a high check too).
  var rows = checks.map(function (c) {
    return Array.prototype.slice.call(c.querySelectorAll("tr[data-severity]"));
  });
  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = {};
    boxes.forEach(function (b) { wanted[b.value] = b.checked; });
    var visibleChecks = 0;
    var visibleRows = 0;
    checks.forEach(function (c, i) {
      var text = c.textContent.toLowerCase();
      var matches = words.every(function (w) { return text.indexOf(w) !== -1; });
      var kept = 0;
      rows[i].forEach(function (r) {
        var ok = wanted[r.getAttribute("data-severity")] !== false;
        if (r.hidden === ok) { r.hidden = !ok; }
        if (ok) { kept += 1; }
      });
      var ok = matches && kept > 0;
      c.hidden = !ok;
      if (ok) { visibleChecks += 1; visibleRows += kept; }
    });
    shown.textContent = visibleChecks + " of " + checks.length + " failing checks shown (" +
      visibleRows + " findings)";
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
