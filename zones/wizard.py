"""The Add zone wizard: its steps, the draft that holds them, the share
check of the secondary storage step, and Launch.

Each step owns the fields of its form (zones/forms.py). A step's values are
stored in the draft once they pass validation; Launch validates every step
again and creates everything in one transaction.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cloudadmin import events, messages
from storage.models import SecondaryStorage

from . import forms, hooks, inventory
from .models import Zone, ZoneWizardDraft

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type | None = None  # None: the review step
    basic_only: bool = False


STEPS = [
    Step("type", _("Zone type"), forms.ZoneTypeForm),
    Step("zone", _("Zone"), forms.ZoneForm),
    Step("pod", _("Pod"), forms.PodForm),
    Step("guest-network", _("Guest network"), forms.GuestNetworkForm, basic_only=True),
    Step("cluster", _("Cluster"), forms.ClusterForm),
    Step("host", _("Host"), forms.HostForm),
    Step("primary-storage", _("Primary storage"), forms.PrimaryStorageForm),
    Step("secondary-storage", _("Secondary storage"), forms.SecondaryStorageForm),
    Step("review", _("Review")),
]
BY_SLUG = {step.slug: step for step in STEPS}
REVIEW = BY_SLUG["review"]
SECONDARY = BY_SLUG["secondary-storage"]


def is_basic(draft) -> bool:
    return draft.data.get("type", {}).get("network_type", Zone.NetworkType.BASIC) == Zone.NetworkType.BASIC


def steps_for(draft) -> list[Step]:
    """The steps of this draft: an Advanced zone has no guest network step."""
    basic = is_basic(draft)
    return [step for step in STEPS if basic or not step.basic_only]


def neighbours(draft, step) -> tuple[Step | None, Step | None]:
    steps = steps_for(draft)
    index = steps.index(step)
    return (steps[index - 1] if index else None, steps[index + 1] if index + 1 < len(steps) else None)


def first_open_step(draft) -> Step:
    """The first step without saved values (the review when all have them)."""
    for step in steps_for(draft):
        if step.form_class is not None and step.slug not in draft.data:
            return step
    return REVIEW


def may_visit(draft, step) -> bool:
    """A step is open once every step before it has values."""
    steps = steps_for(draft)
    return step in steps and steps.index(step) <= steps.index(first_open_step(draft))


def form_for(step, draft, data=None):
    """The step's form: bound to `data` (a POST), else filled in from the draft."""
    if data is not None:
        return step.form_class(data, draft=draft)
    return step.form_class(initial=draft.data.get(step.slug, {}), draft=draft)


def saved_form(step, draft):
    """The step's form bound to its saved values, validated again."""
    form = step.form_class(draft.data.get(step.slug, {}), draft=draft)
    form.is_valid()
    return form


def save_step(draft, step, form) -> None:
    draft.data[step.slug] = form.values()
    fields = ["data", "updated"]
    if step.slug == "host" and form.cleaned_data.get("password"):
        draft.host_password = form.cleaned_data["password"]
        fields.append("host_password")
    draft.save(update_fields=fields)


def visit(draft, step) -> None:
    """Remember the step shown last: where a later visit resumes."""
    if draft.current_step != step.slug:
        draft.current_step = step.slug
        draft.save(update_fields=["current_step", "updated"])


# --- the secondary storage check ---------------------------------------------
def share_check_for(draft, values) -> dict:
    """The draft's check of exactly this server and path, or {}."""
    check = draft.share_check or {}
    if (check.get("server"), check.get("path")) == (values.get("nfs_server"), values.get("path")):
        return check
    return {}


def share_check_passed(draft) -> bool:
    """Launch needs the share checked OK, or the operator's go-ahead after
    no worker answered."""
    check = share_check_for(draft, draft.data.get(SECONDARY.slug, {}))
    return check.get("status") in ("ok", "unchecked")


def start_share_check(draft, values) -> None:
    """Ask a worker to check the share; it writes the outcome to the draft
    (record_share_check)."""
    token = uuid.uuid4().hex
    draft.share_check = {"token": token, "server": values["nfs_server"], "path": values["path"],
                         "status": "pending", "requested": timezone.now().isoformat()}
    draft.save(update_fields=["share_check", "updated"])

    def enqueue():
        try:
            hooks.check_draft_share(draft.pk, token)
        except Exception as error:  # noqa: BLE001 - the broker is down: no worker will answer
            logger.warning("share check not queued: %s", error)

    transaction.on_commit(enqueue)


def record_share_check(draft_id: int, token: str, check_share) -> None:
    """A worker's part of the share check: check the draft's share with
    check_share(server, path) and write the outcome back if the draft still
    asks for this check (same token, still pending)."""
    draft = ZoneWizardDraft.objects.filter(pk=draft_id, share_check__token=token).first()
    if draft is None:
        return
    result = check_share(draft.share_check["server"], draft.share_check["path"])
    outcome = {**draft.share_check, "status": "ok" if result.ok else "failed",
               "message": messages.encode(result.summary),
               "templates": result.templates, "checked": timezone.now().isoformat()}
    ZoneWizardDraft.objects.filter(pk=draft_id, share_check__token=token,
                                   share_check__status="pending").update(share_check=outcome)


def wait_for_share_check(draft, timeout=None) -> dict:
    """Wait up to SHARE_CHECK_WAIT seconds for the worker's answer; the check
    is still "pending" when none came."""
    deadline = time.monotonic() + (settings.SHARE_CHECK_WAIT if timeout is None else timeout)
    while True:
        draft.share_check = ZoneWizardDraft.objects.values_list("share_check", flat=True).get(pk=draft.pk)
        if draft.share_check.get("status") != "pending" or time.monotonic() >= deadline:
            return draft.share_check
        time.sleep(0.2)


def share_check_running(check) -> bool:
    """A check asked for less than SHARE_CHECK_WAIT seconds ago, still
    unanswered (a reload while Next waits for the worker)."""
    if check.get("status") != "pending" or not check.get("requested"):
        return False
    asked = datetime.fromisoformat(check["requested"])
    return (timezone.now() - asked).total_seconds() < settings.SHARE_CHECK_WAIT


UNCHECKED = _("Not checked: no worker answered.")


def share_check_message(check) -> str:
    """The outcome in the reader's language (a worker stores its reason coded)."""
    if check.get("status") == "ok":
        return str(hooks.share_ok_message(check.get("templates", 0)))
    if check.get("status") == "unchecked":
        return str(UNCHECKED)
    return messages.render(check.get("message", ""))


def share_check_stored(check) -> str:
    """The outcome as a store's state reason keeps it: coded (cloudadmin.messages)."""
    if check.get("status") == "ok":
        return messages.encode(hooks.share_ok_message(check.get("templates", 0)))
    if check.get("status") == "unchecked":
        return messages.encode(UNCHECKED)
    return check.get("message", "")


def go_on_unchecked(draft) -> None:
    draft.share_check = {**draft.share_check, "status": "unchecked", "message": messages.encode(UNCHECKED)}
    draft.save(update_fields=["share_check", "updated"])


# --- Launch ------------------------------------------------------------------
class StepInvalid(Exception):
    """Launch refused: `step` must be corrected; `form` carries the errors,
    or `message` (a coded message) says why."""

    def __init__(self, step, form=None, message=""):
        super().__init__(messages.english(message) or step.slug)
        self.step, self.form, self.message = step, form, message

    def stored(self):
        """What the zone.create event keeps: the step, and its message or every field's errors, coded."""
        errors = [] if self.form is None else [
            messages.coded("%(field)s: %(message)s", field=field, message=_coded_error(error))
            for field, field_errors in self.form.errors.as_data().items() for error in field_errors]
        return messages.coded("%(step)s: %(detail)s", step=self.step.slug,
                              detail=self.message or messages.listed(errors))


def _coded_error(error):
    """A form's ValidationError as a coded message where its text is a translation, else its text."""
    message, params = messages.as_message(error.message), error.params or {}
    if isinstance(message, messages.Message) and not message.plural:
        return messages.with_params(message, **params)
    with translation.override(settings.LANGUAGE_CODE):  # Django's own rendering, in English
        return next(iter(error))


class LaunchFailed(Exception):
    """The database refused the zone; nothing was written."""


class DraftGone(Exception):
    """The draft was launched or discarded meanwhile (e.g. a double submit)."""


def validate_all(draft) -> dict:
    """Every step's cleaned values, or StepInvalid for the first failing step."""
    cleaned = {}
    for step in steps_for(draft):
        if step.form_class is None:
            continue
        if step.slug not in draft.data:
            raise StepInvalid(step, message=messages.coded("This step is not filled in yet."))
        form = saved_form(step, draft)
        if not form.is_valid():
            raise StepInvalid(step, form)
        cleaned[step.slug] = form.cleaned_data
    if not share_check_passed(draft):
        raise StepInvalid(SECONDARY, message=messages.coded(
            "The share has not passed the check: press Next to check it."))
    return cleaned


def launch(draft, *, user=None) -> Zone:
    """Create the zone and everything under it in one transaction, Disabled.

    Raises StepInvalid (back to that step) or LaunchFailed; either way
    nothing is written and a failure event is recorded. DraftGone when a
    concurrent Launch (or Discard) of the same draft went first.
    """
    try:
        with transaction.atomic():
            locked = ZoneWizardDraft.objects.select_for_update().filter(pk=draft.pk).first()
            if locked is None:
                raise DraftGone()
            draft = locked
            values = validate_all(draft)
            zone = _create(draft, values, user=user)
            draft.delete()
    except StepInvalid as invalid:
        events.record_failure("zone.create", user=user, target=draft.data.get("zone", {}).get("name", ""),
                              detail=invalid.stored())
        raise
    except IntegrityError as error:
        name = draft.data.get("zone", {}).get("name", "")
        if "zone_name_unique_ci" in str(error):
            taken = messages.coded("A zone named %(name)s already exists (names are compared without case).",
                                   name=name)
            events.record_failure("zone.create", user=user, target=name, detail=taken)
            raise StepInvalid(BY_SLUG["zone"], message=taken) from None
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        events.record_failure("zone.create", user=user, target=name, detail=first_line[:1000])
        raise LaunchFailed(first_line) from error
    return zone


def _create(draft, values, *, user=None) -> Zone:
    kind, zone_values, pod_values = values["type"], values["zone"], values["pod"]
    zone = inventory.create_zone(
        name=zone_values["name"], network_type=kind["network_type"], dns1=zone_values["dns1"],
        dns2=zone_values["dns2"], internal_dns1=zone_values["internal_dns1"],
        internal_dns2=zone_values["internal_dns2"], hypervisor=zone_values["hypervisor"],
        network_domain=zone_values["network_domain"], guest_cidr=zone_values.get("guest_cidr", ""))
    pod = inventory.create_pod(
        zone, name=pod_values["name"], gateway=pod_values["gateway"], netmask=pod_values["netmask"],
        start_ip=pod_values["start_ip"], end_ip=pod_values["end_ip"],
        guest=values.get("guest-network", {}) if zone.network_type == Zone.NetworkType.BASIC else {})
    cluster = inventory.create_cluster(pod, name=values["cluster"]["name"], hypervisor=zone.hypervisor)
    host = inventory.create_host(cluster, host_name=values["host"]["host_name"],
                                 username=values["host"]["username"], password=draft.host_password)
    primary_values = values["primary-storage"]
    primary = inventory.create_primary_storage(
        cluster, name=primary_values["name"], protocol=primary_values["protocol"],
        server=primary_values["server"], path=primary_values["path"])
    secondary_values, check = values["secondary-storage"], draft.share_check
    checked_ok = check.get("status") == "ok"
    store = inventory.create_secondary_storage(
        zone, server=secondary_values["nfs_server"], path=secondary_values["path"],
        state=SecondaryStorage.State.UP if checked_ok else SecondaryStorage.State.UNKNOWN,
        state_reason=share_check_stored(check)[:500],
        last_checked=timezone.now() if checked_ok else None)
    events.record("zone.create", user=user, target=zone.name, detail=messages.coded(
        "%(network)s, %(hypervisor)s; pod %(pod)s, cluster %(cluster)s, host %(host)s, primary storage %(primary)s, "
        "secondary storage %(secondary)s; Disabled", network=zone.network_type, hypervisor=zone.hypervisor,
        pod=pod.name, cluster=cluster.name, host=host.host_name, primary=primary.url, secondary=store.url))
    return zone


# --- Enable / Disable --------------------------------------------------------
class AllocationUnchanged(Exception):
    """The zone already has the asked allocation state."""


def set_allocation(zone_id, state, *, user=None) -> Zone:
    """Enable or disable a zone, recording the event. Enabling calls the
    storage hook (templates to Swift) inside the same transaction."""
    with transaction.atomic():
        zone = Zone.objects.select_for_update().get(pk=zone_id)
        if zone.allocation_state == state:
            raise AllocationUnchanged(zone.get_allocation_state_display())
        zone.allocation_state = state
        zone.save(update_fields=["allocation_state"])
        enabling = state == Zone.AllocationState.ENABLED
        events.record("zone.enable" if enabling else "zone.disable", user=user, target=zone.name)
        if enabling:
            hooks.zone_enabled(zone, user=user)
    return zone
