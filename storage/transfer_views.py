"""The dashboard (home page): transfer counters, throughput, the transfers
table with live updates, and the transfer and zone actions."""
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cloudadmin import events
from cloudadmin.ui import ObjectListView, htmx_partial, poll_seconds, safe_next
from zones.models import Zone

from . import dashboard, sync, transfers
from .forms import TransferFilterForm
from .models import SwiftStore, Transfer, active_first

# Tells every table on the page to refresh itself (hx-trigger ... from:body).
CHANGED_EVENT = "transfers-changed"


def summary_context(now=None) -> dict:
    """What the counters and the chart show (three queries)."""
    now = now or timezone.now()
    counters = dashboard.counters(now)
    return {
        "counters": counters,
        "bytes_today": dashboard.bytes_today(now),
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

    def get_queryset(self):
        # The very expression of the index transfer_active_first.
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


def refuse(request, action, target, message, *, level="danger"):
    """A refused action: recorded as a failed event, answered 409."""
    events.record_failure(action, user=request.user, target=target, detail=message)
    return action_result(request, message, refused=True, level=level)


def action_result(request, message, *, refused=False, level=None):
    """The answer to an action: for htmx a message fragment (refusals are a
    409 that htmx still swaps) and an event telling the tables to refresh;
    without htmx, back to the page (or the refusal page, 409)."""
    level = level or ("danger" if refused else "success")
    if htmx_partial(request):
        response = render(request, "storage/_action_message.html", {"message": message, "level": level},
                          status=409 if refused else 200)
        if not refused:
            response["HX-Trigger"] = CHANGED_EVENT
        return response
    if refused:
        return render(request, "storage/action_refused.html",
                      {"message": message, "level": level, "back": safe_next(request)}, status=409)
    messages.success(request, message)
    return redirect(safe_next(request))


class TransferRetryView(View):
    def post(self, request, pk):
        transfer = get_object_or_404(Transfer.objects.select_related("template", "zone"), pk=pk)
        try:
            new = transfers.retry(transfer, user=request.user)
        except transfers.TransferRefused as refused:
            return refuse(request, "transfer.retry", f"T-{transfer.template_id}", str(refused))
        return action_result(request, _("Transfer %(old)s of template %(id)s is retried as transfer %(new)s.")
                             % {"old": transfer.pk, "id": transfer.template_id, "new": new.pk})


class TransferCancelView(View):
    def post(self, request, pk):
        transfer = get_object_or_404(Transfer, pk=pk)
        try:
            transfers.cancel(transfer, user=request.user)
        except transfers.TransferRefused as refused:
            return refuse(request, "transfer.cancel", f"T-{transfer.template_id}", str(refused))
        return action_result(request, _("Transfer %(id)s is cancelled.") % {"id": transfer.pk})


class ZoneSyncView(View):
    """Sync now: scan the zone's NFS secondary storage and copy what is new."""

    def post(self, request, zone_id):
        zone = get_object_or_404(Zone, pk=zone_id)
        if not zone.is_enabled:
            return refuse(request, "zone.sync", zone.name,
                          _("Zone %(zone)s is disabled: enable it before syncing it.") % {"zone": zone.name})
        scan = sync.sync_now(zone, user=request.user)  # records the event, also when one is queued already
        if scan is None:
            return action_result(request, _("A scan of zone %(zone)s is already queued or running.")
                                 % {"zone": zone.name}, refused=True, level="info")
        return action_result(request, _("A scan of zone %(zone)s is queued.") % {"zone": zone.name})
