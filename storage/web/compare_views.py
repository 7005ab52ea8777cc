"""The per-zone "compare NFS and Swift" page: both sides read live, a page
of the zone's templates at a time (each costs Swift a container listing)."""
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from cloudadmin.ui import htmx_partial
from zones.models import Zone

from storage.catalog import compare
from storage.web.forms import CompareForm

TEMPLATES_PER_PAGE = 100


class CompareView(TemplateView):
    def get_template_names(self):
        return ["storage/_compare_table.html" if htmx_partial(self.request) else "storage/compare.html"]

    def get_context_data(self, **kwargs):
        zone = get_object_or_404(Zone, pk=self.kwargs["zone_id"])
        form = CompareForm(self.request.GET or None)
        only_differences = form.is_valid() and form.cleaned_data["differences"]
        nfs_side, nfs_error = {}, ""
        try:
            nfs_side = compare.read_nfs(zone)
        except compare.SideUnreachable as exc:
            nfs_error = str(exc)
        page = Paginator(sorted(nfs_side), TEMPLATES_PER_PAGE).get_page(self.request.GET.get("page"))
        swift_side, others, swift_error = {}, [], ""
        try:
            swift_side, others = compare.read_swift(page.object_list)
        except compare.SideUnreachable as exc:
            swift_error = str(exc)
        rows = []
        if not nfs_error and not swift_error:
            rows = compare.compare({i: nfs_side[i] for i in page.object_list}, swift_side)
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            zone=zone, form=form, only_differences=only_differences,
            rows=[row for row in rows if not row.ok] if only_differences else rows,
            total=len(rows), differing=sum(1 for row in rows if not row.ok), swift_only=others,
            page_obj=page, paginator=page.paginator, is_paginated=page.paginator.num_pages > 1,
            querystring=query.urlencode(), nfs_error=nfs_error, swift_error=swift_error,
            title=zone.name, **kwargs)
