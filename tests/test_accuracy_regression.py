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
    ("level", "front", "base_toe_touch_front_far"): (
        "front view, camera 7 deg down, not given, taken as level; lateral mean 0.42, forward"
        " 3.56 deg"
    ),
    ("level", "oblique", "base_toe_touch_oblique_far"): (
        "-40 deg view, camera 3 deg down, not given, taken as level; lateral mean 2.07, "
        "forward 2.62 deg"
    ),
    ("level", "front", "drill_roll_downs_front"): (
        "front view, camera 7 deg down, not given, taken as level; lateral mean 0.30, forward"
        " 2.68 deg"
    ),
    ("level", "oblique", "drill_roll_downs_oblique"): (
        "-35 deg view, camera 5 deg down, not given, taken as level; lateral mean 3.04, "
        "forward 2.81 deg"
    ),
    ("level", "peaks", "hc_45_right"): (
        "+45 deg view, camera 7 deg down, not given, taken as level; peaks rep0.forward +4.1,"
        " rep0.left +3.4"
    ),
    ("level", "peaks", "hc_aborted"): (
        "-30 deg view, camera 5 deg down, not given, taken as level; peaks rep1.forward +3.6"
    ),
    ("level", "front", "hc_bending_at_start"): (
        "front view, level camera; lateral mean 0.60, forward 3.08 deg"
    ),
    ("level", "peaks", "hc_front_right"): (
        "front view, camera 6 deg down, not given, taken as level; peaks rep0.forward +4.0"
    ),
    ("level", "front", "hc_late_front"): (
        "front view, level camera; lateral mean 0.72, forward 2.58 deg"
    ),
    ("level", "peaks", "hc_late_oblique"): (
        "-40 deg view, camera 4 deg down, not given, taken as level; peaks rep0.forward +6.3"
    ),
    ("level", "peaks", "hc_short_stances_oblique"): (
        "+30 deg view, level camera; peaks rep0.forward +8.7, rep1.forward +7.6"
    ),
    ("level", "peaks", "hc_smooth"): (
        "front view, camera 3 deg down, not given, taken as level; peaks rep0.forward +5.0"
    ),
    ("level", "front", "hc_stopgo"): (
        "front view, camera 3 deg down, not given, taken as level; lateral mean 1.08, forward"
        " 3.41 deg"
    ),
    ("level", "peaks", "hc_stopgo"): (
        "front view, camera 3 deg down, not given, taken as level; peaks rep0.forward +4.6"
    ),
    ("level", "peaks", "hc_two_reps"): (
        "front view, camera 9 deg down, not given, taken as level; peaks rep0.forward +6.9, "
        "rep1.forward +6.8"
    ),
    ("level", "peaks", "pitch_45_door_6down"): (
        "+45 deg view, camera 6 deg down, not given, taken as level; peaks rep0.forward +10.5"
    ),
    ("level", "oblique", "pitch_corner_oblique_8down"): (
        "-40 deg view, camera 8 deg down, not given, taken as level; lateral mean 2.42, "
        "forward 3.10 deg"
    ),
    ("level", "peaks", "pitch_corner_oblique_8down"): (
        "-40 deg view, camera 8 deg down, not given, taken as level; peaks rep0.forward +15.1"
    ),
    ("level", "peaks", "pitch_corner_oblique_up2"): (
        "+45 deg view, camera 2 deg up, not given, taken as level; peaks rep0.right -3.2, "
        "rep0.left +9.4"
    ),
    ("level", "oblique", "pitch_corner_toe_touch_4down"): (
        "+35 deg view, camera 4 deg down, not given, taken as level; lateral mean 2.08, "
        "forward 3.56 deg"
    ),
    ("level", "peaks", "pitch_front_door_8down"): (
        "front view, camera 8 deg down, not given, taken as level; peaks rep0.forward +11.7"
    ),
    ("level", "front", "pitch_front_plain_5down"): (
        "front view, camera 5 deg down, not given, taken as level; lateral mean 1.04, forward"
        " 2.08 deg"
    ),
    ("level", "peaks", "pitch_front_plain_5down"): (
        "front view, camera 5 deg down, not given, taken as level; peaks rep0.forward +7.6"
    ),
    ("level", "front", "pitch_front_shelf_12down"): (
        "front view, camera 12 deg down, not given, taken as level; lateral mean 0.78, "
        "forward 2.50 deg"
    ),
    ("level", "peaks", "pitch_front_shelf_12down"): (
        "front view, camera 12 deg down, not given, taken as level; peaks rep0.forward +10.3"
    ),
    ("level", "front", "pitch_front_up3"): (
        "front view, camera 3 deg up, not given, taken as level; lateral mean 0.77, forward "
        "3.37 deg"
    ),
    ("level", "peaks", "pitch_front_up3"): (
        "front view, camera 3 deg up, not given, taken as level; peaks rep0.forward -6.9"
    ),
    ("level", "peaks", "pitch_oblique_door_10down"): (
        "-35 deg view, camera 10 deg down, not given, taken as level; peaks rep0.forward +13.5"
    ),
    ("level", "peaks", "session_toe_touch_oblique"): (
        "+40 deg view, camera 5 deg down, not given, taken as level; peaks rep1.forward +3.7"
    ),
    ("measured", "front", "base_toe_touch_front_far"): (
        "front view, tilt given 7; lateral mean 1.18, forward 6.35 deg"
    ),
    ("measured", "front", "drill_roll_downs_front"): (
        "front view, tilt given 7; lateral mean 0.27, forward 4.04 deg"
    ),
    ("measured", "oblique", "drill_roll_downs_oblique"): (
        "-35 deg view, tilt given 5; lateral mean 3.18, forward 1.75 deg"
    ),
    ("measured", "peaks", "hc_45_right"): ("+45 deg view, tilt given 7; peaks rep0.left +3.7"),
    ("measured", "peaks", "hc_aborted"): ("-30 deg view, tilt given 5; peaks rep1.left -3.0"),
    ("measured", "front", "hc_bending_at_start"): (
        "front view, level camera; lateral mean 0.60, forward 3.08 deg"
    ),
    ("measured", "front", "hc_late_front"): (
        "front view, level camera; lateral mean 0.72, forward 2.58 deg"
    ),
    ("measured", "peaks", "hc_late_oblique"): (
        "-40 deg view, tilt given 4; peaks rep0.forward +3.4"
    ),
    ("measured", "peaks", "hc_short_stances_oblique"): (
        "+30 deg view, level camera; peaks rep0.forward +8.7, rep1.forward +7.6"
    ),
    ("measured", "front", "hc_stopgo"): (
        "front view, tilt given 3; lateral mean 0.87, forward 2.69 deg"
    ),
    ("measured", "peaks", "pitch_45_door_6down"): (
        "+45 deg view, tilt given 6; peaks rep0.forward +8.5"
    ),
    ("measured", "peaks", "pitch_corner_oblique_8down"): (
        "-40 deg view, tilt given 8; peaks rep0.forward +10.0"
    ),
    ("measured", "peaks", "pitch_corner_oblique_up2"): (
        "+45 deg view, tilt given -2; peaks rep0.right -3.0, rep0.left +9.0"
    ),
    ("measured", "oblique", "pitch_corner_toe_touch_4down"): (
        "+35 deg view, tilt given 4; lateral mean 2.22, forward 3.15 deg"
    ),
    ("measured", "peaks", "pitch_front_door_8down"): (
        "front view, tilt given 8; peaks rep0.forward +4.0"
    ),
    ("measured", "peaks", "pitch_front_plain_5down"): (
        "front view, tilt given 5; peaks rep0.forward +3.1"
    ),
    ("measured", "front", "pitch_front_up3"): (
        "front view, tilt given -3; lateral mean 0.70, forward 3.18 deg"
    ),
    ("measured", "peaks", "pitch_front_up3"): (
        "front view, tilt given -3; peaks rep0.forward -4.4"
    ),
    ("measured", "peaks", "pitch_oblique_door_10down"): (
        "-35 deg view, tilt given 10; peaks rep0.forward +6.2"
    ),
    ("measured", "oblique", "pitch_toe_touch_30_10down"): (
        "+30 deg view, tilt given 10; lateral mean 2.39, forward 2.71 deg"
    ),
    ("picture", "pitch", "base_toe_touch"): (
        "+45 deg view, pitch told 5.4 +-0.7 (true 5.4); forward peaks toe_touch0.forward -4.1"
        " (tilt given: -3.8)"
    ),
    ("picture", "front", "base_toe_touch_front_far"): (
        "front view, pitch told 8.4 +-2.0 (true 6.9); lateral mean 1.10, forward 6.91 deg"
    ),
    ("picture", "pitch", "base_toe_touch_front_far"): (
        "front view, pitch told 8.4 +-2.0 (true 6.9); forward peaks toe_touch0.forward -13.8 "
        "(tilt given: -12.4)"
    ),
    ("picture", "pitch", "base_toe_touch_oblique_far"): (
        "-40 deg view, pitch told 2.4 +-1.3 (true 2.5); forward peaks toe_touch0.forward +5.9"
        " (tilt given: +5.4)"
    ),
    ("picture", "front", "drill_roll_downs_front"): (
        "front view, the picture did not tell the pitch (true 6.7): taken as level; lateral "
        "mean 0.30, forward 2.68 deg"
    ),
    ("picture", "pitch", "drill_roll_downs_front"): (
        "front view, the picture did not tell the pitch (true 6.7): taken as level; forward "
        "peaks toe_touch1.forward +4.0 (tilt given: -2.2)"
    ),
    ("picture", "oblique", "drill_roll_downs_oblique"): (
        "-35 deg view, the picture did not tell the pitch (true 4.9): taken as level; lateral"
        " mean 3.04, forward 2.81 deg"
    ),
    ("picture", "pitch", "drill_roll_downs_oblique"): (
        "-35 deg view, the picture did not tell the pitch (true 4.9): taken as level; forward"
        " peaks toe_touch0.forward +4.6, toe_touch1.forward +7.2, toe_touch2.forward +8.5 "
        "(tilt given: +2.1, +4.2, +5.3)"
    ),
    ("picture", "peaks", "hc_45_right"): (
        "+45 deg view, pitch told 6.3 +-1.6 (true 6.7); peaks rep0.left +3.7"
    ),
    ("picture", "peaks", "hc_aborted"): (
        "-30 deg view, the picture did not tell the pitch (true 4.9): taken as level; peaks "
        "rep1.forward +3.6"
    ),
    ("picture", "pitch", "hc_aborted"): (
        "-30 deg view, the picture did not tell the pitch (true 4.9): taken as level; forward"
        " peaks rep1.forward +3.6 (tilt given: -0.1)"
    ),
    ("picture", "front", "hc_bending_at_start"): (
        "front view, the picture did not tell the pitch (true 0.0): taken as level; lateral "
        "mean 0.60, forward 3.08 deg"
    ),
    ("picture", "front", "hc_late_front"): (
        "front view, the picture did not tell the pitch (true 0.0): taken as level; lateral "
        "mean 0.72, forward 2.58 deg"
    ),
    ("picture", "peaks", "hc_late_oblique"): (
        "-40 deg view, the picture did not tell the pitch (true 3.8): taken as level; peaks "
        "rep0.forward +6.3"
    ),
    ("picture", "pitch", "hc_late_oblique"): (
        "-40 deg view, the picture did not tell the pitch (true 3.8): taken as level; forward"
        " peaks rep0.forward +6.3 (tilt given: +3.4)"
    ),
    ("picture", "peaks", "hc_short_stances_oblique"): (
        "+30 deg view, the picture did not tell the pitch (true 0.0): taken as level; peaks "
        "rep0.forward +8.7, rep1.forward +7.6"
    ),
    ("picture", "peaks", "hc_smooth"): (
        "front view, the picture did not tell the pitch (true 3.0): taken as level; peaks "
        "rep0.forward +5.0"
    ),
    ("picture", "pitch", "hc_smooth"): (
        "front view, the picture did not tell the pitch (true 3.0): taken as level; forward "
        "peaks rep0.forward +5.0 (tilt given: +2.3)"
    ),
    ("picture", "front", "hc_stopgo"): (
        "front view, pitch told 4.5 +-2.1 (true 3.0); lateral mean 0.77, forward 2.60 deg"
    ),
    ("picture", "peaks", "hc_two_reps"): (
        "front view, the picture did not tell the pitch (true 8.5): taken as level; peaks "
        "rep0.forward +6.9, rep1.forward +6.8"
    ),
    ("picture", "pitch", "hc_two_reps"): (
        "front view, the picture did not tell the pitch (true 8.5): taken as level; forward "
        "peaks rep0.forward +6.9, rep1.forward +6.8 (tilt given: -1.1, -1.7)"
    ),
    ("picture", "peaks", "pitch_45_door_6down"): (
        "+45 deg view, pitch told 5.8 +-0.5 (true 6.0); peaks rep0.forward +8.6"
    ),
    ("picture", "pitch", "pitch_45_door_6down"): (
        "+45 deg view, pitch told 5.8 +-0.5 (true 6.0); forward peaks rep0.forward +8.6 (tilt"
        " given: +8.5)"
    ),
    ("picture", "peaks", "pitch_corner_oblique_8down"): (
        "-40 deg view, pitch told 7.5 +-1.8 (true 8.0); peaks rep0.forward +10.3"
    ),
    ("picture", "pitch", "pitch_corner_oblique_8down"): (
        "-40 deg view, pitch told 7.5 +-1.8 (true 8.0); forward peaks rep0.forward +10.3 "
        "(tilt given: +10.0)"
    ),
    ("picture", "peaks", "pitch_corner_oblique_up2"): (
        "+45 deg view, pitch told -2.1 +-0.9 (true -2.0); peaks rep0.left +9.0"
    ),
    ("picture", "oblique", "pitch_corner_toe_touch_4down"): (
        "+35 deg view, pitch told 4.3 +-1.2 (true 4.0); lateral mean 2.19, forward 3.13 deg"
    ),
    ("picture", "pitch", "pitch_corner_toe_touch_4down"): (
        "+35 deg view, pitch told 4.3 +-1.2 (true 4.0); forward peaks toe_touch0.forward +6.7"
        " (tilt given: +7.0)"
    ),
    ("picture", "peaks", "pitch_front_door_8down"): (
        "front view, pitch told 6.3 +-1.9 (true 8.0); peaks rep0.forward +5.6"
    ),
    ("picture", "pitch", "pitch_front_door_8down"): (
        "front view, pitch told 6.3 +-1.9 (true 8.0); forward peaks rep0.forward +5.6 (tilt "
        "given: +4.0)"
    ),
    ("picture", "front", "pitch_front_plain_5down"): (
        "front view, the picture did not tell the pitch (true 5.0): taken as level; lateral "
        "mean 1.04, forward 2.08 deg"
    ),
    ("picture", "peaks", "pitch_front_plain_5down"): (
        "front view, the picture did not tell the pitch (true 5.0): taken as level; peaks "
        "rep0.forward +7.6"
    ),
    ("picture", "pitch", "pitch_front_plain_5down"): (
        "front view, the picture did not tell the pitch (true 5.0): taken as level; forward "
        "peaks rep0.forward +7.6 (tilt given: +3.1)"
    ),
    ("picture", "front", "pitch_front_up3"): (
        "front view, pitch told -3.5 +-1.2 (true -3.0); lateral mean 0.69, forward 3.15 deg"
    ),
    ("picture", "peaks", "pitch_front_up3"): (
        "front view, pitch told -3.5 +-1.2 (true -3.0); peaks rep0.forward -4.0"
    ),
    ("picture", "peaks", "pitch_oblique_door_10down"): (
        "-35 deg view, pitch read 5.4 +-3.1, too unsure (true 10.0): taken as level; peaks "
        "rep0.forward +13.5"
    ),
    ("picture", "pitch", "pitch_oblique_door_10down"): (
        "-35 deg view, pitch read 5.4 +-3.1, too unsure (true 10.0): taken as level; forward "
        "peaks rep0.forward +13.5 (tilt given: +6.2)"
    ),
    ("picture", "oblique", "pitch_toe_touch_30_10down"): (
        "+30 deg view, pitch told 10.1 +-0.5 (true 10.0); lateral mean 2.38, forward 2.73 deg"
    ),
    ("picture", "pitch", "pitch_toe_touch_30_10down"): (
        "+30 deg view, pitch told 10.1 +-0.5 (true 10.0); forward peaks toe_touch0.forward "
        "-4.1 (tilt given: -4.0)"
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


def _baseline_tip_cases() -> list[Any]:
    """The baseline tests' fingertip cases: not the drills (sets of practice reps) or
    the guided sessions (their toe touches come with practice between)."""
    out = []
    for mode, n in TIP_CASES:
        if n.startswith(("drill_", "session_")):
            continue
        if not _committed(mode, n)["fingertip_cm"]["height_given"]["lowest"]:
            continue
        reason = TIP_KNOWN_MISSES.get((mode, n))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(mode, n, marks=marks, id=f"{mode}-{n}"))
    return out


#: Fingertip-to-floor misses of the clinical margin, by (mode, clip), as measured.
TIP_KNOWN_MISSES: dict[tuple[str, str], str] = {
    (mode, "base_side_bends_oblique"): (
        "one pose slot: the first side bend's lowest point reads 4.8 cm off (3.3 with two)"
    )
    for mode in MODES
}


@pytest.mark.parametrize(("mode", "name"), _baseline_tip_cases())
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
