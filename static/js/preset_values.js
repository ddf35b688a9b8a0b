// The training form's empty fields keep the chosen preset's values: each shows the value as its placeholder,
// for whichever preset is chosen.
(function () {
  const select = document.querySelector("select[data-preset-values]");
  if (!select) return;
  const values = JSON.parse(select.dataset.presetValues);
  const show = () => Object.entries(values[select.value] || {}).forEach(([name, value]) => {
    const input = select.form.elements[name];
    if (input) input.placeholder = String(value);
  });
  select.addEventListener("change", show);
  show();
})();
