"""Delete templates: a confirmation page (GET) that lists every copy of
each chosen template, Swift's containers with their object counts and bytes
and each zone's NFS folder, with a box per copy; its POST (CSRF) queues the
deletions of the ticked copies (storage.transfers.deletion) and redirects.
One view for the template page's Delete and the Templates list's bulk
Delete; all or nothing: a refused template queues nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from cloudadmin import events
from cloudadmin.messages import coded
from storage.models import SwiftStore, Template, TemplateLocation
from storage.secondary import properties
from storage.swift import client as swift
from storage.swift import objects
from storage.transfers import deletion
from storage.transfers.queueing import TransferRefused

MAX_TEMPLATES = 100  # one confirmation page at a time


@dataclass
class Choice:
    """One template on the confirmation page: its copies and what is ticked."""

    template: Template
    plan: deletion.Plan
    folders: list = field(default_factory=list)  # TemplateLocations of plan.zones
    containers: list = field(default_factory=list)  # Swift's T-<id> and T-<id>_segments: name, count, bytes
    refused: str = ""
    ticked: set = field(default_factory=set)  # "swift", "zone-<pk>"


def _swift_containers(ids) -> tuple[dict, str]:
    """{template id: [T-<id> and T-<id>_segments with their object count and
    bytes (a manifest counts 0: its segments hold them)]}, or the reason Swift cannot be read."""
    store = SwiftStore.objects.first()
    if store is None or not ids:
        return {}, ""
    found = {}
    try:
        with swift.store_connection(store) as conn:
            existing = {c["name"] for c in swift.list_containers(conn, prefix="T-")}
            for template_id in ids:
                found[template_id] = []
                for name in (f"T-{template_id}", objects.segments_container(f"T-{template_id}")):
                    # Counted from the listing itself: the account's counters lag behind.
                    listed = swift.list_objects(conn, name)
                    if listed or name in existing:
                        found[template_id].append({"name": name, "count": len(listed), "bytes": sum(
                            0 if objects.is_manifest(obj) else obj.get("bytes", 0) for obj in listed)})
    except swift.SwiftError as error:
        return {}, _("Swift cannot be read: %(error)s") % {"error": error}
    return found, ""


def _ids(values) -> list[int]:
    ids = []
    for value in values:
        parsed = properties.parse_id(value)
        if parsed is None:
            raise Http404("not a template id")
        if parsed not in ids:
            ids.append(parsed)
    return ids[:MAX_TEMPLATES]


def _choices(ids, ticked_values=None) -> tuple[list[Choice], str]:
    templates = Template.objects.in_bulk(ids)
    if len(templates) != len(ids):
        raise Http404("no such template")
    containers, swift_error = _swift_containers(ids)
    choices = []
    for template_id in ids:
        template = templates[template_id]
        found = deletion.plan(template)
        choice = Choice(template, found, containers=containers.get(template_id, []))
        choice.folders = list(TemplateLocation.objects.filter(template=template, zone__in=found.zones)
                              .select_related("zone", "secondary_storage").order_by("zone__name"))
        try:
            deletion.check_deletable(template)
        except TransferRefused as refused:
            choice.refused = str(refused)
        everything = ({"swift"} if found.swift else set()) | {f"zone-{zone.pk}" for zone in found.zones}
        prefix = f"{template_id}:"
        choice.ticked = everything if ticked_values is None else {
            value[len(prefix):] for value in ticked_values if value.startswith(prefix)} & everything
        for location in choice.folders:  # what the page's boxes show
            location.ticked = f"zone-{location.zone_id}" in choice.ticked
        choices.append(choice)
    return choices, swift_error


class TemplateDeleteView(View):
    """GET: what would be deleted; POST: delete the ticked copies."""

    def _ids_of(self, request, data, pk):
        return [pk] if pk is not None else _ids(data.getlist("template"))

    def get(self, request, pk=None):
        ids = self._ids_of(request, request.GET, pk)
        choices, swift_error = _choices(ids)
        return self._page(request, choices, swift_error, pk)

    def _page(self, request, choices, swift_error, pk, *, error="", status=200):
        return render(request, "storage/template_delete.html", {
            "title": _("Delete templates"), "choices": choices, "swift_error": swift_error, "error": error,
            "action": request.path, "single": pk is not None,
            "deletable": any(not choice.refused for choice in choices)}, status=status)

    def post(self, request, pk=None):
        ids = self._ids_of(request, request.POST, pk)
        ticked = request.POST.getlist("copy")
        choices, swift_error = _choices(ids, ticked)
        try:
            with transaction.atomic():  # all or nothing: a refusal rolls back the others
                queued = sum(len(self._delete(request, choice)) for choice in choices)
        except TransferRefused as refused:
            events.record_failure("template.delete", user=request.user,
                                  target=", ".join(c.template.swift_container for c in choices), detail=refused)
            return self._page(request, choices, swift_error, pk, error=str(refused), status=409)
        messages.success(request, ngettext(
            "Deletion of %(count)s template requested (%(steps)s steps queued).",
            "Deletion of %(count)s templates requested (%(steps)s steps queued).", len(choices))
            % {"count": len(choices), "steps": queued})
        if pk is not None:
            return redirect(reverse("storage:template", args=[pk]))
        return redirect(reverse("storage:templates"))

    @staticmethod
    def _delete(request, choice: Choice):
        if not choice.ticked and (choice.plan.swift or choice.plan.zones):
            raise TransferRefused(coded("Tick at least one copy of template %(id)s to delete.", id=choice.template.pk))
        zones = [zone for zone in choice.plan.zones if f"zone-{zone.pk}" in choice.ticked]
        return deletion.request(choice.template, swift="swift" in choice.ticked, zones=zones, user=request.user)
