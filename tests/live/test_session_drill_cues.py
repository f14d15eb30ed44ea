"""The guided session's live coach gives movement cues during side-bend and roll-down sets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from halfcircle.coaching.stages import SetPlan
from halfcircle.kinematics.measure import StreamingKinematics
from halfcircle.landmarks import PoseSequence
from halfcircle.live.guided_session import GuidedSessionFlow
from halfcircle.synthetic import synthetic_clip
from tests.conftest import fixture_poses, fixture_scene


def _play(seq: PoseSequence, stage: str) -> tuple[GuidedSessionFlow, list[str], list[str]]:
    """Play poses through the flow from the start of a set; (flow, prompts with a cue, spoken)."""
    flow = GuidedSessionFlow(stage=stage, plan=SetPlan(reps=99), state="practice_intro")
    flow.key(" ")
    assert flow.state == "practising"
    kin = StreamingKinematics(seq.image_size)
    prompts, spoken = [], []
    said = None
    for i in range(len(seq)):
        flow.update(kin.update(seq.frame(i)))
        if flow.cue is not None:
            prompts.append(flow.prompt())
        text = flow.spoken()
        if text is not None and text != said:
            spoken.append(text)
        said = text
    return flow, prompts, spoken


def _hurried(peak: float, lateral: bool) -> PoseSequence:
    """Stance, then two excursions out and back in 0.8 s each (hurried)."""
    u = np.linspace(0.0, 1.0, 12)
    up = peak * u**3 * (10 - 15 * u + 6 * u**2)
    bump = np.concatenate([up, up[::-1]])
    ch = np.concatenate([np.zeros(60), bump, np.zeros(30), (-1 if lateral else 1) * bump,
                         np.zeros(30)])  # fmt: skip
    zero = np.zeros(len(ch))
    lat, fwd = (ch, zero) if lateral else (zero, ch)
    return synthetic_clip(lat, fwd, noise_px=0.3, noise_depth_m=0.002).seq


@pytest.mark.parametrize(
    ("stage", "lateral", "cued"),
    [("side_bends", True, True), ("roll_downs", False, True), ("half_circle", True, False)],
)
def test_a_hurried_drill_set_hears_slow_and_smooth_and_a_half_circle_set_no_drill_cue(
    stage: str, lateral: bool, cued: bool
) -> None:
    flow, prompts, spoken = _play(_hurried(26.0 if lateral else 50.0, lateral), stage)
    slow = "Slow and smooth, no need to hurry."
    assert (slow in spoken) == cued
    assert any(slow in p for p in prompts) == cued
    # the count goes on beside the cues; side bends in the half-circle stage are no half
    # circles, and the count of that set leaves them out, as the session's result does
    assert flow.reps == (2 if stage != "half_circle" else 0)
    flow.key(" ")  # the set ends: no cue is left over for the re-assessment
    assert flow.state == "instruct" and flow.cue is None and slow not in flow.prompt()


def _faster(seq: PoseSequence, from_s: float, factor: float) -> PoseSequence:
    """The same poses with everything after ``from_s`` played ``factor`` times faster."""
    t = seq.time_s
    return dataclasses.replace(seq, time_s=np.where(t < from_s, t, from_s + (t - from_s) / factor))


@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "stage"),
    [("drill_side_bends_front", "side_bends"), ("drill_roll_downs_front", "roll_downs")],
)
def test_a_rendered_drill_set_gets_no_correction_until_played_hurried(
    name: str, stage: str
) -> None:
    seq = fixture_poses(name)
    _, prompts, spoken = _play(seq, stage)
    assert prompts == [] and spoken == []  # smooth, even, hips on the wall: nothing to say
    first = min(r["start_s"] for r in fixture_scene(name)["baseline"])
    _, prompts, spoken = _play(_faster(seq, first - 0.2, 3.0), stage)
    assert spoken and spoken[0] == "Slow and smooth, no need to hurry."
