"""listApis: the commands this endpoint speaks, for clients that discover
them (CloudMonkey's `sync`, for one)."""
from ..registry import BOOLEAN, CHOICE, COMMANDS, ID, INTEGER, OWN_PREFIX, Param, command, list_payload

# CloudStack's parameter type names.
TYPES = {BOOLEAN: "boolean", INTEGER: "integer", ID: "uuid", CHOICE: "string"}


def api_response(cmd) -> dict:
    return {
        "name": cmd.name, "description": cmd.description, "isasync": cmd.is_async,
        "related": "", "since": "", "type": "", "response": [],
        "params": [{"name": p.name, "description": ", ".join(p.choices) if p.choices else "",
                    "type": TYPES.get(p.type, "string"), "length": p.max_length, "required": p.required}
                   for p in cmd.params],
        f"{OWN_PREFIX}own": cmd.name.startswith(OWN_PREFIX),
    }


@command("listApis", Param("name"), is_list=True)
def list_apis(user, name=None, keyword=None, **paging):
    """Lists the API commands this endpoint speaks."""
    commands = sorted(COMMANDS.values(), key=lambda c: c.name.lower())
    if name:
        commands = [c for c in commands if c.name.lower() == name.lower()]
    if keyword:
        commands = [c for c in commands if keyword.lower() in c.name.lower()]
    return list_payload("api", [api_response(c) for c in commands], paging)
