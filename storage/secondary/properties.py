"""CloudStack's template.properties: parse, check, and write back.

The file is Java-properties-like `key=value` lines (CloudStack writes it with
java.util.Properties: `#` comments, `\\` escapes). Every key is kept in file
order, unknown ones included, so that a copy written back is complete.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass

FILENAME = "template.properties"
# Image formats CloudStack flags with `<format>=true`.
FORMATS = ("vhd", "vhdx", "qcow2", "raw", "ova", "vmdk", "iso", "tar", "bz2", "zip", "gz")
MAX_BYTES = 1024 * 1024  # a real one is a few hundred bytes
MD5_RE = re.compile(r"^(?:\{md5\})?([0-9a-f]{32})$", re.IGNORECASE)
BLANKS = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


class PropertiesError(ValueError):
    """The file cannot be used; the message says why (safe to show)."""


@dataclass(slots=True)  # one per template folder: a scan holds 100,000
class TemplateProperties:
    """The checked content of one template.properties."""

    values: dict[str, str]
    template_id: int
    filename: str
    size: int
    checksum: str = ""  # lower-case MD5 hex, "" when the file states none
    name: str = ""
    description: str = ""
    format: str = ""
    virtual_size: int | None = None


def _unescape(text: str, line_no: int) -> str:
    if "\\" not in text:
        return text  # the usual line: nothing to undo (a scan parses 100,000 files)
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(text):
            raise PropertiesError(f"line {line_no}: ends with a lone backslash")
        nxt = text[i + 1]
        if nxt == "u":
            code = text[i + 2:i + 6]
            if not re.fullmatch(r"[0-9a-fA-F]{4}", code):
                raise PropertiesError(f"line {line_no}: bad \\u escape")
            out.append(chr(int(code, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _escape(text: str, *, key: bool = False) -> str:
    out = []
    for char in text:
        if char in "\\=:#!" or (key and char == " "):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


_KEY_VALUE = re.compile(r"((?:\\.|[^=:\\])*)[=:](.*)$")
_LINE_END = re.compile(r"\r\n|\r|\n")


def parse(data: bytes | str) -> dict[str, str]:
    """key → value in file order. Raises PropertiesError for anything that is
    not clean key=value lines (a line without '=', an empty or repeated key,
    bytes that are not UTF-8, continuation lines)."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise PropertiesError(f"larger than {MAX_BYTES} bytes")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PropertiesError("not UTF-8 text") from None
    if "\x00" in data:
        raise PropertiesError("contains NUL characters")
    values: dict[str, str] = {}
    # Only \n, \r and \r\n end a line, as in java.util.Properties.
    for line_no, raw in enumerate(_LINE_END.split(data), start=1):
        line = raw.strip(BLANKS)
        if not line or line[0] in "#!":
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            raise PropertiesError(f"line {line_no}: continuation lines are not supported")
        match = _KEY_VALUE.match(line)
        if match is None:
            raise PropertiesError(f"line {line_no}: no '=' between key and value")
        key = _unescape(match.group(1).strip(BLANKS), line_no)
        value = _unescape(match.group(2).strip(BLANKS), line_no)
        if not key:
            raise PropertiesError(f"line {line_no}: empty key")
        if key in values:
            raise PropertiesError(f"line {line_no}: key {key!r} repeated")
        values[sys.intern(key)] = value  # the same few keys in every file: one string each, not 100,000
    return values


def serialise(values: dict[str, str]) -> str:
    """key=value lines in the given order; parse(serialise(v)) == v."""
    return "".join(f"{_escape(str(k), key=True)}={_escape(str(v))}\n" for k, v in values.items())


def parse_id(text: str) -> int | None:
    """A CloudStack id (a folder name, a search, a form value): plain ASCII
    digits that fit a bigint, else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _int(values, key, *, required=False) -> int | None:
    text = values.get(key, "").strip()
    if not text:
        if required:
            raise PropertiesError(f"no {key}")
        return None
    if not text.isascii() or not text.isdigit():
        raise PropertiesError(f"{key} is not a whole number: {text[:40]!r}")
    return int(text)


def check(values: dict[str, str], *, folder_id: int | None = None) -> TemplateProperties:
    """The template the properties describe; PropertiesError when a key the
    copy depends on is missing or wrong (unknown keys are fine)."""
    filename = values.get("filename", "").strip()
    if not filename:
        raise PropertiesError("no filename")
    if "/" in filename or "\\" in filename or filename in (".", "..") or filename == FILENAME:
        raise PropertiesError(f"filename is not a plain file name: {filename[:80]!r}")
    if len(filename.encode()) > 255:
        raise PropertiesError("filename is too long")
    template_id = _int(values, "id")
    if template_id is None:
        template_id = folder_id
    if template_id is None:
        raise PropertiesError("no id")
    if folder_id is not None and template_id != folder_id:
        raise PropertiesError(f"id {template_id} differs from its folder {folder_id}")
    size = _int(values, "size", required=True)
    checksum = values.get("checksum", "").strip()
    if checksum:
        match = MD5_RE.match(checksum)
        if match is None:
            raise PropertiesError(f"checksum is not an MD5: {checksum[:80]!r}")
        checksum = match.group(1).lower()
    fmt = next((f for f in FORMATS if values.get(f, "").strip().lower() == "true"), "")
    if not fmt and "." in filename:
        fmt = filename.rsplit(".", 1)[1].lower()[:16]
    format_size = _int(values, f"{fmt}.size") if fmt else None
    if format_size is not None and format_size != size:
        raise PropertiesError(f"size {size} differs from {fmt}.size {format_size}")
    return TemplateProperties(
        values=values, template_id=template_id, filename=filename, size=size, checksum=checksum,
        name=values.get("uniquename", "")[:255], description=values.get("description", ""),
        format=fmt, virtual_size=_int(values, "virtualsize"),
    )
