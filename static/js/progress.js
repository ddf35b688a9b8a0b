// Live progress of queued work: poll its JSON status (an enhancement job's unaudited progress by default, or the bar's
// data-job-url) and update stage, bar, error and the waiting notice without reloading. When the work ends,
// the job page reloads; an element named by the bar's data-job-refresh (a models page row, a case page's job
// line) is swapped for its copy in a fresh rendering of the page, with its figures, notes and buttons. An element with
// data-refresh-every="N" and data-refresh-url (a study's rater progress) is swapped for its copy at that URL
// every N seconds while the page is in view, until a copy comes without them (the study was closed).
(function () {
  const status = document.getElementById("job-status");
  const polled = new Set();

  const due = new Map();  // url → ids of elements to swap from one fresh rendering of it

  function refresh(elementId, url = window.location.href) {
    // Work that ends together (a case page's jobs) is swapped from one rendering, fetched once.
    if (!due.has(url)) { due.set(url, new Set()); setTimeout(() => swap(url), 500); }
    due.get(url).add(elementId);
  }

  async function swap(url) {
    const ids = due.get(url);
    due.delete(url);
    try {
      // X-Row-Refresh: the page leaves its one-time notices for the person's next page (templates/base.html)
      const response = await fetch(url, { headers: { Accept: "text/html", "X-Row-Refresh": "1" }, credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      ids.forEach((elementId) => {
        const copy = fresh.getElementById(elementId), old = document.getElementById(elementId);
        if (copy && old) { old.replaceWith(copy); watch(copy); }
      });
    } catch (err) { /* the elements keep their last state until the page is loaded again */ }
  }

  function watch(root) {
    root.querySelectorAll("progress[data-poll='1']").forEach((bar) => {
      const id = bar.dataset.jobProgress;
      if (polled.has(id)) return;
      polled.add(id);
      const url = bar.dataset.jobUrl || `/api/jobs/${id}/progress/`;
      const timer = setInterval(async () => {
        let job;
        try {
          const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
          if (!response.ok) return;
          job = await response.json();
        } catch (err) { return; }
        document.querySelectorAll(`[data-job-progress='${id}']`).forEach((el) => { el.value = job.progress; });
        document.querySelectorAll(`[data-job-percent='${id}']`).forEach((el) => { el.textContent = `${job.progress}%`; });
        document.querySelectorAll(`[data-job-state='${id}']`).forEach((el) => { el.textContent = job.stage; el.className = `state state-${job.state}`; });
        document.querySelectorAll(`[data-job-error='${id}']`).forEach((el) => { el.textContent = job.error || ""; });
        document.querySelectorAll(`[data-job-waiting='${id}']`).forEach((el) => { el.textContent = job.waiting_for_worker || ""; el.hidden = !job.waiting_for_worker; });
        // offered only where they can change the outcome (the job's remedies: not for an image without chromosomes)
        const remedies = job.remedies || [];
        document.querySelectorAll(`[data-job-cancel='${id}']`).forEach((el) => { el.hidden = !job.cancellable; });
        document.querySelectorAll(`[data-job-editor='${id}']`).forEach((el) => { el.hidden = job.state !== "failed" || !remedies.includes("boxes"); });
        document.querySelectorAll(`[data-job-split='${id}']`).forEach((el) => {
          const panels = (job.panels || []).length;
          el.hidden = !remedies.includes("split");
          if (panels) el.textContent = `Split into ${panels} karyograms`;
        });
        if (job.active === false) {  // it ended: done, failed or cancelled
          clearInterval(timer);
          polled.delete(id);
          if (status && status.dataset.job === String(id)) window.location.reload();
          else if (bar.dataset.jobRefresh) refresh(bar.dataset.jobRefresh);
        }
      }, 1000);
    });
  }

  watch(document);
  document.querySelectorAll("[data-refresh-every][data-refresh-url]").forEach((el) => {
    const seconds = Number(el.dataset.refreshEvery);
    if (!(seconds > 0)) return;
    const timer = setInterval(() => {
      const current = document.getElementById(el.id);  // the last copy swapped in
      if (!current || !current.dataset.refreshUrl) { clearInterval(timer); return; }
      if (!document.hidden) refresh(el.id, current.dataset.refreshUrl);
    }, 1000 * seconds);
  });
})();
