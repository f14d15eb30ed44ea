"""The live coach's voice: what is said when, rendered to a WAV file on the stream's clock."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from halfcircle.coaching.reps import RepEvent, RepState
from halfcircle.coaching.spokencues import COUNTDOWN_SENTENCE, SpeechPlanner, number_word
from halfcircle.coaching.voice import SAMPLE_RATE
from halfcircle.live.options import LiveOptions
from halfcircle.live.run import run_live
from tests.conftest import has_audio_output

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "fixtures" / "hc_two_reps.mp4"


def _said(planner: SpeechPlanner, *frames: tuple) -> list[tuple]:  # type: ignore[type-arg]
    out = []
    for frame in frames:
        for u in planner.update(*frame):
            out.append((u.time_s, u.text or f"<{u.sound}>", u.urgent))
    return out


def test_the_countdown_is_said_as_numbers_after_its_sentence_and_ends_with_a_tone() -> None:
    said = _said(
        SpeechPlanner(),
        (0.0, "position", "Step back a little: your head is out of the picture."),
        (0.5, "position", "Step back a little: your head is out of the picture."),
        (1.0, "calibrate", "Stand still against the wall, knees soft: 3"),
        (1.5, "calibrate", "Stand still against the wall, knees soft: 3"),
        (2.0, "calibrate", "Stand still against the wall, knees soft: 2"),
        (3.0, "calibrate", "Stand still against the wall, knees soft: 1"),
        (4.0, "calibrate", "Hold still against the wall..."),
        (4.5, "practice", "Calibrated. Start your half circles when ready."),
    )
    assert [text for _, text, _ in said] == [
        "Step back a little: your head is out of the picture.",  # said once while shown
        COUNTDOWN_SENTENCE, "three", "two", "one",
        "Hold still against the wall...",
        "<go>", "Calibrated. Start your half circles when ready.",
    ]  # fmt: skip
    assert said[-1][2] and not said[0][2]  # practice messages may cut stale speech


def test_a_rep_has_a_tone_at_its_start_and_a_tone_and_its_count_at_its_end() -> None:
    start = RepEvent("rep_started", 5.0, RepState.SIDE_A)
    done = RepEvent("rep_completed", 9.0, RepState.READY)
    said = _said(
        SpeechPlanner(),
        (5.0, "practice", None, [start], 1),
        (7.0, "practice", "Slow down through the front.", [], 1),
        (7.5, "practice", "Slow down through the front.", [], 1),
        (9.0, "practice", None, [done], 2),
    )
    assert [(t, text) for t, text, _ in said] == [
        (5.0, "<rep_start>"), (7.0, "Slow down through the front."), (9.0, "<rep_end>"),
        (9.0, "two"),
    ]  # fmt: skip
    assert number_word(2) == "two" and number_word(25) == "25"


def _loud_windows(samples: np.ndarray, window_s: float = 0.05) -> np.ndarray:
    n = int(window_s * SAMPLE_RATE)
    windows = samples[: len(samples) // n * n].reshape(-1, n)
    return np.flatnonzero(np.sqrt((windows**2).mean(axis=1)) > 0.01) * window_s


@pytest.mark.video
def test_a_headless_session_writes_what_was_said_on_the_clips_clock(tmp_path: Path) -> None:
    wav_path = tmp_path / "voice.wav"
    opts = LiveOptions(CLIP, tmp_path / "s", headless=True, fast=True, annotate=False,
                       audio_out=wav_path)  # fmt: skip
    result = run_live(opts)
    events = [json.loads(line) for line in (tmp_path / "s" / "events.jsonl").open()]
    spoken = [e for e in events if e["type"] == "spoken"]
    with wave.open(str(wav_path)) as w:
        frames, rate = w.getnframes(), w.getframerate()
        samples = np.frombuffer(w.readframes(frames), dtype="<i2") / 32768.0
    assert frames == pytest.approx(result.stats.captured / 30.0 * rate, abs=2)  # the clip's length
    # every sentence is heard within 0.3 s of its spoken event
    loud = _loud_windows(samples)
    for e in spoken:
        onset = loud[loud >= e["time_s"] - 0.05].min()
        assert onset - e["time_s"] < 0.3, e
    # what was said is what the coach showed: guidance, cues of the overlay, the counts
    with (tmp_path / "s" / "live_frames.csv").open(newline="") as fh:
        shown = {row["cue"] for row in csv.DictReader(fh) if row["cue"]}
    texts = [e["text"] for e in spoken]
    completed = [e["time_s"] for e in events if e["type"] == "rep"]
    counts = [e for e in spoken if e["text"] in ("one", "two")]
    assert [e["text"] for e in counts] == ["one", "two"][: len(counts)] and counts
    assert all(c["time_s"] >= t - 0.01 for c, t in zip(counts, completed, strict=False))
    guidance = {COUNTDOWN_SENTENCE, "Calibrated. Start your half circles when ready."}
    for text in texts:
        assert text in shown or text in guidance or text in ("one", "two", "three"), text
    assert any(text in shown for text in texts)  # at least one real cue was spoken


@pytest.mark.video
def test_the_end_of_set_summary_goes_into_the_wav_and_the_events_after_the_clip(
    tmp_path: Path,
) -> None:
    from tests.live.test_live import _run_with_ui, _ScriptedUI

    wav_path = tmp_path / "voice.wav"
    ui = _ScriptedUI({}, answers=["s", "3"])
    result = _run_with_ui(tmp_path, ui, audio_out=wav_path)
    assert result.end_of_set is not None
    clip_s = result.stats.captured / 30.0
    events = [json.loads(line) for line in (tmp_path / "s" / "events.jsonl").open()]
    kinds = [e["type"] for e in events]
    summary = [e for e in events if e["type"] == "spoken" and e["time_s"] >= clip_s]
    # said once, after the record's end, with the screen's own words, past the clip
    assert [e["text"] for e in summary] == [result.end_of_set.spoken()]
    assert kinds.index("end") < events.index(summary[0])
    with wave.open(str(wav_path)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    start = summary[0]["time_s"]
    assert start == pytest.approx(clip_s + 0.5, abs=0.05)
    loud = _loud_windows(samples)
    assert loud[loud >= start - 0.05].min() - start < 0.3  # heard where the event says
    # the file runs on for the summary: longer than the clip by about its speaking time
    words = len(result.end_of_set.spoken().split())
    assert len(samples) / rate - start >= 0.15 * words
    assert loud.max() >= start + 0.15 * words


@pytest.mark.video
def test_without_an_audio_device_live_says_once_that_it_coaches_silently(tmp_path: Path) -> None:
    if has_audio_output():
        pytest.skip("this machine has an audio output device")
    person = REPO / "tests" / "data" / "person.mp4"
    proc = subprocess.run(
        [sys.executable, "-m", "halfcircle", "live", "--source", str(person), "--headless",
         "--fast", "--model", "lite", "--no-video", "--voice", "--camera-tilt", "0",
         "--out", str(tmp_path / "s"), "--no-history"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        "halfcircle: No speaker or audio output was found, so the coach goes on silently."
    ]
    assert "Session saved in" in proc.stdout


@pytest.mark.video
@pytest.mark.parametrize(("option", "words"), [("--volume=2", "--volume"),
                                               ("--audio-out=x.mp3", "WAV")])  # fmt: skip
def test_voice_options_are_checked_at_the_door(tmp_path: Path, option: str, words: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "halfcircle", "live", "--source", str(CLIP), "--headless",
         "--out", str(tmp_path / "s"), option],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr
