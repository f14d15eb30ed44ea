"""``analyze`` recognises drills: ``reps.json`` (schema 2) lists every rep with its movement."""

from __future__ import annotations

import functools
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from halfcircle.analyze.video import (
    SCHEMA_VERSION,
    analyze_poses,
    drill_sentences,
    reps_done,
    summary_dict,
)
from halfcircle.coaching.session import replay
from halfcircle.present.outputs import write_outputs
from halfcircle.synthetic import synthetic_clip
from tests.coaching.test_drills import _MOVEMENT, DRILL_CLIPS, KNOWN_MISSES
from tests.conftest import FIXTURES, fixture_poses, fixture_scene, without_person


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


@functools.cache
def _outputs(name: str, folder: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """``reps.json``, ``summary.json`` and the report page's text, as analyze writes them."""
    analysis = analyze_poses(fixture_poses(name), "full")
    out = folder / f"{name}-all"
    write_outputs(analysis, out, annotate=False)
    reps = json.loads((out / "reps.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    return reps, summary, _page_text((out / "report.html").read_text(encoding="utf-8"))


def _page_text(page: str) -> str:
    body = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _true_drills(name: str) -> list[tuple[str, str]]:
    return [(_MOVEMENT[t["type"]], t.get("side", "front")) for t in fixture_scene(name)["baseline"]]


@pytest.mark.video
@pytest.mark.parametrize("name", [*DRILL_CLIPS, "session_side_bends_front"])
def test_drill_reps_are_not_also_aborted_half_circles(name: str, out_dir: Path) -> None:
    reps, summary, page = _outputs(name, out_dir)
    truth = _true_drills(name)
    assert [(r["movement"], r["side"]) for r in reps["reps"]] == truth
    assert reps["aborted"] == []  # each was read as a half circle begun before #21's rule
    counts = summary["counts"]
    assert (counts["complete_reps"], counts["incomplete_reps"], counts["aborted"]) == (0, 0, 0)
    movement = truth[0][0]
    tally = summary["drills"][movement]
    assert tally["reps"] == len(truth)
    for side in {s for _, s in truth}:
        assert tally["sides"][side]["reps"] == sum(s == side for _, s in truth)
    said = "side bend" if movement == "side_bend" else "roll-down"
    assert f"You did {len(truth)} {said}s along the wall" in page
    for words in ("began a half circle", "half circles (", "came back up before", "0 complete"):
        assert words not in page, words
    assert "No half circle was done here" not in " ".join(summary["notes"])


@pytest.mark.video
def test_a_half_circle_begun_is_still_reported_as_one(out_dir: Path) -> None:
    # hc_aborted: 25 deg to the right and 22.5 forward, back before the front: no drill
    reps, summary, page = _outputs("hc_aborted", out_dir)
    assert [r["movement"] for r in reps["reps"]] == ["half_circle"]
    (begun,) = reps["aborted"]
    assert begun["outcome"] == "aborted" and begun["direction"] == "right_first"
    assert summary["counts"]["aborted"] == 1 and "drills" not in summary
    assert f"You also began a half circle ({begun['start_s']:.1f}" in page


@pytest.mark.video
def test_analyze_of_a_side_bend_set_agrees_in_reps_summary_report_and_terminal(
    tmp_path: Path,
) -> None:
    name = "drill_side_bends_front"
    proc = subprocess.run(
        [sys.executable, "-m", "halfcircle", "analyze", str(FIXTURES / f"{name}.mp4"),
         "--out", str(tmp_path), "--no-video", "--camera-tilt", "0"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (out,) = {p.parent for p in tmp_path.rglob("reps.json")}
    reps = json.loads((out / "reps.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    page = _page_text((out / "report.html").read_text(encoding="utf-8"))
    sides = [r["side"] for r in reps["reps"] if r["movement"] == "side_bend"]
    assert sides == [s for _, s in _true_drills(name)] and reps["aborted"] == []
    assert summary["counts"]["aborted"] == 0 and summary["drills"]["side_bend"]["reps"] == 4
    for side in ("right", "left"):
        mean = np.mean([r["peak_deg"] for r in reps["reps"] if r["side"] == side])
        got = summary["drills"]["side_bend"]["sides"][side]
        assert got["reps"] == 2 and got["mean_peak_deg"] == pytest.approx(mean, abs=0.051)
    said = "4 side bends along the wall"
    assert said in proc.stdout and f"You did {said}" in page
    assert "stopped before the front" not in proc.stdout and "began a half circle" not in page


def test_a_side_bend_cut_by_a_moment_out_of_view_is_one_side_bend() -> None:
    u = np.linspace(0.0, 1.0, 45)
    up = 24.0 * u**3 * (10 - 15 * u + 6 * u**2)
    lat = np.concatenate([np.zeros(60), up, np.full(20, 24.0), up[::-1], np.zeros(45)])
    seq = without_person(synthetic_clip(lat, np.zeros(len(lat))).seq, slice(110, 150))
    analysis = analyze_poses(seq)
    # the half-circle counter alone reads it as an incomplete rep (the person was lost)
    loop, _ = replay(analysis.kinematics, count_everywhere=True)
    assert [r.outcome for r in loop.records] == ["incomplete"]
    assert [(d.movement, d.side) for d in analysis.drills] == [("side_bend", "right")]
    assert analysis.reps == [] and analysis.aborted == []
    assert summary_dict(analysis)["counts"]["incomplete_reps"] == 0
    # the annotated video's and the page's Reps: 1 from the side bend's last frame on
    done = reps_done(analysis)
    end = analysis.drills[0].metrics.end_s
    assert done[-1] == 1 and set(done[analysis.kinematics.time_s < end]) == {0}


@pytest.mark.parametrize(
    ("reps", "controlled", "ending"),
    [
        (3, 3, "; all smooth, with the hips still."),
        (1, 1, "; smooth, with the hips still."),
        (3, 2, "; 2 of them smooth, with the hips still."),
        (3, 0, "; going slower, with the hips resting on the wall, makes them smoother."),
        (1, 0, "; going slower, with the hips resting on the wall, makes it smoother."),
    ],
)
def test_the_drills_sentence_counts_the_smooth_ones_and_never_says_nought(
    reps: int, controlled: int, ending: str
) -> None:
    front = {"front": {"reps": reps, "mean_peak_deg": 52.0}}
    tally = {"roll_down": {"reps": reps, "controlled": controlled, "sides": front}}
    (said,) = drill_sentences(tally)
    assert said.startswith(f"{reps} roll-down") and said.endswith(ending)
