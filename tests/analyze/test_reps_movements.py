"""``analyze`` recognises drills: ``reps.json`` (schema 2) lists every rep with its movement."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from halfcircle.analyze.video import SCHEMA_VERSION, analyze_poses
from halfcircle.present.outputs import write_outputs
from tests.coaching.test_drills import _MOVEMENT, DRILL_CLIPS, KNOWN_MISSES
from tests.conftest import fixture_poses, fixture_scene


@functools.cache
def _reps_json(name: str, folder: Path) -> dict[str, Any]:
    """``reps.json`` as the analysis writes it for a rendered clip (no video, no report video)."""
    analysis = analyze_poses(fixture_poses(name), "full")
    write_outputs(analysis, folder / name, annotate=False)
    data: dict[str, Any] = json.loads((folder / name / "reps.json").read_text())
    return data


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reps_movements")


@pytest.mark.video
@pytest.mark.parametrize("name", DRILL_CLIPS)
def test_every_drill_rep_is_in_reps_json_with_its_movement_and_side(
    name: str, out_dir: Path
) -> None:
    data = _reps_json(name, out_dir)
    assert data["schema_version"] == SCHEMA_VERSION == 2
    truth = fixture_scene(name)["baseline"]
    reps = data["reps"]
    assert [(r["movement"], r["side"]) for r in reps] == [
        (_MOVEMENT[t["type"]], t.get("side", "front")) for t in truth
    ]
    assert [r["start_s"] for r in reps] == sorted(r["start_s"] for r in reps)  # time order
    for rep, true in zip(reps, truth, strict=True):
        assert true["start_s"] - 0.8 < rep["start_s"] < (true["start_s"] + true["end_s"]) / 2


@pytest.mark.video
@pytest.mark.parametrize(
    ("name", "i"),
    [
        pytest.param(
            n, i, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(n, i)])]
            if (n, i) in KNOWN_MISSES else []
        )
        for n in DRILL_CLIPS
        for i, _ in enumerate(fixture_scene(n)["baseline"])
    ],
)  # fmt: skip
def test_drill_peaks_in_reps_json_are_within_3_deg_of_truth(
    name: str, i: int, out_dir: Path
) -> None:
    true = fixture_scene(name)["baseline"][i]
    peak = true.get("peak_lateral_deg", true.get("peak_forward_deg"))
    assert _reps_json(name, out_dir)["reps"][i]["peak_deg"] == pytest.approx(peak, abs=3.0)


@pytest.mark.video
def test_a_half_circle_keeps_its_fields_and_gains_only_its_movement(out_dir: Path) -> None:
    reps = _reps_json("hc_two_reps", out_dir)["reps"]
    assert len(reps) == 2 and {r["movement"] for r in reps} == {"half_circle"}
    assert all("direction" in r and "score" in r and "side" not in r for r in reps)
