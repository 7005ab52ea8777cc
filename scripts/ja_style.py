"""Apply the Japanese style (DEVELOPERS.md, "Japanese style") to
locale/ja/LC_MESSAGES/django.po: no space between Latin and Japanese words
or before a counter, 「、」「。」「：」 and full-width （） in Japanese
sentences, katakana compounds without a space. Prints what it changes;
--write saves. Run `make messages` afterwards (it re-wraps the file), then
check the result: tests/unit/test_catalog.py says what is still off.

    .venv/bin/python scripts/ja_style.py [--write]
"""
import re
import sys
from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# Quoted exactly as the seed and CloudStack have it.
UNTOUCHED = {"Swift configured. Note: once you leave this page, you will not be able to reconfigure Swift."}
CJK = "[\u3001-\u30ff\u3400-\u9fff\uff01-\uff5e]"
LATIN_END = r"[A-Za-z0-9%)}>\]\./]"  # the end of a word, placeholder, tag or URL
LATIN_START = r"[A-Za-z0-9%({<\[/]"
PLACEHOLDER_OR_TEXT = r"(?:%\(\w+\)[sd]|[^()])*"


def styled(text: str) -> str:
    if not re.search(CJK, text):
        return text  # no Japanese: a URL, "OK", placeholders only
    text = re.sub(f"(?<={CJK}) +(?={LATIN_START})", "", text)
    text = re.sub(f"(?<={LATIN_END}) +(?={CJK})", "", text)
    text = re.sub(r"(?<=[\u30a0-\u30ff]) (?=[\u30a0-\u30ff])", "", text)  # katakana compounds
    text = re.sub(f"(?<={CJK})\\(({PLACEHOLDER_OR_TEXT})\\)", r"（\1）", text)
    text = re.sub(r", (?=\S)", "、", text)
    text = re.sub(f"(?<={CJK})\\?", "？", text)
    text = re.sub(r"？ (?=\S)", "？", text)
    text = re.sub(r"\.$", "。", text)
    text = re.sub(r"(?<!\d)\. (?=\S)", "。", text)
    text = re.sub(r": (?=\S)", "：", text)
    return re.sub(f"(?<={CJK}):$", "：", text)


def main(write: bool) -> int:
    catalog = polib.pofile(str(CATALOG))
    changed = 0
    for entry in catalog:
        if entry.msgid in UNTOUCHED:
            continue
        forms = entry.msgstr_plural if entry.msgid_plural else {None: entry.msgstr}
        for key, text in list(forms.items()):
            new = styled(text)
            if new != text:
                print(f"{text}\n  -> {new}")
                changed += 1
                if key is None:
                    entry.msgstr = new
                else:
                    entry.msgstr_plural[key] = new
    if write and changed:
        catalog.save()
    print(f"{changed} message(s) {'changed' if write else 'to change (--write saves)'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv[1:]))
