// Zoom and pan, shared by the result viewer and the rating page: the [data-zoom] buttons inside `root` (in, out,
// fit), the wheel, a drag and the keyboard on each of `stages`; the elements `moved` selects in every stage move
// together. Zoom keeps the point under the pointer (the centre for buttons and keys) where it is, and a pan
// stops where the image would leave its box. `onChange(scale, x, y)`, when given, hears every change.
// The height a fitted image has from `element`'s top to the window's bottom (page scrolled to the top), less
// `below` px kept for what follows it; never under 240 px.
window.fitHeight = function (element, below) {
  const top = element.getBoundingClientRect().top + window.scrollY;
  return Math.max(240, window.innerHeight - top - below);
};

window.zoomPan = function (root, stages, moved, onChange) {
  let scale = 1, x = 0, y = 0;
  // every stage holds the same fitted image; the first one in view measures it (a hidden pane measures 0)
  const box = () => [...stages].find((stage) => stage.clientWidth) || stages[0];
  function apply() {
    const w = box().clientWidth, h = box().clientHeight;
    x = Math.min(0, Math.max(w * (1 - scale), x));  // scale 1: no leftover pan
    y = Math.min(0, Math.max(h * (1 - scale), y));
    stages.forEach((stage) => {
      stage.querySelectorAll(moved).forEach((el) => {
        el.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
      });
      stage.classList.toggle("zoomed", scale > 1);  // unzoomed, a finger scrolls the page and pinches natively
    });
    if (onChange) onChange(scale, x, y);
  }
  function zoomTo(next, px, py) {  // (px, py): the point of the stage that stays put
    next = Math.max(1, next);
    x = px - (px - x) * next / scale;
    y = py - (py - y) * next / scale;
    scale = next;
    apply();
  }
  const centre = () => [box().clientWidth / 2, box().clientHeight / 2];
  root.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.zoom === "in") zoomTo(scale * 1.5, ...centre());
    else if (b.dataset.zoom === "out") zoomTo(scale / 1.5, ...centre());
    else zoomTo(1, 0, 0);
  }));
  stages.forEach((stage) => {
    stage.tabIndex = 0;  // keyboard: arrows pan once zoomed, + and − zoom
    stage.setAttribute("aria-label", "Karyogram; + and − zoom, arrow keys pan when zoomed in");
    stage.addEventListener("keydown", (e) => {
      const step = 60, moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (e.key === "+" || e.key === "=") zoomTo(scale * 1.5, ...centre());
      else if (e.key === "-") zoomTo(scale / 1.5, ...centre());
      else if (moves[e.key] && scale > 1) { x += moves[e.key][0]; y += moves[e.key][1]; apply(); }
      else return;
      e.preventDefault();
    });
    stage.addEventListener("wheel", (e) => {
      // Fitted, the wheel scrolls the page past the image; Ctrl/⌘ + wheel (and a trackpad pinch, which
      // the browser sends as one) zooms, and once zoomed the wheel zooms on.
      if (scale === 1 && !e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const rect = stage.getBoundingClientRect();
      zoomTo(scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2), e.clientX - rect.left, e.clientY - rect.top);
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
