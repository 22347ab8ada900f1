// The calendar: drag a post onto another day to move it there (same time of day). The date
// field under each post does the same without a mouse.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    var calendar = document.getElementById("calendar");
    var status = document.getElementById("calendar-status");
    if (!calendar) return;
    var dragged = null;
    calendar.addEventListener("dragstart", function (event) {
      var item = event.target.closest('.calendar-post[draggable="true"]');
      if (!item) return;
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-post"));
    });
    calendar.addEventListener("dragend", function () { dragged = null; });
    calendar.addEventListener("dragover", function (event) {
      var day = event.target.closest("[data-drop]");
      if (!day || !dragged) return;
      event.preventDefault();
      day.classList.add("drag-over");
    });
    calendar.addEventListener("dragleave", function (event) {
      var day = event.target.closest("[data-drop]");
      if (day) day.classList.remove("drag-over");
    });
    calendar.addEventListener("drop", function (event) {
      var day = event.target.closest("[data-drop]");
      if (!day || !dragged) return;
      event.preventDefault();
      day.classList.remove("drag-over");
      var item = dragged;
      var when = day.getAttribute("data-date") + "T" + (item.getAttribute("data-time") || "09:00");
      var body = new FormData();
      body.append("scheduled_at", when);
      body.append("csrfmiddlewaretoken", calendar.getAttribute("data-csrf"));
      var url = calendar.getAttribute("data-reschedule-url").replace("{id}", item.getAttribute("data-post"));
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          return response.text().then(function (text) {
            if (status) status.textContent = text;
            if (response.ok) {
              day.querySelector(".calendar-posts").appendChild(item);
              var field = item.querySelector('input[name="date"]');
              if (field) field.value = day.getAttribute("data-date-local");
            }
          });
        });
    });
  });
})();
