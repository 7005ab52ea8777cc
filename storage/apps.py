from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the Celery tasks get
        # registered in every process (storage.dispatch finds them by name),
        # and storage answers what the zones app asks (zones.hooks).
        from storage import tasks, zone_hooks  # noqa: F401 - tasks: imported for its registrations

        zone_hooks.register()
