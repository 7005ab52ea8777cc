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
        readinto = raw_body.body_reader(request)
        buffer = bytearray(10)
        assert readinto(memoryview(buffer)) == 4
        assert bytes(buffer[:4]) == b"body"
        assert request._read_started  # Django must not read it again


def test_a_tls_socket_falls_back_to_the_request_read():
    """An SSLSocket refuses recv flags (MSG_WAITALL): gunicorn --certfile."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with socket.socket() as plain, context.wrap_socket(plain, server_hostname="localhost", do_handshake_on_connect=False) as tls:
        request = Request(tls)
        buffer = bytearray(32)
        assert raw_body.body_reader(request)(memoryview(buffer)) == len(b"from request.read")
        assert bytes(buffer).startswith(b"from request.read")
        assert not request._read_started


class RecordingAppender:
    """Stands for upload_files.Appender: keeps each block as write() got it,
    and checks that the block before it was not overwritten meanwhile (the
    reader may reuse a block's memory only once the next write() returned)."""

    def __init__(self):
        self.blocks, self.pending = [], None

    def write(self, block):
        if self.pending is not None:
            view, copy = self.pending
            assert bytes(view) == copy, "a block was overwritten before it was written"
        self.pending = (block, bytes(block))
        self.blocks.append(bytes(block))

    def close(self):
        return sum(len(block) for block in self.blocks)


def test_append_reads_into_two_buffers_that_take_turns(monkeypatch):
    from storage.catalog import upload_files

    monkeypatch.setattr(upload_files, "READ_BYTES", 4)
    payload = b"0123456789abcdefghij" + b"xyz"
    left, right = socket.socketpair()
    with left, right:
        right.sendall(payload)
        request = Request(left)
        request.META["wsgi.input"].reader.length = len(payload)
        appender = RecordingAppender()
        assert upload_files.append(appender, raw_body.body_reader(request), len(payload)) == len(payload)
    assert b"".join(appender.blocks) == payload
    assert [len(block) for block in appender.blocks] == [4, 4, 4, 4, 4, 3]


def test_append_stops_where_the_client_went_away():
    from storage.catalog import upload_files

    left, right = socket.socketpair()
    with left:
        right.sendall(b"partial")
        right.close()
        request = Request(left)
        request.META["wsgi.input"].reader.length = 100
        appender = RecordingAppender()
        assert upload_files.append(appender, raw_body.body_reader(request), 100) == len(b"partial")
    assert b"".join(appender.blocks) == b"partial"
