"""A person filmed from behind (rendered fixture ``hc_back``, real MediaPipe): named, measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from halfcircle.analyze.video import analyze_poses
from tests.conftest import fixture_poses

SCENE = Path(__file__).resolve().parents[2] / "fixtures" / "hc_back.scene.json"


@pytest.mark.video
def test_a_half_circle_filmed_from_behind_is_counted_with_the_persons_left_and_right() -> None:
    truth = json.loads(SCENE.read_text())["reps"][0]
    analysis = analyze_poses(fixture_poses("hc_back"))
    assert analysis.kinematics.view.kind == "back"
    assert any("filmed from behind" in n for n in analysis.notes)
    (rep,) = analysis.complete_reps
    assert rep.direction == truth["direction"] == "right_first"
    m = rep.metrics
    assert m.peak_lateral_right_deg == pytest.approx(truth["peak_lateral_right_deg"], abs=4.0)
    assert m.peak_lateral_left_deg == pytest.approx(truth["peak_lateral_left_deg"], abs=4.0)
    assert m.peak_forward_deg == pytest.approx(truth["peak_forward_deg"], abs=5.0)
    assert abs(rep.start_s - truth["start_s"]) < 0.3 and abs(rep.end_s - truth["end_s"]) < 0.3
