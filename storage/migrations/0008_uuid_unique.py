"""UUIDs, step 3 of 3: unique (indexed), not null, generated for new rows."""
import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("storage", "0007_uuid_fill")]

    operations = [
        migrations.AlterField("swiftstore", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("secondarystorage", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("template", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("transfer", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
    ]
