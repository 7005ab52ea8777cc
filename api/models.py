import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cloudadmin.crypto import EncryptedTextField


class ApiKey(models.Model):
    """An admin's API key pair. The secret must stay readable to verify
    HMAC signatures, so it is encrypted at rest rather than hashed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="api_key", verbose_name=_("user"))
    api_key = models.CharField(_("API key"), max_length=128, unique=True)
    secret = EncryptedTextField(_("secret key"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.user} {self.api_key[:8]}…"


class AsyncJob(models.Model):
    """One asynchronous API command (CloudStack's async job): the row is the
    source of truth that queryAsyncJobResult reads and the worker writes."""

    class Status(models.IntegerChoices):
        # CloudStack's jobstatus values.
        PENDING = 0, _("Pending")
        SUCCEEDED = 1, _("Succeeded")
        FAILED = 2, _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             verbose_name=_("user"))
    command = models.CharField(_("command"), max_length=64)
    # The validated parameters the worker needs (never secrets).
    params = models.JSONField(_("parameters"), default=dict)
    status = models.IntegerField(_("status"), choices=Status.choices, default=Status.PENDING)
    result_code = models.IntegerField(_("result code"), default=0)
    # The object the finished job reports under "jobresult".
    result = models.JSONField(_("result"), null=True, blank=True)
    instance_type = models.CharField(_("instance type"), max_length=32, blank=True)
    instance_id = models.CharField(_("instance id"), max_length=64, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the conditional UPDATE that claims the job for one worker.
    started = models.DateTimeField(_("started"), null=True, blank=True)
    completed = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("async job")
        verbose_name_plural = _("async jobs")

    def __str__(self):
        return f"{self.command} {self.id}"
