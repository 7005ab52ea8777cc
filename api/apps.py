from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "CloudStack-compatible API"

    def ready(self):
        from . import commands, tasks  # noqa: F401  (registers every command, and the task jobs.start queues by name)
