"""Delete a zone or a record of it, and add secondary storage to a zone.
Each removal has a confirmation page (GET: exactly what goes, or why it
cannot) and a POST that does it through zones.inventory, then redirects."""
from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from storage.models import SecondaryStorage

from . import forms, hooks, inventory, swift_first, wizard
from .models import Cluster, Host, Pod, PrimaryStorage, Zone


# The rows of Delete zone's confirmation: (label, key of the removal plan).
NAMED = ((_("Pods"), "pods"), (_("Clusters"), "clusters"), (_("Hosts"), "hosts"),
         (_("Primary storage"), "primary_storages"), (_("Secondary storage"), "secondary_storages"),
         (_("Templates only in this zone and not in Swift"), "templates_only_here"))
COUNTED = ((_("Template locations"), "template_locations"), (_("Zone scans"), "scans"),
           (_("Finished transfers"), "transfers"),
           (_("Template registrations (records of Register template into this zone)"), "registrations"))


class ZoneDeleteView(View):
    """Delete zone: only a Disabled zone without running transfers or scans."""

    def page(self, request, zone, *, status=200, refused=None):
        refused = refused or inventory.zone_removal_refusal(zone)
        plan = inventory.zone_removal_plan(zone)
        return render(request, "zones/zone_delete.html", {
            "zone": zone, "refused": refused and str(refused),
            "named": [(label, plan[key]) for label, key in NAMED],
            "counted": [(label, plan[key]) for label, key in COUNTED],
            "title": gettext("Delete zone %(name)s") % {"name": zone.name}}, status=status)

    def get(self, request, pk):
        return self.page(request, get_object_or_404(Zone, pk=pk))

    def post(self, request, pk):
        zone = get_object_or_404(Zone, pk=pk)
        try:
            inventory.delete_zone(zone.pk, user=request.user)
        except inventory.RemovalRefused as refused:
            return self.page(request, zone, status=409, refused=refused)
        messages.success(request, gettext("Zone %(name)s was deleted. Its files on NFS and its templates in "
                                          "Swift were not touched.") % {"name": zone.name})
        allowed, _reason = swift_first.enable_swift_allowed()
        if allowed:
            messages.info(request, gettext("No zone is left and Swift is not configured: Swift can be enabled now."))
        return redirect("zones:list")


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    related: tuple[str, ...]
    title: str
    done: str
    name: Callable
    zone: Callable
    refusal: Callable
    delete: Callable


KINDS = {
    "pod": Kind(Pod, ("zone",), _("Delete pod %(name)s"), _("Pod %(name)s was deleted."),
                lambda pod: pod.name, lambda pod: pod.zone, inventory.pod_removal_refusal, inventory.delete_pod),
    "cluster": Kind(Cluster, ("pod__zone",), _("Delete cluster %(name)s"), _("Cluster %(name)s was deleted."),
                    lambda cluster: cluster.name, lambda cluster: cluster.pod.zone,
                    inventory.cluster_removal_refusal, inventory.delete_cluster),
    "host": Kind(Host, ("cluster__pod__zone",), _("Delete host %(name)s"), _("Host %(name)s was deleted."),
                 lambda host: host.host_name, lambda host: host.cluster.pod.zone,
                 inventory.host_removal_refusal, inventory.delete_host),
    "primary-storage": Kind(PrimaryStorage, ("cluster__pod__zone",), _("Delete primary storage %(name)s"),
                            _("Primary storage %(name)s was deleted."), lambda pool: pool.name,
                            lambda pool: pool.cluster.pod.zone, inventory.primary_removal_refusal,
                            inventory.delete_primary_storage),
    "secondary-storage": Kind(SecondaryStorage, ("zone",), _("Delete secondary storage %(name)s"),
                              _("Secondary storage %(name)s was deleted. Its files on NFS were not touched."),
                              lambda store: store.url, lambda store: store.zone,
                              inventory.secondary_removal_refusal, inventory.delete_secondary_storage),
}


class RecordDeleteView(View):
    """Delete a pod, cluster, host, primary or secondary storage of a zone,
    each under its own rule (zones.inventory)."""

    def dispatch(self, request, kind, pk):
        self.kind = KINDS.get(kind)
        if self.kind is None:
            raise Http404("No such record kind")
        self.record = get_object_or_404(self.kind.model.objects.select_related(*self.kind.related), pk=pk)
        return super().dispatch(request)

    def page(self, request, *, status=200, refused=None):
        refused = refused or self.kind.refusal(self.record)
        name = self.kind.name(self.record)
        return render(request, "zones/record_delete.html", {
            "zone": self.kind.zone(self.record), "name": name, "refused": refused and str(refused),
            "title": str(self.kind.title) % {"name": name}}, status=status)

    def get(self, request):
        return self.page(request)

    def post(self, request):
        zone, name = self.kind.zone(self.record), self.kind.name(self.record)
        try:
            self.kind.delete(self.record, user=request.user)
        except inventory.RemovalRefused as refused:
            return self.page(request, status=409, refused=refused)
        messages.success(request, str(self.kind.done) % {"name": name})
        return redirect("zones:detail", pk=zone.pk)


class SecondaryStorageAddView(View):
    """Add NFS secondary storage to a zone, after the wizard's share check."""

    def page(self, request, zone, form, *, status=200, check=None):
        check = check or {}
        return render(request, "zones/secondary_storage_add.html", {
            "zone": zone, "form": form, "share_check": check, "title": gettext("Add secondary storage"),
            "share_check_message": wizard.share_check_message(check)}, status=status)

    def get(self, request, pk):
        return self.page(request, get_object_or_404(Zone, pk=pk), forms.SecondaryStorageForm())

    def post(self, request, pk):
        zone = get_object_or_404(Zone, pk=pk)
        form = forms.SecondaryStorageForm(request.POST)
        if not form.is_valid():
            return self.page(request, zone, form, status=400)
        values = form.values()
        unchecked = form.cleaned_data.get("go_on_unchecked")
        check = {"status": "unchecked"} if unchecked else hooks.check_share_now(values["nfs_server"], values["path"])
        check.update(server=values["nfs_server"], path=values["path"])
        if check["status"] == "failed":
            return self.page(request, zone, form, status=400, check=check)
        if check["status"] == "pending":  # no worker answered: say so, and offer to go on unchecked
            return self.page(request, zone, form, status=409, check=check)
        store = inventory.add_secondary_storage(zone, server=values["nfs_server"], path=values["path"],
                                                checked_ok=check["status"] == "ok",
                                                message=wizard.share_check_stored(check), user=request.user)
        messages.success(request, gettext("Secondary storage %(url)s was added to zone %(zone)s.")
                         % {"url": store.url, "zone": zone.name})
        return redirect("zones:detail", pk=zone.pk)
