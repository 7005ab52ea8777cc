from django.utils.translation import gettext_lazy as _

from cloudadmin.ui import ObjectListView

from .models import Zone


class ZoneListView(ObjectListView):
    queryset = Zone.objects.all()
    table = "zones/_zone_table.html"
    page_template = "zones/zone_list.html"
    title = _("Zones")
