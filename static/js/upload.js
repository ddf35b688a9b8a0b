// Drag and drop onto the upload form, and a first check of type and size in the browser
// (the server checks again and decodes every file): a file refused here is listed and not sent, and the
// list is shown again on the page the upload returns to.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const problems = document.getElementById("upload-problems");
  const maxBytes = parseInt(form.dataset.maxBytes, 10);
  const allowed = /\.(png|tiff?|jpe?g|bmp)$/i;

  const NOT_SENT = "upload-not-sent";  // sessionStorage: the refused files' lines, across the upload's reload

  function list(lines) {
    problems.innerHTML = "";
    lines.forEach((line) => { const li = document.createElement("li"); li.textContent = line; problems.appendChild(li); });
  }
  list(JSON.parse(sessionStorage.getItem(NOT_SENT) || "[]"));
  sessionStorage.removeItem(NOT_SENT);

  function check() {  // the files that pass, and a line for each other one (listed on the page)
    const good = [], refused = [];
    for (const file of input.files) {
      let why = null;
      if (!allowed.test(file.name)) why = "not a PNG, TIFF, JPEG or BMP file";
      else if (file.size > maxBytes) why = `larger than the limit of ${(maxBytes / 1048576).toFixed(0)} MiB`;
      else if (file.size === 0) why = "empty";
      if (why) refused.push(`${file.name}: ${why}; not sent`);
      else good.push(file);
    }
    list(refused);
    return { good, refused };
  }
  input.addEventListener("change", check);
  ["dragenter", "dragover"].forEach((t) => form.addEventListener(t, (e) => { e.preventDefault(); form.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => form.addEventListener(t, () => form.classList.remove("over")));
  form.addEventListener("drop", (e) => { e.preventDefault(); input.files = e.dataTransfer.files; check(); });
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;
  form.addEventListener("submit", (e) => {
    const { good, refused } = check();
    if (input.files.length && good.length === 0) { e.preventDefault(); return; }
    // a large TIFF takes a while to send: say so, and a second press cannot upload the same files again
    button.disabled = true;
    button.textContent = `Uploading ${good.length} file${good.length === 1 ? "" : "s"}…`;
    if (refused.length) {  // send the good ones only: a refused 100 MB file is not uploaded
      sessionStorage.setItem(NOT_SENT, JSON.stringify(refused));
      try {
        const kept = new DataTransfer();
        good.forEach((file) => kept.items.add(file));
        input.files = kept.files;
      } catch (err) { /* a browser without DataTransfer sends them all; the server refuses the bad ones */ }
    }
  });
  // back to this page from the browser's history: the button works again
  window.addEventListener("pageshow", () => { button.disabled = false; button.textContent = label; });
})();
