"""The per-zone "compare NFS and Swift" page: both sides read live."""
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from cloudadmin.ui import htmx_partial
from zones.models import Zone

from . import compare
from .forms import CompareForm


class CompareView(TemplateView):
    def get_template_names(self):
        return ["storage/_compare_table.html" if htmx_partial(self.request) else "storage/compare.html"]

    def get_context_data(self, **kwargs):
        zone = get_object_or_404(Zone, pk=self.kwargs["zone_id"])
        form = CompareForm(self.request.GET or None)
        only_differences = form.is_valid() and form.cleaned_data["differences"]
        nfs_side = swift_side = None
        nfs_error = swift_error = ""
        try:
            nfs_side = compare.read_nfs(zone)
        except compare.SideUnreachable as exc:
            nfs_error = str(exc)
        try:
            swift_side = compare.read_swift(nfs_side or {})
        except compare.SideUnreachable as exc:
            swift_error = str(exc)
        rows = compare.compare(nfs_side or {}, swift_side or {}) if nfs_side is not None and swift_side is not None else []
        shown = [row for row in rows if not row.ok] if only_differences else rows
        return super().get_context_data(
            zone=zone, form=form, only_differences=only_differences, rows=shown, total=len(rows),
            differing=sum(1 for row in rows if not row.ok), nfs_error=nfs_error, swift_error=swift_error,
            title=zone.name, **kwargs)
