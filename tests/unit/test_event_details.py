"""Events and refusals are stored coded (cloudadmin.messages), so the Events
page shows them in the reader's language: no event detail and no
TransferRefused is written as English text in the code. Data joined with
punctuation (a "300 → 600" setting change, a database error's first line)
may stay as it is."""
import ast
import re
from pathlib import Path

from django.utils import translation

from cloudadmin import messages
from storage.transfers.queueing import TransferRefused

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cloudadmin", "zones", "storage", "api")
WORDS = re.compile(r"[A-Za-z]{2}")
REFUSALS = ("TransferRefused", "DeletedThere", "AlreadyInZone")


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def english_text(node) -> str | None:
    """The English words `node` writes itself, if any (a coded() call writes none)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) and WORDS.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        return next((part.value for part in node.values
                     if isinstance(part, ast.Constant) and WORDS.search(part.value)), None)
    if isinstance(node, ast.Call):
        if _name(node.func) in ("english", "str", "gettext", "_"):
            return ast.unparse(node)
        return None  # coded(), or a call returning data
    if isinstance(node, ast.BinOp):
        return english_text(node.left) or english_text(node.right)
    if isinstance(node, ast.IfExp):
        return english_text(node.body) or english_text(node.orelse)
    if isinstance(node, ast.Subscript):
        return english_text(node.value)
    return None


def written_in_english() -> list[str]:
    found = []
    for top in APPS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8-sig"))):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                if name in ("record", "record_failure"):
                    texts = [english_text(kw.value) for kw in node.keywords if kw.arg == "detail"]
                elif name in REFUSALS and node.args:
                    texts = [english_text(node.args[0])]
                else:
                    continue
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {text}" for text in texts if text]
    return found


def test_no_event_detail_or_refusal_is_english_text():
    assert written_in_english() == []


def test_the_rule_sees_english_text():
    def check(source):
        return english_text(ast.parse(source, mode="eval").body)

    assert check('f"copy down to zone {zone.name}"') == "copy down to zone "
    assert check('"everywhere: " + where') == "everywhere: "
    assert check("refused.english() + via")
    assert check('_("Template %(id)s is not in Swift yet.") % {"id": 1}')
    assert check('coded("copy down to zone %(zone)s", zone=zone.name)') is None
    assert check('f"{old} → {new}"') is None


def test_a_refusal_is_kept_coded_and_shown_in_the_readers_language():
    refused = TransferRefused(messages.coded("Template %(id)s is not in Swift yet.", id=7))
    stored = messages.encode(refused)
    assert stored.startswith('{"msgid"')
    with translation.override("en"):
        assert str(refused) == messages.render(stored) == "Template 7 is not in Swift yet."
    with translation.override("ja"):
        japanese = messages.render(stored)
        assert str(refused) == japanese and "7" in japanese and "Swift" in japanese
        assert japanese != "Template 7 is not in Swift yet."
