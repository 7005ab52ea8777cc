"""The actions on transfers and zones shown on the dashboard and the
template pages (Retry, Cancel, Sync now), and how every action answers."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from cloudadmin import events
from cloudadmin.ui import htmx_partial, safe_next
from zones.models import Zone

from storage.catalog import sync
from storage.transfers import queueing as transfers
from storage.models import Transfer

# Tells every table on the page to refresh itself (hx-trigger ... from:body).
CHANGED_EVENT = "transfers-changed"


def refuse(request, action, target, message, *, level="danger"):
    """A refused action: recorded as a failed event (a TransferRefused stays
    coded there), answered 409."""
    events.record_failure(action, user=request.user, target=target, detail=message)
    return action_result(request, str(message), refused=True, level=level)


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
            return refuse(request, "transfer.retry", f"T-{transfer.template_id}", refused)
        return action_result(request, _("Transfer %(old)s of template %(id)s is retried as transfer %(new)s.")
                             % {"old": transfer.pk, "id": transfer.template_id, "new": new.pk})


class TransferCancelView(View):
    def post(self, request, pk):
        transfer = get_object_or_404(Transfer, pk=pk)
        try:
            transfers.cancel(transfer, user=request.user)
        except transfers.TransferRefused as refused:
            return refuse(request, "transfer.cancel", f"T-{transfer.template_id}", refused)
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
