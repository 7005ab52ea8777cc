"""The dashboard (home page): transfer counters, throughput, the transfers
table with live updates (the numbers come from storage.catalog.dashboard)."""
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cloudadmin.ui import ObjectListView, UncountedPaginator, htmx_partial, poll_seconds
from storage.catalog import dashboard
from storage.models import SwiftStore, Transfer, active_first
from storage.web.forms import TransferFilterForm
from zones.models import Zone


def summary_context(now=None) -> dict:
    """What the counters and the chart show (three queries)."""
    now = now or timezone.now()
    counters = dashboard.counters(now)
    return {
        "counters": counters,
        "bytes_today": int(counters["moved_today"]),
        "chart": dashboard.throughput_chart(now, live_rate=counters["rate"] or 0.0),
        # Poll fast while anything is queued or running, whatever the filter shows.
        "polling": bool(counters["queued"] or counters["running"]),
        "poll_seconds": poll_seconds(bool(counters["queued"] or counters["running"])),
    }


class DashboardView(ObjectListView):
    queryset = Transfer.objects.select_related("template", "zone")
    filter_form = TransferFilterForm
    table = "storage/_transfer_table.html"
    page_template = "storage/dashboard.html"
    title = gettext_lazy("Dashboard")
    paginate_by = 25
    paginator_class = UncountedPaginator  # counting the whole history cost more than the page

    def get_queryset(self):
        # The very expression of the index transfer_active_first.
        # A row followed by a later transfer of the same copy offers no Retry.
        return super().get_queryset().annotate(superseded=Exists(Transfer.objects.filter(
            template=OuterRef("template"), zone=OuterRef("zone"), direction=OuterRef("direction"),
            pk__gt=OuterRef("pk")))).order_by(active_first().asc(), "-updated", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(summary_context())
        context["oob"] = htmx_partial(self.request)  # counters, Swift and zones ride along out of band
        context["swift_store"] = SwiftStore.objects.first()
        context["zones"] = dashboard.zone_scans(Zone.objects.order_by("name"))
        return context
