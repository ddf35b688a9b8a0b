// A button marked data-copy="#id" copies that field's text (a one-time invite link, shown only once) and
// says so beside itself; where the clipboard is refused (plain http, an old browser) the text is selected
// for the user to copy by hand.
document.addEventListener("click", async (e) => {
  const button = e.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  const said = document.getElementById(button.getAttribute("aria-describedby"));
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (said) said.textContent = "Copied.";
  } catch (error) {
    if (said) said.textContent = "Selected: copy it with Ctrl+C (⌘C), or long-press on a phone.";
  }
});
