import pytest
from django.core.exceptions import ValidationError

from cloudadmin import config
from cloudadmin.models import GlobalSetting


@pytest.mark.django_db
def test_every_definition_is_seeded_with_its_default():
    rows = {row.name: row for row in GlobalSetting.objects.all()}
    assert set(config.DEFINITIONS) <= rows.keys()
    assert rows["enable.swift"].value == "false" and rows["enable.swift"].requires_restart
    assert config.value("enable.swift") is False
    assert config.value("swift.transfer.concurrency") == 4


@pytest.mark.django_db
def test_value_reads_the_row_in_effect_not_the_pending_one():
    GlobalSetting.objects.filter(name="enable.swift").update(pending_value="true")
    assert config.value("enable.swift") is False
    GlobalSetting.objects.filter(name="enable.swift").update(value="true")
    assert config.value("enable.swift") is True


@pytest.mark.parametrize("name,raw,message", [
    ("enable.swift", "yes", "must be true or false"),
    ("swift.sync.interval", "ten", "whole number"),
    ("swift.sync.interval", "1", "at least 10"),
    ("swift.transfer.concurrency", "999", "at most 32"),
])
def test_parse_rejects_with_clear_message(name, raw, message):
    with pytest.raises(ValidationError, match=message):
        config.parse(config.DEFINITIONS[name], raw)


def test_normalize_booleans():
    assert config.normalize(config.DEFINITIONS["enable.swift"], " TRUE ") == "true"
