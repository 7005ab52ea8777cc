from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CloudadminConfig(AppConfig):
    name = "cloudadmin"
    verbose_name = "cloudadmin"

    def ready(self):
        # Here, not above: these modules use the models, loaded only now.
        from . import converters
        from . import signals  # noqa: F401  (connects the login audit receivers)
        from .logs import connect_secret_registration

        connect_secret_registration()
        converters.register()  # before any URLconf is loaded
        post_migrate.connect(_seed_settings, sender=self)


def _seed_settings(sender, **kwargs):
    from .config import ensure_seeded  # config uses the models, not loaded when apps.py is

    ensure_seeded()
