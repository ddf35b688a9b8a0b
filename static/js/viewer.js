// Before/after viewer: side by side or slider, zoom and pan at full resolution (zoom_pan.js), panes in step.
(function () {
  const viewer = document.getElementById("viewer");
  if (!viewer) return;
  const container = viewer.querySelector("[data-pane-container]");
  const stages = viewer.querySelectorAll(".stage");
  const slider = viewer.querySelector("[data-slider]");
  const overlay = viewer.querySelector(".overlay");
  viewer.querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", () => {
    container.classList.toggle("side", b.dataset.mode === "side");
    container.classList.toggle("slider", b.dataset.mode === "slider");
  }));
  window.zoomPan(viewer, stages, ":scope > img, :scope > .overlay");
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
