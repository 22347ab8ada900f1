// The upload page: Uppy's dashboard sends each file with the tus protocol (in parts, resumable)
// and the details typed in the form travel with it as metadata. Without JavaScript the page's
// plain form uploads one file.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var FIELDS = ["folder", "title", "theme", "tags", "date", "description", "credit", "location"];

  // 4xx other than a conflict or a lock is a refusal: sending the same file again cannot help.
  function isRefusal(status) {
    return status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 429;
  }

  // The portal's own reason in a refusal answered by the server ({"detail": "..."}), or null.
  function portalReason(error) {
    var response = error && error.originalResponse;
    if (!response || typeof response.getBody !== "function") return null;
    var status = response.getStatus();
    if (!isRefusal(status)) return null;
    var reason = "";
    try {
      reason = JSON.parse(response.getBody() || "{}").detail || "";
    } catch (ignored) {
      reason = "";
    }
    return { status: status, message: reason };
  }

  onReady(function () {
    var target = document.getElementById("uppy-dashboard");
    if (!target || !window.Uppy) return;
    document.documentElement.classList.add("has-uppy");
    var form = document.getElementById("upload-form");
    var results = document.getElementById("upload-results");
    var summary = document.getElementById("upload-summary");
    var strings = JSON.parse(document.getElementById("upload-strings").textContent);
    var U = window.Uppy;
    var indonesian = (target.dataset.language || "id") === "id";
    var counts = { created: 0, duplicate: 0, refused: 0, failed: 0 };
    var pending = 0;
    var uploading = false;

    // Every field travels, a blank one as an empty text: tus sends String(value), so a field
    // missing from the metadata would arrive as the word "undefined".
    function details() {
      var meta = {};
      FIELDS.forEach(function (name) {
        var field = form.elements[name];
        meta[name] = field && field.value ? String(field.value).trim() : "";
      });
      return meta;
    }

    var uppy = new U.Uppy({
      autoProceed: false,
      locale: indonesian && U.locales && U.locales.id_ID ? U.locales.id_ID : undefined,
      restrictions: { maxFileSize: parseInt(target.dataset.maxBytes, 10) || null },
      onBeforeUpload: function (files) {
        if (!form.elements.folder.value) {
          uppy.info(strings.chooseFolder, "error", 5000);
          return false;
        }
        var meta = details();
        Object.keys(files).forEach(function (id) {
          files[id].meta = Object.assign({}, files[id].meta, meta, { filename: files[id].name || "" });
        });
        return files;
      },
    });
    // Uppy announces a failed upload with tus's English technical message. A refusal by the
    // portal is listed below with the portal's own reason instead; other errors still show.
    var inform = uppy.info.bind(uppy);
    uppy.info = function (message, type, duration) {
      var details = message && typeof message === "object" ? String(message.details || "") : "";
      var code = /response code: (\d+)/.exec(details);
      if (type === "error" && code && isRefusal(parseInt(code[1], 10))) return;
      inform(message, type, duration);
    };
    uppy.use(U.Dashboard, {
      target: target,
      inline: true,
      width: "100%",
      height: 380,
      proudlyDisplayPoweredByUppy: false,
      showProgressDetails: true,
      hideProgressAfterFinish: false,
      doneButtonHandler: null,
    });
    uppy.use(U.Tus, {
      endpoint: target.dataset.endpoint,
      // Large parts mean few requests; a part cut short by a broken connection keeps what
      // arrived (the server answers HEAD with it), so nothing is sent twice.
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      allowedMetaFields: FIELDS.concat(["filename"]),
      headers: { "X-CSRFToken": target.dataset.csrf },
    });

    function show(name, result) {
      var item = document.createElement("li");
      item.className = "upload-result upload-" + result.status;
      var label = document.createElement("strong");
      label.textContent = (strings[result.status] || result.status) + ": ";
      item.appendChild(label);
      var file = document.createElement("span");
      file.className = "upload-file-name";
      file.textContent = name + " ";
      item.appendChild(file);
      if (result.message) {
        var why = document.createElement("span");
        why.className = "upload-reason";
        why.textContent = result.message + " ";
        item.appendChild(why);
      }
      if (result.url) {
        var link = document.createElement("a");
        link.href = result.url;
        link.textContent = strings.open + " “" + result.title + "”";
        item.appendChild(link);
      }
      results.appendChild(item);
      counts[result.status in counts ? result.status : "refused"] += 1;
    }

    // A file the portal did not store leaves Uppy's list: Uppy would count it as uploaded, or
    // offer to retry what cannot succeed. Its reason stays in the results below.
    function drop(file) {
      if (uppy.getFile(file.id)) uppy.removeFile(file.id);
      uppy.setState({ error: null });
    }

    function finishIfDone() {
      if (pending > 0 || (uploading && uppy.getFiles().length)) return;
      var total = counts.created + counts.duplicate + counts.refused + counts.failed;
      if (!total) return;
      var parts = [];
      [["created", "stored"], ["duplicate", "duplicate"], ["refused", "refused"], ["failed", "failed"]].forEach(
        function (pair) {
          if (counts[pair[0]]) parts.push(strings[pair[1] + "Count"].replace("%(count)s", counts[pair[0]]));
        },
      );
      summary.textContent = parts.join(" · ");
      summary.classList.remove("hidden");
      if (counts.created + counts.duplicate) {
        var done = document.getElementById("upload-done");
        var link = document.getElementById("upload-done-link");
        var folder = form.elements.folder.value;
        if (folder) link.href = link.dataset.folderUrl.replace("/0/", "/" + folder + "/");
        done.classList.remove("hidden");
      }
    }

    uppy.on("upload-error", function (file, error) {
      var refusal = portalReason(error);
      if (!file || !refusal) return; // a broken connection: Uppy offers to retry
      show(file.name, { status: "refused", message: refusal.message || strings.refusedNoReason });
      window.setTimeout(function () {
        drop(file);
        finishIfDone();
      }, 0);
    });

    uppy.on("upload-success", function (file, response) {
      pending += 1;
      fetch(response.uploadURL, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.json(); })
        .then(function (data) {
          var result = data.result || { status: "failed", message: strings.unknownResult };
          show(file.name, result);
          if (result.status === "refused" || result.status === "failed") drop(file);
        })
        .catch(function () {
          show(file.name, { status: "failed", message: strings.unknownResult });
        })
        .then(function () {
          pending -= 1;
          finishIfDone();
        });
    });
    uppy.on("complete", function () {
      uploading = false;
      finishIfDone();
    });
    uppy.on("upload", function () {
      uploading = true;
      summary.classList.add("hidden");
    });
  });
})();
