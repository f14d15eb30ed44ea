"""The coach's voice: speech and earcons rendered to a WAV file on the stream's clock.

Real speech (pyttsx3 with the platform's voice: eSpeak NG on Debian) is rendered into a
file, as ``--audio-out`` does; only the speaker itself cannot exist on CI.
"""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from halfcircle.coaching.voice import (
    EARCONS,
    SAMPLE_RATE,
    SpeakerOutput,
    Synthesizer,
    Timeline,
    Voice,
    VoiceConfig,
    VoiceUnavailable,
    WavOutput,
    earcon,
)
from tests.conftest import has_audio_output

WINDOW_S = 0.05


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, SAMPLE_RATE, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0


def _loud_windows(samples: np.ndarray) -> np.ndarray:
    """Start times (s) of the 50 ms windows whose RMS is well above silence."""
    n = int(WINDOW_S * SAMPLE_RATE)
    windows = samples[: len(samples) // n * n].reshape(-1, n)
    rms = np.sqrt((windows**2).mean(axis=1))
    return np.flatnonzero(rms > 0.01) * WINDOW_S


def _wait_spoken(voice: Voice, count: int) -> list[tuple[float, str]]:
    spoken: list[tuple[float, str]] = []
    deadline = time.monotonic() + 60
    while len(spoken) < count and time.monotonic() < deadline:
        spoken += voice.drain_spoken()
        time.sleep(0.01)
    return spoken


@pytest.mark.parametrize("kind", sorted(EARCONS))
def test_an_earcon_is_short_soft_and_never_clicks(kind: str) -> None:
    tone = earcon(kind, volume=0.5)
    freqs, length = EARCONS[kind]
    assert len(tone) == len(freqs) * int(length * SAMPLE_RATE)
    assert 0.45 < np.abs(tone).max() <= 0.5
    assert abs(tone[0]) < 1e-3 and abs(tone[-1]) < 1e-3  # faded in and out


def test_the_platform_voice_speaks_a_cue() -> None:
    synth = Synthesizer(VoiceConfig(rate_wpm=160))
    try:
        short, long = synth.speech("two"), synth.speech("Slow down through the front.")
    finally:
        synth.close()
    assert 0.2 < len(short) / SAMPLE_RATE < len(long) / SAMPLE_RATE < 4.0
    assert np.sqrt((long**2).mean()) > 0.02  # audible, not silence


def test_speech_in_the_wav_starts_when_each_spoken_event_says(tmp_path: Path) -> None:
    out = WavOutput(tmp_path / "voice.wav", duration_s=9.0)
    voice = Voice(out, VoiceConfig(earcons=False))
    said = [(1.0, "Calibrated. Start your half circles when ready."), (4.5, "one"),
            (6.0, "Slow down through the front.")]  # fmt: skip
    for t, text in said:
        assert voice.say(text, t)
    spoken = _wait_spoken(voice, len(said))
    voice.close()
    samples = _read(tmp_path / "voice.wav")
    assert len(samples) == 9 * SAMPLE_RATE  # the stream's length
    assert [text for _, text in spoken] == [text for _, text in said]
    loud = _loud_windows(samples)
    assert loud.min() >= 1.0 - WINDOW_S  # silence before the first sentence
    for (asked, _), (started, text) in zip(said, spoken, strict=True):
        assert started == pytest.approx(asked, abs=0.01), text
        onset = loud[loud >= started - WINDOW_S].min()
        assert onset - started < 0.3, f"{text!r} is heard {onset - started:.2f} s late"


def test_the_same_sentence_is_not_said_twice_within_the_cooldown(tmp_path: Path) -> None:
    voice = Voice(WavOutput(tmp_path / "v.wav"), VoiceConfig(cooldown_s=5.0))
    assert voice.say("Slow down through the front.", 1.0)
    assert not voice.say("Slow down through the front.", 3.0)
    assert voice.say("Good.", 3.5)
    assert voice.say("Slow down through the front.", 6.5)  # not in a row any more... and later
    spoken = _wait_spoken(voice, 3)
    voice.close()
    assert [text for _, text in spoken] == [
        "Slow down through the front.", "Good.", "Slow down through the front."
    ]  # fmt: skip


def test_sentences_wait_their_turn_but_an_urgent_one_cuts_in(tmp_path: Path) -> None:
    voice = Voice(WavOutput(tmp_path / "v.wav"), VoiceConfig())
    long = "Let the wall guide you: side, down and round, slow and smooth."
    voice.say(long, 1.0)
    first = _wait_spoken(voice, 1)
    voice.say("Nice.", 1.2)  # queued behind the long one
    queued = _wait_spoken(voice, 1)
    assert queued[0][0] > 2.0  # started when the long sentence ended
    voice.say("Stop there and come back up slowly.", 2.0, urgent=True)
    urgent = _wait_spoken(voice, 1)
    voice.close()
    assert first[0][0] == pytest.approx(1.0, abs=0.01)
    assert urgent[0][0] == pytest.approx(2.0, abs=0.01)  # cut in, did not wait


def test_a_file_played_fast_gets_what_real_time_would_have_said(tmp_path: Path) -> None:
    # A file analysed faster than real time asks for sentences faster than they can be
    # synthesised. Held here until all are asked: what real time would have said
    # before the urgent cue is still said, and the sentence it cuts is cut there.
    release = threading.Event()

    class Held(Synthesizer):
        def speech(self, text: str) -> np.ndarray:
            release.wait(30)
            return super().speech(text)

    out = WavOutput(tmp_path / "v.wav")
    voice = Voice(out, VoiceConfig(), synthesizer=Held)
    long = "Let the wall guide you: side, down and round, slow and smooth."
    voice.say("One.", 1.0)
    voice.say("Two.", 3.0)
    voice.say(long, 4.0)
    voice.say("Stop there and come back up slowly.", 4.5, urgent=True)
    release.set()
    spoken = _wait_spoken(voice, 4)
    voice.close()
    assert [(round(t, 2), text) for t, text in spoken] == [
        (1.0, "One."), (3.0, "Two."), (4.0, long), (4.5, "Stop there and come back up slowly.")
    ]  # fmt: skip
    starts = {round(start / SAMPLE_RATE, 2): len(clip) for start, clip, _ in out.timeline.clips}
    assert starts[4.0] == round(0.5 * SAMPLE_RATE)  # the long one, cut where the urgent came


def test_earcons_play_over_speech_without_waiting(tmp_path: Path) -> None:
    timeline = Timeline()
    speech = np.full(SAMPLE_RATE, 0.1, dtype=np.float32)
    assert timeline.add(speech, 0, speech=True) == 0
    assert timeline.add(earcon("rep_end"), SAMPLE_RATE // 2, speech=False) == SAMPLE_RATE // 2
    assert timeline.add(speech, SAMPLE_RATE // 2, speech=True) == SAMPLE_RATE  # waits
    mixed = timeline.mix(0, 2 * SAMPLE_RATE)
    assert np.abs(mixed[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + 500]).max() > 0.1  # both


def test_muted_says_nothing(tmp_path: Path) -> None:
    voice = Voice(WavOutput(tmp_path / "v.wav", duration_s=2.0), VoiceConfig())
    voice.muted = True
    assert not voice.say("one", 0.5)
    voice.sound("rep_end", 0.6)
    voice.close()
    assert np.abs(_read(tmp_path / "v.wav")).max() == 0.0


def test_without_an_audio_device_the_voice_says_so_in_one_sentence() -> None:
    if has_audio_output():
        pytest.skip("this machine has an audio output device")
    with pytest.raises(VoiceUnavailable, match=r"^No speaker or audio output was found, so the "
                       r"coach goes on silently\.$"):  # fmt: skip
        SpeakerOutput(clock=lambda: 0.0)


def test_a_sentence_cut_off_by_an_urgent_one_is_reported_as_cut_not_said_in_full(
    tmp_path: Path,
) -> None:
    voice = Voice(WavOutput(tmp_path / "v.wav"), VoiceConfig())
    long = "Let the wall guide you: side, down and round, slow and smooth, all the way."
    voice.say(long, 1.0)
    assert voice.flush()
    assert voice.drain_said(1.5, final=False) == []  # still playing: not yet known in full
    voice.say("Slow down through the front.", 2.0, urgent=True)
    assert voice.flush()
    said = voice.drain_said()
    voice.close()
    assert [(round(t, 2), text, cut) for t, text, cut in said] == [
        (1.0, long, 2.0), (2.0, "Slow down through the front.", None)
    ]  # fmt: skip


def test_the_voice_says_the_camera_level_step_in_one_short_sentence() -> None:
    import math

    from halfcircle.analyze.camerapitch import SPOKEN_LEVEL, PitchEstimate, level_guide
    from halfcircle.live.guided_baseline import spoken_words

    for pitch, sigma in [(math.nan, math.nan), (6.0, 9.0)]:  # no lines; too rough
        guide = level_guide(PitchEstimate(pitch, sigma, "picture", 0, 0, ()))
        assert guide.needs_phone and "--camera-tilt" in guide.message  # the screen's
        said = spoken_words(f"Calibrated. {guide.message}")
        assert said == f"Calibrated. {SPOKEN_LEVEL}" and "--" not in said
        assert len(said.split()) <= 12
