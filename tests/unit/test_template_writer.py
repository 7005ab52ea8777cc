"""storage.secondary.writer.TemplateWriter.write_image: synced behind the
writes, and what is synced leaves the page cache."""
import errno
import hashlib
import os
import shutil
import subprocess

import pytest

from storage.failures import TransferFailed
from storage.models import SecondaryStorage
from storage.secondary import writer

MIB = 1024 * 1024


def store():
    return SecondaryStorage(server="nfs.example", path="/export/secondary")


def chunks(count, size=MIB):
    return [bytes([n % 251]) * size for n in range(count)]


def resident_bytes(path) -> int:
    """The file's bytes in the page cache (util-linux's fincore)."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def test_the_image_is_synced_in_ranges_while_it_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "SYNC_BYTES", 2 * MIB)
    ranges, real = [], writer.sync_and_drop

    def recording(fd, start, end):
        ranges.append((start, end))
        real(fd, start, end)

    monkeypatch.setattr(writer, "sync_and_drop", recording)
    data = chunks(9)
    seen = []
    with writer.TemplateWriter(tmp_path, "template/tmpl/2/201", store(), "dnld1tmp_") as out:
        md5_hex = out.write_image(iter(data), seen.append)
    whole = b"".join(data)
    assert md5_hex == hashlib.md5(whole).hexdigest()
    assert (tmp_path / "template/tmpl/2/201/dnld1tmp_").read_bytes() == whole
    assert sum(seen) == out.size == len(whole)
    # Syncs ran during the copy, one after the other, and together cover every byte once.
    assert len(ranges) >= 3
    assert ranges[0][0] == 0 and ranges[-1][1] == len(whole)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


@pytest.mark.skipif(shutil.which("fincore") is None, reason="util-linux's fincore is missing")
def test_synced_bytes_leave_the_page_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "SYNC_BYTES", 4 * MIB)
    data = chunks(16)
    with writer.TemplateWriter(tmp_path, "template/tmpl/2/202", store(), "dnld2tmp_") as out:
        out.write_image(iter(data), lambda count: None)
    written = tmp_path / "template/tmpl/2/202/dnld2tmp_"
    # The control: the same bytes written plainly stay cached, so the measure sees pages.
    plain = tmp_path / "plain"
    with open(plain, "wb") as handle:
        handle.write(b"".join(data))
        handle.flush()
        os.fsync(handle.fileno())
    assert resident_bytes(plain) >= 8 * MIB
    assert resident_bytes(written) < MIB


def test_a_failing_sync_fails_the_copy_and_removes_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "SYNC_BYTES", MIB)

    def full(fd, start, end):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "sync_and_drop", full)
    folder = tmp_path / "template/tmpl/2/203"
    with pytest.raises(TransferFailed, match="is full"):
        with writer.TemplateWriter(tmp_path, "template/tmpl/2/203", store(), "dnld3tmp_") as out:
            out.write_image(iter(chunks(6)), lambda count: None)
    assert not folder.exists()  # the file, then the folders the copy created
