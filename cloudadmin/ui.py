"""Shared UI helpers: the htmx partial rule and a declarative list view."""
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView


# The request headers that htmx_partial reads.
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")

# Live parts of a page refresh themselves (hx-trigger "every Ns"): every
# POLL_SECONDS while something they show runs, else every IDLE_POLL_SECONDS,
# so that a tab left open still sees new activity. Polling, not server-sent
# events: one short request per tab needs no long-lived connection per tab in
# the WSGI workers, and the dashboard's cost is measured by bench/load.py.
POLL_SECONDS = 2
IDLE_POLL_SECONDS = 10


def poll_seconds(busy: bool) -> int:
    return POLL_SECONDS if busy else IDLE_POLL_SECONDS


def htmx_partial(request) -> bool:
    """The one rule of pages and fragments: True when only a fragment should
    be rendered, for an htmx request that is neither a boosted navigation
    nor a history restore (both want the whole page). Asking marks the
    response as depending on those headers (Vary, HtmxVaryMiddleware)."""
    request.varies_on_htmx = True
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def safe_next(request) -> str:
    """The request's `next` when it points back into this site, else the
    dashboard: where to go after a POST from a page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("dashboard")


def style_form_widgets(form):
    """Bootstrap classes on every widget of a full form (radios keep their
    own markup)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")  # on each radio
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def style_filter_widgets(form):
    """Bootstrap classes and placeholders for a compact filter bar."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select" if getattr(widget, "input_type", "select") == "select" else "form-control"
        widget.attrs.setdefault("class", css)
        if css == "form-control":
            widget.attrs.setdefault("placeholder", field.label)


class ObjectListView(ListView):
    """A page listing `queryset`, filtered by `filter_form`, in `table`.

    Subclasses declare what they show; the page, its pagination and the htmx
    fragment swap are done here once. `table` is the fragment template (name
    starting with "_"); the full page includes it.
    """

    table = None
    filter_form = None
    page_template = "cloudadmin/object_list.html"
    title = ""
    paginate_by = 25

    def get_template_names(self):
        if self.table is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare `table`")
        return [self.table] if htmx_partial(self.request) else [self.page_template]

    def get_filter_form(self):
        if self.filter_form is None:
            return None
        form = self.filter_form(self.request.GET or None)
        style_filter_widgets(form)
        return form

    def get_queryset(self):
        queryset = super().get_queryset()
        form = self.filter_form_instance = self.get_filter_form()
        if form is not None and form.is_valid():
            queryset = form.filter(queryset)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            table=self.table,
            filter_form=self.filter_form_instance,
            querystring=query.urlencode(),
        )
        return context


class UncountedPage(Page):
    def has_next(self):
        return self.paginator.more


class UncountedPaginator(Paginator):
    """Pages that never count the whole list (a COUNT over a long history
    costs more than the page): each reads one row more than it shows to know
    whether a next page exists. No total, so no "last" page (404)."""

    num_pages = None

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        self.more = len(rows) > self.per_page
        return UncountedPage(rows[:self.per_page], number, self)
