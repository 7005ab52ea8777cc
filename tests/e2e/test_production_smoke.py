"""The deployment as docker compose and the Dockerfile run it, as local
processes (tests/production_stack.py): collectstatic as the image builds it,
migrate and the admin user as the `migrate` service, gunicorn with DEBUG off,
a Celery worker and beat, on PostgreSQL, Redis and the local Swift. Then
chromium logs in and visits every page the navigation reaches, in English
and in Japanese."""
import re
import secrets
import subprocess
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet

from storage.localswift import free_port
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


@pytest.fixture(scope="module")
def production(tmp_path_factory, django_db_setup):
    from django.conf import settings

    work = tmp_path_factory.mktemp("production")
    redis_port = free_port()
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no",
         "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    database_url, drop_database = stack.throwaway_database(settings.DATABASES["default"])
    web_port = free_port()
    (work / "nfs").mkdir()
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
    }
    assert env.get("DEBUG", "0") == "0"

    def service(name, replace=None):
        return stack.Service(name, stack.command(name, replace), stack.process_env(name, env), work)

    running = []
    try:
        # The image's build steps, then the one-shot migrate service.
        service("collectstatic").run()
        service("compilemessages").run()
        migrate_log = service("migrate").run()
        assert "Created user admin with the password from ADMIN_PASSWORD." in migrate_log

        web = service("web", {"0.0.0.0:8000": f"{HOST}:{web_port}"}).start()
        worker = service("worker").start()
        beat = service("beat", {"/app/var/celerybeat-schedule": str(work / "celerybeat-schedule")}).start()
        running += [web, worker, beat]
        base_url = f"http://{HOST}:{web_port}"
        stack.wait_for("gunicorn", lambda: stack.http_get(f"{base_url}/healthz", HOST), running)
        stack.wait_for("beat", lambda: "beat: Starting" in beat.log(), running)
        # /healthz through gunicorn: the database, pages, Redis and the worker.
        health = stack.wait_for(
            "/healthz 200", lambda: (lambda r: r if r and r[0] == 200 else None)(
                stack.http_get(f"{base_url}/healthz", HOST)), running)
        yield {"url": base_url, "health": health, "services": running, "env": env}
        for proc in running:
            assert proc.alive(), f"{proc.name} died during the test:\n{proc.log()}"
    finally:
        for proc in reversed(running):
            proc.stop()
        redis_server.terminate()
        redis_server.wait(10)
        drop_database()


def _visit(page, url):
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{url}: {response.status}\n{page.content()[:2000]}"
    page.wait_for_load_state("load")
    return page.evaluate(PAGE_CHECKS)


def _nav_paths(page):
    hrefs = page.eval_on_selector_all("header a[href], nav a[href]", "els => els.map(e => e.getAttribute('href'))")
    return sorted({urlsplit(href).path for href in hrefs if href.startswith("/")})


def test_every_page_renders_with_its_static_files_in_english_and_japanese(production, browser):
    import json

    base_url = production["url"]
    health_status, health_body = production["health"]
    health = json.loads(health_body)
    assert health["checks"]["pages"] == "ok" and health["checks"]["workers"] == "ok", health

    context = browser.new_context()
    context.set_default_timeout(30000)
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    console_errors, static_responses, failed_requests = [], [], []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(f"{page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: console_errors.append(f"{page.url}: {exc}"))
    page.on("requestfailed", lambda request: failed_requests.append(request.url))
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.status} {r.url}"))
    page.on("response", lambda r: "/static/" in r.url and static_responses.append(r))

    # The login page itself, then the admin's password from the migrate service.
    login = _visit(page, f"{base_url}/login/")
    assert login["button_display"] == "inline-block" and login["htmx"] and login["cloudadmin_js"], login
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")

    paths = _nav_paths(page)
    assert {"/", "/events/", "/zones/", "/swift/"} <= set(paths), paths
    visited = []
    for language in ("en", "ja"):
        if language == "ja":
            page.goto(f"{base_url}/")
            page.locator('[data-testid="language-switcher"] button[value="ja"]').click()
            page.wait_for_function("document.documentElement.lang === 'ja'")
            assert _nav_paths(page) == paths  # the same navigation in Japanese
        for path in paths:
            checks = _visit(page, f"{base_url}{path}")
            assert checks == {
                "lang": language, "navbar_display": "flex", "button_display": "inline-block",
                "sidebar_min_height": True, "htmx": True, "cloudadmin_js": True, "csp_violations": [],
            }, f"{language} {path}: {checks}"
            visited.append(f"{language} {path}")

    # Every static file came from whitenoise: hashed names, cached for long, gzip.
    assert static_responses
    for response in static_responses:
        assert response.status == 200, response.url
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", urlsplit(response.url).path), response.url
        assert "immutable" in response.headers["cache-control"], response.url
        assert response.headers.get("content-encoding") == "gzip", response.url
    assert failed_requests == []
    assert console_errors == []
    context.close()
    web = next(s for s in production["services"] if s.name == "web")
    assert "Traceback" not in web.log(), web.log()

    print("\nproduction smoke test: visited, each 200 with Bootstrap's .navbar flex and .btn "
          "inline-block, cloudadmin.css's .sidebar min-height, htmx loaded, cloudadmin.js opening and "
          "closing a dialog, no console error, no CSP violation, html lang as chosen:")
    print("  en/ja /login/ (before login)")
    for entry in visited:
        print(f"  {entry}")
    print(f"static files: {sorted({urlsplit(r.url).path for r in static_responses})}")
    print(f"/healthz: {health_status} {health_body}")


def test_healthz_fails_when_pages_cannot_render(production):
    """Break the manifest under the running gunicorn: /healthz says so."""
    import json
    from pathlib import Path

    manifest_path = Path(production["env"]["STATIC_ROOT"]) / "staticfiles.json"
    original = manifest_path.read_text()
    manifest = json.loads(original)
    del manifest["paths"]["cloudadmin.js"]
    manifest_path.write_text(json.dumps(manifest))
    try:
        # A new gunicorn worker reads the changed manifest: restart gracefully.
        web = next(s for s in production["services"] if s.name == "web")
        import os
        import signal

        os.kill(web.proc.pid, signal.SIGHUP)
        status = stack.wait_for("/healthz 503", lambda: (lambda r: r if r and r[0] == 503 else None)(
            stack.http_get(f"{production['url']}/healthz", HOST)), production["services"])
        assert json.loads(status[1])["checks"]["pages"] == "failed"
        assert stack.http_get(f"{production['url']}/login/", HOST)[0] == 500
    finally:
        manifest_path.write_text(original)
        os.kill(web.proc.pid, signal.SIGHUP)
        stack.wait_for("/healthz 200", lambda: (lambda r: r if r and r[0] == 200 else None)(
            stack.http_get(f"{production['url']}/healthz", HOST)), production["services"])
