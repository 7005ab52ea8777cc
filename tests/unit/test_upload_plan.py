"""How the engine splits a template to fit what Swift's /info allows."""
import pytest

from storage.failures import TransferFailed
from storage.swift.objects import plan_segment_size, segment_name

MIB = 1024 * 1024
GIB = 1024 * MIB
CAPS = {"max_file_size": 5 * GIB + 2, "slo": True, "max_manifest_segments": 1000,
        "max_manifest_size": 8 * MIB, "min_segment_size": 1}


def test_small_file_is_one_object():
    assert plan_segment_size(100 * MIB, 256 * MIB, CAPS) == 0


def test_file_above_segment_size_is_segmented_at_that_size():
    assert plan_segment_size(1 * GIB, 256 * MIB, CAPS) == 256 * MIB


def test_file_above_max_file_size_is_segmented_even_below_segment_size():
    assert plan_segment_size(3 * MIB, 256 * MIB, {**CAPS, "max_file_size": MIB}) == MIB


def test_segment_size_grows_to_fit_max_manifest_segments():
    size = plan_segment_size(100 * GIB, 16 * MIB, {**CAPS, "max_manifest_segments": 100})
    assert size >= GIB and -(-100 * GIB // size) <= 100


def test_segment_size_grows_to_fit_max_manifest_size():
    caps = {**CAPS, "max_manifest_size": 10_000}
    size = plan_segment_size(GIB, MIB, caps, path_length=120)
    assert -(-GIB // size) * (120 + 80) <= 10_000


def test_impossible_plan_is_a_clear_error():
    with pytest.raises(TransferFailed, match="at most 10 segments"):
        plan_segment_size(100 * GIB, GIB, {**CAPS, "max_file_size": GIB, "max_manifest_segments": 10})


def test_no_slo_is_a_clear_error():
    with pytest.raises(TransferFailed, match="no Static Large Objects"):
        plan_segment_size(GIB, 256 * MIB, {**CAPS, "slo": False})


def test_segment_names_are_deterministic_and_sort_in_order():
    names = [segment_name("a.vhd", 10, 1.5, 4, i) for i in (0, 1, 10)]
    assert names == sorted(names) and names[0] == "a.vhd/1.500000/10/4/00000000"
