from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StorageConfig(AppConfig):
    name = "storage"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the Celery tasks get
        # registered in every process (storage.dispatch finds them by name),
        # and storage registers its answers with zones and cloudadmin.
        from storage import registrations, tasks  # noqa: F401 - tasks: imported for its registrations

        registrations.register()
        post_migrate.connect(_seed_guest_os, sender=self)


def _seed_guest_os(sender, **kwargs):
    # Imported here: the models are not loaded when apps.py is.
    from storage.catalog import guest_os
    from storage.models import GuestOsType

    guest_os.seed(GuestOsType)
