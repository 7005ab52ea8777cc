"""The Templates pages: the list with its availability matrix, a template's
detail (properties, transfers, Swift objects) and "Copy to zone"."""
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from cloudadmin.models import Event
from cloudadmin.ui import ObjectListView, htmx_partial, poll_seconds
from zones.models import Zone

from storage.catalog import availability, template_edit
from storage.models import SwiftStore, Template, TemplateLocation, Transfer
from storage.secondary import properties
from storage.swift import client as swift
from storage.transfers import copy_to_zone
from storage.transfers import queueing as transfers
from storage.web.forms import TemplateFilterForm
from storage.web.transfer_views import action_result, refuse


def matrix_rows(templates):
    """Availability rows for a page of templates: three queries whatever
    the number of rows (zones, their locations, their active transfers)."""
    templates = list(templates)
    ids = [template.pk for template in templates]
    zones = list(Zone.objects.order_by("name"))
    locations = TemplateLocation.objects.filter(template_id__in=ids).only(
        "template_id", "zone_id", "state", "reason")
    active = Transfer.objects.filter(template_id__in=ids, state__in=Transfer.ACTIVE_STATES).values_list(
        "template_id", "direction", "zone_id")
    return zones, availability.build_rows(templates, zones, locations, active)


class TemplateListView(ObjectListView):
    queryset = Template.objects.filter(deleted__isnull=True).select_related("os_type")  # deleted: their page only
    filter_form = TemplateFilterForm
    table = "storage/_template_table.html"
    page_template = "storage/template_list.html"
    title = gettext_lazy("Templates")
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["zones"], context["rows"] = matrix_rows(context["object_list"])
        context["default_os_type"] = template_edit.DEFAULT_OS_TYPE
        # Refresh the matrix while a copy shown on this page is under way.
        context["polling"] = any(cell.state == "copying" for row in context["rows"]
                                 for cell in (*row.zones, row.swift))
        context["poll_seconds"] = poll_seconds(context["polling"])
        return context


class TemplateDetailView(DetailView):
    model = Template
    template_name = "storage/template_detail.html"
    context_object_name = "template"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        context["title"] = str(template)
        context["zones"], rows = matrix_rows([template])
        context["row"] = rows[0]
        context["os_type"], context["public"] = template_edit.os_type_of(template), template_edit.is_public(template)
        context["locations"] = template.locations.select_related("zone", "secondary_storage").order_by("zone__name")
        context["transfers"] = template.transfers.select_related("zone").order_by("-created", "-id")
        context["history"] = Event.objects.filter(target=template.swift_container).order_by("-created", "-id")[:200]
        # The live part refreshes without asking Swift again.
        context["poll_seconds"] = poll_seconds(any(t.is_active for t in context["transfers"]))
        if not htmx_partial(self.request):
            context["swift_objects"], context["swift_error"] = self.swift_objects(template)
        return context

    @staticmethod
    def swift_objects(template):
        store = SwiftStore.objects.first()
        if store is None:
            return [], _("Swift is not configured.")
        try:
            with swift.store_connection(store) as conn:
                return swift.describe_objects(conn, template.swift_container), ""
        except swift.SwiftError as error:
            return [], _("Swift cannot be read: %(error)s") % {"error": error}


class TemplateCopyView(View):
    """Copy to zone: queue a copy from Swift to an enabled zone lacking it."""

    def post(self, request, pk):
        template = get_object_or_404(Template, pk=pk)
        zone_id = properties.parse_id(request.POST.get("zone", ""))
        zone = Zone.objects.filter(pk=zone_id).first() if zone_id is not None else None
        try:
            transfer = copy_to_zone.queue(template, zone, user=request.user)
        except transfers.TransferRefused as refused:
            return refuse(request, "transfer.queue", template.swift_container, refused)
        return action_result(request, _("Template %(id)s is queued for copy to zone %(zone)s (transfer %(t)s).")
                             % {"id": template.pk, "zone": zone.name, "t": transfer.pk})
