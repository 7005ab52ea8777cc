from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cloudadmin.crypto import EncryptedTextField


class SwiftStore(models.Model):
    """The one Swift cluster shared by the whole cloud. Once saved, locked."""

    class AuthVersion(models.TextChoices):
        V1 = "1.0", "tempauth v1.0"
        V2 = "2.0", "Keystone v2"
        V3 = "3", "Keystone v3"

    # Always True and unique: the database itself refuses a second row.
    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    url = models.URLField(max_length=500)
    account = models.CharField(max_length=128, blank=True)
    username = models.CharField(max_length=128)
    key = EncryptedTextField()
    # The account's Temp-URL-Key for Download links, generated and kept by the app.
    temp_url_key = EncryptedTextField(null=True, blank=True, default=None)  # None: not made yet
    auth_version = models.CharField(max_length=8, choices=AuthVersion.choices)
    # Keystone v3: the domain of the user and the project; Keystone: the
    # region whose object-store endpoint to use ("" when the catalog has one).
    domain = models.CharField(max_length=255, blank=True, default="")
    region = models.CharField(max_length=255, blank=True, default="")
    # What /info reported: version, max_file_size, slo (max_manifest_segments...).
    capabilities = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    last_contact = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="swiftstore_singleton"),
        ]

    def __str__(self):
        return self.url


class SecondaryStorage(models.Model):
    """A zone's NFS secondary storage (nfs://server/path), read through a mount."""

    class State(models.TextChoices):
        UNKNOWN = "Unknown", _("Unknown")
        UP = "Up", _("Up")
        DOWN = "Down", _("Down")

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="secondary_storages")
    server = models.CharField(max_length=253)
    path = models.CharField(max_length=1024)
    state = models.CharField(max_length=16, choices=State.choices, default=State.UNKNOWN)
    state_reason = models.CharField(max_length=500, blank=True)
    last_checked = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__name", "id"]

    def __str__(self):
        return self.url

    @property
    def url(self):
        return f"nfs://{self.server}{self.path}"


class GuestOsType(models.Model):
    """CloudStack's guest OS list (listOsTypes), seeded by a data migration;
    `category` is CloudStack's guest_os_category name."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)  # display_name, e.g. "CentOS 5.3 (64-bit)"
    category = models.CharField(max_length=64)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class Template(models.Model):
    """A CloudStack template by its id, as found under template/tmpl/<account>/<id>/ on NFS.
    Metadata from the last complete copy a scan saw (blank for one seen only invalid); where
    it is: `locations` (one per zone) and `swift_*` (container T-<id>); copies: `transfers`."""

    class SwiftState(models.TextChoices):
        ABSENT = "Absent", _("Not in Swift")
        STORED = "Stored", _("In Swift")

    # CloudStack's template id is the primary key, so every `template_id`
    # foreign key value is the CloudStack id too.
    id = models.PositiveBigIntegerField(primary_key=True, verbose_name=_("template id"))
    # The API's public id; the CloudStack id above names the NFS folder and T-<id>.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    account_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("account"))
    name = models.CharField(max_length=255, blank=True, verbose_name=_("name"))  # uniquename
    description = models.TextField(blank=True, verbose_name=_("description"))
    filename = models.CharField(max_length=255, blank=True, verbose_name=_("image file"))
    format = models.CharField(max_length=16, blank=True, verbose_name=_("format"))  # vhd, qcow2, ova...
    size = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("size"))  # image bytes
    virtual_size = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("virtual size"))
    checksum = models.CharField(max_length=64, blank=True, verbose_name=_("checksum"))  # MD5 hex, may be blank
    # Every key=value of template.properties in file order, unknown keys included.
    properties = models.JSONField(default=dict, blank=True)
    # Kept in CloudStack's database, not template.properties (os_type None: "Other (64-bit)").
    os_type = models.ForeignKey(GuestOsType, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="templates", verbose_name=_("OS type"))
    featured = models.BooleanField(default=False)
    password_enabled = models.BooleanField(default=False)
    extractable = models.BooleanField(default=False)  # Download (extractTemplate) allowed
    # For every zone (CloudStack's cross-zone template: registerTemplate zoneid=-1, or the Every zone of
    # Register template, Upload from local and Edit template): copied to each enabled zone once in Swift,
    # whatever swift.replicate.to.all.zones says.
    cross_zones = models.BooleanField(default=False)
    zones = models.ManyToManyField("zones.Zone", through="TemplateLocation", related_name="templates")
    swift_state = models.CharField(max_length=16, choices=SwiftState.choices,
                                   default=SwiftState.ABSENT, db_index=True, verbose_name=_("Swift"))
    swift_md5 = models.CharField(max_length=32, blank=True)  # whole-file MD5 verified on upload
    swift_size = models.PositiveBigIntegerField(null=True, blank=True)
    swift_stored_at = models.DateTimeField(null=True, blank=True)
    # Deleted everywhere (storage.transfers.deletion): out of the lists and scans; the row
    # stays for its transfers and history, and its id is never given again.
    deleted = models.DateTimeField(null=True, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self):
        return f"{self.id} {self.name}".strip()

    @property
    def swift_container(self) -> str:
        return f"T-{self.id}"


class TemplateLocation(models.Model):
    """One template on one zone's NFS as its last scan saw it (a cell of the availability
    matrix): Ready = complete; Invalid = unusable, `reason` says why; Missing = gone since.
    `image_size`/`image_mtime` identify the source copy so a transfer can tell when it changed."""

    class State(models.TextChoices):
        READY = "Ready", _("Ready")
        INVALID = "Invalid", _("Invalid")
        MISSING = "Missing", _("Missing")

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="locations")
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="template_locations")
    secondary_storage = models.ForeignKey(SecondaryStorage, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="template_locations")
    state = models.CharField(max_length=16, choices=State.choices, verbose_name=_("state"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    # Folder relative to the share root, e.g. "template/tmpl/1/5".
    path = models.CharField(max_length=1024, blank=True)
    image_size = models.PositiveBigIntegerField(null=True, blank=True)
    image_mtime = models.FloatField(null=True, blank=True)  # st_mtime of the image
    last_seen = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["template_id", "zone__name"]
        verbose_name = _("template location")
        verbose_name_plural = _("template locations")
        constraints = [
            models.UniqueConstraint(fields=["template", "zone"], name="templatelocation_one_per_zone"),
        ]
        indexes = [models.Index(fields=["zone", "state"], name="templatelocation_zone_state")]

    def __str__(self):
        return f"{self.template_id}@{self.zone_id} {self.state}"


class TemplateExclusion(models.Model):
    """Deleted from this zone by the admin: not copied back, its folder ignored by scans,
    until Copy to zone clears the row (storage.transfers.deletion)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="exclusions")
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="template_exclusions")
    requested_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "zone"], name="templateexclusion_one_per_zone"),
        ]


class ZoneScan(models.Model):
    """One scan of a zone's NFS (a row per run), at most one queued or running per zone;
    `problems`: entries that are no template folder at all, [{"path": ..., "reason": ...}]."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        PERIODIC = "periodic", _("Periodic")
        ZONE_ENABLED = "zone-enabled", _("Zone enabled")
        MANUAL = "manual", _("Sync now")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="scans")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    templates_found = models.PositiveIntegerField(default=0)
    templates_ready = models.PositiveIntegerField(default=0)
    templates_invalid = models.PositiveIntegerField(default=0)
    transfers_queued = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # Like a Transfer's: the running task owns the row through `claim` and
    # refreshes `heartbeat`; a silent one lost its worker (storage.catalog.scan_runs).
    heartbeat = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    worker = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("zone scan")
        verbose_name_plural = _("zone scans")
        constraints = [
            models.UniqueConstraint(fields=["zone"], condition=models.Q(state__in=["queued", "running"]),
                                    name="zonescan_one_active_per_zone"),
        ]
        indexes = [models.Index(fields=["zone", "-created"], name="zonescan_zone_created")]

    def __str__(self):
        return f"scan {self.pk} of zone {self.zone_id} {self.state}"


def active_first():
    """0 for a queued, running or verifying transfer, else 1: the dashboard
    lists active transfers first. An index holds this very expression."""
    return models.Case(models.When(state__in=["queued", "running", "verifying"], then=models.Value(0)),
                       default=models.Value(1), output_field=models.IntegerField())


def _one_active(direction: str, name: str, *per: str) -> models.UniqueConstraint:
    """At most one queued, running or verifying transfer of `direction` per
    template (and per each field of `per`): a duplicate request finds it."""
    return models.UniqueConstraint(
        fields=["template", *per], name=name,
        condition=models.Q(direction=direction, state__in=["queued", "running", "verifying"]))


class Transfer(models.Model):
    """One copy (or deletion) of one template, the source of truth for it. Directions: UP zone NFS →
    Swift T-<id>, DOWN Swift → zone, DOWNLOAD a registration's URL → zone, BROWSER, DELETE_*.
    queued → running → verifying → done, or failed / cancelled. A worker owns a running row
    through `claim` and refreshes `heartbeat` with progress; one older than TRANSFER_STALE_SECONDS
    lost its worker. Database constraints: one active row per kind. Change rows only through
    storage.transfers (queueing, lifecycle), never by hand."""

    class Direction(models.TextChoices):
        UP = "up", _("To Swift")
        DOWN = "down", _("To zone")
        # Register template: from the registration's URL to `zone`'s NFS
        # secondary storage (storage.transfers.downloads).
        DOWNLOAD = "download", _("From URL")
        # Delete a template from Swift (`zone` None), from `zone`'s NFS (storage.transfers.delete_*).
        DELETE_SWIFT = "delete-swift", _("Delete from Swift")
        DELETE_ZONE = "delete-zone", _("Delete from zone")
        # Upload from local: the browser pushes the bytes (storage.catalog.uploads); no worker runs it.
        BROWSER = "browser", _("From browser")
        # Edit template: template.properties rewritten on every copy.
        PROPERTIES = "props", _("Update properties")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        VERIFYING = "verifying", _("Verifying")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.VERIFYING)
    TERMINAL_STATES = (State.DONE, State.FAILED, State.CANCELLED)

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="transfers",
                                 verbose_name=_("template"))
    direction = models.CharField(max_length=16, choices=Direction.choices, verbose_name=_("direction"))
    # UP: the source zone; DOWN, DOWNLOAD, DELETE_ZONE: the destination zone;
    # DELETE_SWIFT: None.
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="transfers",
                             null=True, blank=True, verbose_name=_("zone"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED,
                             verbose_name=_("state"))
    bytes_total = models.PositiveBigIntegerField(default=0, verbose_name=_("size"))
    bytes_done = models.PositiveBigIntegerField(default=0, verbose_name=_("done"))
    rate = models.FloatField(default=0, verbose_name=_("rate"))  # bytes/s, recent
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    heartbeat = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)  # the owning task run
    worker = models.CharField(max_length=255, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    # The source copy this transfer is about (size and mtime of the image).
    source_size = models.PositiveBigIntegerField(null=True, blank=True)
    source_mtime = models.FloatField(null=True, blank=True)
    md5 = models.CharField(max_length=32, blank=True)  # whole-file MD5 computed while copying
    segment_size = models.PositiveBigIntegerField(null=True, blank=True)  # 0/None: one object
    segments_total = models.PositiveIntegerField(default=0)
    segments_done = models.PositiveIntegerField(default=0)
    segments_reused = models.PositiveIntegerField(default=0)  # found intact in Swift, not re-sent
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            _one_active("up", "transfer_one_active_upload"),
            _one_active("down", "transfer_one_active_download", "zone"),
            _one_active("download", "transfer_one_active_url_download"),
            _one_active("props", "transfer_one_active_properties_update"),
            _one_active("delete-swift", "transfer_one_active_swift_delete"),
            _one_active("delete-zone", "transfer_one_active_zone_delete", "zone"),
        ]
        indexes = [
            models.Index(fields=["state", "-updated"], name="transfer_state_updated"),
            models.Index(fields=["zone", "state"], name="transfer_zone_state"),
            models.Index(fields=["template", "direction", "-created"], name="transfer_template_dir"),
            models.Index(fields=["-updated"], name="transfer_updated"),
            # The dashboard: active first, then newest; counters of today.
            models.Index(active_first(), models.F("updated").desc(), models.F("id").desc(),
                         name="transfer_active_first"),
            models.Index(fields=["state", "finished"], name="transfer_state_finished"),
        ]

    def __str__(self):
        return f"transfer {self.pk} {self.direction} T-{self.template_id} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def percent(self) -> int:
        return int(100 * self.bytes_done / self.bytes_total) if self.bytes_total else 0


# What admins asked for (Register template, Upload from local) lives in its
# own module; Django finds the models of an app through this one.
from storage.request_models import BrowserUpload, TemplateRegistration  # noqa: E402,F401
