// Behaviour that the Content-Security-Policy forbids inline (no onclick=,
// no hx-on): keep it here, declarative, keyed on data attributes.
//
// <button data-dialog-open="ID"> opens <dialog id="ID"> as a modal, and
// <button data-dialog-close> closes the dialog it sits in.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog-open]");
  if (opener) {
    document.getElementById(opener.dataset.dialogOpen)?.showModal();
    return;
  }
  const closer = event.target.closest("[data-dialog-close]");
  if (closer) {
    closer.closest("dialog")?.close();
  }
});

// Content that htmx swaps into a <dialog> opens it as a modal.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target instanceof HTMLDialogElement && !target.open) {
    target.showModal();
  }
});
