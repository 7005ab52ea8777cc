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

// Enable Swift: fields marked data-auth-version-only="V" (the Keystone v3
// domain) show only while the auth version, chosen or read from the URL's
// path as storage/swift.py detect_auth_version does, is V.
function authVersionOf(form) {
  const chosen = form.querySelector("select[name=auth_version]")?.value;
  if (chosen) return chosen;
  let path = "";
  try { path = new URL(form.querySelector("[name=url]")?.value || "").pathname; } catch { return "1.0"; }
  path = path.replace(/\/+$/, "").toLowerCase();
  if (path.endsWith("/v3")) return "3";
  if (path.endsWith("/v2.0")) return "2.0";
  return "1.0";
}
document.addEventListener("input", (event) => {
  const form = event.target.closest?.("form");
  if (!form || !form.querySelector("[data-auth-version-only]")) return;
  const version = authVersionOf(form);
  form.querySelectorAll("[data-auth-version-only]").forEach((field) => {
    field.classList.toggle("d-none", field.dataset.authVersionOnly !== version);
  });
});
