"""storage.web.raw_body picks the socket reader only where it is safe."""
import io
import socket
import ssl

from storage.web import raw_body


class LengthReader:  # the name gunicorn's body reader has
    def __init__(self, sock, length):
        self.unreader = type("Unreader", (), {"sock": sock, "buf": io.BytesIO()})()
        self.length = length


class Request:
    def __init__(self, sock):
        body = type("Body", (), {})()
        body.reader, body.buf = LengthReader(sock, 4), io.BytesIO()
        self.META = {"wsgi.input": body}
        self._read_started = False

    def read(self, size=-1):
        return b"from request.read"


def test_a_plain_socket_is_read_directly():
    left, right = socket.socketpair()
    with left, right:
        right.sendall(b"body")
        request = Request(left)
        read = raw_body.body_reader(request)
        assert read != request.read
        assert bytes(read(10)) == b"body"


def test_a_tls_socket_falls_back_to_the_request_read():
    """An SSLSocket refuses recv flags (MSG_WAITALL): gunicorn --certfile."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with socket.socket() as plain, context.wrap_socket(plain, server_hostname="localhost", do_handshake_on_connect=False) as tls:
        request = Request(tls)
        assert raw_body.body_reader(request) == request.read
