// The composer's crop for Instagram: a frame of the chosen shape over the photo, dragged (mouse,
// touch or arrow keys) to the point of interest; the server makes the crop and the form keeps
// "<asset>:<shape>:<x>:<y>" in a hidden "crop" field.
(function () {
  "use strict";
  var SHAPES = { "4x5": 4 / 5, "1x1": 1, "191x100": 191 / 100 };
  var STEP = 0.02;

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("crop-dialog");
    var form = document.getElementById("post-form");
    if (!dialog || !form) return;
    var image = document.getElementById("crop-image");
    var frame = document.getElementById("crop-frame");
    var error = document.getElementById("crop-error");
    var apply = document.getElementById("crop-apply");
    var state = null;

    function shape() {
      var chosen = dialog.querySelector('input[name="crop-ratio"]:checked');
      return chosen ? chosen.value : "4x5";
    }

    // The frame's size as parts of the picture's width and height (as the server cuts it).
    function box() {
      var ratio = SHAPES[shape()];
      var wide = state.width / state.height > ratio;
      return wide ? { w: (state.height * ratio) / state.width, h: 1 }
                  : { w: 1, h: state.width / ratio / state.height };
    }

    function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

    function draw() {
      var size = box();
      state.x = clamp(state.x, size.w / 2, 1 - size.w / 2);
      state.y = clamp(state.y, size.h / 2, 1 - size.h / 2);
      frame.style.width = size.w * 100 + "%";
      frame.style.height = size.h * 100 + "%";
      frame.style.left = (state.x - size.w / 2) * 100 + "%";
      frame.style.top = (state.y - size.h / 2) * 100 + "%";
      var along = size.w < 1 ? state.x : state.y;
      frame.setAttribute("aria-valuenow", String(Math.round(along * 100)));
    }

    function open(button) {
      var current = form.querySelector('#crop-fields input[data-asset="' + button.dataset.cropAsset + '"]');
      var parts = current ? current.value.split(":") : [];
      state = {
        asset: button.dataset.cropAsset,
        width: Number(button.dataset.cropWidth) || 1,
        height: Number(button.dataset.cropHeight) || 1,
        x: parts.length === 4 ? Number(parts[2]) : 0.5,
        y: parts.length === 4 ? Number(parts[3]) : 0.5,
        busy: false,
      };
      if (parts.length === 4) {
        var radio = dialog.querySelector('input[name="crop-ratio"][value="' + parts[1] + '"]');
        if (radio) radio.checked = true;
      }
      document.getElementById("crop-photo").textContent = button.dataset.cropTitle || "";
      error.hidden = true;
      apply.disabled = false;
      image.src = button.dataset.cropSrc;
      image.alt = button.dataset.cropTitle || "";
      draw();
      dialog.showModal();
      frame.focus();
    }

    document.body.addEventListener("click", function (event) {
      var button = event.target.closest(".crop-open");
      if (button) open(button);
    });
    dialog.addEventListener("change", function () { if (state) draw(); });
    document.getElementById("crop-cancel").addEventListener("click", function () { dialog.close(); });

    // Dragging: the frame follows the pointer (mouse, pen or finger).
    var drag = null;
    frame.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      try { frame.setPointerCapture(event.pointerId); } catch (ignored) { /* already gone */ }
      drag = { px: event.clientX, py: event.clientY, x: state.x, y: state.y };
    });
    frame.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var rect = image.getBoundingClientRect();
      state.x = drag.x + (event.clientX - drag.px) / rect.width;
      state.y = drag.y + (event.clientY - drag.py) / rect.height;
      draw();
    });
    function stop() { drag = null; }
    frame.addEventListener("pointerup", stop);
    frame.addEventListener("pointercancel", stop);
    frame.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] };
      var move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      state.x += move[0];
      state.y += move[1];
      draw();
    });

    apply.addEventListener("click", function () {
      if (!state || state.busy) return;
      state.busy = true;
      apply.disabled = true;
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector('input[name="csrfmiddlewaretoken"]').value);
      data.append("asset", state.asset);
      data.append("ratio", shape());
      data.append("x", state.x.toFixed(3));
      data.append("y", state.y.toFixed(3));
      fetch(dialog.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; },
                                      function () { return { ok: false, body: {} }; });
        })
        .then(function (answer) {
          if (!answer.ok) throw new Error(answer.body.error || dialog.dataset.failed || "");
          var fields = document.getElementById("crop-fields");
          var input = fields.querySelector('input[data-asset="' + state.asset + '"]');
          if (!input) {
            input = document.createElement("input");
            input.type = "hidden";
            input.name = "crop";
            input.dataset.asset = state.asset;
            fields.appendChild(input);
          }
          input.value = answer.body.crop;
          dialog.close();
          document.body.dispatchEvent(new CustomEvent("picked"));
        })
        .catch(function (failure) {
          error.textContent = failure.message || dialog.dataset.failed;
          error.hidden = false;
        })
        .then(function () {
          state.busy = false;
          apply.disabled = false;
        });
    });
  });
})();
