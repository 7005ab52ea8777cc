from pathlib import Path

from django.core.management.base import BaseCommand

from storage.secondary.demo import create_demo_secondary_storage


class Command(BaseCommand):
    help = "Create the seed's NFS secondary storage layout (templates 1 and 5) in a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        root = create_demo_secondary_storage(Path(folder))
        self.stdout.write(f"Demo secondary storage ready at {root}")
