"""storage.swift.pipeline's threads without Swift: byte ranges read with
pread and hashed, every item taken once, the first failure (or a tick that
raises, as a cancel does) stops every thread and is the one raised."""
import hashlib
import os
import threading

import pytest

from storage.swift.objects import CHUNK
from storage.swift.pipeline import Aborted, Pipeline


class Stopped(Exception):
    pass


def _pipeline(threads, tick=lambda: None):
    return Pipeline(new_connection=None, threads=threads, tick=tick)


@pytest.fixture
def data_fd(tmp_path):
    data = os.urandom(2 * CHUNK + 12345)
    path = tmp_path / "image"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    yield data, fd
    os.close(fd)


def test_md5_range_hashes_its_own_range_a_chunk_at_a_time(data_fd):
    data, fd = data_fd
    pipe = _pipeline(1)
    counted = []
    offset, length = CHUNK - 100, CHUNK + 5000
    digest = pipe.md5_range(fd, offset, length, throttle=lambda count: None, short=AssertionError,
                            on_bytes=counted.append)
    assert digest == hashlib.md5(data[offset:offset + length]).hexdigest()
    assert sum(counted) == length and max(counted) <= CHUNK
    pipe.close()


def test_a_short_read_raises_what_short_gives(data_fd):
    data, fd = data_fd
    pipe = _pipeline(1)
    with pytest.raises(Stopped):
        pipe.md5_range(fd, len(data) - 10, 20, throttle=lambda count: None, short=Stopped)
    pipe.close()


def test_each_gives_every_item_to_exactly_one_thread():
    ticks = []
    pipe = _pipeline(3, tick=lambda: ticks.append(1))
    taken, threads = [], set()

    def job(item):
        taken.append(item)
        threads.add(threading.get_ident())

    pipe.each(job, range(50), workers=3)
    pipe.wait()
    assert sorted(taken) == list(range(50))
    assert ticks  # the calling thread ticked at least once


def test_the_first_failure_stops_every_thread_and_is_raised():
    pipe = _pipeline(2)
    finished = []

    def job(item):
        if item == 0:
            raise ValueError("segment 0 failed")
        pipe.abort.wait(30)  # another thread's failure ends the wait
        finished.append(item)

    pipe.each(job, range(20), workers=2)
    with pytest.raises(ValueError, match="segment 0 failed"):
        pipe.wait()
    assert all(future.done() for future in pipe.futures)
    assert len(finished) <= 1  # no thread took another item once it failed


def test_a_tick_that_raises_stops_the_threads_and_is_raised():
    calls = []

    def tick():
        calls.append(1)
        if len(calls) == 2:
            raise Stopped()  # as Progress.write does when the row was cancelled

    pipe = _pipeline(2, tick=tick)
    started = threading.Barrier(3)

    def job(item):
        started.wait(30)
        while True:
            pipe.check()  # what each read of a range does
            pipe.abort.wait(30)

    pipe.each(job, range(2), workers=2)
    started.wait(30)
    with pytest.raises(Stopped):
        pipe.wait()
    assert all(future.done() for future in pipe.futures)
    assert all(isinstance(future.exception(), Aborted) for future in pipe.futures)


def test_a_thread_stuck_in_a_system_call_does_not_hold_the_copy(monkeypatch):
    """A hung NFS read never returns to check the abort: close() waits
    JOIN_SECONDS for it, then leaves it behind, so the failure is raised
    and the transfer goes back to the queue."""
    from storage.swift import pipeline

    monkeypatch.setattr(pipeline, "JOIN_SECONDS", 0.2)
    stuck, ticks = threading.Event(), []

    def tick():
        ticks.append(1)
        if len(ticks) == 3:
            raise Stopped()  # as the stall watch does

    pipe = _pipeline(1, tick=tick)
    pipe.submit(lambda: stuck.wait(60))  # ignores the abort, like a read in the kernel
    try:
        with pytest.raises(Stopped):
            pipe.wait()
        assert not pipe.futures[0].done()  # left behind, not waited for
    finally:
        stuck.set()
