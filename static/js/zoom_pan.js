// Zoom and pan, shared by the result viewer and the rating page: the [data-zoom] buttons inside `root` (in, out,
// fit), the wheel and a drag on each of `stages`; the elements `moved` selects in every stage move together.
window.zoomPan = function (root, stages, moved) {
  let scale = 1, x = 0, y = 0;
  function apply() {
    if (scale === 1) { x = 0; y = 0; }  // fitted again: no leftover pan
    stages.forEach((stage) => {
      stage.querySelectorAll(moved).forEach((el) => {
        el.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
      });
      stage.classList.toggle("zoomed", scale > 1);  // unzoomed, a finger scrolls the page and pinches natively
    });
  }
  root.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.zoom === "in") scale *= 1.5; else if (b.dataset.zoom === "out") scale = Math.max(1, scale / 1.5);
    else scale = 1;
    apply();
  }));
  stages.forEach((stage) => {
    stage.addEventListener("wheel", (e) => {
      // Fitted, the wheel scrolls the page past the image; Ctrl/⌘ + wheel (and a trackpad pinch, which
      // the browser sends as one) zooms, and once zoomed the wheel zooms on.
      if (scale === 1 && !e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      scale = Math.max(1, scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
      apply();
    }, { passive: false });
    let dragging = null;
    stage.addEventListener("pointerdown", (e) => {
      if (scale === 1 && e.pointerType !== "mouse") return;  // a finger on the fitted image scrolls the page
      dragging = { sx: e.clientX - x, sy: e.clientY - y };
      stage.setPointerCapture(e.pointerId);
    });
    stage.addEventListener("pointermove", (e) => {
      if (dragging) { x = e.clientX - dragging.sx; y = e.clientY - dragging.sy; apply(); }
    });
    const stop = () => { dragging = null; };
    stage.addEventListener("pointerup", stop);
    stage.addEventListener("pointercancel", stop);
  });
};
