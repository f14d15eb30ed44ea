"""Accuracy on the rendered fixtures: never worse than the committed table, and on target.

Runs MediaPipe on every fixture clip (once per test session), then the same
pipeline and scoring as ``bench/accuracy.py``, and compares each figure with
``bench/accuracy_table.json``, both with no camera tilt given and with the tilt a
user would measure. Regenerate the table with ``python bench/accuracy.py --write``
when a change makes things better.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import bench_accuracy

REPO = Path(__file__).resolve().parents[1]
TABLE_PATH = REPO / "bench" / "accuracy_table.json"

#: How much worse than the committed table a figure may get (deg).
MARGIN_MEAN = 0.25
MARGIN_MAX = 1.0
MARGIN_PEAK = 0.5


bench = bench_accuracy()
TABLE: dict[str, Any] = json.loads(TABLE_PATH.read_text()) if TABLE_PATH.exists() else {}
#: The two ways of running (no camera tilt given; the tilt a user would measure) by table key.
MODES: dict[str, str] = dict(bench.TABLE_KEYS)
CASES = [(mode, n) for mode, key in MODES.items() for n in sorted(TABLE.get(key, {}))]

pytestmark = pytest.mark.skipif(not CASES, reason="no committed accuracy table")


def _committed(mode: str, name: str) -> dict[str, Any]:
    return dict(TABLE[MODES[mode]][name])


@functools.cache
def _fresh(mode: str, name: str) -> dict[str, Any]:
    """Figures of one clip from poses computed in this test session (not the bench's disk cache)."""
    from tests.conftest import fixture_poses

    bench_poses = bench.poses

    def no_disk_cache(clip: str, model: str = "full") -> Any:
        return fixture_poses(clip, model)

    bench.poses = no_disk_cache
    try:
        return dict(bench.evaluate(name, TABLE.get("model", "full"), mode))
    finally:
        bench.poses = bench_poses


@pytest.mark.video
@pytest.mark.parametrize(("mode", "name"), CASES)
def test_angle_errors_are_no_worse_than_the_table(mode: str, name: str) -> None:
    committed = _committed(mode, name)
    now = _fresh(mode, name)
    assert now["view"] == committed["view"]
    assert now["camera_tilt_deg"] == committed["camera_tilt_deg"]
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


@pytest.mark.video
@pytest.mark.parametrize(("mode", "name"), CASES)
def test_peak_errors_are_no_worse_than_the_table(mode: str, name: str) -> None:
    committed = {p["what"]: p for p in _committed(mode, name)["peaks"]}
    now = {p["what"]: p for p in _fresh(mode, name)["peaks"]}
    assert set(now) == set(committed)
    worse = [
        f"{what} {now[what]['error']:+.2f} vs {ref['error']:+.2f}"
        for what, ref in committed.items()
        if abs(now[what]["error"]) > abs(ref["error"]) + MARGIN_PEAK
    ]
    assert not worse, f"{name}: " + "; ".join(worse)


@pytest.mark.video
def test_a_measured_camera_tilt_brings_the_pitched_front_views_within_three_degrees() -> None:
    """The front-view forward peaks that a level camera would read 3 to 7 deg high."""
    for name in ("hc_two_reps", "hc_stopgo"):
        level = {p["what"]: p["error"] for p in _fresh("level", name)["peaks"]}
        tilted = {p["what"]: p["error"] for p in _fresh("measured", name)["peaks"]}
        assert _fresh("measured", name)["camera_tilt_deg"] >= 3
        for what, error in level.items():
            if "forward" in what:
                assert error >= 3.0 and abs(tilted[what]) < 2.0, (name, what, error, tilted[what])


# The targets, read from the committed table (kept true by the tests above),
# for both ways of running. Known misses are strict xfails: when a change meets the
# target, the xfail fails and should be removed.
KNOWN_MISSES: dict[tuple[str, str, str], str] = {
    ("level", "front", "hc_stopgo"): "stop-and-go rep: lateral 1.3, forward 2.6 deg mean; "
    "MediaPipe's world depth reads the hold at 27 deg left and 12 forward as 0 forward",
    ("measured", "front", "hc_stopgo"): "stop-and-go rep: lateral mean 1.03 deg, from the "
    "right and front of the arc (+2 to +3.4 deg), where MediaPipe's image trunk is short "
    "vertically at 45-50 deg forward; forward 2.10 meets the target",
    ("level", "peaks", "hc_two_reps"): "camera 8.5 deg down, not given: forward peaks +7 deg",
    ("level", "peaks", "hc_stopgo"): "camera 3 deg down, not given: forward peak +3.03 deg",
    ("level", "peaks", "hc_45_right"): "45 deg view, camera 6.7 deg down: forward +6, left +3.1",
    ("level", "peaks", "hc_aborted"): "-30 deg view, camera 4.9 deg down: forward +8.3 and -5.2, "
    "left -3.3",
    ("measured", "peaks", "hc_45_right"): "45 deg view: left peak +3.2 (forward +2.9); "
    "MediaPipe's world depth misses most of a bend towards the camera",
    ("measured", "peaks", "hc_aborted"): "-30 deg view (read as -24): forward peaks -4.7 and "
    "+4.5, left -3.8",
    # the clips made for calibrating anywhere (their reps are all found, within 0.3 s):
    ("level", "front", "hc_bending_at_start"): "starts mid-rep, zeroed between the reps: "
    "forward mean 2.51 deg (target 2.5), lateral 0.60",
    ("measured", "front", "hc_bending_at_start"): "level camera: as without a tilt, forward "
    "mean 2.51 deg",
    ("level", "oblique", "hc_short_stances_oblique"): "30 deg view, older heavier body: "
    "forward mean 2.87 deg, from the peaks below",
    ("measured", "oblique", "hc_short_stances_oblique"): "level camera: as without a tilt",
    ("level", "peaks", "hc_short_stances_oblique"): "30 deg view, older heavier body: forward "
    "peaks +16.6 and +13.2 (lateral within 0.2), whichever of its stances zeroes it",
    ("measured", "peaks", "hc_short_stances_oblique"): "level camera: as without a tilt",
    ("level", "peaks", "hc_late_oblique"): "-40 deg view, camera 3.8 deg down, not given: "
    "forward +6.9, right +4.0",
    ("measured", "peaks", "hc_late_oblique"): "-40 deg view: forward +4.4, right +4.2",
    # the clips made for issue #24 (other bodies and distances), as measured:
    ("level", "front", "base_toe_touch_front_far"): "toe touch to 85 deg from 3.7 m, camera "
    "7 deg down: forward mean 3.74 deg (peak +12.6)",
    ("measured", "front", "base_toe_touch_front_far"): "forward mean 5.95 deg (peak +5.5)",
    ("level", "oblique", "base_toe_touch_oblique_far"): "toe touch to 100 deg, -40 deg view: "
    "lateral mean 2.58, forward 3.88 deg (peak +13.4)",
    ("measured", "oblique", "base_toe_touch_oblique_far"): "lateral mean 2.81, forward 2.99 deg",
    # issue #23: the clips of pitched cameras, with no tilt given (taken as level), with
    # the tilt given, and with the pitch told from the picture; and every clip with the
    # pitch told from the picture (as measured by bench/accuracy.py --write):
    ("level", "front", "pitch_front_door_8down"): (
        "camera 8 deg down, not given, taken as level; lateral mean 0.75, forward 2.54 deg"
    ),
    ("level", "front", "pitch_front_shelf_12down"): (
        "camera 12 deg down, not given, taken as level; lateral mean 0.81, forward 2.90 deg"
    ),
    ("level", "front", "pitch_front_up3"): (
        "camera 3 deg up, not given, taken as level; lateral mean 0.87, forward 3.87 deg"
    ),
    ("measured", "front", "pitch_front_up3"): (
        "tilt given -3; lateral mean 0.81, forward 3.66 deg"
    ),
    ("picture", "front", "base_toe_touch_front_far"): (
        "pitch told 8.7 +-2.1 (true 6.9); lateral mean 0.71, forward 6.51 deg"
    ),
    ("picture", "front", "hc_bending_at_start"): (
        "the picture did not tell the pitch (true 0.0): taken as level; lateral mean 0.60, "
        "forward 2.51 deg"
    ),
    ("picture", "front", "pitch_front_up3"): (
        "pitch told -3.5 +-1.2 (true -3.0); lateral mean 0.80, forward 3.63 deg"
    ),
    ("level", "oblique", "pitch_45_door_6down"): (
        "camera 6 deg down, not given, taken as level; lateral mean 2.53, forward 1.97 deg"
    ),
    ("level", "oblique", "pitch_oblique_door_10down"): (
        "camera 10 deg down, not given, taken as level; lateral mean 2.90, forward 2.83 deg"
    ),
    ("level", "oblique", "pitch_toe_touch_30_10down"): (
        "camera 10 deg down, not given, taken as level; lateral mean 1.57, forward 4.10 deg"
    ),
    ("picture", "oblique", "base_toe_touch_oblique_far"): (
        "the picture did not tell the pitch (true 2.5): taken as level; lateral mean 2.58, "
        "forward 3.88 deg"
    ),
    ("picture", "oblique", "hc_short_stances_oblique"): (
        "the picture did not tell the pitch (true 0.0): taken as level; lateral mean 1.97, "
        "forward 2.87 deg"
    ),
    ("picture", "oblique", "pitch_oblique_door_10down"): (
        "pitch read 5.4 +-3.1, too unsure (true 10.0): taken as level; lateral mean 2.90, "
        "forward 2.83 deg"
    ),
    ("level", "peaks", "pitch_45_door_6down"): (
        "camera 6 deg down, not given, taken as level; peaks rep0.forward +13.8, rep0.left +7.0"
    ),
    ("level", "peaks", "pitch_front_door_8down"): (
        "camera 8 deg down, not given, taken as level; peaks rep0.forward +8.4"
    ),
    ("level", "peaks", "pitch_front_plain_5down"): (
        "camera 5 deg down, not given, taken as level; peaks rep0.forward +5.0"
    ),
    ("level", "peaks", "pitch_front_shelf_12down"): (
        "camera 12 deg down, not given, taken as level; peaks rep0.forward +11.6"
    ),
    ("level", "peaks", "pitch_front_up3"): (
        "camera 3 deg up, not given, taken as level; peaks rep0.forward -10.6"
    ),
    ("level", "peaks", "pitch_oblique_door_10down"): (
        "camera 10 deg down, not given, taken as level; peaks rep0.forward +20.7, rep0.right "
        "+6.2, rep0.left -3.1"
    ),
    ("measured", "peaks", "pitch_45_door_6down"): ("tilt given 6; peaks rep0.forward +11.6"),
    ("measured", "peaks", "pitch_front_up3"): ("tilt given -3; peaks rep0.forward -8.3"),
    ("measured", "peaks", "pitch_oblique_door_10down"): (
        "tilt given 10; peaks rep0.forward +12.8, rep0.right +4.5, rep0.left -4.4"
    ),
    ("picture", "peaks", "hc_45_right"): (
        "the picture did not tell the pitch (true 6.7): taken as level; peaks rep0.forward "
        "+6.0, rep0.left +3.1"
    ),
    ("picture", "peaks", "hc_aborted"): (
        "the picture did not tell the pitch (true 4.9): taken as level; peaks rep0.forward "
        "-5.2, rep1.forward +8.3, rep1.left -3.3"
    ),
    ("picture", "peaks", "hc_late_oblique"): (
        "the picture did not tell the pitch (true 3.8): taken as level; peaks rep0.forward "
        "+6.9, rep0.right +4.0"
    ),
    ("picture", "peaks", "hc_short_stances_oblique"): (
        "the picture did not tell the pitch (true 0.0): taken as level; peaks rep0.forward "
        "+16.6, rep1.forward +13.2"
    ),
    ("picture", "peaks", "hc_two_reps"): (
        "the picture did not tell the pitch (true 8.5): taken as level; peaks rep0.forward "
        "+7.0, rep1.forward +7.0"
    ),
    ("picture", "peaks", "pitch_45_door_6down"): (
        "pitch told 5.8 +-0.5 (true 6.0); peaks rep0.forward +11.7"
    ),
    ("picture", "peaks", "pitch_front_plain_5down"): (
        "the picture did not tell the pitch (true 5.0): taken as level; peaks rep0.forward +5.0"
    ),
    ("picture", "peaks", "pitch_front_up3"): (
        "pitch told -3.5 +-1.2 (true -3.0); peaks rep0.forward -8.0"
    ),
    ("picture", "peaks", "pitch_oblique_door_10down"): (
        "pitch read 5.4 +-3.1, too unsure (true 10.0): taken as level; peaks rep0.forward "
        "+20.7, rep0.right +6.2, rep0.left -3.1"
    ),
    ("picture", "pitch", "base_toe_touch"): (
        "pitch read 5.4 +-7.3, too unsure (true 5.4): taken as level; forward peaks "
        "toe_touch0.forward +6.4 (tilt given: +2.0)"
    ),
    ("picture", "pitch", "base_toe_touch_front_far"): (
        "pitch told 8.7 +-2.1 (true 6.9); forward peaks toe_touch0.forward +3.8 (tilt given: +5.5)"
    ),
    ("picture", "pitch", "base_toe_touch_oblique_far"): (
        "the picture did not tell the pitch (true 2.5): taken as level; forward peaks "
        "toe_touch0.forward +13.4 (tilt given: +10.6)"
    ),
    ("picture", "pitch", "hc_45_right"): (
        "the picture did not tell the pitch (true 6.7): taken as level; forward peaks "
        "rep0.forward +6.0 (tilt given: +2.9)"
    ),
    ("picture", "pitch", "hc_aborted"): (
        "the picture did not tell the pitch (true 4.9): taken as level; forward peaks "
        "rep0.forward -5.2, rep1.forward +8.3 (tilt given: -4.7, +4.5)"
    ),
    ("picture", "pitch", "hc_late_oblique"): (
        "the picture did not tell the pitch (true 3.8): taken as level; forward peaks "
        "rep0.forward +6.9 (tilt given: +4.4)"
    ),
    ("picture", "pitch", "hc_two_reps"): (
        "the picture did not tell the pitch (true 8.5): taken as level; forward peaks "
        "rep0.forward +7.0, rep1.forward +7.0 (tilt given: -1.1, -1.5)"
    ),
    ("picture", "pitch", "pitch_45_door_6down"): (
        "pitch told 5.8 +-0.5 (true 6.0); forward peaks rep0.forward +11.7 (tilt given: +11.6)"
    ),
    ("picture", "pitch", "pitch_front_plain_5down"): (
        "the picture did not tell the pitch (true 5.0): taken as level; forward peaks "
        "rep0.forward +5.0 (tilt given: +0.6)"
    ),
    ("picture", "pitch", "pitch_oblique_door_10down"): (
        "pitch read 5.4 +-3.1, too unsure (true 10.0): taken as level; forward peaks "
        "rep0.forward +20.7 (tilt given: +12.8)"
    ),
}


#: How much worse than the committed table a fingertip figure may get (cm).
MARGIN_TIP_MEAN = 0.5
MARGIN_TIP_LOWEST = 1.0
#: Minimal detectable change of fingertip-to-floor (cm): the target at each lowest point.
MDC_CM = 4.5
TIP_CASES = [(m, n) for m, n in CASES if "fingertip_cm" in _committed(m, n)]


@pytest.mark.video
@pytest.mark.parametrize(("mode", "name"), TIP_CASES)
def test_fingertip_errors_are_no_worse_than_the_table(mode: str, name: str) -> None:
    committed = _committed(mode, name)["fingertip_cm"]
    now = _fresh(mode, name)["fingertip_cm"]
    assert set(now) == set(committed) == {"height_given", "no_height"}
    worse = []
    for key, ref in committed.items():
        got = now[key]
        if got["mean"] > ref["mean"] + MARGIN_TIP_MEAN:
            worse.append(f"{key} mean {got['mean']:.2f} > {ref['mean']:.2f}")
        lowest = {p["what"]: p["error"] for p in got["lowest"]}
        assert set(lowest) == {p["what"] for p in ref["lowest"]}
        for p in ref["lowest"]:
            if abs(lowest[p["what"]]) > abs(p["error"]) + MARGIN_TIP_LOWEST:
                worse.append(f"{key} {p['what']} {lowest[p['what']]:+.1f} vs {p['error']:+.1f}")
    assert not worse, f"{name}: " + "; ".join(worse)


@pytest.mark.parametrize(
    ("mode", "name"),
    [(m, n) for m, n in TIP_CASES if _committed(m, n)["fingertip_cm"]["height_given"]["lowest"]],
)
def test_fingertip_to_floor_within_the_clinical_margin_with_the_height_given(
    mode: str, name: str
) -> None:
    """Every toe touch and side bend, front and oblique, its lowest point within 4.5 cm.

    With the person's height given, as the baseline asks; without it the scale is
    an average body's (errors in the table, up to 13 cm on the 196 and 214 cm bodies).
    """
    for p in _committed(mode, name)["fingertip_cm"]["height_given"]["lowest"]:
        assert abs(p["error"]) <= MDC_CM, p


def _clips_of(*views: str, target: str) -> list[Any]:
    out = []
    for mode, n in CASES:
        if _committed(mode, n)["view"] not in views:
            continue
        reason = KNOWN_MISSES.get((mode, target, n))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(mode, n, marks=marks, id=f"{mode}-{n}"))
    return out


@pytest.mark.parametrize(("mode", "name"), _clips_of("front", target="front"))
def test_front_view_targets(mode: str, name: str) -> None:
    angles = _committed(mode, name)["angles"]
    assert angles["lateral_deg"]["mean"] <= 1.0
    assert angles["forward_deg"]["mean"] <= 2.5


@pytest.mark.parametrize(("mode", "name"), _clips_of("oblique", target="oblique"))
def test_oblique_view_targets(mode: str, name: str) -> None:
    angles = _committed(mode, name)["angles"]
    assert angles["lateral_deg"]["mean"] <= 2.5
    assert angles["forward_deg"]["mean"] <= 2.5


@pytest.mark.parametrize(("mode", "name"), _clips_of("side", target="side"))
def test_side_view_targets(mode: str, name: str) -> None:
    clip = _committed(mode, name)
    assert clip["angles"]["forward_deg"]["mean"] <= 2.0
    assert clip["angles"]["lateral_deg"] == {"observable": False}


@pytest.mark.parametrize(("mode", "name"), _clips_of("front", "oblique", target="peaks"))
def test_rep_peaks_within_three_degrees(mode: str, name: str) -> None:
    for peak in _committed(mode, name)["peaks"]:
        if peak["what"].startswith("rep"):
            assert abs(peak["error"]) <= 3.0, peak


#: Largest error of a counted rep's start or end against the truth (s).
BOUNDARY_TOL_S = 0.3


@pytest.mark.parametrize(("mode", "name"), _clips_of("front", "oblique", target="reps"))
def test_every_complete_rep_is_found_with_its_direction_and_boundaries(
    mode: str, name: str
) -> None:
    """Wherever the clip's stance lies (at the start, short, between reps, none first)."""
    for rep in _committed(mode, name)["reps"]:
        assert rep["found"] and rep["direction_ok"], rep
        assert abs(rep["start_error_s"]) <= BOUNDARY_TOL_S, rep
        assert abs(rep["end_error_s"]) <= BOUNDARY_TOL_S, rep


@pytest.mark.video
@pytest.mark.parametrize(("mode", "name"), CASES)
def test_reps_found_are_no_worse_than_the_table(mode: str, name: str) -> None:
    committed = {r["rep"]: r for r in _committed(mode, name)["reps"]}
    now = {r["rep"]: r for r in _fresh(mode, name)["reps"]}
    assert set(now) == set(committed)
    for i, ref in committed.items():
        got = now[i]
        assert got["found"] >= ref["found"] and got.get("direction_ok", False) >= ref.get(
            "direction_ok", False
        ), (i, got, ref)
        for key in ("start_error_s", "end_error_s"):
            if key in ref:
                assert abs(got[key]) <= abs(ref[key]) + 0.1, (i, key, got[key], ref[key])


# ----------------------------------------------------------------- camera pitch not given
#: A camera at least this far down (deg, as a user would measure it) is a pitched one.
PITCHED_DEG = 3.0


def _measured_tilt(name: str) -> float:
    return float(TABLE[MODES["measured"]][name]["camera_tilt_deg"])


def _pitched_cases() -> list[Any]:
    out = []
    for mode, n in CASES:
        if mode != "picture" or _measured_tilt(n) < PITCHED_DEG:
            continue
        if _committed(mode, n)["view"] not in ("front", "oblique"):
            continue
        reason = KNOWN_MISSES.get((mode, "pitch", n))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(mode, n, marks=marks, id=f"{mode}-{n}"))
    return out


@pytest.mark.parametrize(("mode", "name"), _pitched_cases())
def test_forward_peaks_within_three_degrees_with_the_pitch_told_from_the_picture(
    mode: str, name: str
) -> None:
    """Issue #23: cameras 3 to 12 deg down, no tilt given, front and 30-45 deg views."""
    for peak in _committed(mode, name)["peaks"]:
        if "forward" in peak["what"]:
            assert abs(peak["error"]) <= 3.0, peak


def test_telling_the_pitch_costs_level_cameras_at_most_one_degree_on_average() -> None:
    """Issue #23: level-camera clips no worse than taken as level, by more than 1 deg mean."""
    level_clips = [n for m, n in CASES if m == "picture" and _measured_tilt(n) == 0.0]
    assert level_clips
    worse = []
    for n in level_clips:
        told = {p["what"]: abs(p["error"]) for p in _committed("picture", n)["peaks"]}
        level = {p["what"]: abs(p["error"]) for p in _committed("level", n)["peaks"]}
        worse += [told[w] - level[w] for w in told if "forward" in w]
    assert sum(worse) / len(worse) <= 1.0


def test_every_pitch_told_from_the_picture_states_its_uncertainty_and_its_true_error() -> None:
    for mode, n in CASES:
        if mode != "picture":
            continue
        pitch = _committed(mode, n)["camera_pitch"]
        assert {"pitch_deg", "uncertainty_deg", "true_deg", "error_deg", "how"} <= set(pitch)
        if pitch["how"] == "from the picture":
            assert pitch["uncertainty_deg"] <= 3.0
            assert _committed(mode, n)["camera_tilt_deg"] == pitch["camera_tilt_deg"]


def test_the_readme_table_is_the_one_generated_from_the_committed_table() -> None:
    """The README's "How far to trust the numbers" is written by bench/accuracy.py."""
    text = (REPO / "README.md").read_text()
    start, end = bench.README_MARKERS
    assert text[text.index(start) + len(start) : text.index(end)] == "\n" + bench.readme_table(
        TABLE
    )
