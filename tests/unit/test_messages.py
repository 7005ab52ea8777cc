"""cloudadmin.messages: a worker's text is stored as its code and parameters
and read back in the reader's language; plain text rows stay as they are."""
import json

from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from cloudadmin import events, messages
from cloudadmin.messages import Message, coded, coded_plural
from storage.failures import TransferFailed
from storage.swift.client import SwiftError


def in_japanese(stored) -> str:
    with translation.override("ja"):
        return messages.render(stored)


def test_a_coded_message_is_stored_as_its_code_and_shown_in_each_language():
    stored = messages.encode(coded("gave up after %(attempts)s attempts", attempts=3))
    assert json.loads(stored) == {"msgid": "gave up after %(attempts)s attempts", "params": {"attempts": 3}}
    assert messages.english(stored) == "gave up after 3 attempts"
    assert in_japanese(stored) == "3回試行した後で中止しました"


def test_nested_messages_and_plurals_are_rendered_in_one_language():
    retrying = coded("%(reason)s (attempt %(attempt)s; retrying in %(seconds)s s)",
                     reason=coded("a source file vanished during the copy"), attempt=2, seconds="8")
    stored = messages.encode(retrying)
    assert messages.english(stored) == "a source file vanished during the copy (attempt 2; retrying in 8 s)"
    assert in_japanese(stored) == "コピー中にソースファイルが消えました（2回目の試行。8秒後に再試行します）"
    one = coded_plural("reachable, %(count)d template found", "reachable, %(count)d templates found",
                       "count", count=1)
    assert messages.english(messages.encode(one)) == "reachable, 1 template found"
    assert messages.english(messages.encode(Message(one.msgid, {"count": 5}, one.plural, "count"))) == \
        "reachable, 5 templates found"


def test_swift_errors_lazy_lines_are_kept_coded():
    """SwiftError's `{action}: {problem}` (format_lazy of gettext_lazy texts)
    needs no change at its raise sites."""
    error = SwiftError(format_lazy(gettext_lazy("{action}: {problem}"),
                                   action=coded("Uploading %(object)s", object="T-5/disk.vhd"),
                                   problem=gettext_lazy("not found (404)")), status=404)
    stored = messages.encode(error)
    assert json.loads(stored)["braces"] is True
    assert error.message == messages.english(stored) == "Uploading T-5/disk.vhd: not found (404)"
    assert in_japanese(stored) == "T-5/disk.vhdのアップロード：見つかりません（404）"


def test_transfer_failed_carries_a_code_or_plain_text():
    failed = TransferFailed(coded("Swift is not configured"))
    assert str(failed) == "Swift is not configured"
    assert in_japanese(messages.encode(failed)) == "Swiftは構成されていません"
    assert messages.encode(TransferFailed("an old plain reason")) == "an old plain reason"


def test_plain_and_unreadable_rows_are_shown_as_they_are():
    assert in_japanese("copied to Swift, MD5 abc") == "copied to Swift, MD5 abc"  # a row from before
    assert in_japanese('{"msgid": broken') == '{"msgid": broken'
    assert messages.render("") == "" and messages.render(None) == ""


def test_a_stored_text_too_long_for_its_column_falls_back_to_english():
    long = coded("%(path)s: %(error)s", path="/x" * 300, error="Permission denied")
    stored = messages.encode(long, max_length=500)
    assert len(stored) == 500 and stored.startswith("/x/x")


def test_the_worker_and_the_system_are_named_in_the_readers_language():
    with translation.override("ja"):
        assert events.username_label("worker") == "ワーカー" and events.username_label("system") == "システム"
        assert events.username_label("admin") == "admin"
