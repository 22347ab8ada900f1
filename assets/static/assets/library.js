// The library grid: select all on the page, and show only the field the chosen bulk action needs.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="ids"][form="bulk-form"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    }
    var action = document.querySelector('#bulk-form select[name="action"]');
    function toggle() {
      document.querySelectorAll("[data-bulk-for]").forEach(function (part) {
        part.classList.toggle("hidden", part.getAttribute("data-bulk-for") !== action.value);
      });
    }
    if (action) {
      action.addEventListener("change", toggle);
      toggle();
    }
  });
})();
