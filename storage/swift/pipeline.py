"""Parallel uploads to Swift. Worker threads each read their own byte range
of the file (os.pread, no shared file position), hash it and PUT it on a
connection of their own (one per thread, reusing the caller's token), while
the calling thread ticks: progress and heartbeat, cancel, source checks.
The first failure anywhere, or a tick that raises, stops them all. Memory:
one read buffer (objects.CHUNK) per thread, whatever the segment size.

Also the connection a thread keeps across transfers (thread_connection):
one authentication and one kept-alive connection per thread and Swift
store, not per copy."""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from cloudadmin.messages import coded
from storage.swift import client as swift
from storage.swift.objects import CHUNK

TICK = 0.1  # seconds between the calling thread's ticks while workers run
# How long close() waits for the threads: one stuck in a system call (a hung
# NFS read) is left behind, and stops at its next chunk, if it ever returns.
JOIN_SECONDS = 30

_local = threading.local()


def thread_connection(creds: swift.Credentials, *, timeout: float):
    """This thread's authenticated connection to `creds`' Swift, kept for
    its next transfers. swiftclient authenticates again on a 401 (an expired
    token); new credentials (Enable Swift again) get a new connection."""
    key = (creds, timeout)
    cached = getattr(_local, "cached", None)
    if cached is None or cached[0] != key:
        forget_thread_connection()
        cached = _local.cached = (key, swift.connect(creds, timeout=timeout))
    conn = cached[1]
    if not conn.url or not conn.token:
        try:
            swift.authenticate(conn)
        except swift.SwiftError:
            forget_thread_connection()
            raise
    return conn


def forget_thread_connection() -> None:
    """Close this thread's kept connection: after a failure, the next
    transfer starts from a new connection and a new token."""
    cached = getattr(_local, "cached", None)
    _local.cached = None
    if cached is not None:
        cached[1].close()


def token_sharing_connections(creds: swift.Credentials, conn, *, timeout: float):
    """A factory of connections that reuse `conn`'s token and storage URL
    instead of authenticating again."""
    def new_connection():
        thread_conn = swift.connect(creds, timeout=timeout)
        thread_conn.url, thread_conn.token = conn.url, conn.token
        return thread_conn

    return new_connection


class Aborted(Exception):
    """Raised in a worker once the copy stops (another thread failed, or the
    calling thread's tick raised)."""


class Pipeline:
    """Jobs on `threads` worker threads, each with its own connection when it
    asks for one (connection()); wait() ticks in the calling thread until
    they end and raises the first failure."""

    def __init__(self, new_connection, threads: int, tick):
        self.new_connection = new_connection
        self.tick = tick
        self.abort = threading.Event()
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.local = threading.local()
        self.connections: list = []
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="transfer")
        self.futures: list = []

    def connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.new_connection()
            with self.lock:
                self.connections.append(conn)
        return conn

    def fail(self, exc: BaseException) -> None:
        """Stop every job; the first failure is the one wait() raises."""
        with self.lock:
            if self.error is None and not self.abort.is_set():
                self.error = exc
            self.abort.set()

    def check(self) -> None:
        if self.abort.is_set():
            raise self.error or Aborted()

    def _run(self, job, *args):
        try:
            return job(*args)
        except BaseException as exc:
            self.fail(exc)
            raise

    def submit(self, job, *args) -> None:
        self.futures.append(self.pool.submit(self._run, job, *args))

    def each(self, job, items, workers: int) -> None:
        """job(item) for every item, in order, by `workers` threads that each
        take the next item when done with one."""
        todo: queue.SimpleQueue = queue.SimpleQueue()
        for item in items:
            todo.put(item)

        def take_turns():
            while True:
                self.check()
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                job(item)

        for _ in range(workers):
            self.submit(take_turns)

    def wait(self) -> list:
        """Tick until every job is done; returns their results. Raises the
        first failure, or what the tick raised, once every thread stopped."""
        try:
            while True:
                _done, pending = wait_futures(self.futures, timeout=TICK, return_when=FIRST_EXCEPTION)
                self.check()
                self.tick()
                if not pending:
                    return [future.result() for future in self.futures]
        finally:
            self.close()

    def close(self) -> None:
        self.abort.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
        wait_futures(self.futures, timeout=JOIN_SECONDS)
        for conn in self.connections:
            conn.close()

    # --- reading, hashing and sending byte ranges ------------------------------
    def read_range(self, fd: int, offset: int, length: int, *, throttle, short):
        """The bytes [offset, offset + length) of `fd`, a CHUNK at a time.
        A short read raises short() (the file shrank under us)."""
        end = offset + length
        while offset < end:
            if self.abort.is_set():
                raise Aborted()
            chunk = os.pread(fd, min(CHUNK, end - offset), offset)
            if not chunk:
                raise short()
            throttle(len(chunk))
            offset += len(chunk)
            yield chunk

    def md5_range(self, fd: int, offset: int, length: int, *, throttle, short, on_bytes=None) -> str:
        """The MD5 of [offset, offset + length) of `fd`."""
        digest = hashlib.md5()
        for chunk in self.read_range(fd, offset, length, throttle=throttle, short=short):
            digest.update(chunk)  # releases the GIL: hashing threads use every core
            if on_bytes is not None:
                on_bytes(len(chunk))
        return digest.hexdigest()

    def put_range(self, container: str, name: str, fd: int, offset: int, length: int, *, throttle, short,
                  on_bytes, headers: dict | None = None, etag: str | None = None) -> str:
        """PUT [offset, offset + length) of `fd` as one object on this
        thread's connection, hashed on the way; returns its MD5, which Swift's
        ETag matched (else the object is deleted: transient SwiftError).
        With `etag`, Swift itself refuses other bytes (422)."""
        digest = hashlib.md5()

        def body():
            try:
                for chunk in self.read_range(fd, offset, length, throttle=throttle, short=short):
                    digest.update(chunk)
                    on_bytes(len(chunk))
                    yield chunk
            except Exception as exc:  # recorded as it is: swiftclient would only see an odd error
                self.fail(exc)
                raise

        conn = self.connection()
        stored = swift.put_object(conn, container, name, body(), content_length=length, etag=etag,
                                  headers=headers)
        if stored != digest.hexdigest():
            swift.delete_object(conn, container, name)
            raise swift.SwiftError(coded("Uploading %(object)s: Swift stored other bytes than were sent "
                                         "(ETag mismatch)", object=f"{container}/{name}"), transient=True)
        return stored
