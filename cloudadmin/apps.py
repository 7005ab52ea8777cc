from django.apps import AppConfig


class CloudadminConfig(AppConfig):
    name = "cloudadmin"
    verbose_name = "cloudadmin"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import converters

        from . import signals  # noqa: F401  (connects the login audit receivers)
        from .logs import connect_secret_registration

        connect_secret_registration()
        converters.register()  # before any URLconf is loaded
        post_migrate.connect(_seed_settings, sender=self)


def _seed_settings(sender, **kwargs):
    from .config import ensure_seeded

    ensure_seeded()
