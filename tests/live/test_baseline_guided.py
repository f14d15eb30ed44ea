"""The guided baseline in front of a camera: a real clip played as a camera, real MediaPipe.

A scripted person answers the prompts the way the screen asks (space to start,
then better and a pain rating); the camera stand-in plays a rendered baseline
clip at 30 fps, and can be unplugged or interrupted part-way. One run poses the
clip with real MediaPipe; the others read the same clip frame by frame through the
same loop with its kept MediaPipe poses replayed (:class:`~tests.conftest.ReplayPoses`),
on a camera clock that needs no real waiting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import halfcircle.cli.app as cli
from halfcircle.live.guided_baseline import GuidedBaseline, GuidedResult, run_guided_baseline
from tests.conftest import (
    FIXTURES,
    PacedCamera,
    ReplayPoses,
    fixture_poses,
    fixture_scene,
    stepped_camera_clock,
)

CLIP = FIXTURES / "base_side_bends.mp4"
TESTS = ("side_bend_right", "side_bend_left")
#: The right bend is over (back to standing) by this frame, the left one not begun.
AFTER_FIRST_TEST = 145
TOLERANCE_DEG = 3.0


class _Person:
    """A window stand-in that answers what the flow asks: space, ``b``, pain 2, then q."""

    closed = False

    def __init__(self, flow: GuidedBaseline) -> None:
        self.flow = flow
        self.prompts: list[str] = []

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        self.prompts.append(self.flow.prompt())
        answer = {"instruct": " ", "rate_feels": "b", "rate_pain": "2", "done": "q"}
        key = answer.get(self.flow.state)
        return ord(key) if key else -1

    def ask(self, image: np.ndarray, lines: list[str], keys: set[int]) -> int | None:
        return None

    def canvas_size(self) -> tuple[int, int] | None:
        return None

    def close(self) -> None:
        self.closed = True


def _run(
    unplug_after: int, interrupt: bool = False, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[GuidedResult, _Person]:
    """The baseline in front of the clip as a camera; real MediaPipe, in real time.

    With ``monkeypatch``: the clip's kept MediaPipe poses instead, on a stepped clock.
    """
    flow = GuidedBaseline(tests=TESTS)
    person = _Person(flow)
    clock = stepped_camera_clock(monkeypatch) if monkeypatch is not None else None
    poses = ReplayPoses(fixture_poses(CLIP.stem)) if monkeypatch is not None else None
    camera = PacedCamera(CLIP, unplug_after=unplug_after, interrupt=interrupt, clock=clock)
    result = run_guided_baseline(
        0, "lite", None, ui=person, capture_factory=lambda _: camera, flow=flow,
        estimator_factory=poses,
    )  # fmt: skip
    return result, person


def _truth() -> dict[str, float]:
    return {
        f"side_bend_{s['side']}": abs(float(s["peak_lateral_deg"]))
        for s in fixture_scene(CLIP.stem)["baseline"]
    }


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
def test_a_guided_baseline_measures_each_test_and_keeps_each_rating() -> None:
    result, person = _run(unplug_after=10_000)
    assert result.stop == "quit" and result.message == "" and person.closed
    assert person.prompts[0].startswith("Stand still")  # calibration first
    assert any(p.startswith("side bend left: ") for p in person.prompts)
    truth = _truth()
    assert [r.test for r in result.run.results] == list(TESTS)
    for r in result.run.results:
        assert abs(r.peak_deg - truth[r.test]) <= TOLERANCE_DEG, (r.test, r.peak_deg)
    assert result.ratings == {
        "side_bend_right": ("better", 2),
        "side_bend_left": ("better", 2),
        None: ("better", 2),
    }


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
@pytest.mark.parametrize("interrupt", [False, True], ids=["unplugged", "ctrl-c"])
def test_a_camera_lost_or_ctrl_c_mid_baseline_keeps_the_tests_done(
    interrupt: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = _run(AFTER_FIRST_TEST, interrupt, monkeypatch)
    assert [r.test for r in result.run.results] == ["side_bend_right"]
    assert abs(result.run.results[0].peak_deg - _truth()["side_bend_right"]) <= TOLERANCE_DEG
    assert result.ratings["side_bend_right"] == ("better", 2)
    if interrupt:
        assert result.stop == "interrupted" and result.error is None
        assert result.message == "Stopped with Ctrl-C; the tests done until then are kept."
    else:
        assert result.stop == "camera_lost" and result.error is not None
        assert result.message.startswith("Camera 0 stopped delivering frames")
        assert result.message.endswith("The tests done until then are kept.")


def test_without_a_screen_the_guided_baseline_says_how_to_do_it_from_a_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code = cli.main(["baseline", "--db", str(tmp_path / "h.sqlite3")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "halfcircle: The guided baseline needs a screen for its prompts; without one, "
        "record the tests and run `halfcircle baseline --source VIDEO`."
    )
    assert not (tmp_path / "h.sqlite3").exists()


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
def test_the_cli_saves_the_tests_done_before_the_camera_was_lost_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import halfcircle.io.capture as capture
    import halfcircle.live.guided_baseline as guided
    import halfcircle.live.ui as ui
    from halfcircle.history.store import History

    camera = PacedCamera(CLIP, AFTER_FIRST_TEST, clock=stepped_camera_clock(monkeypatch))
    real_open = capture.open_source
    monkeypatch.setattr(guided, "default_estimator", ReplayPoses(fixture_poses(CLIP.stem)))

    def plug_in(spec: object, factory: object = None, *, mirrored: bool = False) -> object:
        stand_in = (lambda _: camera) if str(spec).isdigit() else factory
        return real_open(spec, stand_in, mirrored=mirrored)  # type: ignore[arg-type]

    monkeypatch.setattr(guided, "open_source", plug_in)  # the physical camera
    monkeypatch.setattr(guided, "WindowUI", lambda *a, **k: ui.HeadlessUI())  # the screen
    db = tmp_path / "h.sqlite3"
    code = cli.main(  # silent: a machine without speakers would say so in a line of its own
        ["baseline", "--camera", "0", "--model", "lite", "--db", str(db), "--no-voice"]
    )
    out, err = capsys.readouterr()
    assert code == 3, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("halfcircle: Camera 0 stopped delivering")
    assert "side bend right:" in out and "Saved as session 1" in out, out
    with History(db) as h:
        assert {m["test"] for m in h.measures()} == {"side_bend_right"}


@pytest.mark.video
def test_with_nobody_in_view_the_guided_baseline_says_to_step_into_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow = GuidedBaseline(tests=TESTS)
    person = _Person(flow)
    clock = stepped_camera_clock(monkeypatch)
    camera = PacedCamera(FIXTURES / "empty_room.mp4", unplug_after=60, clock=clock)
    run_guided_baseline(
        0, "lite", None, ui=person, capture_factory=lambda _: camera, flow=flow,
        estimator_factory=ReplayPoses(fixture_poses("empty_room")),
    )  # fmt: skip
    assert person.prompts[-1] == "Step into view: the camera should see you from head to hips."
    assert flow.state == "calibrating"


@pytest.mark.video
@pytest.mark.skipif(not CLIP.exists(), reason="rendered fixture missing")
def test_the_guided_baseline_says_its_prompts_into_a_wav_on_the_clips_clock(
    tmp_path: Path,
) -> None:
    import wave

    from halfcircle.coaching.voice import SAMPLE_RATE, Voice, WavOutput
    from halfcircle.live.guided_baseline import spoken_words

    flow = GuidedBaseline(tests=TESTS)
    person = _Person(flow)
    voice = Voice(WavOutput(tmp_path / "voice.wav"))
    try:  # the recorded clip read as a guided session: every frame posed (its kept poses)
        result = run_guided_baseline(
            str(CLIP), "lite", None, ui=person, flow=flow, voice=voice,
            estimator_factory=ReplayPoses(fixture_poses(CLIP.stem)),
        )  # fmt: skip
    finally:
        voice.close()
    said = voice.drain_spoken()
    texts = [text for _, text in said]
    assert result.stop == "quit"
    # each prompt once, as the screen showed it, in order; never the live peak
    shown = list(dict.fromkeys(spoken_words(p) for p in person.prompts))
    assert [t for t in shown if t in texts] == texts
    assert texts[0].startswith("Stand still") and texts[-1].startswith("Done.")
    for test in TESTS:
        name = test.replace("_", " ")
        assert sum(t.startswith(f"{name}: ") and "Press space" in t for t in texts) == 1
        assert any(t.startswith(f"{name}: compared with last time") for t in texts)
        assert any(t.startswith(f"{name}: pain now") for t in texts)
    assert not [t for t in texts if "Come back to standing" in t]
    # heard where it was said: within 0.3 s of each utterance's time
    with wave.open(str(tmp_path / "voice.wav")) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    n = int(0.05 * SAMPLE_RATE)
    rms = np.sqrt((samples[: len(samples) // n * n].reshape(-1, n) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > 0.01) * 0.05
    for start, text in said:
        assert loud[loud >= start - 0.05].min() - start < 0.3, text


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--source", str(CLIP), "--audio-out", "v.wav"], "they go with the camera"),
        (["--audio-out", "v.mp3"], "give a name ending in .wav"),
    ],
    ids=["with-source", "not-wav"],
)
def test_the_baseline_voice_options_are_checked_at_the_door(
    options: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["baseline", *options, "--db", str(tmp_path / "h.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
