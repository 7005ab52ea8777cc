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

// Live tables: an element with data-poll refreshes itself (hx-trigger
// "every Ns, poll-now"). While the tab is hidden its requests are dropped;
// when it shows again it refreshes at once.
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (document.hidden && elt instanceof Element && elt.hasAttribute("data-poll")) {
    event.preventDefault();
  }
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && window.htmx) {
    document.querySelectorAll("[data-poll]").forEach((elt) => window.htmx.trigger(elt, "poll-now"));
  }
});

// <details data-keep-open="KEY"> stays open across the swaps of a live table.
const openDetails = new Set();
document.addEventListener("htmx:beforeSwap", () => {
  openDetails.clear();
  document.querySelectorAll("details[data-keep-open][open]").forEach((d) => openDetails.add(d.dataset.keepOpen));
});
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("details[data-keep-open]").forEach((d) => {
    if (openDetails.has(d.dataset.keepOpen)) d.open = true;
  });
});
