// Rater portal: a running timer (the server measures the real time) and zoom and pan of the item.
(function () {
  const timer = document.querySelector("[data-timer]");
  if (timer) {
    const shown = Date.now() - Number(timer.dataset.start) * 1000;
    const tick = () => { timer.textContent = Math.floor((Date.now() - shown) / 1000) + " s"; };
    setInterval(tick, 1000);
  }
  const viewer = document.getElementById("rate-viewer");
  if (!viewer) return;
  const stage = viewer.querySelector(".stage");
  const img = stage.querySelector("img");
  let scale = 1, x = 0, y = 0, dragging = null;
  const apply = () => { img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
  viewer.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.zoom === "in") scale *= 1.5; else if (b.dataset.zoom === "out") scale = Math.max(1, scale / 1.5);
    else { scale = 1; x = 0; y = 0; }
    apply();
  }));
  stage.addEventListener("wheel", (e) => { e.preventDefault(); scale = Math.max(1, scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2)); apply(); });
  stage.addEventListener("pointerdown", (e) => { dragging = { sx: e.clientX - x, sy: e.clientY - y }; stage.setPointerCapture(e.pointerId); });
  stage.addEventListener("pointermove", (e) => { if (dragging) { x = e.clientX - dragging.sx; y = e.clientY - dragging.sy; apply(); } });
  stage.addEventListener("pointerup", () => { dragging = null; });
})();
