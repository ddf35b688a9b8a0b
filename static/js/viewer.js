// Before/after viewer: side by side or slider, zoom and pan at full resolution, panes in step.
(function () {
  const viewer = document.getElementById("viewer");
  if (!viewer) return;
  const container = viewer.querySelector("[data-pane-container]");
  const stages = viewer.querySelectorAll(".stage");
  const slider = viewer.querySelector("[data-slider]");
  const overlay = viewer.querySelector(".overlay");
  let scale = 1, x = 0, y = 0;

  function apply() {
    if (scale === 1) { x = 0; y = 0; }
    stages.forEach((stage) => {
      stage.querySelectorAll(":scope > img, :scope > .overlay").forEach((el) => {
        el.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
      });
      stage.classList.toggle("zoomed", scale > 1);  // unzoomed, a finger scrolls the page and pinches natively
    });
  }
  viewer.querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", () => {
    container.classList.toggle("side", b.dataset.mode === "side");
    container.classList.toggle("slider", b.dataset.mode === "slider");
  }));
  viewer.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.zoom === "in") scale *= 1.5; else if (b.dataset.zoom === "out") scale = Math.max(1, scale / 1.5);
    else { scale = 1; x = 0; y = 0; }
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
    stage.addEventListener("pointermove", (e) => { if (dragging) { x = e.clientX - dragging.sx; y = e.clientY - dragging.sy; apply(); } });
    stage.addEventListener("pointerup", () => { dragging = null; });
    stage.addEventListener("pointercancel", () => { dragging = null; });
  });
  if (slider) slider.addEventListener("input", () => {
    overlay.style.clipPath = `inset(0 0 0 ${slider.value}%)`;
    overlay.style.setProperty("--split", `${slider.value}%`);
  });

  // Fit the images to the window by default: the whole karyogram and the slider below it are in view.
  function fit() {
    const top = container.getBoundingClientRect().top + window.scrollY;
    const below = 90;  // caption, slider and margins
    viewer.style.setProperty("--fit-height", `${Math.max(240, window.innerHeight - top - below)}px`);
  }
  window.addEventListener("resize", fit);
  fit();
})();
