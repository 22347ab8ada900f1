// The satisfaction survey widget.
//
// On the portal's pages (and in its frame) it enhances the server-rendered form: one click sends
// the answer and the results appear in place. Without JavaScript the form posts and the results
// page follows. Loaded by another site as /survey/<slug>/embed.js, it draws the widget in a
// shadow DOM after its own <script> tag, talking to the portal with CORS (listed sites only).
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var script = document.currentScript;
  var embedMatch = script && script.src ? /^(https?:\/\/[^/]+)\/survey\/([^/]+)\/embed\.js/.exec(script.src) : null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function countText(texts, total) {
    var pattern = total === 1 ? texts.total_one : texts.total_other;
    return String(pattern || "%(count)s").replace("%(count)s", String(total));
  }

  // Draw the results (same markup as the server's _results.html).
  function renderResults(container, results, texts) {
    while (container.firstChild) container.removeChild(container.firstChild);
    if (!results || !results.total) {
      container.appendChild(el("p", "pmc-empty", texts.no_votes));
      return;
    }
    var list = el("ul", "pmc-bars");
    var summary = [];
    results.answers.forEach(function (answer) {
      var row = el("li", "pmc-row");
      row.appendChild(el("span", "pmc-label", answer.label));
      row.appendChild(document.createTextNode(" "));
      var svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "pmc-bar");
      svg.setAttribute("viewBox", "0 0 100 10");
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("aria-hidden", "true");
      var track = document.createElementNS(SVG, "rect");
      track.setAttribute("class", "pmc-track");
      track.setAttribute("width", "100");
      track.setAttribute("height", "10");
      var fill = document.createElementNS(SVG, "rect");
      fill.setAttribute("class", "pmc-fill pmc-" + answer.value);
      fill.setAttribute("width", String(answer.percent));
      fill.setAttribute("height", "10");
      svg.appendChild(track);
      svg.appendChild(fill);
      row.appendChild(svg);
      row.appendChild(document.createTextNode(" "));
      row.appendChild(el("span", "pmc-pct", answer.percent + " %"));
      list.appendChild(row);
      summary.push(answer.label + " " + answer.percent + " %");
    });
    container.appendChild(list);
    container.appendChild(el("p", "pmc-summary", summary.join(" | ")));
    container.appendChild(el("p", "pmc-total", countText(texts, results.total)));
  }

  function showStatus(widget, kind, text) {
    var status = widget.querySelector(".pmc-status");
    if (!status) {
      status = el("p", "pmc-status");
      status.setAttribute("role", "status");
      var question = widget.querySelector(".pmc-question");
      widget.insertBefore(status, question ? question.nextSibling : widget.firstChild);
    }
    status.className = "pmc-status pmc-status-" + kind;
    status.textContent = text;
  }

  // Send one answer; on success show the results instead of the buttons.
  function attach(widget, form, texts, options) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) return; // let the browser post the form
      event.preventDefault();
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      var token = form.querySelector("input[name=token]").value;
      fetch(form.action, {
        method: "POST",
        credentials: options.credentials,
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ answer: button.value, token: token })
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (reply) {
        if (!reply.ok) {
          showStatus(widget, "error", reply.data.detail || texts.error);
          buttons.forEach(function (b) { b.disabled = false; });
          return;
        }
        showStatus(widget, reply.data.counted ? "success" : "info", reply.data.message);
        form.hidden = true;
        var results = widget.querySelector(".pmc-results");
        renderResults(results, reply.data.results, texts);
        results.hidden = false;
      }).catch(function () {
        showStatus(widget, "error", texts.error);
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });
  }

  function enhancePage() {
    document.querySelectorAll(".pmc-survey").forEach(function (widget) {
      var form = widget.querySelector(".pmc-form");
      if (!form || !window.fetch) return;
      var texts = {};
      try { texts = JSON.parse(widget.getAttribute("data-texts") || "{}"); } catch (e) { texts = {}; }
      attach(widget, form, texts, { credentials: "same-origin" });
    });
  }

  // --- the embed on another site ----------------------------------------------------------------
  function fallbackLink(root, pageUrl) {
    var english = /^en/i.test(document.documentElement.lang || "");
    var box = el("p", "pmc-more");
    var link = el("a", null, english ? "Answer the satisfaction survey" : "Isi survei kepuasan");
    link.href = pageUrl;
    link.target = "_blank";
    link.rel = "noopener";
    box.appendChild(link);
    root.appendChild(box);
  }

  function embed(origin, slug) {
    var host = document.createElement("div");
    host.className = "pmc-survey-embed";
    script.parentNode.insertBefore(host, script.nextSibling);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var base = origin + "/survey/" + encodeURIComponent(slug) + "/";
    fetch(base + "widget.json", { credentials: "include", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        return response.json();
      })
      .then(function (data) {
        var texts = data.texts || {};
        var style = document.createElement("link");
        style.rel = "stylesheet";
        style.href = data.stylesheet;
        root.appendChild(style);
        var widget = el("section", "pmc-survey");
        widget.setAttribute("aria-label", data.question);
        widget.appendChild(el("h2", "pmc-question", data.question));
        var form = el("form", "pmc-form");
        form.method = "post";
        form.action = data.vote_url;
        var token = el("input");
        token.type = "hidden";
        token.name = "token";
        token.value = data.token;
        form.appendChild(token);
        var answers = el("div", "pmc-answers");
        data.answers.forEach(function (answer) {
          var button = el("button", "pmc-answer pmc-" + answer.value, answer.label);
          button.type = "submit";
          button.name = "answer";
          button.value = answer.value;
          answers.appendChild(button);
        });
        form.appendChild(answers);
        widget.appendChild(form);
        var results = el("div", "pmc-results");
        results.setAttribute("aria-live", "polite");
        renderResults(results, data.results, texts);
        widget.appendChild(results);
        if (!data.is_open) {
          form.hidden = true;
          widget.insertBefore(el("p", "pmc-note", texts.closed), results);
        } else if (data.voted) {
          form.hidden = true;
        } else {
          results.hidden = true;
        }
        root.appendChild(widget);
        attach(widget, form, texts, { credentials: "include" });
      })
      .catch(function () { fallbackLink(root, base); });
  }

  if (embedMatch) {
    embed(embedMatch[1], decodeURIComponent(embedMatch[2]));
  } else if (document.readyState !== "loading") {
    enhancePage();
  } else {
    document.addEventListener("DOMContentLoaded", enhancePage);
  }
})();
