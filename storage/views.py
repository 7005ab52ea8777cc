from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _

from django.views import View
from django.views.generic import TemplateView

from cloudadmin import events

from . import swift, swift_setup
from .forms import EnableSwiftForm
from .models import SwiftStore


class SwiftStoreView(TemplateView):
    template_name = "storage/swift.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(store=SwiftStore.objects.first(), **kwargs)


class SwiftTestConnectionView(View):
    """Test connection: re-read /info, record the contact (htmx POST)."""

    def post(self, request):
        try:
            store = swift_setup.check_connection(user=request.user)
        except swift_setup.NotAllowed as refused:
            return render(request, "storage/_swift_details.html",
                          {"store": None, "error": str(refused)}, status=409)
        except swift.SwiftError as error:
            # Swift, not the request, failed: 502 Bad Gateway.
            return render(request, "storage/_swift_details.html",
                          {"store": SwiftStore.objects.first(), "error": str(error)}, status=502)
        return render(request, "storage/_swift_details.html", {"store": store, "tested": True})


class EnableSwiftView(View):
    """The Enable Swift dialog (htmx): GET the form, POST to check and save."""

    dialog = "storage/_enable_swift_dialog.html"

    def get(self, request):
        allowed, reason = swift_setup.enable_swift_allowed()
        if not allowed:
            return render(request, self.dialog, {"refused": reason}, status=409)
        return render(request, self.dialog, {"form": EnableSwiftForm()})

    def post(self, request):
        allowed, reason = swift_setup.enable_swift_allowed()
        if not allowed:
            swift_setup.refuse(swift_setup.NotAllowed(reason), user=request.user,
                               target=request.POST.get("url", ""))
            return render(request, self.dialog, {"refused": reason}, status=409)
        form = EnableSwiftForm(request.POST)
        if not form.is_valid():
            with translation.override("en"):  # the audit log is in English
                problems = "; ".join(f"{form.fields[f].label if f in form.fields else 'Form'}: {m}"
                                     for f, messages in form.errors.items() for m in messages)
            swift_setup.refuse(Exception(problems), user=request.user,
                               target=request.POST.get("url", ""))
            return render(request, self.dialog, {"form": form}, status=400)
        try:
            swift_setup.configure(form.credentials(), user=request.user)
        except swift_setup.NotAllowed as refused:
            return render(request, self.dialog, {"refused": str(refused)}, status=409)
        except swift.SwiftError as error:
            return render(request, self.dialog, {"form": form, "error": str(error)}, status=400)
        return render(request, self.dialog, {"configured": True})


class ZoneSyncView(View):
    """POST: "Sync now" for one zone: queue a scan of its secondary storage
    (then the uploads). Answers an htmx fragment."""

    fragment = "storage/_action_result.html"

    def post(self, request, zone_id):
        from zones.models import Zone

        from . import sync

        zone = get_object_or_404(Zone, pk=zone_id)
        if not zone.is_enabled:
            events.record_failure("zone.sync", user=request.user, target=zone.name, detail="zone is disabled")
            return render(request, self.fragment,
                          {"error": _("Enable the zone before syncing it.")}, status=409)
        scan = sync.sync_now(zone, user=request.user)
        if scan is None:
            return render(request, self.fragment,
                          {"info": _("A scan of this zone is already queued or running.")}, status=409)
        return render(request, self.fragment, {"success": _("Scan of %(zone)s queued.") % {"zone": zone.name}})


class TransferActionView(View):
    """POST: retry or cancel one transfer (storage.transfers). Answers an
    htmx fragment; 409 with the reason when the transfer's state forbids it."""

    fragment = "storage/_action_result.html"
    action = None  # "retry" or "cancel"

    def post(self, request, pk):
        from . import transfers
        from .models import Transfer

        transfer = get_object_or_404(Transfer, pk=pk)
        try:
            if self.action == "retry":
                new = transfers.retry(transfer, user=request.user)
                message = _("Transfer queued again (#%(id)s).") % {"id": new.pk}
            else:
                transfers.cancel(transfer, user=request.user)
                message = _("Transfer cancelled.")
        except transfers.TransferRefused as refused:
            events.record_failure(f"transfer.{self.action}", user=request.user,  # the audit log is in English
                                  target=f"T-{transfer.template_id}",
                                  detail=f"refused: transfer {transfer.pk} is {transfer.state}")
            return render(request, self.fragment, {"error": str(refused)}, status=409)
        return render(request, self.fragment, {"success": message})
