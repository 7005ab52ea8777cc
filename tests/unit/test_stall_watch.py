"""storage.transfers.progress.StallWatch: a copy whose threads move no byte
for TRANSFER_STALE_SECONDS gives up (transient), whatever its heartbeat."""
import pytest

from storage.failures import TransferStalled
from storage.transfers import progress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.TRANSFER_STALE_SECONDS = 120
    clock = Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    return clock


def test_bytes_that_move_keep_the_copy_going(clock):
    moved = [0]
    watch = progress.StallWatch(lambda: moved[0])
    for _ in range(10):
        clock.now += 100
        moved[0] += 1
        watch.check()


def test_no_byte_for_longer_than_the_stale_time_is_a_transient_stall(clock):
    watch = progress.StallWatch(lambda: 5)
    clock.now += 120
    watch.check()  # not longer yet
    clock.now += 1
    with pytest.raises(TransferStalled) as raised:
        watch.check()
    assert raised.value.transient
    assert "no byte moved for 120 s" in str(raised.value)
