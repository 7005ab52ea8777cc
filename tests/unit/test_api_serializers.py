"""The API's response declarations: the README's defaults table is the one
they produce, every command is in the README's API table, and every id
parameter names the model whose UUID it takes."""
import re
from pathlib import Path

import api.commands  # noqa: F401 - registers every command
from api import registry
from api.serializers import defaults_table, identity, infrastructure, system, templates

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_defaults_table_is_the_declared_one():
    table = defaults_table(infrastructure.SPECS + templates.SPECS + system.SPECS)
    documented = re.search(r"<!-- api-defaults:[^>]*-->\n(.*?)\n<!-- /api-defaults -->", README, re.S).group(1)
    assert documented == table


def test_every_command_is_in_the_readme_api_table():
    api_section = README[README.index("## CloudStack-compatible API"):README.index("## Local Swift")]
    missing = sorted(c.name for c in registry.COMMANDS.values() if f"`{c.name}`" not in api_section)
    assert missing == []


def test_every_id_parameter_names_its_model():
    for command in registry.COMMANDS.values():
        for param in command.params:
            if param.type == registry.ID:
                assert param.model or param.name in registry.ID_MODELS, (command.name, param.name)


def test_event_uuids_turn_back_into_event_numbers():
    for pk in (1, 4095, 2**40):
        assert identity.event_pk(identity.event_uuid(pk)) == pk
        assert re.fullmatch(registry.UUID_FORM, identity.event_uuid(pk))
    assert identity.event_pk("6f9619ff-8b86-4d01-b42d-00cf4fc964ff") is None
