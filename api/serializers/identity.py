"""The ids of things we do not have rows for (CloudStack's ROOT domain, its
accounts, guest OS types, our audit events), as stable UUIDs: the same
value on every call and every install, so that clients may compare them."""
import re
import uuid

# Namespace of the names below (uuid5), fixed once for this project.
NAMESPACE = uuid.UUID("6f1c2f0e-5a8b-4c1e-9d55-0c1a2d3b4e5f")

ROOT_DOMAIN_ID = str(uuid.uuid5(NAMESPACE, "domain/ROOT"))

# CloudStack's first accounts: 1 owns the system and built-in templates
# (template/tmpl/1/...), 2 is the first admin's (Register template writes there).
ACCOUNT_NAMES = {1: "system", 2: "admin"}
SYSTEM_ACCOUNT = "system"


def account_name(number) -> str:
    return ACCOUNT_NAMES.get(number, SYSTEM_ACCOUNT)


def account_id(number) -> str:
    return str(uuid.uuid5(NAMESPACE, f"account/{account_name(number)}"))


def guest_os_id(name: str) -> str:
    """The id a guest OS had before OS types were rows; the data migration
    gives each row this very UUID (storage 0011)."""
    return str(uuid.uuid5(NAMESPACE, f"guestos/{name}"))


def guest_os_category_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"guestoscategory/{name}"))


# An audit event's id: its primary key inside a fixed UUID pattern, so that
# listEvents id=<uuid> finds it again without a column of its own.
_EVENT_PREFIX = "00000000-0000-4000-8000-"
_EVENT_FORM = re.compile(re.escape(_EVENT_PREFIX) + r"([0-9a-f]{12})")


def event_uuid(pk: int) -> str:
    return f"{_EVENT_PREFIX}{pk:012x}"


def event_pk(value: str) -> int | None:
    found = _EVENT_FORM.fullmatch(value.strip().lower())
    return int(found.group(1), 16) if found else None
