// The composer: variant tabs, and chosen photos kept apart from the search results.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    var tabs = Array.prototype.slice.call(document.querySelectorAll('.variants [role="tab"]'));
    function select(tab) {
      tabs.forEach(function (other) {
        var on = other === tab;
        other.setAttribute("aria-selected", on ? "true" : "false");
        other.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(other.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(tab); });
      tab.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        var next = tabs[(index + step + tabs.length) % tabs.length];
        select(next);
        next.focus();
      });
    });
    if (tabs.length) select(tabs[0]);

    // A photo ticked in the search results moves to the chosen ones, so a new search keeps it.
    var chosen = document.getElementById("chosen-assets");
    var results = document.getElementById("picker-results");
    function picked() { document.body.dispatchEvent(new CustomEvent("picked")); }
    if (chosen && results) {
      results.addEventListener("change", function (event) {
        var box = event.target;
        if (!box.matches('input[name="assets"]') || !box.checked) return;
        var item = box.closest(".picker-item");
        var already = chosen.querySelector('input[value="' + box.value + '"]');
        if (already) { already.checked = true; item.remove(); }
        else chosen.appendChild(item);
        picked();
      });
      chosen.addEventListener("change", function () { picked(); });
    }
  });
})();
