"""The translation catalogs are complete and current:

- every message is translated, none is fuzzy or obsolete, and msgfmt accepts
  the catalog (placeholders kept);
- the catalog is not stale: extracting the messages from the source again
  (`manage.py messages`, in a copy of the tree) finds exactly the msgids
  that the committed catalog holds, so a string marked and never swept in
  (or removed from the source and left behind) fails here;
- the wording that CloudStack's Japanese users know, and the Japanese style
  (checked on the catalog, and shown to catch a planted ASCII comma);
- every text a worker stores coded (cloudadmin.messages.coded) has a
  literal msgid that the catalog translates, and reads in Japanese, in the
  style, when a Japanese page renders it (shown to catch a planted English
  reason)."""
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from cloudadmin.messages import Message, render

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalog_path(language):
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


def test_every_language_but_the_default_has_a_catalog():
    assert LANGUAGES == ["ja"]
    for language in LANGUAGES:
        assert catalog_path(language).is_file()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalog = polib.pofile(str(catalog_path(language)))
    assert len(catalog) > 100  # the whole UI, not a sample
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    obsolete = [e.msgid for e in catalog.obsolete_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language} (check, then drop the fuzzy flag): {fuzzy}"
    assert not obsolete, f"obsolete in {language} (run `make messages`): {obsolete}"
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Language"] == language
    for entry in catalog:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), f"plural forms missing for {entry.msgid!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalog(language, tmp_path):
    """Placeholders (%(name)s, {status}) survive translation; msgfmt counts
    every message as translated."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(catalog_path(language))],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def _copy_of_the_tree(destination: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", "var", "staticfiles", "__pycache__", "*.mo",
                                    ".pytest_cache", ".hypothesis", "node_modules")
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
    return destination


def test_the_catalog_is_current_with_the_source(tmp_path):
    tree = _copy_of_the_tree(tmp_path / "tree")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "DEBUG": "1", "DATA_DIR": str(tmp_path / "var"),
           "SECRET_KEY": "catalog-check-only", "DJANGO_SETTINGS_MODULE": "cloudadmin.settings"}
    result = subprocess.run([sys.executable, "manage.py", "messages"], cwd=tree, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for language in LANGUAGES:
        committed = polib.pofile(str(catalog_path(language)))
        extracted = polib.pofile(str(tree / "locale" / language / "LC_MESSAGES" / "django.po"))
        committed_ids = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
        extracted_ids = {(e.msgctxt, e.msgid) for e in extracted if not e.obsolete}
        new = sorted(msgid for _ctx, msgid in extracted_ids - committed_ids)
        gone = sorted(msgid for _ctx, msgid in committed_ids - extracted_ids)
        assert not new, f"marked in the source but not in the {language} catalog (run `make messages` and translate): {new}"
        assert not gone, f"in the {language} catalog but no longer in the source (run `make messages`): {gone}"


CLOUDSTACK_JA = {
    "Enable Swift": "Swiftの有効化",
    "Infrastructure": "インフラストラクチャ",
    "Zones": "ゾーン",
    "Global Settings": "グローバル設定",
    "Swift configured. Note: once you leave this page, you will not be able to reconfigure Swift.":
        "Swiftが構成されました。注、このページを閉じると、Swiftを再構成することはできません。",
}


def test_japanese_uses_the_cloudstack_wording():
    catalog = {e.msgid: e.msgstr for e in polib.pofile(str(catalog_path("ja")))}
    for english, japanese in CLOUDSTACK_JA.items():
        assert catalog.get(english) == japanese, english


# The Japanese style (DEVELOPERS.md, "Japanese style").
CJK = "\u3001-\u30ff\u3400-\u9fff\uff01-\uff5e"
# The lock warning is quoted exactly as the seed and CloudStack have it.
STYLE_EXCEPTIONS = {"Swift configured. Note: once you leave this page, you will not be able to reconfigure Swift."}


def style_problems(text: str) -> list[str]:
    """What breaks the Japanese style in one Japanese text."""
    # A date and its time keep their space (2026年11月25日 14:05:09).
    text = re.sub(r"(\d+年\d+月\d+日) (?=\d)", r"\1", text)
    if not re.search(f"[{CJK}]", text):
        return []  # no Japanese in it (a URL, "OK", a placeholder)
    problems = []
    if re.search(r", |,$", text):
        problems.append("ASCII comma (use 、)")
    if re.search(r"(?<!\d)\. |(?<![\d.])\.$", text):
        problems.append("ASCII period (use 。)")
    if re.search(f"\\d [{CJK}]", text):
        problems.append("a space between a number and its counter")
    if re.search(f"[{CJK}] [A-Za-z0-9%]|[A-Za-z0-9)] [{CJK}]", text):
        problems.append("a space between Latin and Japanese words")
    return problems


def test_the_style_check_catches_what_the_style_forbids():
    assert style_problems("完了, 1分前") == ["ASCII comma (use 、)"]
    assert style_problems("比較しました. 差異なし") == ["ASCII period (use 。)"]
    assert "a space between a number and its counter" in style_problems("9 分前")
    assert style_problems("Swift は有効です") == ["a space between Latin and Japanese words"]
    assert style_problems("reachable, 5 templates found") == []  # English: not the Japanese style's
    assert style_problems("Swiftは有効です。再試行してください（1.0）。") == []
    assert style_problems("2026年11月25日 14:05:09") == []  # a date and its time


def catalog_style_problems(catalog) -> dict:
    """{msgid: (Japanese text, problems)} of a catalog's messages that break the style."""
    problems = {}
    for entry in catalog:
        if entry.msgid in STYLE_EXCEPTIONS:
            continue
        for text in ([entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()):
            if found := style_problems(text):
                problems[entry.msgid] = (text, found)
    return problems


def test_japanese_follows_the_style():
    problems = catalog_style_problems(polib.pofile(str(catalog_path("ja"))))
    assert not problems, problems


def _synthetic_catalog(path, messages: dict) -> polib.POFile:
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "ja"}
    for msgid, msgstr in messages.items():
        catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    catalog.save(str(path))
    return polib.pofile(str(path))


def test_the_style_check_catches_an_ascii_comma_planted_in_a_catalog(tmp_path):
    catalog = _synthetic_catalog(tmp_path / "django.po", {
        "Done, %(when)s": "完了, %(when)s",  # planted: ASCII comma
        "Compared. No differences": "比較しました. 差異なし",  # planted: ASCII period
        "Done, %(when)s ago": "完了、%(when)s前",
        "reachable, %(count)d templates found": "到達可能、テンプレート%(count)d個が見つかりました",
    })
    assert set(catalog_style_problems(catalog)) == {"Done, %(when)s", "Compared. No differences"}


def test_the_cloudstack_terms_the_issue_lists():
    catalog = {e.msgid: e.msgstr for e in polib.pofile(str(catalog_path("ja")))}
    assert catalog["Start reserved system IP"] == "予約済み開始システムIPアドレス"
    assert catalog["Guest start IP"] == "ゲストの開始IPアドレス"
    assert catalog["Reserved system IP range"] == "予約済みシステムIPアドレスの範囲"
    assert catalog["IPv4 DNS1"] == "DNS 1"
    assert catalog["Copy to zone"] == "テンプレートのコピー"
    assert catalog["Who"] == "開始ユーザー"
    assert not [e.msgid for e in polib.pofile(str(catalog_path("ja"))) if "ログイン" in e.msgstr]  # ログオン


# --- Texts workers store coded (cloudadmin.messages): read in Japanese -------------
APPLICATION = ("cloudadmin", "zones", "storage", "api")
CODED = {"coded": 1, "coded_plural": 2}  # the function, and how many msgids it takes
PLACEHOLDERS = re.compile(r"%\((\w+)\)([sd])")


def coded_msgids(root: Path = ROOT) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """({msgid: (plural or "", the number's parameter)} of every coded() and
    coded_plural() call in the application, [where a call passes no literal
    msgid]): what a worker may store."""
    found, not_literal = {}, []
    for package in APPLICATION:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in CODED:
                    continue
                where = f"{path.relative_to(root)}:{node.lineno}"
                args = node.args[:CODED[name]]
                if len(args) < CODED[name] or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                        for a in args):
                    not_literal.append(where)
                    continue
                number = node.args[2] if name == "coded_plural" and len(node.args) > 2 else None
                found[args[0].value] = (args[1].value if len(args) > 1 else "",
                                        number.value if isinstance(number, ast.Constant) else "")
    return found, not_literal


def english_reasons(msgids, catalog: dict[str, str]) -> list[str]:
    """The coded msgids a Japanese page would show in English: not in the
    catalog, untranslated, or translated as the English words themselves."""
    def has_words(text):
        return re.search(r"[A-Za-z]{2,}", PLACEHOLDERS.sub("", text))
    return sorted(m for m in msgids if not catalog.get(m) or (catalog[m] == m and has_words(m)))


def _ja_catalog() -> dict[str, str]:
    found = {}
    for entry in polib.pofile(str(catalog_path("ja"))):
        found[entry.msgid] = entry.msgstr if not entry.msgid_plural else entry.msgstr_plural.get(0, "")
        if entry.msgid_plural:
            found[entry.msgid_plural] = entry.msgstr_plural.get(0, "")
    return found


def test_coded_messages_are_literals_that_the_catalog_translates():
    coded, not_literal = coded_msgids()
    msgids = [*coded, *(plural for plural, _number in coded.values() if plural)]
    assert len(msgids) > 40  # the transfers, Swift, share checks and scans: not a sample
    assert "gave up after %(attempts)s attempts" in msgids and "Cancelled by %(user)s" in msgids
    assert not not_literal, f"coded() needs a literal msgid (makemessages extracts only those): {not_literal}"
    assert not english_reasons(msgids, _ja_catalog())


def test_the_check_catches_an_english_worker_reason():
    """A reason a worker stores that the catalog leaves in English fails the test above."""
    catalog = {"gave up after %(attempts)s attempts": "%(attempts)s回試行した後で中止しました",
               "Reading %(object)s": "Reading %(object)s",  # planted: the English words kept
               "%(path)s: %(error)s": "%(path)s：%(error)s"}
    msgids = [*catalog, "checksum mismatch: %(md5)s"]  # planted: not in the catalog
    assert english_reasons(msgids, catalog) == ["Reading %(object)s", "checksum mismatch: %(md5)s"]


def _sample(msgid: str) -> dict:
    return {name: 7 if kind == "d" else "X" for name, kind in PLACEHOLDERS.findall(msgid)}


def test_every_coded_message_renders_in_japanese_in_the_style():
    """Each coded message as a Japanese page shows it (the compiled catalog,
    gettext at display time): other words than the English, in the style."""
    coded, _not_literal = coded_msgids()
    left, broken = [], {}
    for msgid, (plural, number) in coded.items():
        message = Message(msgid, _sample(msgid), plural=plural, number=number)
        with translation.override("ja"):
            japanese = render(message)
        with translation.override("en"):
            english = render(message)
        if japanese == english and re.search(r"[A-Za-z]{2,}", PLACEHOLDERS.sub("", msgid)):
            left.append(msgid)
        if found := style_problems(japanese):
            broken[msgid] = (japanese, found)
    assert not left, f"shown in English on a Japanese page: {left}"
    assert not broken, broken
