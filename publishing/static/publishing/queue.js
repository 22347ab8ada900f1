// The approval queue: "select all" ticks every post of the page.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    document.querySelectorAll('input[name="ids"][form="approve-many"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
