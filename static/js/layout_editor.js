// Slot-box editor: the karyogram with one box per slot, drawn in image pixels (SVG viewBox).
// It starts from the slicer's best guess, with the slots it is unsure of marked, or the template.
// Drag a box to move it, its corner handle to resize. "Draw a new box for slot N" and a drag anywhere
// (or a drag on empty image) draws that slot's box: it never grabs the box under the pointer.
// Undo steps back one change, Reset returns to the start. The JSON textarea stays the source of
// truth and the no-script fallback.
// By touch (coarse pointers, phones): the image can be shown larger (the size buttons; on a narrow screen it
// starts large enough for boxes about a finger tall) inside a frame that scrolls sideways; a finger on the image
// outside the boxes scrolls or pinch-zooms as anywhere else, a finger on a box moves it, and a finger within
// 22 CSS px of a box's corner resizes it (the visible handle stays small). Drawing a box by touch needs
// "Draw a new box" pressed first.
(function () {
  const editor = document.getElementById("layout-editor");
  if (!editor) return;
  const textarea = document.querySelector(editor.dataset.target);
  const svg = editor.querySelector("svg");
  const frame = editor.querySelector(".editor-frame");
  const stage = editor.querySelector(".editor-stage");
  const picker = editor.querySelector("[data-label-picker]");
  const drawButton = editor.querySelector("[data-draw]");
  const undoButton = editor.querySelector("[data-undo]");
  const resetButton = editor.querySelector("[data-reset]");
  const unsureNote = editor.querySelector("[data-unsure-note]");
  const status = editor.querySelector("[data-editor-status]");
  const zoomButtons = editor.querySelectorAll("[data-editor-zoom]");
  const zoomLevel = editor.querySelector("[data-editor-zoom-level]");
  const NS = "http://www.w3.org/2000/svg";
  const width = Number(editor.dataset.width), height = Number(editor.dataset.height);
  const handle = Math.max(8, Math.round(width / 120));
  const FINGER = 44, LABEL_MIN = 12, HANDLE_MIN_TOUCH = 12;  // CSS px
  const ZOOM_MAX = 4, ZOOM_STEP = 1.5;
  const coarse = window.matchMedia("(any-pointer: coarse)");
  // A page shown again after a refused submit holds the text as typed, not the start: the page also carries
  // the start (the boxes the editor first opened with), which Reset goes back to.
  const refusedText = document.querySelector("[data-layout-error]") ? textarea.value : null;
  const startText = JSON.parse(document.getElementById(editor.dataset.start).textContent);
  const history = [];
  let layout = null, action = null, drawing = false, zoom = 1, zoomChosen = false;

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function read() {
    try {
      const parsed = JSON.parse(textarea.value);
      if (!parsed || !Array.isArray(parsed.cells)) throw new Error("no \"cells\" list");
      layout = parsed;
      svg.classList.remove("stale");
      status.textContent = "";
      return true;
    } catch (err) {
      layout = null;  // boxes drawn from older text stay, dimmed, and cannot be dragged over the text typed
      svg.classList.add("stale");
      // the text as sent, already refused by the server with its own message: say only why no box shows
      status.textContent = textarea.value === refusedText
        ? "No boxes can be shown for the text below (see the message above it): fix the text, or press Reset to go back to the starting boxes."
        : "The JSON below cannot be read (" + err.message + "); fix it to see the boxes.";
      controls();
      return false;
    }
  }

  function write() { textarea.value = JSON.stringify(layout, null, 1); }

  function point(evt) {
    const p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY;
    const q = p.matrixTransform(svg.getScreenCTM().inverse());
    return { x: clamp(Math.round(q.x), 0, width), y: clamp(Math.round(q.y), 0, height) };
  }

  // CSS px per image pixel, as drawn now
  function scale() { const w = svg.getBoundingClientRect().width; return w > 0 ? w / width : 1; }

  function cellFor(label) { return layout.cells.find((c) => String(c.label) === label); }

  function controls() {
    drawButton.textContent = layout ? `Draw a new box for slot ${picker.value}` : "Draw a new box";
    drawButton.disabled = picker.disabled = !layout;
    drawButton.setAttribute("aria-pressed", String(drawing));
    svg.classList.toggle("drawing", drawing);
    undoButton.disabled = history.length === 0;
    const unsure = layout ? layout.cells.filter((c) => c.unsure).map((c) => c.label) : [];
    unsureNote.textContent = unsure.length ? `Unsure: ${unsure.join(", ")}` : "";
  }

  function draw() {
    svg.querySelectorAll("g.slot, g.hits").forEach((g) => g.remove());
    const s = scale(), touchy = coarse.matches;
    const shown = touchy ? Math.max(handle, HANDLE_MIN_TOUCH / s) : handle;
    const font = Math.max(handle * 2, LABEL_MIN / s);
    if (touchy) {
      // a finger-sized target around each corner, under all the boxes (a box keeps what lies on it)
      const hits = document.createElementNS(NS, "g");
      hits.setAttribute("class", "hits");
      const r = FINGER / 2 / s;
      layout.cells.forEach((cell) => {
        const [, , x1, y1] = cell.box.map(Number);
        const hit = document.createElementNS(NS, "rect");
        hit.setAttribute("x", x1 - r); hit.setAttribute("y", y1 - r);
        hit.setAttribute("width", 2 * r); hit.setAttribute("height", 2 * r);
        hit.setAttribute("class", "hit");
        hit.dataset.role = "hit";
        hit.dataset.label = cell.label;
        hits.append(hit);
      });
      svg.append(hits);
    }
    layout.cells.forEach((cell) => {
      const [x0, y0, x1, y1] = cell.box.map(Number);
      const g = document.createElementNS(NS, "g");
      g.setAttribute("class", "slot" + (picker.value === String(cell.label) ? " selected" : "")
        + (cell.unsure ? " unsure" : ""));
      g.dataset.label = cell.label;
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", x0); rect.setAttribute("y", y0);
      rect.setAttribute("width", Math.max(1, x1 - x0)); rect.setAttribute("height", Math.max(1, y1 - y0));
      rect.dataset.role = "move";
      const corner = document.createElementNS(NS, "rect");
      corner.setAttribute("x", x1 - shown); corner.setAttribute("y", y1 - shown);
      corner.setAttribute("width", shown); corner.setAttribute("height", shown);
      corner.setAttribute("class", "handle");
      corner.dataset.role = "resize";
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", x0 + 4 / s); text.setAttribute("y", y0 + font);
      text.setAttribute("font-size", font);
      text.textContent = cell.label + (cell.unsure ? " ?" : "");
      g.append(rect, corner, text);
      svg.append(g);
    });
    controls();
  }

  function fillPicker() {
    const chosen = picker.value;
    picker.replaceChildren(...layout.cells.map((c) => new Option(c.label + (c.unsure ? " (unsure)" : ""), c.label)));
    if (chosen && cellFor(chosen)) picker.value = chosen;
  }

  function show(json) {
    textarea.value = json;
    if (read()) { fillPicker(); firstZoom(); draw(); }
  }

  // ---- size: 100% is the card's width; larger scrolls sideways inside the frame ----
  function setZoom(z) {
    const centre = frame.clientWidth ? (frame.scrollLeft + frame.clientWidth / 2) / stage.offsetWidth : 0.5;
    zoom = clamp(z, 1, ZOOM_MAX);
    stage.style.width = zoom > 1 ? `${(zoom * 100).toFixed(2)}%` : "";
    zoomLevel.textContent = `${Math.round(zoom * 100)}%`;
    zoomButtons.forEach((b) => {
      const kind = b.dataset.editorZoom;
      b.disabled = (kind === "in" && zoom >= ZOOM_MAX) || (kind !== "in" && zoom <= 1);
    });
    frame.scrollLeft = centre * stage.offsetWidth - frame.clientWidth / 2;
    if (layout) draw();
  }

  // On a touch screen or a narrow one, start large enough for the boxes to be about a finger tall.
  function firstZoom() {
    if (zoomChosen || !layout || !layout.cells.length) return;
    zoomChosen = true;
    const fit = scale() / zoom;  // CSS px per image pixel at 100%
    if (!(fit > 0) || !(coarse.matches || frame.clientWidth < 600)) return;
    const heights = layout.cells.map((c) => Number(c.box[3]) - Number(c.box[1])).filter((h) => h > 0);
    if (!heights.length) return;
    const needed = Math.ceil(FINGER / (Math.min(...heights) * fit) * 20) / 20;  // rounded up to 5%
    if (needed > 1) setZoom(needed);
  }

  zoomButtons.forEach((b) => b.addEventListener("click", () => {
    const kind = b.dataset.editorZoom;
    zoomChosen = true;
    setZoom(kind === "in" ? zoom * ZOOM_STEP : kind === "out" ? zoom / ZOOM_STEP : 1);
  }));

  // ---- the pointer ----
  svg.addEventListener("pointerdown", (evt) => {
    if (!layout || !evt.isPrimary || action) return;
    const finger = evt.pointerType === "touch" || evt.pointerType === "pen";
    const start = point(evt);
    let role = drawing ? null : evt.target.dataset.role;
    let label = null;
    if (role === "hit") {
      if (finger) { role = "resize"; label = evt.target.dataset.label; } else role = null;
    } else if (role) {
      label = evt.target.closest("g.slot").dataset.label;
      if (finger && role === "move") {  // a finger near its own box's corner resizes it
        const [, , x1, y1] = cellFor(label).box.map(Number), s = scale();
        if (Math.hypot((x1 - start.x) * s, (y1 - start.y) * s) <= FINGER / 2) role = "resize";
      }
    }
    if (role && label !== null) {
      picker.value = label;
      const cell = cellFor(label);
      action = { kind: role, cell, start, box: cell.box.map(Number) };
    } else {
      if (finger && !drawing) return;  // a finger on the empty image scrolls it, as on any page
      const cell = cellFor(picker.value);
      if (!cell) return;
      action = { kind: "draw", cell, start, box: cell.box.map(Number) };
    }
    action.pointerId = evt.pointerId;
    action.before = textarea.value;
    action.unsure = action.cell.unsure;
    svg.setPointerCapture(evt.pointerId);
    evt.preventDefault();
    draw();
  });

  svg.addEventListener("pointermove", (evt) => {
    if (!action || evt.pointerId !== action.pointerId) return;
    const p = point(evt), dx = p.x - action.start.x, dy = p.y - action.start.y;
    const [x0, y0, x1, y1] = action.box;
    if (action.kind === "move") {
      const mx = clamp(dx, -x0, width - x1), my = clamp(dy, -y0, height - y1);
      action.cell.box = [x0 + mx, y0 + my, x1 + mx, y1 + my];
    } else if (action.kind === "resize") {
      action.cell.box = [x0, y0, clamp(x1 + dx, x0 + 1, width), clamp(y1 + dy, y0 + 1, height)];
    } else {
      const ax = action.start.x, ay = action.start.y;
      action.cell.box = [Math.min(ax, p.x), Math.min(ay, p.y), Math.max(ax, p.x, Math.min(ax, p.x) + 1),
        Math.max(ay, p.y, Math.min(ay, p.y) + 1)];
    }
    action.moved = true;
    draw();
  });

  function finish(evt) {
    if (!action || evt.pointerId !== action.pointerId) return;
    const done = action;
    action = null;
    if (done.moved && evt.type === "pointercancel") {  // taken by the browser (a scroll, a pinch): undone
      done.cell.box = done.box;
      done.cell.unsure = done.unsure;
    } else if (done.moved) {
      done.cell.unsure = false;  // a person has placed it
      drawing = false;
      history.push(done.before);
      write();
      fillPicker();
    }
    draw();
  }
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", finish);
  picker.addEventListener("change", () => { if (layout) draw(); else controls(); });
  drawButton.addEventListener("click", () => { drawing = !drawing; controls(); });
  undoButton.addEventListener("click", () => { if (history.length) show(history.pop()); });

  resetButton.addEventListener("click", () => {
    if (textarea.value === startText) return;
    history.push(textarea.value);
    show(startText);
  });
  textarea.addEventListener("input", () => { if (read()) { fillPicker(); firstZoom(); draw(); } });

  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  editor.hidden = false;  // before the first drawing: its size is measured
  if (read()) {
    fillPicker();
    const firstUnsure = layout.cells.find((c) => c.unsure);
    if (firstUnsure) picker.value = firstUnsure.label;
    firstZoom();
    draw();
  }
  // labels and finger targets are sized in CSS px: drawn again when the width changes
  if (window.ResizeObserver) {
    let lastWidth = 0;
    new ResizeObserver(() => {
      const w = svg.getBoundingClientRect().width;
      if (w && w !== lastWidth) { lastWidth = w; if (layout && !action) draw(); }
    }).observe(stage);
  }
  coarse.addEventListener?.("change", () => { if (layout) draw(); });
})();
