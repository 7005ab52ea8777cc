from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the Celery tasks get
        # registered in every process (storage.dispatch finds them by name),
        # and storage registers its answers with zones and cloudadmin.
        from storage import registrations, tasks  # noqa: F401 - tasks: imported for its registrations

        registrations.register()
