"""The Content-Security-Policy holds in a real browser: htmx and Bootstrap
work from 'self' and nothing on the pages is refused."""
import pytest

from tests.urlcrawl import endpoints

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_pages_and_htmx_work_under_the_policy(page, live_server, admin_user, admin_password):
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{live_server.url}/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(admin_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    # Every page without URL arguments, so pages added later are checked too.
    pages = [path for name, path, view in endpoints()
             if name not in ("logout", "healthz") and "987654321" not in path and "sample" not in path]
    visited = []
    for path in pages:
        if page.request.get(f"{live_server.url}{path}").status != 200:
            continue  # POST-only endpoints and the like: not a page
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.__cspViolations") == [], path
        visited.append(path)
    assert {"/", "/events/", "/zones/", "/swift/"} <= set(visited)

    page.goto(f"{live_server.url}/events/")

    # htmx loaded from 'self', configured without its inline <style>, and swapping.
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("#object-table").get_by_text("auth.login").count() >= 1
    page.get_by_label("Search").fill("no-such-event-anywhere")
    page.get_by_role("button", name="Filter").click()
    page.locator("#object-table").get_by_text("No events.").wait_for()
    assert "q=no-such-event-anywhere" in page.url
    # Bootstrap's stylesheet applied.
    assert page.evaluate("getComputedStyle(document.querySelector('.btn')).display") == "inline-block"
    assert page.evaluate("window.__cspViolations") == []


def test_dialog_helper_opens_and_closes_without_inline_script(logged_in_page):
    page = logged_in_page
    page.evaluate("""() => {
      document.querySelector('main').insertAdjacentHTML('beforeend',
        '<button data-dialog-open="d1">Open</button>' +
        '<dialog id="d1"><p>Inside</p><button data-dialog-close>Close</button></dialog>');
    }""")
    page.get_by_role("button", name="Open").click()
    assert page.evaluate("document.getElementById('d1').open") is True
    page.get_by_role("button", name="Close").click()
    assert page.evaluate("document.getElementById('d1').open") is False


@pytest.mark.allow_console_errors
def test_inline_script_is_refused(logged_in_page):
    """The policy is enforced, not just sent: an injected inline script does not run."""
    page = logged_in_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.reload()
    page.evaluate("""() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.appendChild(s);
    }""")
    assert page.evaluate("window.__inlineRan === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))


@pytest.mark.allow_console_errors
def test_inline_style_attribute_is_refused(logged_in_page):
    page = logged_in_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.reload()
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML(
        'beforeend', '<div id="styled" style="width: 123px">x</div>')""")
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).width") != "123px"
    assert any(v.startswith("style-src") for v in page.evaluate("window.__cspViolations"))
