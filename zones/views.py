from functools import wraps

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView

from cloudadmin import events
from cloudadmin.messages import render as render_message
from cloudadmin.ui import ObjectListView, htmx_partial, poll_seconds
from storage.models import SecondaryStorage, Transfer, ZoneScan

from . import inventory, stats, wizard
from .forms import ZoneEditForm, name_taken
from .models import Cluster, Pod, Zone, ZoneWizardDraft


class ZoneListView(ObjectListView):
    queryset = Zone.objects.prefetch_related("secondary_storages")
    table = "zones/_zone_table.html"
    page_template = "zones/zone_list.html"
    title = _("Zones")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zones = context["object_list"]
        counts = stats.template_counts(zones)
        for zone in zones:
            zone.template_count = counts.get(zone.pk)
        context["drafts"] = ZoneWizardDraft.objects.filter(user=self.request.user)
        return context


class ZoneDetailView(DetailView):
    """Every record the wizard created, and Enable zone / Disable zone."""

    template_name = "zones/zone_detail.html"
    queryset = Zone.objects.prefetch_related(
        Prefetch("pods", queryset=Pod.objects.prefetch_related(
            Prefetch("clusters", queryset=Cluster.objects.prefetch_related("hosts", "primary_storages")))),
        Prefetch("secondary_storages", queryset=SecondaryStorage.objects.order_by("id")),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.object.name
        context["template_count"] = stats.template_counts([self.object]).get(self.object.pk)
        busy = Transfer.objects.filter(zone=self.object, state__in=Transfer.ACTIVE_STATES).exists() \
            or ZoneScan.objects.filter(zone=self.object, state__in=ZoneScan.ACTIVE_STATES).exists()
        context["poll_seconds"] = poll_seconds(busy)
        return context


class ZoneAllocationView(View):
    """POST: Enable zone or Disable zone (`state` comes from the URL)."""

    state = None

    def post(self, request, pk):
        zone = get_object_or_404(Zone, pk=pk)
        try:
            wizard.set_allocation(zone.pk, self.state, user=request.user)
        except wizard.AllocationUnchanged:
            messages.info(request, gettext("Zone %(name)s is already %(state)s.") % {
                "name": zone.name, "state": zone.get_allocation_state_display()})
            return redirect("zones:detail", pk=zone.pk)
        if self.state == Zone.AllocationState.ENABLED:
            messages.success(request, gettext("Zone %(name)s is enabled.") % {"name": zone.name})
        else:
            messages.success(request, gettext("Zone %(name)s is disabled.") % {"name": zone.name})
        return redirect("zones:detail", pk=zone.pk)


class ZoneEditView(View):
    """Edit zone: the form (GET), the change (POST, then back to the zone)."""

    page = "zones/zone_edit.html"
    form_class = ZoneEditForm

    def show(self, request, zone, form, status=200):
        return render(request, self.page, {"zone": zone, "form": form, "title": gettext(
            "Edit zone %(name)s") % {"name": zone.name}}, status=status)

    def get(self, request, pk):
        zone = get_object_or_404(Zone, pk=pk)
        return self.show(request, zone, self.form_class(zone=zone))

    def post(self, request, pk):
        zone = get_object_or_404(Zone, pk=pk)
        form = self.form_class(request.POST, zone=zone)
        if form.is_valid():
            try:
                changed = inventory.edit_zone(zone.pk, form.cleaned_data, user=request.user)
            except inventory.NameTaken:
                form.add_error("name", name_taken(form.cleaned_data["name"]))
            else:
                if changed:
                    messages.success(request, gettext("Zone %(name)s saved.") % {"name": form.cleaned_data["name"]})
                else:
                    messages.info(request, gettext("Nothing changed."))
                return redirect("zones:detail", pk=zone.pk)
        return self.show(request, zone, form, status=400)


# --- the wizard ----------------------------------------------------------------
# The session remembers which zone each launched draft became, so that the
# wizard's old URL leads to the zone.
LAUNCHED_KEY = "zones_launched_drafts"


class DraftMissing(Exception):
    """The draft of this URL was launched or discarded (maybe in another tab)."""


def _draft(request, draft_id):
    draft = ZoneWizardDraft.objects.filter(pk=draft_id, user=request.user).first()
    if draft is None:
        raise DraftMissing(draft_id)
    return draft


def _remember_launch(request, draft_id, zone):
    launched = dict(list(request.session.get(LAUNCHED_KEY, {}).items())[-19:])
    launched[str(draft_id)] = zone.pk
    request.session[LAUNCHED_KEY] = launched


def _redirect(request, url):
    if htmx_partial(request):  # the whole page goes, not a fragment
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def redirect_when_draft_gone(dispatch):
    """A stale wizard URL goes to the zone it became, or to the zone list,
    with a message (never a 404)."""
    @wraps(dispatch)
    def wrapped(self, request, *args, **kwargs):
        try:
            return dispatch(self, request, *args, **kwargs)
        except DraftMissing:
            draft_id = str(kwargs.get("draft_id"))
            zone_id = request.session.get(LAUNCHED_KEY, {}).get(draft_id)
            zone = Zone.objects.filter(pk=zone_id).first() if zone_id else None
            if zone is not None:
                messages.info(request, gettext("This zone wizard was launched: it created zone %(name)s.")
                              % {"name": zone.name})
                return _redirect(request, reverse("zones:detail", args=[zone.pk]))
            messages.info(request, gettext("This zone wizard was already launched or discarded."))
            return _redirect(request, reverse("zones:list"))
    return wrapped


class WizardStartView(View):
    """POST Add zone: resume the user's latest draft, or start a new one."""

    def post(self, request):
        if request.POST.get("new") != "1":
            draft = ZoneWizardDraft.objects.filter(user=request.user).first()
            if draft is not None:
                return redirect("zones:wizard_step", draft_id=draft.pk, step=draft.current_step)
        draft = ZoneWizardDraft.objects.create(user=request.user)
        return redirect("zones:wizard_step", draft_id=draft.pk, step=wizard.STEPS[0].slug)


class WizardDiscardView(View):
    """POST: delete a draft (an abandoned wizard)."""

    @redirect_when_draft_gone
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, draft_id):
        draft = _draft(request, draft_id)
        name = str(draft)
        draft.delete()
        events.record("zone.draft.discard", user=request.user, target=name)
        messages.info(request, gettext("The unfinished zone %(name)s was discarded.") % {"name": name})
        return redirect("zones:list")


def render_step(request, draft, step, *, form=None, status=200, error="", notice=""):
    """The step's page, or only its fragment for an htmx step swap; the URL
    is pushed so that a reload shows the same step."""
    wizard.visit(draft, step)
    steps = wizard.steps_for(draft)
    back, forward = wizard.neighbours(draft, step)
    context = {
        "draft": draft, "step": step, "steps": steps, "step_number": steps.index(step) + 1,
        "open_step": wizard.first_open_step(draft), "back": back, "forward": forward,
        "form": form, "error": error, "notice": notice, "title": gettext("Add zone"),
        "step_url": reverse("zones:wizard_step", args=[draft.pk, step.slug]),
    }
    if step.slug == "secondary-storage" and form is not None:
        values = {"nfs_server": form["nfs_server"].value(), "path": form["path"].value()}
        context["share_check"] = wizard.share_check_for(draft, values)
        context["share_check_running"] = wizard.share_check_running(context["share_check"])
        context["share_check_message"] = wizard.share_check_message(context["share_check"])
    if step is wizard.REVIEW:
        context["review"] = review_sections(draft)
        context["share_check"] = wizard.share_check_for(draft, draft.data.get("secondary-storage", {}))
        context["share_check_message"] = wizard.share_check_message(context["share_check"])
    partial = htmx_partial(request)
    response = render(request, "zones/_wizard.html" if partial else "zones/wizard.html", context, status=status)
    if partial:
        response["HX-Push-Url"] = context["step_url"]
    return response


def review_sections(draft):
    """(step, [(label, value)]) of every step, for the review."""
    sections = []
    for step in wizard.steps_for(draft):
        if step.form_class is None:
            continue
        form = wizard.form_for(step, draft)
        saved = draft.data.get(step.slug, {})
        rows = []
        for name, field in form.fields.items():
            if name in ("confirm_no_swift", "go_on_unchecked"):
                continue
            if name == "password":
                rows.append((field.label, gettext("saved (hidden)") if draft.host_password else ""))
                continue
            value = saved.get(name, "")
            choices = dict(getattr(field, "choices", []) or [])
            rows.append((field.label, choices.get(value, value)))
        sections.append((step, rows))
    return sections


class WizardStepView(View):
    """One step of the Add zone wizard: GET shows it, POST validates and
    saves its fields in the draft, then shows the next step."""

    @redirect_when_draft_gone
    def dispatch(self, request, draft_id, step):
        self.draft = _draft(request, draft_id)
        self.step = wizard.BY_SLUG.get(step)
        if self.step is None:
            raise Http404("No such step")
        if not wizard.may_visit(self.draft, self.step):
            return redirect("zones:wizard_step", draft_id=self.draft.pk, step=wizard.first_open_step(self.draft).slug)
        return super().dispatch(request)

    def get(self, request):
        form = wizard.form_for(self.step, self.draft) if self.step.form_class else None
        return render_step(request, self.draft, self.step, form=form)

    def post(self, request):
        if self.step.form_class is None:
            return redirect("zones:wizard_step", draft_id=self.draft.pk, step=self.step.slug)
        form = wizard.form_for(self.step, self.draft, request.POST)
        if not form.is_valid():
            return render_step(request, self.draft, self.step, form=form, status=400)
        wizard.save_step(self.draft, self.step, form)
        if self.step is wizard.SECONDARY:
            refused = self.check_share(request, form)
            if refused is not None:
                return refused
        _back, forward = wizard.neighbours(self.draft, self.step)
        return self.show(request, forward)

    def show(self, request, step):
        wizard.visit(self.draft, step)  # where Add zone resumes, even before the redirect is followed
        if htmx_partial(request):
            form = wizard.form_for(step, self.draft) if step.form_class else None
            return render_step(request, self.draft, step, form=form)
        return redirect("zones:wizard_step", draft_id=self.draft.pk, step=step.slug)

    def check_share(self, request, form):
        """None when the share passed (or the operator goes on after no
        worker answered); else the step again with the outcome."""
        values = form.values()
        check = wizard.share_check_for(self.draft, values)
        if check.get("status") in ("ok", "unchecked"):
            return None
        if check.get("status") == "pending" and form.cleaned_data.get("go_on_unchecked"):
            wizard.go_on_unchecked(self.draft)
            return None
        wizard.start_share_check(self.draft, values)
        check = wizard.wait_for_share_check(self.draft)
        if check.get("status") == "ok":
            return None
        form = wizard.form_for(self.step, self.draft)
        if check.get("status") == "failed":
            return render_step(request, self.draft, self.step, form=form, status=400, error=wizard.share_check_message(check))
        # No worker answered in time: say so, and offer to go on unchecked.
        return render_step(request, self.draft, self.step, form=form)


class WizardLaunchView(View):
    """POST Launch zone: validate every step again and create it all."""

    @redirect_when_draft_gone
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, draft_id):
        draft = _draft(request, draft_id)
        try:
            zone = wizard.launch(draft, user=request.user)
        except wizard.StepInvalid as invalid:
            draft.refresh_from_db()
            form = invalid.form or (wizard.saved_form(invalid.step, draft) if invalid.step.form_class else None)
            return render_step(request, draft, invalid.step, form=form, status=400,
                               error=render_message(invalid.message))
        except wizard.DraftGone:
            messages.info(request, gettext("This zone wizard was already launched or discarded."))
            return _redirect(request, reverse("zones:list"))
        except wizard.LaunchFailed as failed:
            return render_step(request, draft, wizard.REVIEW, status=409, error=gettext(
                "The zone could not be created and nothing was saved: %(reason)s") % {"reason": failed})
        messages.success(request, gettext("Zone %(name)s was created. It is Disabled: enable it when it is ready.")
                         % {"name": zone.name})
        _remember_launch(request, draft_id, zone)
        return _redirect(request, reverse("zones:detail", args=[zone.pk]))
