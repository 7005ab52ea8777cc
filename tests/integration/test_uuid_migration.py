"""The UUID migrations give every existing row its own UUID (add nullable,
fill, then unique and not null), on PostgreSQL."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("zones", "0002_wizard_inventory"), ("storage", "0005_zonescan_heartbeat")]
AFTER = [("zones", "0005_uuid_unique"), ("storage", "0008_uuid_unique")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_rows_get_distinct_uuids():
    old = migrate(BEFORE)
    Zone = old.get_model("zones", "Zone")
    Template = old.get_model("storage", "Template")
    zones = [Zone.objects.create(name=f"z{i}", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                 hypervisor="KVM").pk for i in range(3)]
    Template.objects.create(id=5, name="centos")
    try:
        new = migrate(AFTER)
        uuids = list(new.get_model("zones", "Zone").objects.filter(pk__in=zones).values_list("uuid", flat=True))
        assert len(uuids) == 3 and None not in uuids and len(set(uuids)) == 3
        assert new.get_model("storage", "Template").objects.get(pk=5).uuid is not None
        with connection.cursor() as cursor:
            cursor.execute("SELECT is_nullable FROM information_schema.columns "
                           "WHERE table_name = 'zones_zone' AND column_name = 'uuid'")
            assert cursor.fetchone()[0] == "NO"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
