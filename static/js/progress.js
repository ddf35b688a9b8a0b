// Live job progress: poll the job API and update stage, bar and error without reloading.
(function () {
  const bars = document.querySelectorAll("progress[data-poll='1']");
  const jobs = new Set([...bars].map((b) => b.dataset.jobProgress));
  const status = document.getElementById("job-status");
  jobs.forEach((id) => {
    const timer = setInterval(async () => {
      let job;
      try {
        const response = await fetch(`/api/jobs/${id}/`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        job = await response.json();
      } catch (err) { return; }
      document.querySelectorAll(`[data-job-progress='${id}']`).forEach((el) => { el.value = job.progress; });
      document.querySelectorAll(`[data-job-percent='${id}']`).forEach((el) => { el.textContent = `${job.progress}%`; });
      document.querySelectorAll(`[data-job-state='${id}']`).forEach((el) => { el.textContent = job.stage; el.className = `state state-${job.state}`; });
      document.querySelectorAll(`[data-job-error='${id}']`).forEach((el) => { el.textContent = job.error || ""; });
      document.querySelectorAll(`[data-job-waiting='${id}']`).forEach((el) => { el.textContent = job.waiting_for_worker || ""; el.hidden = !job.waiting_for_worker; });
      document.querySelectorAll(`[data-job-editor='${id}']`).forEach((el) => { el.hidden = job.state !== "failed"; });
      if (job.state === "done" || job.state === "failed") {
        clearInterval(timer);
        if (status && status.dataset.job === String(id)) window.location.reload();
      }
    }, 1000);
  });
})();
