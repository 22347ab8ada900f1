"""A request body read straight into the caller's buffers.

A chunk of a resumable upload is hundreds of megabytes. Read through ``request.read()`` each
byte is copied several times in Python (the server's buffers, then slices of them); here it is
copied once, by the kernel, from the connection into a buffer the upload pipeline reuses.

Under gunicorn (the portal's production server) the body is read from the client's socket
itself, which gunicorn hands to the application as ``environ["gunicorn.socket"]``: first what
gunicorn has already read past the headers, then the socket, never past the body's announced
length, and gunicorn is told how much was taken so that a kept-alive connection goes on with
the next request. Under any other server (Django's test client, ``runserver``) the body is read
through ``request.read()``, with the same result.
"""

from __future__ import annotations

import socket
from typing import Protocol

from django.http import HttpRequest

# A client that sends no byte for this long has gone away: what arrived is kept, it may resume.
IDLE_TIMEOUT = 120.0


class BodySource(Protocol):
    def readinto(self, view: memoryview) -> int:
        """Fill the start of ``view``; return how many bytes, 0 at the end of the body."""

    def close(self) -> None:
        """Done reading (also after an error)."""


class _StreamSource:
    """Any server: ``request.read()``, copied into the caller's buffer."""

    def __init__(self, request: HttpRequest, length: int):
        self.request = request
        self.left = length

    def readinto(self, view: memoryview) -> int:
        if self.left <= 0:
            return 0
        data = self.request.read(min(len(view), self.left))
        view[: len(data)] = data
        self.left -= len(data)
        return len(data)

    def close(self) -> None:
        pass


class _GunicornSource:
    """gunicorn: its read-ahead first, then ``recv_into`` on the client's socket."""

    def __init__(self, sock: socket.socket, reader, length: int):
        self.sock = sock
        self.reader = reader  # gunicorn's LengthReader: ``length`` is what is left of the body
        self.length = length
        self.left = length
        # What gunicorn read past the headers, up to this body's end; anything after it belongs
        # to the next request and goes back.
        ahead = reader.unreader.take_buffered()
        self.pending = memoryview(ahead[:length])
        if len(ahead) > length:
            reader.unreader.unread(ahead[length:])
        self.timeout = sock.gettimeout()
        sock.settimeout(IDLE_TIMEOUT)

    def readinto(self, view: memoryview) -> int:
        if self.left <= 0:
            return 0
        if self.pending:
            count = min(len(view), len(self.pending))
            view[:count] = self.pending[:count]
            self.pending = self.pending[count:]
        else:
            count = self.sock.recv_into(view[: min(len(view), self.left)])
        self.left -= count
        return count

    def close(self) -> None:
        # gunicorn drains what it believes is left of the body before the next request on the
        # connection: that is now only what was not taken here (read-ahead not taken goes back).
        if self.pending:
            self.reader.unreader.unread(bytes(self.pending))
            self.pending = memoryview(b"")
        self.reader.length -= self.length - self.left
        self.sock.settimeout(self.timeout)


def body_source(request: HttpRequest, length: int) -> BodySource:
    """A reader of the first ``length`` bytes of ``request``'s body."""
    environ = getattr(request, "environ", {})
    sock = environ.get("gunicorn.socket")
    wsgi_input = environ.get("wsgi.input")
    if sock is not None and not getattr(request, "_read_started", True):
        try:
            from gunicorn.http.body import Body, LengthReader
            from gunicorn.http.unreader import SocketUnreader
        except ImportError:  # pragma: no cover - gunicorn is a dependency
            Body = LengthReader = SocketUnreader = None
        if (
            Body is not None
            and isinstance(wsgi_input, Body)
            and isinstance(wsgi_input.reader, LengthReader)
            and isinstance(wsgi_input.reader.unreader, SocketUnreader)
            and not wsgi_input.buf.getbuffer().nbytes
            and wsgi_input.reader.length >= length
        ):
            request._read_started = True
            return _GunicornSource(sock, wsgi_input.reader, length)
    return _StreamSource(request, length)
