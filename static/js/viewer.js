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
  // The line between original and enhanced sits at the slider's share of the part of the image in view, set
  // in the overlay's own (unzoomed) pixels, so it follows the slider however far the image is zoomed.
  let zoom = 1;
  function placeSplit() {
    if (!slider || !overlay.offsetWidth) return;  // the slider pane is hidden in side-by-side mode
    const pane = overlay.closest(".slider-pane").getBoundingClientRect();
    const image = overlay.getBoundingClientRect();
    const left = Math.max(pane.left, image.left), right = Math.min(pane.right, image.right);
    const at = (left + (slider.value / 100) * Math.max(0, right - left) - image.left) / zoom;
    overlay.style.clipPath = `inset(0 0 0 ${at}px)`;
    overlay.style.setProperty("--split", `${at}px`);
  }
  window.zoomPan(viewer, stages, ":scope > img, :scope > .overlay", (scale) => { zoom = scale; placeSplit(); });
  if (slider) slider.addEventListener("input", placeSplit);
  viewer.querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", placeSplit));
  viewer.querySelectorAll("img").forEach((img) => img.addEventListener("load", placeSplit));

  // Fit the images to the window by default: the whole karyogram and the slider below it are in view.
  function fit() {  // 90 px below: caption, slider and margins
    viewer.style.setProperty("--fit-height", `${window.fitHeight(container, 90)}px`);
  }
  window.addEventListener("resize", () => { fit(); placeSplit(); });
  fit();
  placeSplit();
})();
