from django.views.generic import TemplateView

from zones.models import Zone
from storage.models import SwiftStore

from .forms import EventFilterForm
from .models import Event
from .ui import ObjectListView


class DashboardView(TemplateView):
    template_name = "cloudadmin/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            zone_count=Zone.objects.count(),
            swift_store=SwiftStore.objects.first(),
            **kwargs,
        )


class EventListView(ObjectListView):
    queryset = Event.objects.all()
    filter_form = EventFilterForm
    table = "cloudadmin/_event_table.html"
    title = "Events"
    paginate_by = 50
