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
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    url = models.URLField(max_length=500)
    account = models.CharField(max_length=128, blank=True)
    username = models.CharField(max_length=128)
    key = EncryptedTextField()
    auth_version = models.CharField(max_length=8, choices=AuthVersion.choices)
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
