// "Select all on this page": a checkbox marked data-select-all="NAME" ticks or clears every checkbox named NAME
// in its form, and shows itself half-ticked (indeterminate) when only some are; an <output data-ticked-count="NAME">
// in the same form says how many are ticked. Elements marked data-js-only are shown once this runs: without
// JavaScript the page is the plain form it was, each box ticked by hand.
(() => {
  const boxes = (form, name) =>
    [...form.querySelectorAll("input[type=checkbox]")].filter((box) => box.name === name && !box.disabled);

  function sync(form) {
    const names = new Set();
    form.querySelectorAll("[data-select-all], [data-ticked-count]").forEach((el) => {
      names.add(el.dataset.selectAll || el.dataset.tickedCount);
    });
    names.forEach((name) => {
      const all = boxes(form, name);
      const ticked = all.filter((box) => box.checked).length;
      form.querySelectorAll(`[data-select-all="${CSS.escape(name)}"]`).forEach((toggle) => {
        toggle.checked = all.length > 0 && ticked === all.length;
        toggle.indeterminate = ticked > 0 && ticked < all.length;
        toggle.disabled = all.length === 0;
      });
      form.querySelectorAll(`[data-ticked-count="${CSS.escape(name)}"]`).forEach((out) => {
        out.value = `${ticked} ticked`;
      });
    });
  }

  function setUp() {
    document.querySelectorAll("[data-select-all], [data-ticked-count]").forEach((el) => {
      const form = el.form || el.closest("form");
      if (!form || form.dataset.selectAllReady) return;
      form.dataset.selectAllReady = "1";
      form.addEventListener("change", (e) => {
        const toggle = e.target.closest ? e.target.closest("[data-select-all]") : null;
        if (toggle) boxes(form, toggle.dataset.selectAll).forEach((box) => { box.checked = toggle.checked; });
        sync(form);
      });
      form.addEventListener("reset", () => setTimeout(() => sync(form)));
      sync(form);
    });
    document.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
  }

  setUp();
  // Back to the page from the next one: the browser may bring the ticks back after this script ran.
  window.addEventListener("pageshow", () => document.querySelectorAll("form[data-select-all-ready]").forEach(sync));
})();
