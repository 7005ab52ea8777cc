"""Parallel uploads to Swift from one reader: the calling thread reads the
file once and feeds the parts, a pool of uploader threads streams them, each
on its own connection (one per thread, reusing the reader's token)."""
from __future__ import annotations

import hashlib
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from storage.swift import client as swift
from storage.swift.objects import CHUNK, MIB


def token_sharing_connections(creds: swift.Credentials, conn, storage_url: str, *, timeout: float):
    """A factory of connections that reuse `conn`'s token and storage URL
    instead of authenticating again."""
    def new_connection():
        thread_conn = swift.connect(creds, timeout=timeout)
        thread_conn.url, thread_conn.token = storage_url, conn.token
        return thread_conn

    return new_connection


class _Abort(Exception):
    pass


class Pipeline:
    """One reader (the calling thread) and a pool of uploader threads, each
    streaming one part from a queue of chunks. Read-ahead is bounded by a
    semaphore of settings.TRANSFER_READ_AHEAD_MB: memory stays flat, and the
    next segments start uploading while the read is within that distance.
    `progress` counts the bytes sent (add) and writes the heartbeat while the
    reader waits (write)."""

    END = object()

    def __init__(self, new_connection, concurrency: int, progress):
        self.new_connection = new_connection
        self.progress = progress
        self.slots = threading.Semaphore(max(2, settings.TRANSFER_READ_AHEAD_MB * MIB // CHUNK))
        self.abort = threading.Event()
        self.error: BaseException | None = None
        self.local = threading.local()
        self.connections: list = []
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="transfer")
        self.futures = []

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.new_connection()
            self.connections.append(conn)
        return conn

    def check(self) -> None:
        if self.abort.is_set():
            raise self.error or _Abort()

    def _body(self, chunks: queue.Queue, digest):
        while True:
            try:
                item = chunks.get(timeout=0.5)
            except queue.Empty:
                if self.abort.is_set():
                    raise _Abort() from None
                continue
            if item is self.END:
                return
            self.slots.release()
            if digest is not None:
                digest.update(item)  # here, on another core than the reader's whole-file MD5
            self.progress.add(len(item))
            yield item

    def _run(self, job, *args):
        try:
            return job(self._connection(), *args)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.abort.set()
            raise

    def stream(self, container: str, name: str, length: int, headers: dict | None = None, *,
               hash_here: bool = True):
        """Start uploading one part; returns (feed, finish): feed(chunk) for
        every chunk in order, then finish(md5). The part's result is (name,
        ETag), the ETag checked against the MD5 of the bytes sent: hashed by
        the uploading thread (hash_here), or given to finish() by a reader
        that computes it anyway."""
        chunks: queue.Queue = queue.Queue()
        expected: dict = {}

        def job(conn):
            digest = hashlib.md5() if hash_here else None
            etag = swift.put_object(conn, container, name, self._body(chunks, digest), content_length=length,
                                    headers=headers)
            if etag != (digest.hexdigest() if digest is not None else expected.get("md5")):
                swift.delete_object(conn, container, name)
                raise swift.SwiftError(f"Uploading {container}/{name}: Swift stored other bytes than "
                                       f"were sent (ETag mismatch)", transient=True)
            return name, etag

        self.futures.append(self.pool.submit(self._run, job))

        def feed(chunk: bytes) -> None:
            while not self.slots.acquire(timeout=0.2):
                self.check()
                self.progress.write()  # the heartbeat goes on while uploads catch up
            chunks.put(chunk)

        def finish(md5_hex: str | None = None) -> None:
            expected["md5"] = md5_hex
            chunks.put(self.END)

        return feed, finish

    def submit(self, job, *args) -> None:
        self.futures.append(self.pool.submit(self._run, job, *args))

    def wait(self) -> list:
        """Wait for every part, writing progress meanwhile."""
        try:
            while not all(f.done() for f in self.futures):
                self.check()
                self.progress.write()
                time.sleep(0.05)
            self.check()
            return [f.result() for f in self.futures]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.abort.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for conn in self.connections:
            conn.close()
