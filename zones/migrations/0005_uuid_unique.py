"""UUIDs, step 3 of 3: unique (indexed), not null, generated for new rows."""
import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("zones", "0004_uuid_fill")]

    operations = [
        migrations.AlterField("zone", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("pod", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("cluster", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("host", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField("primarystorage", "uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
    ]
