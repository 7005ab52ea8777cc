from django.apps import AppConfig


class CloudadminConfig(AppConfig):
    name = "cloudadmin"
    verbose_name = "cloudadmin"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login audit receivers)
        from .logs import connect_secret_registration

        connect_secret_registration()
