from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _, gettext_lazy
from django.views import View
from django.views.csrf import csrf_failure as django_csrf_failure

from . import config, events
from .forms import EventFilterForm, GlobalSettingFilterForm
from .middleware import SESSION_LANGUAGE_KEY, set_language_cookie
from .models import Event, GlobalSetting, UserPreference
from .ui import ObjectListView, safe_next, style_form_widgets


class EventListView(ObjectListView):
    queryset = Event.objects.all()
    filter_form = EventFilterForm
    table = "cloudadmin/_event_table.html"
    title = gettext_lazy("Events")
    paginate_by = 50


class GlobalSettingListView(ObjectListView):
    queryset = GlobalSetting.objects.all()
    filter_form = GlobalSettingFilterForm
    table = "cloudadmin/_setting_table.html"
    title = gettext_lazy("Global Settings")
    paginate_by = 50

    def get_queryset(self):
        # Every declared setting is listed, those without a row yet too (unsaved: a GET writes nothing).
        rows = list(super().get_queryset())
        form = self.filter_form_instance
        valid = form is not None and form.is_valid()
        missing = [row for row in config.missing_rows() if not valid or form.matches(row)]
        return sorted(rows + missing, key=lambda row: (row.category, row.name)) if missing else rows

    def get_context_data(self, **kwargs):
        return super().get_context_data(restart_command=settings.RESTART_COMMAND, **kwargs)


def _setting_or_404(name):
    if name not in config.DEFINITIONS:
        raise Http404(_("No such setting."))
    return config.row_or_default(name)


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


class SetLanguageView(View):
    """The header's language switcher (POST): remembered for the user, for
    this session, and in the language cookie for the login page after logout."""

    def post(self, request):
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES):
            return HttpResponseBadRequest(_("Unknown language."))
        with transaction.atomic():
            preference = UserPreference.objects.select_for_update().filter(user=request.user).first()
            old = preference.language if preference else ""
            if old != language:
                UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
                events.record("user.language", user=request.user, target=request.user.get_username(),
                              detail=f"{old or '-'} → {language}")
        request.session[SESSION_LANGUAGE_KEY] = language
        response = HttpResponseRedirect(safe_next(request))
        set_language_cookie(response, language)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """My account › Change password: Django's view and form (the old
    password, then the new one twice, checked by AUTH_PASSWORD_VALIDATORS);
    the session stays logged in, and the page redirects to My account."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("account")
    extra_context = {"title": gettext_lazy("Change password")}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        style_form_widgets(form)
        return form

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        response = super().form_valid(form)
        events.record("user.password", user=self.request.user, target=self.request.user.get_username())
        messages.success(self.request, _("Your password was changed."))
        return response


def csrf_failure(request, reason=""):
    """A refused CSRF token. For htmx (a tab whose token went stale when the
    user logged out and in again elsewhere) the whole page reloads, with a
    fresh token or to the login, instead of an action failing silently."""
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(status=403, headers={"HX-Refresh": "true"})
    return django_csrf_failure(request, reason=reason)
