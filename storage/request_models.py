"""What admins asked for, kept with the template it made: Register template
(a URL to download) and Upload from local (bytes the browser pushes). Part
of storage.models, which imports them so that Django finds them."""
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateRegistration(models.Model):
    """What the operator asked for in Register template: the template is
    downloaded from `url` into `zone`'s secondary storage (a Transfer with
    direction DOWNLOAD), then copied to Swift like any other. Kept after the
    download, so a retry downloads the same thing again."""

    class Format(models.TextChoices):
        VHD = "vhd", "VHD"
        QCOW2 = "qcow2", "QCOW2"
        OVA = "ova", "OVA"
        RAW = "raw", "RAW"

    template = models.OneToOneField("storage.Template", on_delete=models.CASCADE, related_name="registration",
                                    verbose_name=_("template"))
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="template_registrations",
                             verbose_name=_("zone"))
    url = models.URLField(max_length=2000, verbose_name=_("URL"))
    name = models.CharField(max_length=255, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    format = models.CharField(max_length=16, choices=Format.choices, verbose_name=_("format"))
    hypervisor = models.CharField(max_length=16, verbose_name=_("hypervisor"))
    checksum = models.CharField(max_length=32, blank=True, verbose_name=_("MD5 checksum"))  # lower-case hex
    public = models.BooleanField(default=False, verbose_name=_("public"))
    # The image's file name on NFS, <uuid>.<format>, fixed at registration.
    filename = models.CharField(max_length=255, verbose_name=_("image file"))
    requested_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("template registration")
        verbose_name_plural = _("template registrations")

    def __str__(self):
        return f"{self.template_id} {self.name} from {self.url}"


class BrowserUpload(models.Model):
    """Templates > Upload from local (tus) or a CloudStack-style POST: one
    upload into `temp_name` (dnld<random>tmp_) in the template's folder on
    its Transfer's zone (storage.catalog.uploads). `offset` counts only
    fsynced bytes; the row goes when the upload ends or expires."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)  # the upload URL's id
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    transfer = models.OneToOneField("storage.Transfer", on_delete=models.CASCADE, related_name="browser_upload")
    length = models.PositiveBigIntegerField(null=True, blank=True)  # None until a CloudStack POST says it
    offset = models.PositiveBigIntegerField(default=0)
    temp_name = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)  # <uuid>.<format>, its name once verified
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    format = models.CharField(max_length=16)
    hypervisor = models.CharField(max_length=16)
    checksum = models.CharField(max_length=32, blank=True)  # the MD5 the admin typed, lower-case hex
    public, featured, extractable = (models.BooleanField(default=False) for _x in range(3))
    created = models.DateTimeField(auto_now_add=True)
