"""Every URL pattern in the resolver, with sample arguments, for the crawl
tests (tests/views/test_crawl.py) and the browser's CSP check."""
import re
import uuid

from django.urls import URLPattern, URLResolver, converters, get_resolver

MISSING_ID = 987654321  # an id that no test row has

SAMPLES = {
    converters.IntConverter: MISSING_ID,
    converters.StringConverter: "sample",
    converters.SlugConverter: "sample-slug",
    converters.UUIDConverter: uuid.UUID(int=1),
    converters.PathConverter: "sample/path",
}


def _sample(converter):
    if type(converter) in SAMPLES:
        return converter.to_url(SAMPLES[type(converter)])
    for candidate in (MISSING_ID, "sample", "1"):  # a project's own converter
        try:
            return converter.to_url(candidate)
        except Exception:  # noqa: BLE001 - try the next shape
            continue
    return "1"


def _route_to_path(pattern):
    text = str(pattern)
    if hasattr(pattern, "converters") and not text.startswith("^"):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _sample(pattern.converters[m.group(1)]), text)
    # A re_path(): named groups get "1", the anchors go.
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    return text.lstrip("^").rstrip("$").replace("\\", "")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        path = prefix + _route_to_path(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, path, ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or path}", "/" + path, entry.callback



def endpoints():
    """(name, path, view) of every URL pattern, sorted by name."""
    return sorted(set(_walk(get_resolver().url_patterns)), key=lambda e: e[0])
