from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views import View

from . import config
from .forms import EventFilterForm, GlobalSettingFilterForm
from .models import Event, GlobalSetting
from .ui import ObjectListView


class EventListView(ObjectListView):
    queryset = Event.objects.all()
    filter_form = EventFilterForm
    table = "cloudadmin/_event_table.html"
    title = "Events"
    paginate_by = 50


class GlobalSettingListView(ObjectListView):
    queryset = GlobalSetting.objects.all()
    filter_form = GlobalSettingFilterForm
    table = "cloudadmin/_setting_table.html"
    title = "Global Settings"
    paginate_by = 50

    def get_queryset(self):
        config.seed_missing()  # every declared setting is listed
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        return super().get_context_data(restart_command=settings.RESTART_COMMAND, **kwargs)


def _setting_or_404(name):
    if name not in config.DEFINITIONS:
        raise Http404("No such setting.")
    config.seed_missing()
    return GlobalSetting.objects.get(name=name)


def _render_row(request, row, *, editing=False, value=None, error="", status=200):
    return render(request, "cloudadmin/_setting_row.html", {
        "setting": row, "editing": editing, "error": error,
        "edit_value": row.pending_value if value is None and row.has_pending_change else (
            row.value if value is None else value),
        "restart_command": settings.RESTART_COMMAND,
    }, status=status)


class GlobalSettingRowView(View):
    """One row of the settings table: shown (GET, also Cancel) or its inline
    editor (GET ?edit=1)."""

    def get(self, request, name):
        return _render_row(request, _setting_or_404(name), editing="edit" in request.GET)

    def post(self, request, name):
        row = _setting_or_404(name)
        raw = request.POST.get("value", "")
        try:
            row = config.change(name, raw, user=request.user)
        except ValidationError as exc:
            return _render_row(request, row, editing=True, value=raw, error=exc.messages[0], status=400)
        return _render_row(request, row)
