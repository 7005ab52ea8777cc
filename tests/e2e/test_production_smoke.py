"""The deployment as docker compose and the Dockerfile run it, as local
processes (tests/production_stack.py): collectstatic as the image builds it,
migrate and the admin user as the `migrate` service, gunicorn with DEBUG off,
the two Celery workers (queue celery, prefork; transfers, a threads pool)
and beat, on PostgreSQL, Redis and the local Swift. Then
chromium logs in and visits every page the navigation reaches, in English
and in Japanese."""
import json
import re
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from storage.swift.localswift import AUTH_KEY, AUTH_USER, free_port
from tests import production_stack as stack

ADMIN_PASSWORD = "smoke-" + secrets.token_urlsafe(12)
HOST = "127.0.0.1"

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""

# What each page must show: Bootstrap's stylesheet applied (its .navbar is a
# flex box, its .btn an inline-block), ours too (.sidebar's min-height),
# htmx loaded, and cloudadmin.js running (its data-dialog-open opens a dialog).
PAGE_CHECKS = """() => {
  const style = (selector, property) => {
    const element = document.querySelector(selector);
    return element ? getComputedStyle(element)[property] : null;
  };
  document.body.insertAdjacentHTML('beforeend',
    '<button type="button" data-dialog-open="smoke-dialog">smoke</button>' +
    '<dialog id="smoke-dialog"><button type="button" data-dialog-close>x</button></dialog>');
  document.querySelector('[data-dialog-open="smoke-dialog"]').click();
  const dialog = document.getElementById('smoke-dialog');
  const opened = dialog.open;
  dialog.querySelector('[data-dialog-close]').click();
  const closed = !dialog.open;
  dialog.remove(); document.querySelector('[data-dialog-open="smoke-dialog"]').remove();
  return {
    lang: document.documentElement.lang,
    navbar_display: style('.navbar', 'display'),
    button_display: style('.btn', 'display'),
    sidebar_min_height: style('.sidebar', 'minHeight') === `${window.innerHeight - 56}px`,
    htmx: typeof window.htmx === 'object',
    cloudadmin_js: opened && closed,
    csp_violations: window.__cspViolations,
  };
}"""


def _wait_healthz(production, status, checks=None):
    """/healthz through gunicorn, until it answers `status` (and `checks`):
    (status, body). Each web worker reuses its answer for HEALTH_CACHE_SECONDS."""
    def probe():
        answer = stack.http_get(f"{production['url']}/healthz", HOST)
        if answer and answer[0] == status and (checks is None or json.loads(answer[1])["checks"] == checks):
            return answer
        return None
    return stack.wait_for(f"/healthz {status} {checks or ''}", probe, list(production["services"].values()))


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    from django.conf import settings

    work = tmp_path_factory.mktemp("production")
    redis_port = free_port()
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no",
         "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    database_url, drop_database = stack.throwaway_database(settings.DATABASES["default"])
    web_port, swift_port = free_port(), free_port()
    (work / "nfs").mkdir()
    (work / "home").mkdir()
    env = {
        **stack.compose_environment(
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=f"redis://{HOST}:{redis_port}/0",
            NFS_MOUNT_ROOT=str(work / "nfs"),
            SECRET_KEY=secrets.token_urlsafe(50),
            SECRETS_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            ALLOWED_HOSTS=HOST,
            CSRF_TRUSTED_ORIGINS=f"http://{HOST}:{web_port}",
            ADMIN_PASSWORD=ADMIN_PASSWORD,
        ),
        # Not in compose: where the image keeps these (/app/...), and no TLS
        # proxy in front of this gunicorn.
        "STATIC_ROOT": str(work / "staticfiles"),
        "DATA_DIR": str(work / "var"),
        "SECURE_SSL_REDIRECT": "0",
        # gunicorn's control socket goes under $HOME: one per test run.
        "HOME": str(work / "home"),
    }
    assert env.get("DEBUG", "0") == "0"
    replace = {
        "web": {"0.0.0.0:8000": f"{HOST}:{web_port}"},
        "beat": {"/app/var/celerybeat-schedule": str(work / "celerybeat-schedule")},
        # Nothing listens on that memcached address: runswift starts its own.
        "swift": {"8080": str(swift_port), "/srv/swift": str(work / "swift"),
                  "memcached:11211": f"{HOST}:{free_port()}"},
    }

    def service(name):
        # The swift service has an environment of its own in compose (no .env).
        settings_env = ({"DATA_DIR": str(work / "swift-var"), "HOME": env["HOME"]} if name == "swift"
                        else env)
        return stack.Service(name, stack.command(name, replace.get(name)),
                             stack.process_env(name, settings_env), work)

    production = {"url": f"http://{HOST}:{web_port}", "env": env, "services": {},
                  "swift_auth_url": f"http://{HOST}:{swift_port}/auth/v1.0"}
    running = production["services"]

    def start_web():
        running["web"] = service("web").start()
        stack.wait_for("gunicorn", lambda: stack.http_get(f"{production['url']}/healthz", HOST),
                       list(running.values()))

    def restart_web():
        """What compose's RESTART_COMMAND (`docker compose restart web`) does."""
        running.pop("web").stop()
        start_web()

    production["restart_web"] = restart_web
    try:
        # The image's build steps, then the one-shot migrate service.
        service("collectstatic").run()
        service("compilemessages").run()
        migrate_log = service("migrate").run()
        assert "Created user admin with the password from ADMIN_PASSWORD." in migrate_log

        for name in ("swift", "worker", "transfers", "beat"):
            running[name] = service(name).start()
        start_web()
        stack.wait_for("swift", lambda: "Swift is up" in running["swift"].log(), list(running.values()))
        stack.wait_for("beat", lambda: "beat: Starting" in running["beat"].log(), list(running.values()))
        for name, pool in (("worker", "prefork"), ("transfers", "thread")):
            # Celery's banner: the pool and its size (transfers: TRANSFER_CONCURRENCY of .env.example).
            stack.wait_for(name, lambda name=name: " ready." in running[name].log(), list(running.values()))
            assert re.search(rf"concurrency: \d+ \({pool}\)", running[name].log()), running[name].log()
        assert f"concurrency: {env['TRANSFER_CONCURRENCY']} (thread)" in running["transfers"].log()
        yield production
        for proc in running.values():
            assert proc.alive(), f"{proc.name} died during the test:\n{proc.log()}"
    finally:
        for proc in reversed(list(running.values())):
            proc.stop()
        redis_server.terminate()
        redis_server.wait(10)
        drop_database()


def _visit(page, url):
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{url}: {response.status}\n{page.content()[:2000]}"
    return page.evaluate(PAGE_CHECKS)


def _links(page, selector):
    """The site's own pages that `selector` links to (paths, without queries)."""
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return sorted({urlsplit(href).path for href in hrefs if href.startswith("/") and not href.startswith("//")})


def _nav_paths(page):
    return _links(page, "header a[href], nav a[href]")


def _request_failed(request, problems):
    # What is still loading when the test moves to the next page (a live
    # table's htmx poll, the favicon, fetched after `load`) is cancelled by
    # the browser: no failure of the server. Its errors are answers >= 400,
    # recorded apart, and the stylesheets and scripts load before `load`.
    if request.failure != "net::ERR_ABORTED":
        problems.append(f"request failed ({request.failure}): {request.resource_type} {request.url}")


def _watch(page, problems, static_responses):
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {page.url}: {exc}"))
    page.on("requestfailed", lambda request: _request_failed(request, problems))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    page.on("response", lambda r: "/static/" in r.url and static_responses.append(r))


def _enable_swift(page, production):
    """The operator's path: Global Settings enable.swift, restart web, Enable Swift."""
    base_url = production["url"]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Global Settings").click()
    page.get_by_role("button", name="Edit enable.swift").click()
    page.get_by_label("Value of enable.swift").select_option("true")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#setting-enableswift").get_by_role("status")).to_contain_text(
        production["env"]["RESTART_COMMAND"])
    production["restart_web"]()
    page.goto(f"{base_url}/zones/")
    page.get_by_role("button", name="Enable Swift").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("URL", exact=True).fill(production["swift_auth_url"])
    dialog.get_by_label("Account", exact=True).fill(AUTH_USER.split(":")[0])
    dialog.get_by_label("Username", exact=True).fill(AUTH_USER.split(":")[1])
    dialog.get_by_label("Key", exact=True).fill(AUTH_KEY)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("status")).to_contain_text("Swift configured.")


def test_every_page_renders_with_its_static_files_in_english_and_japanese(production, browser):
    base_url = production["url"]
    context = browser.new_context()
    context.set_default_timeout(30000)
    page = context.new_page()
    problems, static_responses = [], []
    _watch(page, problems, static_responses)

    visited = []
    login = _visit(page, f"{base_url}/login/")
    assert (login["lang"], login["button_display"], login["htmx"], login["cloudadmin_js"],
            login["csp_violations"]) == ("en", "inline-block", True, True, []), login
    visited.append("en /login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)  # the migrate service's ADMIN_PASSWORD
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
    _enable_swift(page, production)

    nav = _nav_paths(page)
    paths = list(nav)
    assert {"/", "/templates/", "/zones/", "/swift/", "/settings/", "/events/", "/account/"} <= set(paths), paths
    for language in ("en", "ja"):
        if language == "ja":
            page.goto(f"{base_url}/")
            with page.expect_navigation():  # POST, then the redirect back
                page.locator('[data-testid="language-switcher"] button[value="ja"]').click()
            expect(page.locator("html")).to_have_attribute("lang", "ja")
            assert _nav_paths(page) == nav  # the same navigation in Japanese
        for path in paths:  # the navigation's pages, then the pages their content links to
            checks = _visit(page, f"{base_url}{path}")
            assert checks == {
                "lang": language, "navbar_display": "flex", "button_display": "inline-block",
                "sidebar_min_height": True, "htmx": True, "cloudadmin_js": True, "csp_violations": [],
            }, f"{language} {path}: {checks}"
            visited.append(f"{language} {path}")
            if language == "en":
                paths += [link for link in _links(page, "main a[href]") if link not in paths]
    page.goto(f"{base_url}/swift/")
    expect(page.get_by_test_id("capabilities")).to_be_visible()  # Swift answers the web process

    # The login page in Japanese, for a browser that asks for it.
    ja_context = browser.new_context(locale="ja-JP")
    ja_page = ja_context.new_page()
    _watch(ja_page, problems, static_responses)
    login = _visit(ja_page, f"{base_url}/login/")
    assert (login["lang"], login["button_display"], login["htmx"], login["cloudadmin_js"],
            login["csp_violations"]) == ("ja", "inline-block", True, True, []), login
    visited.append("ja /login/")
    ja_context.close()
    context.close()

    # Every static file came from whitenoise: hashed names, cached for long, gzip.
    # (5 on every page, and Upload from local's tus-js-client and upload.js.)
    assert len({urlsplit(r.url).path for r in static_responses}) == 7
    for response in static_responses:
        assert response.status == 200, response.url
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", urlsplit(response.url).path), response.url
        assert "immutable" in response.headers["cache-control"], response.url
        assert response.headers.get("content-encoding") == "gzip", response.url
    assert problems == [], "\n".join(problems)
    assert "Traceback" not in production["services"]["web"].log(), production["services"]["web"].log()
    health_status, health_body = _wait_healthz(production, 200, {
        "database": "ok", "pages": "ok", "broker": "ok", "swift": "ok", "workers": "ok"})

    print("\nproduction smoke test: pages visited, each 200 with Bootstrap's .navbar flex and .btn "
          "inline-block, cloudadmin.css's .sidebar min-height, htmx loaded, cloudadmin.js opening and "
          "closing a dialog, html lang as chosen, no console error, no failed request, no CSP violation:")
    for entry in visited:
        print(f"  {entry}")
    print(f"static files (hashed, immutable, gzip): {sorted({urlsplit(r.url).path for r in static_responses})}")
    print(f"/healthz: {health_status} {health_body}")


def test_healthz_fails_when_pages_cannot_render(production):
    """A manifest without an entry under the running gunicorn: every page is
    a 500, and /healthz says 503 instead of 200."""
    manifest_path = Path(production["env"]["STATIC_ROOT"]) / "staticfiles.json"
    original = manifest_path.read_text()
    manifest = json.loads(original)
    del manifest["paths"]["cloudadmin.js"]
    manifest_path.write_text(json.dumps(manifest))
    try:
        production["restart_web"]()  # new workers read the manifest
        status, body = _wait_healthz(production, 503)
        assert json.loads(body)["checks"]["pages"] == "failed"
        assert stack.http_get(f"{production['url']}/login/", HOST)[0] == 500
    finally:
        manifest_path.write_text(original)
        production["restart_web"]()
    _wait_healthz(production, 200)
