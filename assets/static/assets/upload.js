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

  onReady(function () {
    var target = document.getElementById("uppy-dashboard");
    if (!target || !window.Uppy) return;
    document.documentElement.classList.add("has-uppy");
    var form = document.getElementById("upload-form");
    var results = document.getElementById("upload-results");
    var strings = JSON.parse(document.getElementById("upload-strings").textContent);
    var U = window.Uppy;
    var indonesian = (target.dataset.language || "id") === "id";

    function details() {
      var meta = {};
      FIELDS.forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) meta[name] = field.value;
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
          files[id].meta = Object.assign({}, files[id].meta, meta, { filename: files[id].name });
        });
        return files;
      },
    });
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

    function show(file, result) {
      var item = document.createElement("li");
      item.className = "upload-result upload-" + result.status;
      var label = document.createElement("strong");
      label.textContent = (strings[result.status] || result.status) + ": ";
      item.appendChild(label);
      item.appendChild(document.createTextNode(file.name + " "));
      if (result.message) {
        var why = document.createElement("span");
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
    }

    uppy.on("upload-success", function (file, response) {
      fetch(response.uploadURL, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.json(); })
        .then(function (data) {
          var result = data.result || { status: "refused", message: "" };
          show(file, result);
          if (result.status === "refused" || result.status === "failed") {
            uppy.setFileState(file.id, { error: result.message });
          }
        });
    });
    uppy.on("complete", function () {
      var done = document.getElementById("upload-done");
      var link = document.getElementById("upload-done-link");
      var folder = form.elements.folder.value;
      if (folder) link.href = link.dataset.folderUrl.replace("/0/", "/" + folder + "/");
      done.classList.remove("hidden");
    });
  });
})();
