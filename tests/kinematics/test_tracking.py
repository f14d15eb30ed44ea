"""Tracking errors of the pose model: left/right swaps put back, impossible jumps taken out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from halfcircle.kinematics.measure import KinematicsConfig, compute_kinematics, stream_kinematics
from halfcircle.kinematics.tracking import (
    MAX_TRUNK_SPEED_DEG_S,
    SWAP_ORDER,
    JumpGuard,
    bridge_or_mark,
    find_swaps,
    jump_outliers,
)
from halfcircle.landmarks import LANDMARK, PoseSequence
from halfcircle.synthetic import half_circle, synthetic_clip

FPS = 30.0
ANGLES = ("lateral_deg", "forward_deg", "rotation_deg", "inclination_deg")
#: The tool as it was: no swap repair, no speed limit.
UNGUARDED = KinematicsConfig(repair_swaps=False, max_trunk_speed_deg_s=1e9)


def _clip(azimuth: float, seed: int = 0) -> PoseSequence:
    """A noisy half circle (1.5 s rest, 5 s rep, 1.5 s rest) with MediaPipe's shoulder depth bias.

    MediaPipe's world depth of the neutral shoulder line is not zero (the
    calibration keeps it as a bias); a swap then reverses it, which is what
    turned a real swap into a forward spike.
    """
    lat, fwd = half_circle(n_rest=45, n_rep=150)
    seq = synthetic_clip(
        lat, fwd, azimuth_deg=azimuth, noise_px=0.4, noise_depth_m=0.005, seed=seed
    ).seq
    world = seq.world.copy()
    world[:, LANDMARK["right_shoulder"], 2] += 0.12
    return dataclasses.replace(seq, world=world)


def _swap(seq: PoseSequence, start_s: float, duration_s: float) -> PoseSequence:
    """``seq`` with every left/right label exchanged from ``start_s`` for ``duration_s``."""
    sel = (seq.time_s >= start_s) & (seq.time_s < start_s + duration_s)
    arrays = {}
    for name in ("image", "world", "visibility", "presence"):
        a = getattr(seq, name).copy()
        a[sel] = a[sel][:, SWAP_ORDER]
        arrays[name] = a
    return dataclasses.replace(seq, **arrays)


def _largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    assert np.array_equal(np.isfinite(a), np.isfinite(b)), "measured on other frames"
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0


# ----------------------------------------------------------------------------- swaps
@pytest.mark.parametrize("azimuth", [0.0, 30.0, -45.0])
@pytest.mark.parametrize("start_s", [2.0, 3.5, 5.5])
def test_a_half_second_swap_leaves_every_angle_unchanged(azimuth: float, start_s: float) -> None:
    seq = _clip(azimuth)
    swapped = _swap(seq, start_s, 0.5)
    truth = compute_kinematics(seq)
    got = compute_kinematics(swapped)
    for name in ANGLES:
        assert _largest_difference(getattr(got, name), getattr(truth, name)) < 1e-9, name
    assert any("swapped your left and right for 0.5 s" in n for n in got.notes)
    # without the repair the swap reads as a half turn of the trunk
    broken = compute_kinematics(swapped, UNGUARDED)
    assert _largest_difference(broken.rotation_deg, truth.rotation_deg) > 90


def test_a_front_view_swap_no_longer_reads_as_a_forward_spike() -> None:
    seq = _clip(0.0)
    swapped = _swap(seq, 3.0, 0.5)
    truth = compute_kinematics(seq, smoothing="none")
    broken = compute_kinematics(swapped, UNGUARDED, smoothing="none")
    assert _largest_difference(broken.forward_deg, truth.forward_deg) > 3  # the spike
    got = compute_kinematics(swapped, smoothing="none")
    assert _largest_difference(got.forward_deg, truth.forward_deg) < 1e-9


@pytest.mark.parametrize("azimuth", [0.0, 45.0])
def test_the_live_view_puts_a_swap_back_as_it_happens(azimuth: float) -> None:
    seq = _clip(azimuth)
    truth = stream_kinematics(seq, smooth=False)
    got = stream_kinematics(_swap(seq, 3.0, 0.5), smooth=False)
    for name in ANGLES:
        assert _largest_difference(getattr(got, name), getattr(truth, name)) < 1e-9, name


def test_a_recording_that_starts_swapped_is_labelled_as_the_model_held_it_longest() -> None:
    seq = _clip(20.0)
    swapped = _swap(seq, 0.0, 0.6)
    found = find_swaps(swapped)
    np.testing.assert_array_equal(found, swapped.time_s < 0.6 - 1e-9)


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 70.0, 90.0, -90.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_no_swap_is_found_where_there_is_none(azimuth: float, seed: int) -> None:
    assert not find_swaps(_clip(azimuth, seed)).any()


def test_two_swaps_and_a_gap_are_each_put_back() -> None:
    seq = _swap(_swap(_clip(0.0), 2.0, 0.3), 4.0, 0.5)
    gap = (seq.time_s > 5.8) & (seq.time_s < 6.5)
    nan = {n: getattr(seq, n).copy() for n in ("image", "world", "visibility", "presence")}
    for a in nan.values():
        a[gap] = np.nan
    n_people = np.where(gap, 0, seq.n_people)
    seq = dataclasses.replace(seq, **nan, n_people=n_people)
    found = find_swaps(seq)
    t = seq.time_s
    expected = ((t >= 2.0) & (t < 2.3 - 1e-9)) | ((t >= 4.0) & (t < 4.5 - 1e-9))
    np.testing.assert_array_equal(found, expected)


# ----------------------------------------------------------------------------- jumps
def _glitch(seq: PoseSequence, start_s: float, duration_s: float) -> PoseSequence:
    """Shoulders thrown a third of the frame sideways (image and world) for a while."""
    sel = (seq.time_s >= start_s) & (seq.time_s < start_s + duration_s)
    image, world = seq.image.copy(), seq.world.copy()
    shoulders = [LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]]
    for s in shoulders:
        image[sel, s, 0] += 0.3
        world[sel, s, 0] += 0.35
    return dataclasses.replace(seq, image=image, world=world)


def _fastest(k: object, name: str) -> float:
    """Largest speed (deg/s) between consecutive measured frames."""
    v = getattr(k, name)
    t = k.time_s  # type: ignore[attr-defined]
    ok = np.flatnonzero(np.isfinite(v))
    return float(np.max(np.abs(np.diff(v[ok])) / np.diff(t[ok])))


@pytest.mark.parametrize("smoothing", ["none", "butterworth"])
def test_a_short_tracking_jump_is_bridged_and_no_angle_jumps(smoothing: str) -> None:
    seq = _clip(0.0)
    truth = compute_kinematics(seq, smoothing="none")
    glitched = _glitch(seq, 3.0, 0.2)
    broken = compute_kinematics(glitched, UNGUARDED, smoothing="none")
    assert _fastest(broken, "lateral_deg") > 3 * MAX_TRUNK_SPEED_DEG_S
    got = compute_kinematics(glitched, smoothing=smoothing)  # type: ignore[arg-type]
    for name in ("lateral_deg", "forward_deg", "rotation_deg"):
        assert _fastest(got, name) < MAX_TRUNK_SPEED_DEG_S, name
    spike = (seq.time_s >= 3.0) & (seq.time_s < 3.2)
    assert np.isfinite(got.lateral_deg[spike]).all() and got.valid[spike].all()
    # bridged by interpolation: within a few degrees of the truth
    assert np.max(np.abs(got.lateral_deg[spike] - truth.lateral_deg[spike])) < 5
    assert any("jumped faster than a body can move" in n and "bridged" in n for n in got.notes)


def test_a_long_rotation_error_alone_says_only_the_rotation_is_unmeasured() -> None:
    # the shoulder line thrown round in depth for a second: the side and forward bends
    # stay measured, and the note said "1.0 s are left unmeasured" as if they were not
    seq = _clip(0.0)
    sel = (seq.time_s >= 3.0) & (seq.time_s < 4.0)
    world = seq.world.copy()
    world[sel, LANDMARK["left_shoulder"], 2] += 0.25
    world[sel, LANDMARK["right_shoulder"], 2] -= 0.25
    got = compute_kinematics(dataclasses.replace(seq, world=world), smoothing="none")
    assert np.isnan(got.rotation_deg[sel]).any() and got.valid[sel].all()
    (note,) = [n for n in got.notes if "jumped" in n]
    assert "s of trunk rotation are left unmeasured" in note
    assert " s are left unmeasured" not in note


def test_a_long_tracking_error_is_left_unmeasured_with_a_note() -> None:
    seq = _clip(0.0)
    got = compute_kinematics(_glitch(seq, 3.0, 1.0), smoothing="none")
    bad = (seq.time_s >= 3.0) & (seq.time_s < 4.0)
    assert np.isnan(got.lateral_deg[bad]).all() and np.isnan(got.forward_deg[bad]).all()
    assert not got.valid[bad].any()
    assert np.isfinite(got.lateral_deg[~bad]).all()
    assert any("left unmeasured" in n for n in got.notes)
    assert _fastest(got, "lateral_deg") < MAX_TRUNK_SPEED_DEG_S


def test_the_live_view_refuses_a_jump() -> None:
    seq = _clip(0.0)
    got = stream_kinematics(_glitch(seq, 3.0, 0.2), smooth=False)
    assert _fastest(got, "lateral_deg") < MAX_TRUNK_SPEED_DEG_S
    assert np.isnan(got.lateral_deg[(seq.time_s >= 3.0) & (seq.time_s < 3.2)]).all()


def test_a_clean_half_circle_has_nothing_taken_out() -> None:
    seq = _clip(30.0)
    assert (
        compute_kinematics(seq, smoothing="none").notes
        == compute_kinematics(seq, UNGUARDED, smoothing="none").notes
    )
    np.testing.assert_array_equal(
        compute_kinematics(seq, smoothing="none").forward_deg,
        compute_kinematics(seq, UNGUARDED, smoothing="none").forward_deg,
    )


def test_jump_outliers_marks_a_spike_and_keeps_a_fast_real_movement() -> None:
    t = np.arange(120) / FPS
    fast = 300.0 * np.clip(t - 1.0, 0.0, 0.2)  # 60 deg at 300 deg/s
    assert not jump_outliers(t, fast).any()
    spiky = fast.copy()
    spiky[[30, 31]] += 40.0
    np.testing.assert_array_equal(np.flatnonzero(jump_outliers(t, spiky)), [30, 31])


def test_jump_outliers_marks_an_excursion_and_keeps_a_level_the_series_stays_at() -> None:
    t = np.arange(150) / FPS
    v = np.zeros(150)
    v[60:90] = 50.0  # away for a second, then back: a tracking error
    v[100:110] = np.nan  # a gap: after it the value may differ by what a body moves meanwhile
    v[110:] = 20.0
    np.testing.assert_array_equal(np.flatnonzero(jump_outliers(t, v)), np.arange(60, 90))
    step = np.where(t < 4.0, 0.0, 30.0)  # one step to a level held to the end
    assert not jump_outliers(t, step).any()
    assert not jump_outliers(t, step[::-1]).any()


def test_bridge_or_mark_bridges_only_short_errors_with_good_frames_on_both_sides() -> None:
    t = np.arange(60) / FPS
    bad = np.zeros(60, dtype=bool)
    bad[[0, 1]] = True  # at the start: nothing to bridge from
    bad[10:13] = True  # 0.13 s
    bad[30:50] = True  # 0.7 s
    bridge, mark = bridge_or_mark(t, bad, 0.5)
    np.testing.assert_array_equal(np.flatnonzero(bridge), np.arange(10, 13))
    np.testing.assert_array_equal(np.flatnonzero(mark), [0, 1, *range(30, 50)])


def test_jump_guard_accepts_again_after_the_longest_bridge() -> None:
    guard = JumpGuard(max_speed_deg_s=400.0, noise_deg=6.0, max_bridge_s=0.5)
    assert guard.accepts(0.0, 0.0, 0.0)
    assert not guard.accepts(1 / 30, 40.0, 0.0)
    assert guard.accepts(2 / 30, 3.0, float("nan"))
    assert not guard.accepts(3 / 30, 60.0, 0.0)
    assert guard.accepts(0.7, 60.0, 0.0)  # a new level held: believed after 0.5 s


def test_the_speed_limit_is_a_checked_setting() -> None:
    with pytest.raises(Exception, match="max_trunk_speed_deg_s"):
        KinematicsConfig(max_trunk_speed_deg_s=0.0)
    with pytest.raises(Exception, match="max_jump_bridge_s"):
        KinematicsConfig(max_jump_bridge_s=-1.0)
    slow = KinematicsConfig(max_trunk_speed_deg_s=10.0, jump_noise_deg=0.0)
    got = compute_kinematics(_clip(0.0), slow, smoothing="none")
    assert any("jumped faster" in n for n in got.notes)  # a half circle beats 10 deg/s


@pytest.mark.video
def test_a_swap_in_the_stance_that_zeroes_the_angles_changes_nothing() -> None:
    from halfcircle.analyze.video import analyze_poses

    seq = _clip(0.0)
    truth = analyze_poses(seq).kinematics
    got = analyze_poses(_swap(seq, 0.5, 0.5)).kinematics  # inside the first quiet stance
    for name in ANGLES:
        assert _largest_difference(getattr(got, name), getattr(truth, name)) < 1e-9, name
