"""Cues during the drills: hips on the wall, soft knees, slow and smooth, even sides."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from halfcircle.coaching.cues import CueConfig
from halfcircle.coaching.drillcues import DrillCoach, DrillCueLimits, drill_cue_rules
from halfcircle.kinematics.measure import StreamingKinematics
from halfcircle.landmarks import PoseSequence
from halfcircle.synthetic import synthetic_clip


def _bump(n: int, peak: float) -> np.ndarray:
    """A minimum-jerk excursion to ``peak`` (deg) and back over ``n`` frames (30 fps)."""
    u = np.linspace(0.0, 1.0, n // 2)
    up = peak * u**3 * (10 - 15 * u + 6 * u**2)
    return np.concatenate([up, up[::-1]])


def _set(*peaks: float, frames: int = 100) -> np.ndarray:
    """Two seconds of stance, then one excursion per peak with a second's rest after each."""
    parts = [np.zeros(60)]
    for p in peaks:
        parts += [_bump(frames, p), np.zeros(30)]
    return np.concatenate(parts)


def cues_of(seq: PoseSequence, movement: str, timing: CueConfig | None = None) -> list[str]:
    """The cue ids shown, in order (each once per showing), over a pose sequence."""
    kin = StreamingKinematics(seq.image_size)
    coach = DrillCoach(movement, timing=timing or CueConfig())
    shown: list[str] = []
    last = None
    for i in range(len(seq)):
        cue = coach.update(kin.update(seq.frame(i)))
        if cue is not None and cue is not last:
            shown.append(cue.id)
        last = cue
    return shown


def _clip(movement: str, channel: np.ndarray, **kw: Any) -> PoseSequence:
    zero = np.zeros(len(channel))
    lat, fwd = (channel, zero) if movement == "side_bend" else (zero, channel)
    return synthetic_clip(lat, fwd, noise_px=0.3, noise_depth_m=0.002, **kw).seq


_EVEN = _set(24, -23, 24, -22)
_HIPS = np.zeros((len(_EVEN), 3))
_HIPS[:, 0] = np.clip(_EVEN, 0, None) / 24 * 0.10  # 10 cm to the side at the peak


@pytest.mark.parametrize(
    ("case", "movement", "channel", "kw", "expected"),
    [
        ("smooth, even side bends", "side_bend", _EVEN, {}, []),
        ("smooth roll-downs", "roll_down", _set(50, 50, frames=120), {}, []),
        ("left much shorter", "side_bend", _set(26, -14, 25), {}, ["drill_further_left"]),
        ("right much shorter", "side_bend", _set(13, -25, 12), {}, ["drill_further_right"]),
        ("hurried side bends", "side_bend", _set(26, -26, frames=24), {}, ["drill_slow"]),
        ("hurried roll-down", "roll_down", _set(50, frames=30), {}, ["drill_slow"]),
        ("locked knees", "roll_down", _set(50, frames=120), {"knee_flexion_deg": 0.0},
         ["drill_soft_knees"]),
        ("hips off the wall", "side_bend", _EVEN, {"pelvis_shift_m": _HIPS},
         ["drill_hips_still"]),
    ],
)  # fmt: skip
def test_a_drill_cue_comes_when_it_should_and_not_otherwise(
    case: str, movement: str, channel: np.ndarray, kw: dict[str, Any], expected: list[str]
) -> None:
    shown = cues_of(_clip(movement, channel, **kw), movement)
    assert sorted(set(shown)) == expected, case


def test_a_cue_is_not_repeated_within_its_cooldown() -> None:
    hips = np.zeros((len(_EVEN), 3))
    hips[:, 0] = np.abs(_EVEN) / 24 * 0.10  # off the wall in every rep
    seq = _clip("side_bend", _EVEN, pelvis_shift_m=hips)
    assert cues_of(seq, "side_bend") == ["drill_hips_still"]  # 4 reps in 15 s: said once
    quick = CueConfig(display_s=1.0, cooldown_s=0.5, repeat_cooldown_s=2.0)
    assert cues_of(seq, "side_bend", quick).count("drill_hips_still") >= 3


def test_the_drill_cues_are_calm_and_their_limits_are_settings() -> None:
    rules = drill_cue_rules(limits=DrillCueLimits(fast_deg_s=(200.0, 300.0)))
    slow = [r.when[2].value for r in rules if r.id == "drill_slow"]
    assert slow == [200.0, 300.0]
    for rule in drill_cue_rules():
        assert "!" not in rule.text and "stop" not in rule.text.lower()
    assert all("if it feels fine" in r.text for r in rules if "further" in r.id)


def test_the_uneven_cue_needs_both_sides() -> None:
    shown = cues_of(_clip("side_bend", _set(26, 25)), "side_bend")  # one side only
    assert shown == []
