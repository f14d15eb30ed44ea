"""Stage 4, the routine: a warm-up or cool-down set, chosen, counted and saved."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from halfcircle.analyze.guided_session import GuidedSession, session_dict
from halfcircle.coaching.guided import AssessmentSplit
from halfcircle.coaching.routine import (
    ROUTINES,
    best_routine,
    live_movement,
    routine_done,
    routine_progress,
    routine_steps,
)
from halfcircle.coaching.stages import STAGE_SIDES, StageSession, proposed_stage
from halfcircle.errors import InputError
from halfcircle.history.guided import guided_sessions, record_guided_session
from halfcircle.history.store import History
from halfcircle.kinematics.measure import AngleSample
from halfcircle.live.guided_session import GuidedSessionFlow

R: dict[str, Any] = {"movement": "side_bend", "side": "right"}
L: dict[str, Any] = {"movement": "side_bend", "side": "left"}
D: dict[str, Any] = {"movement": "roll_down", "side": "front"}
H: dict[str, Any] = {"movement": "half_circle", "complete": True}
H_CUT: dict[str, Any] = {"movement": "half_circle", "complete": False}


@pytest.mark.parametrize(
    ("name", "reps", "counts", "done"),
    [
        ("warm_up", [], [0, 0, 0, 0], False),
        ("warm_up", [R, R, R, L, L, L, D, D, H, H], [3, 3, 2, 2], True),
        ("warm_up", [R, L, R, L, R, L, D, H, D, H], [3, 3, 2, 2], True),  # any order counts
        ("warm_up", [R, R, R, R, L, L, L, D, D, H], [3, 3, 2, 1], False),  # an extra right
        ("warm_up", [R, R, R, L, L, L, D, D, H, H_CUT], [3, 3, 2, 1], False),  # cut short
        ("cool_down", [H, H, D, D, R, R, L, L], [2, 2, 2, 2], True),
        ("cool_down", [H, H, D, D, R, R, L], [2, 2, 2, 1], False),
    ],
)
def test_a_routine_counts_each_step_and_is_done_when_every_step_has_its_reps(
    name: str, reps: list[dict[str, Any]], counts: list[int], done: bool
) -> None:
    progress = routine_progress(name, reps)
    assert [c.done for c in progress] == counts
    assert routine_done(progress) is done


def test_the_routines_are_data_and_the_stage_is_kept_not_mastered() -> None:
    assert set(ROUTINES) == {"warm_up", "cool_down"}
    warm = [(s.movement, s.side, s.reps) for s in ROUTINES["warm_up"]]
    assert warm == [("side_bend", "right", 3), ("side_bend", "left", 3),
                    ("roll_down", "front", 2), ("half_circle", None, 2)]  # fmt: skip
    assert ROUTINES["cool_down"][0].movement == "half_circle"  # winds down
    assert ROUTINES["warm_up"][0].words == "3 side bends to the right"
    assert STAGE_SIDES["routine"] == ()
    s = StageSession(date(2026, 1, 1), "routine", {"front": 9})
    assert proposed_stage([s, dataclasses.replace(s, day=date(2026, 1, 2))]) == "routine"
    with pytest.raises(InputError, match="warm_up, cool_down"):
        routine_steps("stretch")


@pytest.mark.parametrize(
    ("lat", "fwd", "expected"),
    [
        ([0, 10, 24, 10, 0], [0, 1, 2, 1, 0], ("side_bend", "right")),
        ([0, -12, -22, -8, 0], [0, 0, 1, 0, 0], ("side_bend", "left")),
        ([0, 1, -1, 0], [0, 20, 50, 10], ("roll_down", "front")),
        ([0, 25, 0, -25, 0], [0, 20, 50, 20, 0], ("half_circle", "front")),
        ([0, float("nan"), 20, 0], [0, 0, 2, float("nan")], ("side_bend", "right")),
    ],
)
def test_a_live_rep_is_told_by_its_path(
    lat: list[float], fwd: list[float], expected: tuple[str, str]
) -> None:
    assert live_movement(lat, fwd) == expected


def test_a_recording_takes_the_routine_it_follows_best() -> None:
    assert best_routine([H, H, D, D, R]) == "cool_down"
    assert best_routine([R, R, R, L]) == "warm_up"
    assert best_routine([]) == "warm_up"


def _sample(t: float, lateral: float, forward: float) -> AngleSample:
    values = {f.name: 0.0 for f in dataclasses.fields(AngleSample)}
    values.update(time_s=t, lateral_deg=lateral, forward_deg=forward, knee_flexion_deg=20.0,
                  inclination_deg=float(np.hypot(lateral, forward)), valid=True,
                  calibrated=True)  # fmt: skip
    return AngleSample(**values)  # type: ignore[arg-type]


def _move(flow: GuidedSessionFlow, rep: dict[str, Any], t: float) -> float:
    """One rep of the kind ``rep`` names, out and back, slowly (3 s); the time after it."""
    u = np.sin(np.linspace(0.0, np.pi, 90))
    if rep["movement"] == "half_circle":
        phi = np.linspace(0.0, np.pi, 90)
        lat, fwd = 25 * np.cos(phi) * np.minimum(1, 4 * u), 45 * np.sin(phi)
    elif rep["movement"] == "roll_down":
        lat, fwd = 0 * u, 50 * u
    else:
        lat, fwd = (24 if rep["side"] == "right" else -24) * u, 0 * u
    for la, fw in zip(lat, fwd, strict=True):
        flow.update(_sample(t, float(la), float(fw)))
        t += 1 / 30
    return t


@pytest.mark.parametrize(
    ("keys", "routine", "reps"),
    [
        ("", "warm_up", [R, R, R, L, L, L, D, D, H, H]),
        ("c", "cool_down", [H, H, D, D, R, R, L, L]),
        ("cc", "warm_up", [R, L, R, L, R, L, D, D, H, H]),
    ],
)
def test_the_person_chooses_the_routine_and_the_set_ends_when_it_is_done(
    keys: str, routine: str, reps: list[dict[str, Any]]
) -> None:
    flow = GuidedSessionFlow(stage="routine", state="practice_intro")
    for k in keys:
        flow.key(k)
    assert flow.routine == routine
    assert "warm-up" in flow.prompt() and "cool-down" in flow.prompt()
    flow.key(" ")
    t = 0.0
    for i, rep in enumerate(reps):
        assert flow.state == "practising", i
        t = _move(flow, rep, t)
    assert flow.state == "instruct" and flow.phase == "after"  # on to the re-assessment
    assert [(r["movement"], r["side"]) for r in flow.routine_reps] == [
        (r["movement"], r.get("side", "front")) for r in reps
    ]


def test_the_count_shows_the_step_now() -> None:
    flow = GuidedSessionFlow(stage="routine", state="practice_intro")
    flow.key(" ")
    assert flow.prompt().startswith("The warm-up: 3 side bends to the right, 0 done.")
    t = _move(flow, R, 0.0)
    _move(flow, R, t)
    assert flow.prompt().startswith("The warm-up: 3 side bends to the right, 2 done.")


def test_a_routine_session_is_saved_to_the_history_like_other_stages(tmp_path: Path) -> None:
    reps = [{**r, "routine": "cool_down", "controlled": True, "start_s": float(i)}
            for i, r in enumerate([H, H, D, D, R, R, L, L])]  # fmt: skip
    with History(tmp_path / "h.db") as h:
        sid = record_guided_session(h, "toe_touch", [], [], reps, "routine", pain=(2, 2))
        assert [s.stage for s in guided_sessions(h)] == ["routine"]
        saved = [r for r in h.practice_reps() if r["session_id"] == sid]
    assert len(saved) == 8


def test_session_json_says_which_routine_how_far_each_step_got_and_whether_it_is_done() -> None:
    reps = tuple({**r, "routine": "warm_up"} for r in [R, R, R, L, L, L, D, H, H])
    session = GuidedSession(
        "toe_touch", AssessmentSplit((), (), 0.0, 1.0), (), None, "routine", reps,
        SimpleNamespace(source="clip.mp4"), SimpleNamespace(view="front"),  # type: ignore[arg-type]
        routine="warm_up",
    )  # fmt: skip
    routine = session_dict(session)["practice"]["routine"]
    assert routine["name"] == "warm_up" and routine["done"] is False  # one roll-down short
    assert [(s["movement"], s["side"], s["reps"], s["done"]) for s in routine["steps"]] == [
        ("side_bend", "right", 3, 3), ("side_bend", "left", 3, 3),
        ("roll_down", "front", 2, 1), ("half_circle", None, 2, 2),
    ]  # fmt: skip
