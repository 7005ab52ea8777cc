import uuid

from django.conf import settings
from django.db import models

from cloudadmin.crypto import EncryptedTextField


class ApiKey(models.Model):
    """An admin's API key pair. The secret must stay readable to verify
    HMAC signatures, so it is encrypted at rest rather than hashed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="api_key")
    api_key = models.CharField(max_length=128, unique=True)
    secret = EncryptedTextField()
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {self.api_key[:8]}…"


class AsyncJob(models.Model):
    """One asynchronous API command (CloudStack's async job): the row is the
    source of truth that queryAsyncJobResult reads and the worker writes."""

    class Status(models.IntegerChoices):
        # CloudStack's jobstatus values.
        PENDING = 0, "Pending"
        SUCCEEDED = 1, "Succeeded"
        FAILED = 2, "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    command = models.CharField(max_length=64)
    # The validated parameters the worker needs (never secrets).
    params = models.JSONField(default=dict)
    status = models.IntegerField(choices=Status.choices, default=Status.PENDING)
    result_code = models.IntegerField(default=0)
    # The object the finished job reports under "jobresult".
    result = models.JSONField(null=True, blank=True)
    instance_type = models.CharField(max_length=32, blank=True)
    instance_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Set by the conditional UPDATE that claims the job for one worker.
    started = models.DateTimeField(null=True, blank=True)
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.command} {self.id}"
