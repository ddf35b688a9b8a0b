// A form marked data-confirm asks before it is sent: one stray tap must not end a training run for good or
// close a study to its raters.
document.addEventListener("submit", (e) => {
  const question = e.target.dataset ? e.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) e.preventDefault();
});
