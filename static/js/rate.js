// Rater portal: a running timer (the server measures the real time), the time the page was hidden (reported with
// the rating, for the server to subtract), zoom and pan of the item (zoom_pan.js), and the keyboard: Enter moves from the text to
// the first unanswered score and submits once all are answered, the keys 1–5 set the focused (or first unanswered)
// score and move on, Esc leaves the text box, P opens the previous item to correct it.
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

  const viewer = document.getElementById("rate-viewer");
  if (viewer) window.zoomPan(viewer, [viewer.querySelector(".stage")], "img");
})();
