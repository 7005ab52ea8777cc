import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Create the `admin` superuser if missing, with ADMIN_PASSWORD or a random "
            "password printed once. An existing admin is left alone.")

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("admin user exists; password unchanged.")
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        if os.environ.get("ADMIN_PASSWORD"):
            self.stdout.write("Created user admin with the password from ADMIN_PASSWORD.")
        else:
            self.stdout.write(f"Created user admin with password: {password}")
            self.stdout.write("It is shown only this once.")
