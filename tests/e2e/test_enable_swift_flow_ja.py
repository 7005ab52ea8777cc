"""The Enable Swift sequence of the seed, in Japanese, in chromium: a browser
that asks for Japanese gets the login page in Japanese, and every step is
clicked by the labels of CloudStack's Japanese UI. Then the header's
switcher: the choice is remembered for the user in another browser."""
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from cloudadmin import config
from cloudadmin.models import UserPreference
from cloudadmin.startup import apply_pending_settings
from storage.swift import localswift
from storage.models import SwiftStore

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = "Swiftが構成されました。注、このページを閉じると、Swiftを再構成することはできません。"


@pytest.fixture
def ja_page(new_context):
    return new_context(locale="ja-JP").new_page()  # Accept-Language: ja-JP


def log_in(page, live_server, password, *, username_label, password_label, button):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label(username_label).fill("admin")
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{live_server.url}/")


def test_enable_swift_sequence_in_japanese(ja_page, live_server, admin_user, admin_password, local_swift):
    page = ja_page
    # 1. adminでログインする (the login page follows the browser's language).
    log_in(page, live_server, admin_password, username_label="ユーザー名", password_label="パスワード",
           button="ログオン")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # 2. グローバル設定の "enable.swift" の値を "false" から "true" に変更する。
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="グローバル設定").click()
    expect(page.get_by_role("heading", name="グローバル設定")).to_be_visible()
    page.get_by_role("button", name="enable.swiftの編集").click()
    page.get_by_label("enable.swiftの値").select_option("true")
    page.get_by_role("button", name="保存").click()
    notice = page.locator("#setting-enableswift").get_by_role("status")
    expect(notice).to_contain_text("この変更を有効にするには、管理サーバーを再起動してください")
    expect(notice).to_contain_text(settings.RESTART_COMMAND)
    assert config.value("enable.swift") is False

    # 3. 管理サーバーサービスを再起動する。
    assert apply_pending_settings() == ["enable.swift"]

    # 5. [インフラストラクチャ] > [ゾーン] を開き、[Swiftの有効化] をクリックする。
    nav = page.get_by_role("navigation", name="メイン")
    expect(nav.get_by_text("インフラストラクチャ")).to_be_visible()
    nav.get_by_role("link", name="ゾーン").click()
    expect(page.get_by_role("heading", name="ゾーン", exact=True)).to_be_visible()
    page.get_by_role("button", name="Swiftの有効化").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Swiftの有効化")).to_be_visible()

    # 6. Swift への接続設定を入力し、[OK] をクリックする (first with a wrong key).
    dialog.get_by_label("URL", exact=True).fill(local_swift.auth_url)
    dialog.get_by_label("アカウント", exact=True).fill("test")
    dialog.get_by_label("ユーザー名", exact=True).fill("tester")
    dialog.get_by_label("キー", exact=True).fill("wrong-key")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("alert")).to_have_text("認証：ユーザー名またはキーが正しくありません（401）")
    assert not SwiftStore.objects.exists()
    expect(dialog.get_by_label("キー", exact=True)).to_have_value("")
    dialog.get_by_label("キー", exact=True).fill(localswift.AUTH_KEY)
    dialog.get_by_role("button", name="OK").click()

    # 7. 状態メッセージが表示されるので [閉じる] をクリック。
    expect(dialog.get_by_role("status")).to_have_text(WARNING)
    assert SwiftStore.objects.get().username == "tester"
    with page.expect_navigation(url=re.compile(r"/zones/\??$")):
        dialog.get_by_role("button", name="閉じる").click()
    expect(page.get_by_role("heading", name="ゾーン", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Swiftの有効化")).to_have_count(0)

    # The Swift page, in Japanese, with the test of the connection.
    nav.get_by_role("link", name="Swift", exact=True).click()
    expect(page.get_by_test_id("capabilities")).to_contain_text("Static Large Object")
    page.get_by_role("button", name="接続のテスト").click()
    expect(page.get_by_role("status")).to_have_text("接続に成功しました。")


def test_switcher_choice_is_remembered_in_another_browser(logged_in_page, live_server, new_context,
                                                           admin_user, admin_password):
    page = logged_in_page  # an English browser
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Global Settings")).to_be_visible()
    page.get_by_role("link", name="Events").click()
    page.get_by_test_id("language-switcher").get_by_role("button", name="日本語").click()
    page.wait_for_url(f"{live_server.url}/events/")  # back on the same page
    expect(page.get_by_role("heading", name="イベント")).to_be_visible()
    assert UserPreference.objects.get(user=admin_user).language == "ja"

    # Another English browser: after logging in, the user's Japanese.
    other = new_context(locale="en-US").new_page()
    log_in(other, live_server, admin_password, username_label="Username", password_label="Password",
           button="Log in")
    expect(other.get_by_role("navigation", name="メイン").get_by_role("link", name="グローバル設定")).to_be_visible()
    other.get_by_test_id("language-switcher").get_by_role("button", name="English").click()
    expect(other.get_by_role("navigation", name="Main").get_by_role("link", name="Global Settings")).to_be_visible()
    assert UserPreference.objects.get(user=admin_user).language == "en"
