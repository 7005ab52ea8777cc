"""CloudStack's guest OS list (storage.catalog.guest_os)."""
from django.db import migrations

from storage.catalog import guest_os


def add_guest_os(apps, schema_editor):
    guest_os.seed(apps.get_model("storage", "GuestOsType"))


def remove_guest_os(apps, schema_editor):
    apps.get_model("storage", "GuestOsType").objects.filter(
        name__in=[name for names in guest_os.GUEST_OS.values() for name in names], templates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("storage", "0011_guest_os_template_edit_temp_url_key")]
    operations = [migrations.RunPython(add_guest_os, remove_guest_os)]
