from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _  # noqa: F811 - the name issue-5's views use
from django.views import View
from django.views.generic import TemplateView

from cloudadmin import events
from cloudadmin.ui import htmx_partial

from . import downloads, swift, swift_setup, transfers
from .forms import EnableSwiftForm, TemplateRegisterForm
from .models import SwiftStore, Template, TemplateRegistration, Transfer


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


# --- Register template ------------------------------------------------------------
class TemplateRegisterView(View):
    """Register template: the form (GET), then the download is queued (POST)
    and the browser goes to the registration's progress page."""

    page = "storage/template_register.html"

    def get(self, request):
        return render(request, self.page, {"form": TemplateRegisterForm()})

    def post(self, request):
        form = TemplateRegisterForm(request.POST)
        if not form.is_valid():
            return render(request, self.page, {"form": form}, status=400)
        data = form.cleaned_data
        registration = downloads.register(
            name=data["name"], description=data["description"], url=data["url"], zone=data["zone"],
            format=data["format"], hypervisor=data["hypervisor"], checksum=data["checksum"],
            public=data["public"], user=request.user)
        messages.success(request, gettext("Template %(id)s registered: downloading it into zone %(zone)s.")
                         % {"id": registration.template_id, "zone": registration.zone.name})
        return redirect("storage:template_registration", template_id=registration.template_id)


def registration_status(registration: TemplateRegistration) -> dict:
    """The download, Swift and every zone's copy of a registered template."""
    from zones.models import Zone

    template = registration.template
    download = template.transfers.filter(direction=Transfer.Direction.DOWNLOAD).order_by("-created", "-id").first()
    upload = template.transfers.filter(direction=Transfer.Direction.UP).order_by("-created", "-id").first()
    locations = {loc.zone_id: loc for loc in template.locations.all()}
    copies = {}
    for transfer in template.transfers.filter(direction=Transfer.Direction.DOWN).order_by("created", "id"):
        copies[transfer.zone_id] = transfer  # the newest per zone
    zones = []
    for zone in Zone.objects.filter(secondary_storages__isnull=False).distinct().order_by("name"):
        location = locations.get(zone.pk)
        copy = download if zone.pk == registration.zone_id else copies.get(zone.pk)
        ready = location is not None and location.state == location.State.READY
        zones.append({"zone": zone, "location": location, "transfer": copy, "ready": ready})
    finished = (download is not None and download.state in (Transfer.State.FAILED, Transfer.State.CANCELLED)) or (
        all(z["ready"] or not z["zone"].is_enabled for z in zones)
        and template.swift_state == Template.SwiftState.STORED)
    return {"registration": registration, "template": template, "download": download, "upload": upload,
            "zones": zones, "finished": finished}


class TemplateRegistrationView(View):
    """A registered template's way to every zone: the download, the copy to
    Swift, each zone's copy. The fragment polls itself until it settles."""

    def get(self, request, template_id):
        registration = get_object_or_404(TemplateRegistration.objects.select_related("template", "zone"),
                                         template_id=template_id)
        context = registration_status(registration)
        if htmx_partial(request):
            return render(request, "storage/_template_registration_status.html", context)
        return render(request, "storage/template_registration.html", context)


class TemplateRegistrationActionView(View):
    """Retry or cancel the registration's download (POST, htmx)."""

    action = None  # "retry" or "cancel"

    def post(self, request, template_id):
        registration = get_object_or_404(TemplateRegistration.objects.select_related("template", "zone"),
                                         template_id=template_id)
        download = (registration.template.transfers.filter(direction=Transfer.Direction.DOWNLOAD)
                    .order_by("-created", "-id").first())
        context = {}
        status = 200
        try:
            if download is None:
                raise transfers.TransferRefused(gettext("This template has no download."))
            with transaction.atomic():
                if self.action == "retry":
                    transfers.retry(download, user=request.user)
                else:
                    transfers.cancel(download, user=request.user)
        except transfers.TransferRefused as refused:
            context["error"] = str(refused)
            status = 409
        context.update(registration_status(registration))
        return render(request, "storage/_template_registration_status.html", context, status=status)


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
