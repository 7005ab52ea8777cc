"""A request body of known length read straight from gunicorn's socket into
the reader's own buffer, reused from block to block (Upload from local's
PATCH): gunicorn's own read() gathers the bytes through its buffers,
copying each one about five times while holding the GIL, which the
upload's hash and write threads need. Anywhere else (the test client,
runserver, another server, or a body partly read already) it is the
request's own read(), copied into the buffer."""
from __future__ import annotations

import io
import socket
import ssl


def body_reader(request):
    """readinto(view) of the request's body: fills the writable memoryview
    and returns how many bytes it got, fewer only at the body's end or when
    the client went away (0 then; OSError passes through)."""
    body = request.META.get("wsgi.input")
    reader = getattr(body, "reader", None)
    unreader = getattr(reader, "unreader", None)
    sock = getattr(unreader, "sock", None)
    known = type(reader).__name__ == "LengthReader" and isinstance(getattr(reader, "length", None), int)
    buffers = isinstance(getattr(body, "buf", None), io.BytesIO) and isinstance(getattr(unreader, "buf", None),
                                                                                 io.BytesIO)
    # An SSLSocket (gunicorn --certfile) takes no recv flags: gunicorn's read() then.
    if sock is None or isinstance(sock, ssl.SSLSocket) or not known or not buffers or \
            getattr(request, "_read_started", True):
        return RequestBody(request).readinto
    request._read_started = True  # Django must not read it again (request.body, request.POST)
    return SocketBody(body, reader, unreader, sock).readinto


class RequestBody:
    """The request's own read(), copied into the caller's buffer."""

    def __init__(self, request):
        self.read = request.read

    def readinto(self, view: memoryview) -> int:
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)


class SocketBody:
    """Reads the body as gunicorn's LengthReader would, keeping its count of
    what is left on the socket, so that gunicorn discards the rest as usual
    when the view stops early."""

    def __init__(self, body, reader, unreader, sock):
        # What gunicorn took off the socket already (with the headers): the
        # body's first bytes; anything past the body stays in its buffer.
        buffered = body.buf.getvalue()
        kept = buffered + unreader.buf.getvalue()
        body_bytes = len(buffered) + reader.length
        self.first = memoryview(kept[:body_bytes])
        body.buf = io.BytesIO()
        unreader.buf = io.BytesIO()
        unreader.buf.write(kept[body_bytes:])
        reader.length = body_bytes - len(self.first)
        self.reader, self.sock = reader, sock

    def readinto(self, view: memoryview) -> int:
        """Fill `view`: what gunicorn kept first, then the socket's bytes."""
        kept, self.first = self.first[:len(view)], self.first[len(view):]
        size = min(len(view), len(kept) + self.reader.length)
        filled = len(kept)
        view[:filled] = kept
        try:
            while filled < size:
                # MSG_WAITALL: one call (and one GIL release) fills the block,
                # not one per TCP segment batch; less at the body's end or a break.
                count = self.sock.recv_into(view[filled:size], size - filled, socket.MSG_WAITALL)
                if not count:  # the client went away
                    break
                filled += count
        finally:
            self.reader.length -= filled - len(kept)
        return filled
