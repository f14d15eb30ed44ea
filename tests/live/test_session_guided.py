"""The guided session in front of a camera, and its flow one sample and key at a time.

The camera loop plays the rendered whole-session clip (toe touch, two half circles, a
deeper toe touch) as a camera through real MediaPipe, with a scripted person answering
the prompts the way the screen asks. The command's runs (camera lost, Ctrl-C, a red
flag) read the same clip frame by frame through the same loop with the clip's kept
MediaPipe poses replayed, on a camera clock that needs no real waiting.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from halfcircle.coaching.painmodel import PainRating, pain_decision
from halfcircle.coaching.redflags import ADVICE, QUESTIONS
from halfcircle.coaching.stages import STAGES, SetPlan, next_set
from halfcircle.history.guided import guided_sessions, last_assessment
from halfcircle.kinematics.measure import AngleSample
from halfcircle.live.guided_session import (
    GuidedSessionFlow,
    GuidedSessionResult,
    run_guided_session,
)
from tests.conftest import (
    FIXTURES,
    PacedCamera,
    ReplayPoses,
    fixture_poses,
    stepped_camera_clock,
)

CLIP = FIXTURES / "session_toe_touch_oblique.mp4"
#: Frames played before the camera is lost: after the half circles (they end at 18 s),
#: before the re-assessment's toe touch (from 19.2 s).
AFTER_PRACTICE = 560


def _sample(t: float, forward: float = 0.0, lateral: float = 0.0) -> AngleSample:
    values = {f.name: 0.0 for f in dataclasses.fields(AngleSample)}
    values.update(
        time_s=t,
        forward_deg=forward,
        lateral_deg=lateral,
        inclination_deg=float(np.hypot(forward, lateral)),
        knee_flexion_deg=20.0,  # soft knees (0 would be locked: the drill cues would say so)
        valid=True,
        calibrated=True,
    )
    return AngleSample(**values)  # type: ignore[arg-type]


def _bend(flow: GuidedSessionFlow, forward: float = 0.0, lateral: float = 0.0) -> None:
    """One movement out to the given angles and back to upright."""
    for f in (*np.linspace(0, 1, 10), *np.linspace(1, 0, 10)):
        flow.update(_sample(0.0, forward * f, lateral * f))


def test_a_first_run_welcomes_then_asks_every_red_flag_question_before_coaching() -> None:
    flow = GuidedSessionFlow(first_run=True)
    assert flow.state == "welcome" and flow.prompt().startswith("Welcome.")
    flow.key(" ")
    asked = []
    while flow.state == "red_flags":
        asked.append(flow.prompt())
        flow.key("n")
    assert len(asked) == len(QUESTIONS)
    assert flow.state == "calibrating" and flow.coaching


def test_any_yes_to_a_red_flag_advises_a_clinician_and_does_not_coach() -> None:
    flow = GuidedSessionFlow(first_run=True)
    flow.key(" ")
    flow.key("n")
    flow.key("y")
    assert flow.state == "see_clinician" and not flow.coaching
    assert flow.prompt() == f"{ADVICE} Press q to close."
    for key in " nbs5":  # nothing moves it on
        flow.key(key)
    _bend(flow, forward=60.0)
    assert flow.state == "see_clinician"


def test_a_whole_session_flows_assess_practise_reassess_then_the_ratings() -> None:
    flow = GuidedSessionFlow(test="side_bends", stage="side_bends", plan=SetPlan(reps=3))
    flow.update(_sample(0.0))  # calibrated
    for lateral in (25.0, -25.0):  # the assessment: right, then left
        assert flow.state == "instruct"
        flow.key(" ")
        _bend(flow, lateral=lateral)
    assert flow.state == "rate_pain"
    flow.key("3")
    assert flow.state == "practice_intro" and "Back on the wall, knees soft" in flow.prompt()
    flow.key("n")  # another stage, then back round to side bends
    assert flow.stage == "roll_downs"
    for _ in STAGES[1:]:
        flow.key("n")
    assert flow.stage == "side_bends"
    flow.key(" ")
    # the target: the lesser side of today's assessment, no further
    assert flow.target_deg == 25.0 and "Your target is 25 deg." in flow.prompt()
    for i in range(3):  # the set ends by itself after its reps
        assert flow.state == "practising" and flow.reps == i
        _bend(flow, lateral=20.0 if i % 2 else -20.0)
    assert flow.state == "instruct" and flow.phase == "after"
    flow.key(" ")
    _bend(flow, lateral=28.0)
    flow.key(" ")
    _bend(flow, lateral=-28.0)
    assert flow.state == "rate_feels"
    flow.key("b")
    flow.key("4")
    assert flow.state == "done"
    assert (flow.pain.before, flow.pain.after, flow.feels) == (3, 4, "better")


def test_the_flow_keeps_when_its_reassessment_began() -> None:
    # what the session's result looks for the re-assessment from: a set stopped before
    # it (q, a camera lost, Ctrl-C) has none, and its last practice reps stay practice
    flow = GuidedSessionFlow(test="toe_touch", stage="roll_downs", plan=SetPlan(reps=2))
    flow.update(_sample(0.0))
    flow.key(" ")
    _bend(flow, forward=60.0)
    flow.key("2")
    flow.key(" ")
    assert flow.state == "practising" and flow.after_from_s is None
    flow.update(_sample(12.5))
    flow.key(" ")  # the set ends early
    assert flow.phase == "after" and flow.after_from_s == 12.5
    assert flow.practice_from_s == 0.0  # the set began after the first sample


def test_a_set_eased_after_last_times_pain_says_so_before_it_starts() -> None:
    # "next time we will ease off" (a rise of 3 last time): fewer reps, slower, said
    eased = next_set(SetPlan(), pain_decision([PainRating(2, 5)]))
    flow = GuidedSessionFlow(test="toe_touch", stage="roll_downs", plan=eased, eased=True)
    flow.update(_sample(0.0))
    flow.key(" ")
    _bend(flow, forward=60.0)
    flow.key("2")
    assert flow.state == "practice_intro"
    assert flow.prompt().startswith(
        "Practice: roll-downs along the wall, 4 reps. Easing off after last time's pain: "
        "fewer reps, and slower, about 10 seconds each."
    )
    plain = GuidedSessionFlow(test="toe_touch", stage="roll_downs")
    assert "Easing off" not in plain._intro()


@pytest.mark.parametrize(
    ("pains", "reps", "said"),
    [
        ([(2, 2)], 6, None),  # settled last time: the usual set
        ([(2, 5)], 4, None),  # "next time we will ease off": now it does
        ([(2, 2), (3, 3), (4, 4)], 4, "worth checking with a clinician"),  # said again
    ],
    ids=["settled", "ease off", "clinician"],
)
def test_the_window_session_eases_its_set_after_the_last_sessions_pain(
    pains: list[tuple[int, int]],
    reps: int,
    said: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import halfcircle.cli.app as cli
    import halfcircle.live.guided_session as guided
    from halfcircle.history.guided import record_guided_session
    from halfcircle.history.store import History

    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        for day, pain in enumerate(pains, 20):
            record_guided_session(h, "side_bends", [], [], [], "side_bends", pain=pain,
                                  started_at=f"2026-11-{day}T09:00:00+00:00")  # fmt: skip
    seen: list[GuidedSessionFlow] = []

    def window(camera: object, model: str, flow: GuidedSessionFlow, **kw: object) -> object:
        seen.append(flow)  # the flow as the window would get it; nothing is measured
        return guided.GuidedSessionResult(None, flow, "quit")

    monkeypatch.setattr(guided, "run_guided_session", window)
    monkeypatch.setattr(guided, "open_voice", lambda *a: (None, ""))
    cli.main(["session", "--camera-tilt", "5", "--out", str(tmp_path / "o"), "--db", str(db)])
    (flow,) = seen
    assert flow.plan.reps == reps and flow.eased == (reps < 6)
    out = capsys.readouterr().out
    assert (said in out) if said else "clinician" not in out


@pytest.mark.parametrize(("flag", "opened"), [([], True), (["--no-voice"], False)])
def test_the_window_sessions_voice_can_be_turned_off(
    flag: list[str], opened: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import halfcircle.cli.app as cli
    import halfcircle.live.guided_session as guided

    voices: list[object] = []
    monkeypatch.setattr(guided, "open_voice", lambda *a: voices.append(a) or (None, ""))

    def window(camera: object, model: str, flow: GuidedSessionFlow, **kw: object) -> object:
        return guided.GuidedSessionResult(None, flow, "quit")

    monkeypatch.setattr(guided, "run_guided_session", window)
    cli.main(["session", "--camera-tilt", "5", "--no-history", "--out", str(tmp_path), *flag])
    assert bool(voices) == opened  # `live` and `baseline` took --no-voice; `session` refused it


def test_a_mirrored_recording_is_read_mirrored_in_the_window_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `session --source selfie.mp4 --mirrored` in the window read left and right swapped
    # (headless read them right): the flag never reached the window's source
    import halfcircle.cli.app as cli
    import halfcircle.live.guided_baseline as guided_baseline
    import halfcircle.live.guided_session as guided
    from halfcircle.errors import VideoSourceError

    opened: list[bool] = []

    def source(spec: object, factory: object = None, *, mirrored: bool = False) -> object:
        opened.append(mirrored)
        raise VideoSourceError("stop here")  # the flag is all this test needs

    class NoWindow:  # CI has no screen; the window is not what this test is about
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def close(self) -> None:
            pass

    monkeypatch.setattr(guided_baseline, "open_source", source)  # the flows' camera loop
    monkeypatch.setattr(guided, "WindowUI", NoWindow)
    monkeypatch.setattr(guided, "open_voice", lambda *a: (None, ""))
    clip = str(FIXTURES / "session_side_bends_front.mp4")
    for flag in ([], ["--mirrored"]):
        cli.main(["session", "--source", clip, "--no-history", "--camera-tilt", "5",
                  "--out", str(tmp_path / "o"), *flag])  # fmt: skip
    assert opened == [False, True]


def test_the_session_window_is_laid_out_for_the_window_in_large_type() -> None:
    # the prompts were drawn at the camera's size (17 px of a 720 px window, the picture
    # stretched to fill it); now as the live coach's window: letterboxed, large type
    from halfcircle.live.guided_baseline import draw_flow_frame

    class Window:
        def canvas_size(self) -> tuple[int, int]:
            return (1280, 720)

    frame = np.full((640, 480, 3), 128, np.uint8)  # a portrait camera
    shown = draw_flow_frame(Window(), frame, [], "Stand still against the wall.", "q finish",  # type: ignore[arg-type]
                            None, mirror=True)  # fmt: skip
    assert shown.shape == (720, 1280, 3)
    # the picture keeps its shape: letterboxed, with the surround at its sides
    assert (shown[300, :100] != 128).all() and (shown[300, 640] == 128).all()
    # the prompt's letters: light rows far taller than the camera-sized band's 17 px
    light = np.flatnonzero((shown[:, 300:980] > 240).all(axis=2).any(axis=1))
    assert light.size > 0 and light.max() - light.min() > 40


def _half_circle(flow: GuidedSessionFlow) -> None:
    """Out to the right, round the front (50 deg forward) to the left, and back up."""
    arc = np.linspace(0.0, np.pi, 20)
    path = [*((30.0 * f, 0.0) for f in np.linspace(0, 1, 8)),
            *zip(30.0 * np.cos(arc), 50.0 * np.sin(arc), strict=True),
            *((-30.0 * f, 0.0) for f in np.linspace(1, 0, 8))]  # fmt: skip
    for lateral, forward in path:
        flow.update(_sample(0.0, forward, lateral))


@pytest.mark.parametrize(
    ("stage", "counted"),
    [("side_bends", "side bend"), ("roll_downs", "roll-down"), ("half_circle", "half circle")],
)
def test_a_set_counts_only_its_stages_movement(stage: str, counted: str) -> None:
    # as the session's result counts its practice from the recording (#21)
    flow = GuidedSessionFlow(test="side_bends", stage=stage, plan=SetPlan(reps=9))
    flow.state = "practice_intro"
    flow.key(" ")
    moves = {
        "side bend": lambda: _bend(flow, lateral=22.0),
        "roll-down": lambda: _bend(flow, forward=45.0),
        "half circle": lambda: _half_circle(flow),
    }
    for name, move in moves.items():
        before = flow.reps
        move()
        assert flow.state == "practising"
        assert flow.reps - before == (1 if name == counted else 0), name


def test_reaching_the_target_says_there_is_no_need_to_go_further() -> None:
    flow = GuidedSessionFlow(test="side_bends", stage="side_bends", targets={"side_bends": 18.0})
    flow.state = "practice_intro"
    flow.key(" ")
    for lateral in (5.0, 12.0, 17.0):
        flow.update(_sample(0.0, lateral=lateral))
        assert not flow.at_target and flow.spoken() is None
    flow.update(_sample(0.0, lateral=18.5))
    assert flow.at_target
    assert flow.spoken() == "That's your target, no need to go further."
    assert "That's your target, no need to go further." in flow.prompt()
    for lateral in (10.0, 2.0):  # back to upright: the rep is counted, the next one starts
        flow.update(_sample(0.0, lateral=lateral))
    assert flow.reps == 1 and not flow.at_target


class _Person:
    """A window stand-in that answers what the flow asks.

    Space to start each assessment, pain 3 before, ``n`` until the stage offered is the
    half circle, space to start it; it ends the practice with space after the clip's two
    half circles; ``b`` and pain 3 after, and q when done.
    """

    closed = False

    def __init__(
        self, flow: GuidedSessionFlow, stage: str = "half_circle", red_flag: bool = False
    ) -> None:
        self.flow = flow
        self.stage = stage
        self.red_flag = red_flag
        self.prompts: list[str] = []
        self.result: list[str] = []

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        self.prompts.append(self.flow.prompt())
        state = self.flow.state
        if state == "practising":
            return ord(" ") if self.flow.reps >= 2 else -1
        if state == "practice_intro" and self.flow.stage != self.stage:
            return ord("n")
        answer = {
            "welcome": " ",
            "red_flags": "y" if self.red_flag else "n",
            "see_clinician": "q",
            "instruct": " ",
            "practice_intro": " ",
            "rate_feels": "b",
            "rate_pain": "3",
            "done": "q",
        }.get(state)
        return ord(answer) if answer else -1

    def ask(self, image: np.ndarray, lines: list[str], keys: set[int]) -> int | None:
        self.result = lines
        return None

    def canvas_size(self) -> tuple[int, int] | None:
        return None  # drawn at the camera's size

    def close(self) -> None:
        self.closed = True


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
def test_a_guided_session_in_front_of_a_camera_assesses_practises_and_reassesses() -> None:
    flow = GuidedSessionFlow("toe_touch", "half_circle", first_run=True)
    person = _Person(flow)
    camera = PacedCamera(CLIP, unplug_after=10_000)
    result: GuidedSessionResult = run_guided_session(
        0, "lite", flow, ui=person, capture_factory=lambda _: camera, camera_tilt_deg=5.0
    )
    assert result.stop == "quit" and result.message == "" and person.closed
    assert person.prompts[0].startswith("Welcome.")
    assert any(p.startswith("Practice: the half circle, 6 reps.") for p in person.prompts)
    assert flow.reps == 2 and flow.state == "done"
    session = result.session
    assert session is not None
    assert [r.test for r in session.split.before] == ["toe_touch"]
    assert [r.test for r in session.split.after] == ["toe_touch"]
    assert session.stage == "half_circle"
    assert [r["direction"] for r in session.reps] == ["right_first", "left_first"]
    assert session.verdict == "better"
    assert (session.pain.before, session.pain.after, session.feels) == (3, 3, "better")
    assert person.result[0] == "Your session" and person.result[1].startswith("Toe touch")
    assert max(len(line) for line in person.result) <= 48  # large type, wrapped


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
@pytest.mark.parametrize("interrupt", [False, True], ids=["unplugged", "ctrl-c"])
def test_the_cli_saves_the_parts_done_before_the_camera_was_lost_or_ctrl_c(
    interrupt: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import halfcircle.cli.app as cli
    import halfcircle.live.guided_session as guided
    from halfcircle.history.store import History

    real = guided.run_guided_session
    clock = stepped_camera_clock(monkeypatch)
    poses = ReplayPoses(fixture_poses(CLIP.stem))

    def scripted(camera: object, model: str, flow: GuidedSessionFlow, **kw: object) -> object:
        kw.update(ui=_Person(flow), voice=None, estimator_factory=poses)
        camera_stand_in = PacedCamera(
            CLIP, unplug_after=AFTER_PRACTICE, interrupt=interrupt, clock=clock
        )
        return real(0, model, flow, capture_factory=lambda _: camera_stand_in, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(guided, "run_guided_session", scripted)
    monkeypatch.setattr(guided, "open_voice", lambda *a: (None, ""))
    db = tmp_path / "h.sqlite3"
    code = cli.main(
        ["session", "--model", "lite", "--camera-tilt", "5", "--out", str(tmp_path / "o"),
         "--db", str(db)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == (130 if interrupt else 3), (out, err)
    (line,) = err.strip().splitlines()
    if interrupt:
        assert line == (
            "halfcircle: Stopped with Ctrl-C; the parts of the session done until then are kept."
        )
    else:
        assert line.startswith("halfcircle: Camera 0 stopped delivering")
        assert line.endswith("The parts of the session done until then are kept.")
    assert "There was no re-assessment this time" in out and "Saved as session 1" in out
    assert json.loads((tmp_path / "o" / "session.json").read_text())["practice"]["stage"] == (
        "half_circle"
    )
    with History(db) as history:
        (stage_session,) = guided_sessions(history)
        assert stage_session.stage == "half_circle"
        assert stage_session.good_reps == {"right_first": 1, "left_first": 1}
        assert last_assessment(history) == "toe_touch"


def test_plain_halfcircle_in_a_terminal_with_a_screen_opens_the_guided_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    from types import SimpleNamespace

    import halfcircle.cli.app as cli
    import halfcircle.cli.session as session_command

    opened: list[str] = []
    monkeypatch.setattr(
        session_command, "_cmd_session", lambda args: opened.append(args.command) or 0
    )
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(sys, "argv", ["halfcircle"])
    monkeypatch.setenv("DISPLAY", ":0")
    assert cli.main() == 0 and opened == ["session"]
    # without a screen, plain halfcircle asks for a command, as before
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2 and opened == ["session"]


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
def test_the_cli_after_a_red_flag_advises_a_clinician_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import halfcircle.cli.app as cli
    import halfcircle.live.guided_session as guided

    real = guided.run_guided_session
    clock = stepped_camera_clock(monkeypatch)
    poses = ReplayPoses(fixture_poses(CLIP.stem))

    def scripted(camera: object, model: str, flow: GuidedSessionFlow, **kw: object) -> object:
        kw.update(ui=_Person(flow, red_flag=True), voice=None, estimator_factory=poses)
        camera_stand_in = PacedCamera(CLIP, unplug_after=10_000, clock=clock)
        return real(0, model, flow, capture_factory=lambda _: camera_stand_in, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(guided, "run_guided_session", scripted)
    monkeypatch.setattr(guided, "open_voice", lambda *a: (None, ""))
    db = tmp_path / "h.sqlite3"
    code = cli.main(["session", "--model", "lite", "--out", str(tmp_path / "o"), "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.strip().endswith(ADVICE)
    assert not db.exists() and not (tmp_path / "o").exists()
