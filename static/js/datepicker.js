// The portal's small calendar for date fields (input[data-picker]): the field stays text in the
// interface's format (Indonesian 04/12/2026, with the time as 14.30), typed or picked here. The
// browser's native picker is not used: it follows the browser's language (mm/dd/yyyy).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // strftime subset used by the portal's formats: %d %m %Y.
  function format(date, pattern) {
    return pattern
      .replace("%d", pad(date.getDate()))
      .replace("%m", pad(date.getMonth() + 1))
      .replace("%Y", String(date.getFullYear()));
  }

  function parse(text, pattern) {
    var order = [];
    var source = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%([dmY])/g, function (_m, code) {
      order.push(code);
      return code === "Y" ? "(\\d{4})" : "(\\d{1,2})";
    });
    var found = new RegExp("^\\s*" + source).exec(text || "");
    if (!found) return null;
    var parts = {};
    order.forEach(function (code, i) {
      parts[code] = parseInt(found[i + 1], 10);
    });
    var date = new Date(parts.Y, parts.m - 1, parts.d);
    return isNaN(date.getTime()) ? null : { date: date, rest: text.slice(found[0].length) };
  }

  // A small calendar drawing (no emoji: not every system has a font for it).
  function calendarIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    [["rect", { x: 2.5, y: 4, width: 15, height: 13.5, rx: 2 }],
     ["path", { d: "M2.5 8.5h15M6.5 2v4M13.5 2v4" }]].forEach(function (shape) {
      var el = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (key) {
        el.setAttribute(key, shape[1][key]);
      });
      el.setAttribute("fill", "none");
      el.setAttribute("stroke", "currentColor");
      el.setAttribute("stroke-width", "1.6");
      svg.appendChild(el);
    });
    return svg;
  }

  function open(input, button) {
    // A date-and-time field's format is "<date> <time>": the calendar writes the date part.
    var full = input.dataset.format || "%d/%m/%Y";
    var pattern = full.split(" ")[0];
    var timePattern = full.split(" ")[1] || "";
    var lang = document.documentElement.lang || "id";

    var current = parse(input.value, pattern);
    var shown = current ? current.date : new Date();
    var month = new Date(shown.getFullYear(), shown.getMonth(), 1);
    var panel = document.createElement("div");
    panel.className = "datepicker";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", input.dataset.pickerLabel || "");

    function choose(day) {
      var rest = current ? current.rest : "";
      if (!rest.trim() && timePattern) rest = " " + timePattern.replace("%H", "09").replace("%M", "00");
      input.value = format(day, pattern) + rest;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      close();
      input.focus();
    }

    function render() {
      panel.textContent = "";
      var head = document.createElement("div");
      head.className = "datepicker-head";
      var prev = document.createElement("button");
      prev.type = "button";
      prev.textContent = "‹";
      prev.setAttribute("aria-label", "−1");
      prev.addEventListener("click", function () {
        month = new Date(month.getFullYear(), month.getMonth() - 1, 1);
        render();
      });
      var next = document.createElement("button");
      next.type = "button";
      next.textContent = "›";
      next.setAttribute("aria-label", "+1");
      next.addEventListener("click", function () {
        month = new Date(month.getFullYear(), month.getMonth() + 1, 1);
        render();
      });
      var title = document.createElement("strong");
      title.textContent = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric" }).format(month);
      head.appendChild(prev);
      head.appendChild(title);
      head.appendChild(next);
      panel.appendChild(head);
      var grid = document.createElement("div");
      grid.className = "datepicker-grid";
      var weekday = new Intl.DateTimeFormat(lang, { weekday: "short" });
      for (var w = 0; w < 7; w++) {
        var name = document.createElement("span");
        name.className = "datepicker-weekday";
        name.textContent = weekday.format(new Date(2024, 0, 1 + w)); // 1 Jan 2024 was a Monday
        grid.appendChild(name);
      }
      var offset = (month.getDay() + 6) % 7;
      for (var blank = 0; blank < offset; blank++) grid.appendChild(document.createElement("span"));
      var days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
      for (var d = 1; d <= days; d++) {
        (function (day) {
          var cell = document.createElement("button");
          cell.type = "button";
          cell.textContent = String(day.getDate());
          cell.setAttribute("aria-label", format(day, pattern));
          if (current && day.getTime() === current.date.getTime()) cell.setAttribute("aria-pressed", "true");
          cell.addEventListener("click", function () {
            choose(day);
          });
          grid.appendChild(cell);
        })(new Date(month.getFullYear(), month.getMonth(), d));
      }
      panel.appendChild(grid);
    }

    function close() {
      if (panel.parentNode) panel.parentNode.removeChild(panel);
      button.setAttribute("aria-expanded", "false");
      document.removeEventListener("keydown", onKey);
    }

    function onKey(event) {
      if (event.key === "Escape") {
        close();
        button.focus();
      }
    }

    render();
    button.parentNode.insertBefore(panel, button.nextSibling);
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("keydown", onKey);
    var first = panel.querySelector("[aria-pressed=true]") || panel.querySelector(".datepicker-grid button");
    if (first) first.focus();
    return close;
  }

  onReady(function () {
    document.querySelectorAll("input[data-picker]").forEach(function (input) {
      var wrap = document.createElement("span");
      wrap.className = "datepicker-field";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "datepicker-button";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-label", input.dataset.pickerLabel || "");
      button.appendChild(calendarIcon());
      wrap.appendChild(button);
      var close = null;
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-expanded") === "true" && close) close();
        else close = open(input, button);
      });
    });
  });
})();
