"""Register template: the form, and the page that follows a registered
template's download, its copy to Swift and its copies to every zone, with
Retry and Cancel of the download (storage.catalog.registration and
storage.transfers.downloads do the work)."""
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views import View

from cloudadmin.messages import coded
from cloudadmin.ui import htmx_partial

from storage.catalog import registration as registrations
from storage.transfers import queueing as transfers
from zones.models import Zone
from storage.web.forms import TemplateRegisterForm
from storage.models import Template, TemplateRegistration, Transfer


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
        registration = registrations.register(
            name=data["name"], description=data["description"], url=data["url"], zone=data["zone"],
            format=data["format"], hypervisor=data["hypervisor"], checksum=data["checksum"],
            public=data["public"], user=request.user, cross_zones=data["every_zone"])
        messages.success(request, gettext("Template %(id)s registered: downloading it into zone %(zone)s.")
                         % {"id": registration.template_id, "zone": registration.zone.name})
        return redirect("storage:template_registration", template_id=registration.template_id)


def registration_status(registration: TemplateRegistration) -> dict:
    """The download, Swift and every zone's copy of a registered template."""
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
                raise transfers.TransferRefused(coded("This template has no download."))
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
