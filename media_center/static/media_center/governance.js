// The guidelines' "Print" button (the print stylesheet keeps only the document).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
