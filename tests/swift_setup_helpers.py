"""Helpers for the Enable Swift tests: the setting in effect, the form data
for the local Swift, and local endpoints that fail the ways Swift can."""
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cloudadmin import config
from cloudadmin.models import GlobalSetting
from storage.swift import localswift


def put_enable_swift_in_effect(value="true"):
    config.seed_missing()
    GlobalSetting.objects.filter(name="enable.swift").update(value=value, pending_value=None)


def form_data(local_swift, **overrides):
    data = {"url": local_swift.auth_url, "account": "test", "username": "tester",
            "key": localswift.AUTH_KEY, "auth_version": ""}
    data.update(overrides)
    return data


@contextmanager
def http_server(status=404, body=b"<html><body>Not Swift</body></html>"):
    """A plain web server that is not Swift: answers every request `status`."""
    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server():
    """A socket that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()
