"""A local HTTP server in a thread, the download source of the Register
template tests: an image, a 404, a redirect loop, a redirect to ftp: or anywhere, a
body over the size limit (declared, or only streamed) and a slow body."""
import hashlib
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.secondary import demo

MIB = 1024 * 1024
LIMIT = 8 * MIB  # TEMPLATE_DOWNLOAD_MAX_BYTES of the download worker


def qcow2_image(size: int, virtual: int, seed: int = 7) -> bytes:
    """Bytes that start like a qcow2 image of `virtual` bytes."""
    header = b"QFI\xfb" + struct.pack(">I", 3) + b"\0" * 16 + struct.pack(">Q", virtual)
    return header + demo.image_bytes(seed, size - len(header))


IMAGE = qcow2_image(2 * MIB + 333, virtual=10 * 1024**3)


class DownloadServer:
    def __init__(self, images: dict[str, bytes], *, slow_bytes=6 * MIB, big_bytes=9 * MIB):
        self.images = images
        self.slow_bytes = slow_bytes
        self.big_bytes = big_bytes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send_body(self, data: bytes, *, length: bool = True, pause: float = 0):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if length:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                step = 64 * 1024
                for offset in range(0, len(data), step):
                    self.wfile.write(data[offset:offset + step])
                    if pause:
                        time.sleep(pause)

            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                path = self.path.split("?", 1)[0]
                if path in server.images:
                    self._send_body(server.images[path])
                elif path == "/loop-a":
                    self._redirect("/loop-b")
                elif path == "/loop-b":
                    self._redirect("/loop-a")
                elif path == "/moved":
                    self._redirect("/image.qcow2")
                elif path == "/redirect":  # /redirect?to=<url>
                    self._redirect(parse_qs(urlsplit(self.path).query)["to"][0])
                elif path == "/to-ftp":
                    self._redirect("ftp://127.0.0.1/image.qcow2")
                elif path == "/big-declared":
                    self.send_response(200)
                    self.send_header("Content-Length", str(server.big_bytes))
                    self.end_headers()
                elif path == "/big-streamed":
                    self.close_connection = True
                    self._send_body(demo.image_bytes(91, server.big_bytes), length=False)
                elif path == "/slow":
                    self._send_body(demo.image_bytes(92, server.slow_bytes), pause=0.05)
                else:
                    self.send_error(404)

            def _redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# --- fixtures (import them into a test module to use them) -------------------
@pytest.fixture(scope="module")
def download_queue():
    return f"downloads-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def download_worker(django_db_setup, django_db_blocker, tmp_path_factory, download_queue):
    """Workers that may download from loopback (the test server), said
    explicitly: TEMPLATE_DOWNLOAD_ALLOW_INTERNAL=1. Their transfers worker
    listens on a queue of its own, so that the session's never runs these
    downloads."""
    from tests.conftest import WorkerPair, worker_env

    env = worker_env(TRANSFER_QUEUE=download_queue, TEMPLATE_DOWNLOAD_ALLOW_INTERNAL="1",
                     TEMPLATE_DOWNLOAD_MAX_BYTES=str(LIMIT), TEMPLATE_DOWNLOAD_TIMEOUT="10")
    worker = WorkerPair.start(env, tmp_path_factory.mktemp("download-worker"), download_queue)
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def server():
    server = DownloadServer({"/image.qcow2": IMAGE}, slow_bytes=3 * MIB, big_bytes=LIMIT + MIB).start()
    yield server
    server.stop()
