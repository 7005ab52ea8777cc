// Upload from local (templates/storage/template_upload.html): tus-js-client
// sends the file to the server's tus endpoint, resumable (its fingerprint
// store keeps the upload URL, so the same file chosen again after a reload
// resumes at the server's offset); a Web Worker computes the MD5 meanwhile;
// at the end the MD5 is posted and the server verifies and keeps the file.
(() => {
  const form = document.getElementById("upload-form");
  if (!form || !window.tus) {
    return;
  }
  const byId = (id) => document.getElementById(id);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const fileInput = byId("upload-file");
  const drop = byId("upload-drop");
  const texts = JSON.parse(byId("upload-texts").textContent);
  let upload = null;
  let md5Promise = null;
  let worker = null;
  let samples = [];

  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  function bytes(count) {
    let value = count;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
  }

  function showError(text) {
    const box = byId("upload-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function setState(text) {
    byId("upload-state").textContent = text;
  }

  function buttons(running) {
    byId("upload-start").hidden = upload !== null;
    byId("upload-pause").hidden = !running;
    byId("upload-resume").hidden = running || upload === null;
    byId("upload-cancel").hidden = upload === null;
  }

  function progress(sent, total) {
    const now = performance.now();
    samples.push([now, sent]);
    samples = samples.filter(([time]) => now - time < 5000);
    const [firstTime, firstSent] = samples[0];
    const rate = now > firstTime ? ((sent - firstSent) * 1000) / (now - firstTime) : 0;
    const bar = byId("upload-bar");
    bar.max = total || 1;
    bar.value = sent;
    byId("upload-bytes").textContent = `${bytes(sent)} / ${bytes(total)}`;
    byId("upload-rate").textContent = `${bytes(rate)}/s`;
    byId("upload-eta").textContent = rate > 0 ? `${Math.ceil((total - sent) / rate)} s` : "…";
  }

  // The worker hashes the whole file while tus sends it.
  function hashFile(file) {
    worker?.terminate();
    worker = new Worker(form.dataset.uploadWorker);
    return new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        if (event.data.md5) {
          resolve(event.data.md5);
        } else if (event.data.error) {
          reject(new Error(event.data.error));
        }
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ file, hashWasm: form.dataset.hashWasm });
    });
  }

  function metadata(file) {
    const data = new FormData(form);
    const values = { filename: file.name };
    for (const name of ["name", "description", "zone", "format", "hypervisor", "checksum"]) {
      values[name] = String(data.get(name) || "");
    }
    for (const name of ["public", "every_zone", "featured", "extractable"]) {
      values[name] = data.get(name) ? "true" : "false";
    }
    return values;
  }

  async function finish() {
    setState(texts.verifying);
    buttons(false);
    byId("upload-pause").hidden = true;
    byId("upload-resume").hidden = true;
    byId("upload-cancel").hidden = true;
    try {
      const md5 = await md5Promise;
      const body = new URLSearchParams({ md5 });
      const response = await fetch(`${upload.url}complete/`, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Tus-Resumable": "1.0.0" },
      });
      if (response.ok) {
        const answer = await response.json();
        setState(texts.done);
        window.location.assign(answer.url);
        return;
      }
      showError(await response.text());
    } catch (error) {
      showError(String(error));
    }
    setState(texts.failed);
  }

  function start(file) {
    showError("");
    samples = [];
    md5Promise = hashFile(file);
    md5Promise.catch((error) => showError(String(error)));
    upload = new window.tus.Upload(file, {
      endpoint: form.dataset.uploadCreate,
      chunkSize: 16 * 1024 * 1024,
      // Long enough for a restarted web server: a request killed with it
      // holds the upload (423) until TRANSFER_STALE_SECONDS (2 min) pass.
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      headers: { "X-CSRFToken": csrf },
      metadata: metadata(file),
      removeFingerprintOnSuccess: true,
      onProgress: progress,
      onSuccess: finish,
      onError: (error) => {
        buttons(false);
        if (!navigator.onLine) {
          setState(texts.offline);
          resumeWhenOnline();
          return;
        }
        setState(texts.failed);
        showError(error.originalResponse ? error.originalResponse.getBody() : String(error));
      },
    });
    byId("upload-progress").hidden = false;
    setState(texts.sending);
    buttons(true);
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
      }
      upload.start();
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) {
      showError(texts.noFile);
      return;
    }
    start(file);
  });
  byId("upload-pause").addEventListener("click", () => {
    upload.abort();
    setState(texts.paused);
    buttons(false);
  });
  byId("upload-resume").addEventListener("click", () => {
    setState(texts.sending);
    buttons(true);
    upload.start();
  });
  byId("upload-cancel").addEventListener("click", async () => {
    worker?.terminate();
    try {
      await upload.abort(true);  // tus termination: the server removes the partial file
    } catch (error) {
      showError(String(error));
    }
    upload = null;
    setState(texts.cancelled);
    buttons(false);
  });
  // tus-js-client gives up while the browser is offline; start again (at
  // the server's offset) once it is back, unless paused or cancelled meanwhile.
  function resumeWhenOnline() {
    const timer = setInterval(() => {
      if (!navigator.onLine) {
        return;
      }
      clearInterval(timer);
      if (upload !== null && byId("upload-state").textContent === texts.offline) {
        setState(texts.sending);
        buttons(true);
        upload.start();
      }
    }, 1000);
  }

  // Drag and drop onto the page.
  document.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("upload-drop-over");
  });
  document.addEventListener("dragleave", () => drop.classList.remove("upload-drop-over"));
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("upload-drop-over");
    if (event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
    }
  });
})();
