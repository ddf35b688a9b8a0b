// Slot-box editor: the karyogram with one box per slot, drawn in image pixels (SVG viewBox).
// It starts from the slicer's best guess, with the slots it is unsure of marked, or the template.
// Drag a box to move it, its corner handle to resize. "Draw a new box for slot N" and a drag anywhere
// (or a drag on empty image) draws that slot's box: it never grabs the box under the pointer.
// Undo steps back one change, Reset returns to the start. The JSON textarea stays the source of
// truth and the no-script fallback.
(function () {
  const editor = document.getElementById("layout-editor");
  if (!editor) return;
  const textarea = document.querySelector(editor.dataset.target);
  const svg = editor.querySelector("svg");
  const picker = editor.querySelector("[data-label-picker]");
  const drawButton = editor.querySelector("[data-draw]");
  const undoButton = editor.querySelector("[data-undo]");
  const resetButton = editor.querySelector("[data-reset]");
  const unsureNote = editor.querySelector("[data-unsure-note]");
  const status = editor.querySelector("[data-editor-status]");
  const NS = "http://www.w3.org/2000/svg";
  const width = Number(editor.dataset.width), height = Number(editor.dataset.height);
  const handle = Math.max(8, Math.round(width / 120));
  const initial = textarea.value;
  const history = [];
  let layout = null, action = null, drawing = false;

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function read() {
    try {
      const parsed = JSON.parse(textarea.value);
      if (!parsed || !Array.isArray(parsed.cells)) throw new Error("no \"cells\" list");
      layout = parsed;
      status.textContent = "";
      return true;
    } catch (err) {
      // the text as sent, already refused by the server with its own message: one message is enough
      const refused = textarea.value === initial && document.querySelector("[data-layout-error]");
      status.textContent = refused ? "" : "The JSON below cannot be read (" + err.message + "); fix it to see the boxes.";
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

  function cellFor(label) { return layout.cells.find((c) => String(c.label) === label); }

  function controls() {
    drawButton.textContent = `Draw a new box for slot ${picker.value}`;
    drawButton.setAttribute("aria-pressed", String(drawing));
    svg.classList.toggle("drawing", drawing);
    undoButton.disabled = history.length === 0;
    const unsure = layout ? layout.cells.filter((c) => c.unsure).map((c) => c.label) : [];
    unsureNote.textContent = unsure.length ? `Unsure: ${unsure.join(", ")}` : "";
  }

  function draw() {
    svg.querySelectorAll("g.slot").forEach((g) => g.remove());
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
      corner.setAttribute("x", x1 - handle); corner.setAttribute("y", y1 - handle);
      corner.setAttribute("width", handle); corner.setAttribute("height", handle);
      corner.setAttribute("class", "handle");
      corner.dataset.role = "resize";
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", x0 + 4); text.setAttribute("y", y0 + handle * 2);
      text.setAttribute("font-size", handle * 2);
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
    if (read()) { fillPicker(); draw(); }
  }

  svg.addEventListener("pointerdown", (evt) => {
    if (!layout) return;
    const start = point(evt);
    const g = drawing ? null : evt.target.closest("g.slot");
    if (g && evt.target.dataset.role) {
      picker.value = g.dataset.label;
      const cell = cellFor(g.dataset.label);
      action = { kind: evt.target.dataset.role, cell, start, box: cell.box.map(Number) };
    } else {
      const cell = cellFor(picker.value);
      if (!cell) return;
      action = { kind: "draw", cell, start, box: cell.box.map(Number) };
    }
    action.before = textarea.value;
    svg.setPointerCapture(evt.pointerId);
    evt.preventDefault();
    draw();
  });

  svg.addEventListener("pointermove", (evt) => {
    if (!action) return;
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

  function finish() {
    if (!action) return;
    const done = action;
    action = null;
    if (done.moved) {
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
  picker.addEventListener("change", draw);
  drawButton.addEventListener("click", () => { drawing = !drawing; controls(); });
  undoButton.addEventListener("click", () => { if (history.length) show(history.pop()); });
  resetButton.addEventListener("click", () => {
    if (textarea.value === initial) return;
    history.push(textarea.value);
    show(initial);
  });
  textarea.addEventListener("input", () => { if (read()) { fillPicker(); draw(); } });

  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (read()) {
    fillPicker();
    const firstUnsure = layout.cells.find((c) => c.unsure);
    if (firstUnsure) picker.value = firstUnsure.label;
    draw();
  }
  editor.hidden = false;
})();
