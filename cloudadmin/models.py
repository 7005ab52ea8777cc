from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One audit record: who did what, when, and how it ended."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept apart from `user`: failed logins name users that may not exist.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        # A template's history page reads its events by target, newest first.
        indexes = [models.Index(fields=["target", "-created"], name="event_target_created")]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.outcome}"



class GlobalSetting(models.Model):
    """One row per setting declared in cloudadmin.config.DEFINITIONS.

    `value` is in effect now. A change to a restart-required setting waits in
    `pending_value` until the management server next starts.
    """

    class Type(models.TextChoices):
        BOOLEAN = "boolean", _("Boolean")
        INTEGER = "integer", _("Integer")
        STRING = "string", _("String")

    name = models.CharField(max_length=128, unique=True)
    category = models.CharField(max_length=64)
    description = models.TextField()
    type = models.CharField(max_length=16, choices=Type.choices)
    default = models.CharField(max_length=255)
    value = models.CharField(max_length=255)
    pending_value = models.CharField(max_length=255, null=True, blank=True)
    requires_restart = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self):
        return self.name

    @property
    def has_pending_change(self):
        return self.pending_value is not None
    # The row keeps the English text of its declaration (searchable, stable);
    # pages show the declaration's text in the user's language
    # (cloudadmin_labels: setting_description, setting_category).


class UserPreference(models.Model):
    """What one user chose for themselves: the UI language, applied at each
    login (cloudadmin.signals) and on every request (UserLanguageMiddleware)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="preference")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user} {self.language}"
