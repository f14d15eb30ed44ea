"""Accuracy on the rendered fixtures: never worse than the committed table, and on target.

Runs MediaPipe on every fixture clip (once per test session), then the same
pipeline and scoring as ``bench/accuracy.py``, and compares each figure with
``bench/accuracy_table.json``. Regenerate the table with
``python bench/accuracy.py --write`` when a change makes things better.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
TABLE_PATH = REPO / "bench" / "accuracy_table.json"

#: How much worse than the committed table a figure may get (deg).
MARGIN_MEAN = 0.25
MARGIN_MAX = 1.0
MARGIN_PEAK = 0.5


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_accuracy", REPO / "bench" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
TABLE: dict[str, Any] = json.loads(TABLE_PATH.read_text()) if TABLE_PATH.exists() else {}
CLIPS = sorted(TABLE.get("clips", {}))

pytestmark = pytest.mark.skipif(not CLIPS, reason="no committed accuracy table")


@functools.cache
def _fresh(name: str) -> dict[str, Any]:
    """Figures of one clip from poses computed in this test session (not the bench's disk cache)."""
    from tests.conftest import fixture_poses

    bench_poses = bench.poses

    def no_disk_cache(clip: str, model: str = "full") -> Any:
        return fixture_poses(clip, model)

    bench.poses = no_disk_cache
    try:
        return dict(bench.evaluate(name, TABLE.get("model", "full")))
    finally:
        bench.poses = bench_poses


@pytest.mark.parametrize("name", CLIPS)
def test_angle_errors_are_no_worse_than_the_table(name: str) -> None:
    committed = TABLE["clips"][name]
    now = _fresh(name)
    assert now["view"] == committed["view"]
    worse = []
    for angle, ref in committed["angles"].items():
        got = now["angles"].get(angle)
        assert got is not None, f"{angle} is no longer scored"
        if not ref.get("observable", True):
            assert not got.get("observable", True), f"{angle} should stay 'not observable'"
            continue
        if got["mean"] > ref["mean"] + MARGIN_MEAN:
            worse.append(f"{angle} mean {got['mean']:.2f} > {ref['mean']:.2f}")
        if got["max"] > ref["max"] + MARGIN_MAX:
            worse.append(f"{angle} max {got['max']:.2f} > {ref['max']:.2f}")
    assert not worse, f"{name}: " + "; ".join(worse)


@pytest.mark.parametrize("name", CLIPS)
def test_peak_errors_are_no_worse_than_the_table(name: str) -> None:
    committed = {p["what"]: p for p in TABLE["clips"][name]["peaks"]}
    now = {p["what"]: p for p in _fresh(name)["peaks"]}
    assert set(now) == set(committed)
    worse = [
        f"{what} {now[what]['error']:+.2f} vs {ref['error']:+.2f}"
        for what, ref in committed.items()
        if abs(now[what]["error"]) > abs(ref["error"]) + MARGIN_PEAK
    ]
    assert not worse, f"{name}: " + "; ".join(worse)


# The targets, read from the committed table (kept true by the tests above).
# Known misses are strict xfails: when a change meets the target, the xfail fails
# and should be removed.
#: The forward-peak misses follow the camera's pitch, which the pose cannot tell:
#: with the true pitch and focal length, a pinhole model of the trunk with a lumbar
#: pivot reads every front-view forward peak within 2.6 deg (bench/pitch_oracle.py).
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("front", "hc_stopgo"): "stop-and-go rep: lateral 1.3, forward 2.7 deg mean; MediaPipe "
    "reads the hold at 27 deg left and 12 forward as upright (-11 deg for a second)",
    ("peaks", "hc_45_right"): "45 deg view, camera 6.7 deg down: forward peak +6, left +3.4 deg",
    ("peaks", "hc_aborted"): "-30 deg view, camera 4.9 deg down: forward peak +8, left -7 deg",
    ("peaks", "hc_two_reps"): "camera pitched 8.5 deg down: forward peaks +7 deg",
    ("peaks", "hc_stopgo"): "camera pitched 3 deg down: forward peak +3.03 deg",
}


def _clips_of(*views: str, target: str) -> list[Any]:
    out = []
    for n in CLIPS:
        if TABLE["clips"][n]["view"] not in views:
            continue
        reason = KNOWN_MISSES.get((target, n))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(n, marks=marks))
    return out


@pytest.mark.parametrize("name", _clips_of("front", target="front"))
def test_front_view_targets(name: str) -> None:
    angles = TABLE["clips"][name]["angles"]
    assert angles["lateral_deg"]["mean"] <= 1.0
    assert angles["forward_deg"]["mean"] <= 2.5


@pytest.mark.parametrize("name", _clips_of("oblique", target="oblique"))
def test_oblique_view_targets(name: str) -> None:
    angles = TABLE["clips"][name]["angles"]
    assert angles["lateral_deg"]["mean"] <= 2.5
    assert angles["forward_deg"]["mean"] <= 2.5


@pytest.mark.parametrize("name", _clips_of("side", target="side"))
def test_side_view_targets(name: str) -> None:
    clip = TABLE["clips"][name]
    assert clip["angles"]["forward_deg"]["mean"] <= 2.0
    assert clip["angles"]["lateral_deg"] == {"observable": False}


@pytest.mark.parametrize("name", _clips_of("front", "oblique", target="peaks"))
def test_rep_peaks_within_three_degrees(name: str) -> None:
    for peak in TABLE["clips"][name]["peaks"]:
        if peak["what"].startswith("rep"):
            assert abs(peak["error"]) <= 3.0, peak
