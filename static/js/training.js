// Training run page: poll the run's status, update the progress bar, draw the loss curves, refresh samples.
(function () {
  const box = document.getElementById("training");
  if (!box) return;
  const plot = document.getElementById("loss-plot");
  const sample = document.getElementById("training-sample");
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = { G_A: "#0066cc", G_B: "#5c940d", D_A: "#d9480f", D_B: "#ae3ec9", cycle_A: "#1098ad", cycle_B: "#f08c00" };
  const set = (sel, value) => { const el = box.querySelector(sel); if (el) el.textContent = value; };

  function drawLosses(losses) {
    plot.replaceChildren();
    if (!losses.length) return;
    const names = Object.keys(losses[0][1]).filter((n) => n in COLOURS);
    const xs = losses.map((l) => l[0]);
    const all = losses.flatMap((l) => names.map((n) => l[1][n]));
    const xmin = Math.min(...xs), xmax = Math.max(...xs, xmin + 1), ymax = Math.max(...all, 1e-6);
    const sx = (x) => 40 + (x - xmin) / (xmax - xmin) * 540, sy = (y) => 220 - y / ymax * 200;
    names.forEach((name, i) => {
      const line = document.createElementNS(NS, "polyline");
      line.setAttribute("points", losses.map((l) => `${sx(l[0]).toFixed(1)},${sy(l[1][name]).toFixed(1)}`).join(" "));
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", COLOURS[name]);
      const label = document.createElementNS(NS, "text");
      label.setAttribute("x", 45 + i * 90); label.setAttribute("y", 235); label.setAttribute("fill", COLOURS[name]);
      label.textContent = name;
      plot.append(line, label);
    });
    const top = document.createElementNS(NS, "text");
    top.setAttribute("x", 2); top.setAttribute("y", 24); top.textContent = ymax.toFixed(2);
    plot.append(top);
  }

  function refreshSample() {
    const probe = new Image();
    probe.onload = () => { sample.src = probe.src; sample.hidden = false; };
    probe.src = box.dataset.sample + "?t=" + Date.now();
  }

  async function poll() {
    let active = true;
    try {
      const response = await fetch(box.dataset.status, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const run = await response.json();
        set("[data-run-state]", run.state_display);
        box.querySelector("[data-run-progress]").value = run.progress;
        set("[data-run-percent]", run.progress + "%");
        set("[data-run-epoch]", run.epoch);
        set("[data-run-iteration]", run.iteration);
        set("[data-run-iterations]", run.iterations);
        box.querySelector("[data-run-counts]").hidden = !run.iterations;  // "0 of 0" says nothing yet
        box.querySelector("[data-run-starting]").hidden = Boolean(run.iterations);
        set("[data-run-error]", run.error);
        set("[data-run-waiting]", run.waiting_for_worker);
        box.querySelector("[data-run-waiting]").hidden = !run.waiting_for_worker;
        drawLosses(run.losses);
        const cancel = box.querySelector("[data-run-cancel]");
        if (cancel && !run.cancellable) cancel.remove();
        if (run.sample) refreshSample();  // none before the first epoch ends: no request that can only 404
        active = run.active;
      }
    } catch (err) { /* a missed poll is retried */ }
    if (active) setTimeout(poll, 2000);
  }
  poll();
})();
