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

// Confirmations: a form (or htmx element) with data-confirm="consequence"
// asks first in the page's one <dialog id="confirm-dialog">, filled from
// data-confirm-title and data-confirm-action (the accept button's label;
// data-confirm-danger makes it red). Cancel has the focus; Esc cancels.
let pendingConfirmation = null;

function askConfirmation(source, proceed) {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog) return proceed();
  dialog.querySelector("[data-confirm-title]").textContent = source.dataset.confirmTitle || "";
  dialog.querySelector("[data-confirm-body]").textContent = source.dataset.confirm;
  const accept = dialog.querySelector("[data-confirm-accept]");
  accept.textContent = source.dataset.confirmAction || source.dataset.confirmTitle || "OK";
  accept.classList.toggle("btn-danger", "confirmDanger" in source.dataset);
  accept.classList.toggle("btn-primary", !("confirmDanger" in source.dataset));
  pendingConfirmation = proceed;
  dialog.showModal();
  dialog.querySelector("[data-dialog-close]")?.focus();
}

document.addEventListener("click", (event) => {
  const accept = event.target.closest("[data-confirm-accept]");
  if (!accept) return;
  const proceed = pendingConfirmation;
  pendingConfirmation = null;
  accept.closest("dialog").close();
  proceed?.();
});
document.addEventListener("close", (event) => {
  if (event.target.id === "confirm-dialog") pendingConfirmation = null;
}, true);

// A plain form: hold its submission until confirmed, then submit it again
// with the same button (its name=value is part of the POST).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.hasAttribute("hx-post")) return;
  if (form.dataset.confirmed === "yes") {
    delete form.dataset.confirmed;
    return;
  }
  event.preventDefault();
  const submitter = event.submitter;
  askConfirmation(form, () => {
    form.dataset.confirmed = "yes";
    form.requestSubmit(submitter);
  });
}, true);

// An htmx element: htmx asks before each request (htmx:confirm).
document.addEventListener("htmx:confirm", (event) => {
  const elt = event.detail.elt;
  if (!(elt instanceof HTMLElement) || !elt.dataset.confirm) return;
  event.preventDefault();
  askConfirmation(elt, () => event.detail.issueRequest(true));
});

// <input data-enter-clicks="ID">: Enter clicks the button ID (an inline
// editor's Save) without an htmx trigger filter, which the CSP would refuse.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.target instanceof HTMLElement)) return;
  const id = event.target.dataset.enterClicks;
  if (!id) return;
  event.preventDefault();
  document.getElementById(id)?.click();
});
