"""UUIDs, step 1 of 3: a nullable column (filled by the next migration)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("storage", "0005_zonescan_heartbeat")]

    operations = [
        migrations.AddField("swiftstore", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("secondarystorage", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("template", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("transfer", "uuid", models.UUIDField(null=True, editable=False)),
    ]
