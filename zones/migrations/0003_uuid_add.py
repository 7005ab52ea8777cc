"""UUIDs, step 1 of 3: a nullable column (filled by the next migration)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("zones", "0002_wizard_inventory")]

    operations = [
        migrations.AddField("zone", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("pod", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("cluster", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("host", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("primarystorage", "uuid", models.UUIDField(null=True, editable=False)),
    ]
