// Per-cell strength sliders of the result page: a change is sent to the job API (only the blend runs
// again, not the model) and the cell's preview, the enhanced karyogram and the whole karyogram's figures
// (measured again on the new result) update in place, without a page reload. "Apply to all" sets every
// cell at once. A download asked for while a change is being applied starts once it is, so the file has
// the strengths shown. Whether a change applied is said in the "All cells" row and beside each cell
// changed (that row is out of view when one low in the gallery is moved). Without script the form posts
// as before.
(function () {
  const form = document.getElementById("strengths");
  if (!form) return;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const status = form.querySelector("[data-strength-status]");
  const sliders = [...form.querySelectorAll("input[data-strength]:not(:disabled)")];  // not a cell left original
  const all = form.querySelector("[data-strength-all]");
  let pending = {}, pendingAll = false, busy = false, download = null;

  function show(slider) {
    const box = slider.closest("p, .cell");
    box.querySelector("output").value = Number(slider.value).toFixed(2);
    const capped = box.querySelector("[data-cap]");  // a cell the fidelity guard caps: what the result uses
    if (capped) capped.querySelector("[data-applied]").textContent = Math.min(Number(slider.value), Number(capped.dataset.cap)).toFixed(2);
  }

  function say(text, labels, everyCell) {
    status.textContent = text;
    if (everyCell) {  // "apply to all": its own row says it; what the cells said before no longer holds
      form.querySelectorAll("[data-cell-status]").forEach((cell) => { cell.textContent = ""; });
      return;
    }
    labels.forEach((label) => {
      const cell = form.querySelector(`[data-cell='${label}'] [data-cell-status]`);
      if (cell) cell.textContent = text;
    });
  }

  // The whole karyogram's figures describe the result as downloaded: they follow each change applied.
  function showReport(report) {
    const card = document.querySelector("[data-job-report]");
    if (!card || !report) return;
    report.figures.forEach((figure) => {
      const row = card.querySelector(`[data-report-figure='${figure.name}']`);
      if (!row) return;
      row.querySelector("[data-report-value]").textContent = figure.value;
      row.querySelector("[data-report-meaning]").textContent = figure.meaning;
      const holds = row.querySelector("[data-report-holds]");
      holds.dataset.reportHolds = String(figure.holds);
      holds.textContent = figure.holds === null ? "— not measured" : figure.holds ? "✓ yes" : "✗ no";
    });
    const verdict = card.querySelector("[data-report-verdict]");
    const missed = report.shortfalls;
    verdict.textContent = missed.length ? `Below target: ${missed.join("; ")}.` : "Every target measured holds.";
    verdict.classList.toggle("warning-text", missed.length > 0);
  }

  function message(body, response) {
    const detail = body.strengths || body.state || body.detail || response.statusText;
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  }

  async function send() {
    if (busy || Object.keys(pending).length === 0) return;
    const strengths = pending, labels = Object.keys(strengths), everyCell = pendingAll;
    pending = {};
    pendingAll = false;
    busy = true;
    form.setAttribute("aria-busy", "true");
    say("Applying…", labels, everyCell);
    try {
      const response = await fetch(`/api/jobs/${form.dataset.job}/strengths/`, {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ strengths }),
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(message(body, response));
      const version = "?v=" + encodeURIComponent(body.updated);
      labels.forEach((label) => {
        const img = form.querySelector(`[data-cell='${label}'] img[data-cell-enhanced]`);
        if (img) img.src = img.dataset.cellEnhanced + version;
      });
      document.querySelectorAll("img[data-enhanced]").forEach((img) => { img.src = img.dataset.enhanced + version; });
      body.cells.forEach((cell) => {
        const slider = sliders.find((s) => s.dataset.strength === cell.label);
        if (slider && !(cell.label in pending)) { slider.value = cell.strength; show(slider); }
      });
      showReport(body.report);
      say("Applied.", labels, everyCell);
    } catch (err) {
      say("Not applied: " + err.message, labels, everyCell);
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
      send();
      if (!busy && download) { const href = download; download = null; window.location.href = href; }
    }
  }

  document.querySelectorAll("a[data-download]").forEach((link) => link.addEventListener("click", (event) => {
    if (!busy && Object.keys(pending).length === 0) return;
    event.preventDefault();
    download = link.href;
    status.textContent = "Applying… the download starts once the new strengths are applied.";
  }));

  sliders.forEach((slider) => {
    slider.addEventListener("input", () => show(slider));
    slider.addEventListener("change", () => { pending[slider.dataset.strength] = Number(slider.value); send(); });
  });
  all.addEventListener("input", () => show(all));
  form.querySelector("[data-apply-all]").addEventListener("click", () => {
    sliders.forEach((slider) => { slider.value = all.value; show(slider); pending[slider.dataset.strength] = Number(all.value); });
    pendingAll = true;
    send();
  });
  form.querySelector("[data-strength-all-row]").hidden = false;
  form.querySelector("[data-apply]").hidden = true;  // each change applies at once
})();
