// Rater portal: a running timer (the server measures the real time), the time the page was hidden (reported with
// the rating, for the server to subtract), zoom and pan of the item (zoom_pan.js), and the keyboard: Enter moves from the text to
// the first unanswered score and submits once all are answered, the keys 1–5 set the focused (or first unanswered)
// score and move on, Esc leaves the text box, P opens the previous item to correct it. The item is fitted to the
// window, and a refused answer shows the summary of its problems.
(function () {
  // Time hidden (another tab, a minimised window, a locked phone) since this page was served: the server's clock
  // for the item restarted then; a form shown again with errors carries on from what it reported.
  const hiddenField = document.querySelector("[data-hidden-seconds]");
  const carried = hiddenField ? Number(hiddenField.value) : 0;
  let hiddenMs = Number.isFinite(carried) && carried > 0 ? carried * 1000 : 0;
  let hiddenSince = document.hidden ? Date.now() : null;
  const hiddenNow = () => hiddenMs + (hiddenSince === null ? 0 : Date.now() - hiddenSince);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      if (hiddenSince === null) hiddenSince = Date.now();
    } else if (hiddenSince !== null) {
      hiddenMs += Date.now() - hiddenSince;
      hiddenSince = null;
    }
  });

  const timer = document.querySelector("[data-timer]");
  if (timer) {
    const shown = Date.now() - Number(timer.dataset.start) * 1000;
    const tick = () => { timer.textContent = Math.floor((Date.now() - shown - hiddenNow()) / 1000) + " s"; };
    setInterval(tick, 1000);
  }

  const form = document.querySelector(".rating-form");
  const previous = document.querySelector("[data-previous]");
  const typing = (el) => el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
    (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  const groups = form ? [...form.querySelectorAll("fieldset[data-score]")] : [];
  const unanswered = () => groups.find((g) => !g.querySelector("input:checked"));
  const focusGroup = (g) => (g.querySelector("input:checked") || g.querySelector("input")).focus();
  if (form && hiddenField) {
    form.addEventListener("submit", () => { hiddenField.value = (hiddenNow() / 1000).toFixed(3); });
  }
  if (form) {
    form.querySelector("[data-keys-hint]").hidden = false;
    // Give the item its own address in the history, so that the browser's Back opens the previous item.
    const item = form.querySelector("input[name=item]").value;
    const url = new URL(window.location.href);
    if (item && url.searchParams.get("item") !== item) {
      url.searchParams.set("item", item);
      history.replaceState(null, "", url);
    }
  }
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    const target = e.target;
    if (form && /^[1-5]$/.test(e.key) && !typing(target)) {
      const group = groups.find((g) => g.contains(target)) || unanswered();
      if (!group) return;
      e.preventDefault();
      group.querySelector(`input[value="${e.key}"]`).checked = true;
      const next = groups[groups.indexOf(group) + 1];
      if (next) focusGroup(next); else form.querySelector("button[type=submit]").focus();
    } else if (form && e.key === "Enter" && form.contains(target) && typing(target)) {
      e.preventDefault();  // Enter in a text box: to the first unanswered score, or submit when all are answered
      const gap = unanswered();
      if (gap) focusGroup(gap); else form.requestSubmit();
    } else if (form && e.key === "Enter" && target.type === "radio" && form.contains(target)) {
      e.preventDefault();
      const gap = unanswered();
      if (gap) focusGroup(gap); else form.requestSubmit();
    } else if (e.key === "Escape" && typing(target)) {
      target.blur();  // out of the text box, so that P and the number keys work
    } else if ((e.key === "p" || e.key === "P") && previous && !typing(target)) {
      e.preventDefault();
      window.location.href = previous.href;
    }
  });

  // A refused answer: the summary of its problems at the top of the form has the focus and is in view (on a
  // phone the form is below the item); its links go to each field without adding to the history, whose Back
  // opens the previous item.
  const summary = document.getElementById("error-summary");
  const showSummary = () => {
    if (!summary) return;
    summary.focus({ preventScroll: true });
    const box = summary.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) summary.scrollIntoView({ block: "start" });
  };
  showSummary();
  if (summary) {
    summary.addEventListener("click", (e) => {
      const link = e.target.closest("a[href^='#']");
      const field = link && document.getElementById(link.hash.slice(1));
      if (!field) return;
      e.preventDefault();
      const fold = field.closest("details");
      if (fold) fold.open = true;
      field.focus({ preventScroll: true });
      field.scrollIntoView({ block: "center" });
    });
  }

  // The item fitted to the window, as the result viewer does: the whole karyogram in view below its toolbar
  // (the form beside it on a wide screen, below it on a phone), scaled up or down to the space there is;
  // zoom scales from there. Only the displayed size changes, never the file asked for.
  const viewer = document.getElementById("rate-viewer");
  if (viewer) {
    const stage = viewer.querySelector(".stage");
    const img = stage.querySelector("img");
    const fit = () => {
      if (!img.naturalWidth || !viewer.clientWidth) return;
      const height = window.fitHeight(stage, 12);  // a little room below it
      const ratio = img.naturalWidth / img.naturalHeight;
      const width = Math.floor(Math.min(viewer.clientWidth, height * ratio));
      img.style.width = `${width}px`;  // its height follows, at the image's own proportions
      viewer.classList.add("fitted");
    };
    const refit = () => {
      const focused = summary && document.activeElement === summary;
      fit();
      if (focused) showSummary();  // the item above it changed size: the summary stays in view
    };
    if (img.complete) refit(); else img.addEventListener("load", refit);
    window.addEventListener("resize", fit);
    const instructions = document.getElementById("instructions");
    if (instructions) instructions.addEventListener("toggle", fit);  // opened or folded: the item moves
    window.zoomPan(viewer, [stage], "img");
  }
})();
