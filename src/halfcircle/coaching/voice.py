"""The coach's voice: cues, counts and prompts spoken, and soft tones, off the frame loop.

A person rolling down through the front of the half circle looks at the floor, not the
screen: what matters is said as well as shown. :class:`Voice` takes sentences and
earcons from the live loop and returns at once; a worker thread synthesises and plays
them, so speech never delays a frame. Rules:

- nothing is said twice in a row within ``cooldown_s`` (a cue that stays up is said once);
- an urgent sentence (a safety or correction cue) cuts the one playing and drops the
  queued ones, which are stale by then (on the stream's clock, for a WAV file: a
  sentence asked for before it is placed where the stream's time put it, and cut
  there, however far the synthesis lags behind a file played fast);
- otherwise sentences play in order, each after the one before.

Speech comes from the computer's own voices (:class:`Synthesizer`: eSpeak NG on Linux,
from Debian's ``espeak-ng``; the system voices through ``pyttsx3`` on macOS and
Windows), rendered to audio and played with ``sounddevice`` (PortAudio). Earcons are
short sine tones with soft edges, made here. Output goes to the speakers
(:class:`SpeakerOutput`) or, for tests, reviews and machines without speakers, into a
WAV file on the stream's clock (:class:`WavOutput`): each sound is placed at the stream
time it was started, so the file lines up with the video. Every utterance is reported
as ``(time_s, text)`` (:meth:`Voice.drain_spoken`) for the session's ``events.jsonl``.
"""

from __future__ import annotations

import io
import math
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from halfcircle.coaching.voiceconfig import VoiceConfig
from halfcircle.errors import HalfcircleError

__all__ = [
    "EARCONS",
    "SAMPLE_RATE",
    "AudioOutput",
    "SpeakerOutput",
    "Synthesizer",
    "Timeline",
    "Voice",
    "VoiceConfig",
    "VoiceUnavailable",
    "WavOutput",
    "earcon",
    "voice_unavailable",
]

#: Sample rate of everything the voice plays or writes (Hz, mono).
SAMPLE_RATE: Final = 22050
Samples = NDArray[np.float32]


class VoiceUnavailable(HalfcircleError):
    """No voice or no audio device: the coach goes on silently."""


#: Earcons: (frequencies in Hz played one after the other, each tone's length in s).
EARCONS: Final[dict[str, tuple[tuple[float, ...], float]]] = {
    "rep_start": ((523.25,), 0.12),  # C5: a light tick, moving
    "rep_end": ((659.25, 783.99), 0.12),  # E5 then G5: done, rising
    "go": ((783.99,), 0.25),  # G5, longer: the countdown's end
}


def earcon(kind: str, rate: int = SAMPLE_RATE, volume: float = 0.5) -> Samples:
    """The samples of an earcon of :data:`EARCONS` (mono float32 in [-1, 1]).

    Each tone fades in and out over 15 ms (raised cosine), so it never clicks.
    """
    freqs, length_s = EARCONS[kind]
    n = int(length_s * rate)
    t = np.arange(n) / rate
    fade = min(n // 2, int(0.015 * rate))
    envelope = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade))
    envelope[:fade], envelope[n - fade :] = ramp, ramp[::-1]
    tones = [np.sin(2 * np.pi * f * t) * envelope for f in freqs]
    return (volume * np.concatenate(tones)).astype(np.float32)


def voice_unavailable() -> str | None:
    """Why no voice can speak on this computer (one sentence), or None when one can."""
    if sys.platform.startswith("linux"):
        if shutil.which("espeak-ng") is None:
            return (
                "No voice is installed for speech (on Debian or Ubuntu: "
                "sudo apt-get install espeak-ng), so the coach goes on silently."
            )
        return None
    try:
        import pyttsx3  # noqa: F401
    except ImportError:
        return "The speech library pyttsx3 is missing, so the coach goes on silently."
    return None


class Synthesizer:
    """Text to speech samples with the computer's own voice, cached by text.

    On Linux the eSpeak NG program (Debian's ``espeak-ng``) renders each sentence to
    WAV on its standard output; on macOS and Windows ``pyttsx3`` drives the system
    voices (NSSpeechSynthesizer, SAPI5) into a file. pyttsx3 is not used on Linux:
    its eSpeak driver returned empty or missing audio in 2 of 9 runs of our tests
    (its callback writes the file before the last chunk arrives), and it plays through
    ``aplay`` by ``os.system``. Use one synthesizer on one thread.

    Raises:
        VoiceUnavailable: No speech engine or no voice on this computer.
    """

    def __init__(self, config: VoiceConfig | None = None) -> None:
        problem = voice_unavailable()
        if problem is not None:
            raise VoiceUnavailable(problem)
        self.config = config or VoiceConfig()
        self._cache: dict[str, Samples] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="halfcircle-voice-")
        self._espeak = shutil.which("espeak-ng") if sys.platform.startswith("linux") else None
        self._engine: Any = None
        if self._espeak is not None:
            return
        try:
            import pyttsx3

            self._engine = pyttsx3.init()
            self._engine.setProperty("rate", self.config.rate_wpm)
            wanted = self.config.voice.lower()
            for v in self._engine.getProperty("voices") if wanted else ():
                if wanted in str(v.name).lower() or wanted in str(v.id).lower():
                    self._engine.setProperty("voice", v.id)
                    break
        except Exception as err:  # no driver, no voice: any of several error types
            self._dir.cleanup()
            raise VoiceUnavailable(
                f"The speech engine could not start ({err}), so the coach goes on silently."
            ) from None

    def speech(self, text: str) -> Samples:
        """The sentence spoken, as mono float32 samples at :data:`SAMPLE_RATE`."""
        if text not in self._cache:
            self._cache[text] = self._espeak_ng(text) if self._espeak else self._pyttsx3(text)
        return self._cache[text]

    def _espeak_ng(self, text: str) -> Samples:
        cmd = [str(self._espeak), "--stdout", "-s", str(self.config.rate_wpm)]
        if self.config.voice:
            cmd += ["-v", self.config.voice]
        done = subprocess.run([*cmd, "--", text], capture_output=True, timeout=30)
        if done.returncode != 0 or not done.stdout:
            raise VoiceUnavailable(
                f"eSpeak NG could not speak ({done.stderr.decode(errors='replace').strip()})."
            )
        return _read_wav(io.BytesIO(done.stdout))

    def _pyttsx3(self, text: str) -> Samples:
        path = Path(self._dir.name) / f"{len(self._cache)}.wav"
        self._engine.save_to_file(text, str(path))
        self._engine.runAndWait()
        return _read_wav(path)

    def close(self) -> None:
        """Remove the temporary files."""
        self._dir.cleanup()


def _read_wav(source: Path | io.BytesIO) -> Samples:
    """A 16-bit PCM WAV as mono float32 at :data:`SAMPLE_RATE` (resampled if needed).

    Reads to the end of the data, as a stream's header may not know its length.
    """
    with wave.open(str(source) if isinstance(source, Path) else source, "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(2**31 - 1)
    if width != 2:
        raise VoiceUnavailable("The speech engine wrote audio in a format this does not read.")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE and len(data):
        n = round(len(data) * SAMPLE_RATE / rate)
        data = np.interp(np.linspace(0, len(data) - 1, n), np.arange(len(data)), data)
    return data.astype(np.float32)


class Timeline:
    """Sounds placed on a sample clock and mixed: what a speaker or a WAV file plays.

    Speech waits for the speech before it to end, as a person would; an earcon plays at
    once, over whatever is being said. Positions are samples at :data:`SAMPLE_RATE`.
    """

    def __init__(self) -> None:
        self.clips: list[tuple[int, Samples, bool]] = []  # start, samples, speech
        self._speech_until = 0
        self._lock = threading.Lock()

    def add(self, samples: Samples, at: int, speech: bool) -> int:
        """Place ``samples`` from sample ``at`` (speech: after the speech before); its start."""
        with self._lock:
            start = max(at, self._speech_until) if speech else at
            self.clips.append((start, samples, speech))
            if speech:
                self._speech_until = start + len(samples)
            return start

    def cut(self, at: int) -> None:
        """Stop the speech playing at sample ``at``, and drop the speech waiting after it."""
        with self._lock:
            kept = []
            for start, clip, speech in self.clips:
                if speech and start >= at:
                    continue
                if speech and start + len(clip) > at:
                    clip = clip[: at - start]
                kept.append((start, clip, speech))
            self.clips = kept
            self._speech_until = min(self._speech_until, at)

    def end(self) -> int:
        """The sample after the last sound."""
        with self._lock:
            return max((s + len(c) for s, c, _ in self.clips), default=0)

    def mix(self, a: int, b: int, forget: bool = False) -> Samples:
        """The samples from ``a`` to ``b``; with ``forget``, sounds ended by ``b`` are dropped."""
        out = np.zeros(b - a, dtype=np.float32)
        with self._lock:
            for start, clip, _ in self.clips:
                lo, hi = max(a, start), min(b, start + len(clip))
                if lo < hi:
                    out[lo - a : hi - a] += clip[lo - start : hi - start]
            if forget:
                self.clips = [x for x in self.clips if x[0] + len(x[1]) > b]
        return np.clip(out, -1.0, 1.0)


class AudioOutput(Protocol):
    """Where the voice's sounds go.

    ``stream_clock``: sounds are placed at the stream time they were asked for
    (a file), not when they are played (speakers).
    """

    stream_clock: bool

    def play(self, samples: Samples, time_s: float, speech: bool) -> float:
        """Start ``samples`` at stream time ``time_s`` (speech: once the speech before ends).

        Returns the stream time at which it starts.
        """
        ...

    def stop(self, time_s: float) -> None:
        """Cut the speech playing at stream time ``time_s``."""
        ...

    def close(self) -> None:
        """Finish and release the output."""
        ...


class WavOutput:
    """Sounds placed on the stream's clock, written to a 16-bit WAV file at :meth:`close`.

    ``duration_s``, when set before closing (the stream's length), makes the file that
    long, padded with silence or cut where the stream ended, so that it lines up with
    the video.
    """

    stream_clock = True

    def __init__(self, path: Path, duration_s: float | None = None) -> None:
        self.path = Path(path)
        self.duration_s = duration_s
        self.timeline = Timeline()

    def play(self, samples: Samples, time_s: float, speech: bool) -> float:
        """Place ``samples`` at stream time ``time_s``; returns when it starts (s)."""
        start = self.timeline.add(samples, round(time_s * SAMPLE_RATE), speech)
        return start / SAMPLE_RATE

    def stop(self, time_s: float) -> None:
        """Cut the speech at stream time ``time_s``."""
        self.timeline.cut(round(time_s * SAMPLE_RATE))

    def close(self) -> None:
        """Write the WAV file (through a temporary name renamed into place)."""
        end = self.timeline.end()
        if self.duration_s is not None:  # as long as the stream: padded, or cut at its end
            end = round(self.duration_s * SAMPLE_RATE)
        pcm = (self.timeline.mix(0, end) * 32767).astype("<i2")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm.tobytes())
        tmp.replace(self.path)


class SpeakerOutput:
    """The computer's speakers: one PortAudio stream (``sounddevice``) that mixes a timeline.

    ``clock`` gives the stream time now (s), to report when each sound starts.

    Raises:
        VoiceUnavailable: No audio output device (or no PortAudio library).
    """

    stream_clock = False

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.timeline = Timeline()
        self._position = 0  # samples handed to the device so far
        try:
            import sounddevice as sd

            self._stream = sd.OutputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="float32", callback=self._fill
            )
            self._stream.start()
        except Exception:  # OSError without PortAudio, PortAudioError without a device
            raise VoiceUnavailable(
                "No speaker or audio output was found, so the coach goes on silently."
            ) from None

    def _fill(self, out: Any, frames: int, _time: Any, _status: Any) -> None:
        a = self._position
        out[:, 0] = self.timeline.mix(a, a + frames, forget=True)
        self._position = a + frames

    def play(self, samples: Samples, time_s: float, speech: bool) -> float:
        """Play ``samples`` now (speech: after the speech before); returns when it starts."""
        now = self._position
        start = self.timeline.add(samples, now, speech)
        return self._clock() + (start - now) / SAMPLE_RATE

    def stop(self, time_s: float) -> None:
        """Cut the speech playing now."""
        self.timeline.cut(self._position)

    def close(self) -> None:
        """Let what is playing end (5 s at most), then close the stream."""
        left = (self.timeline.end() - self._position) / SAMPLE_RATE
        if left > 0:
            time.sleep(min(left, 5.0))
        self._stream.stop()
        self._stream.close()


@dataclass(frozen=True)
class _Item:
    seq: int
    time_s: float
    text: str | None = None
    sound: str | None = None


class Voice:
    """Speaks sentences and plays earcons on its own thread; every call returns at once.

    An urgent sentence cuts what is being said at its time and drops what waits, on
    the caller's thread, before anything stale can start. Utterances are reported
    (:meth:`drain_spoken`) once the stream's time has reached their start, so that one
    an urgent sentence cut before it began is never reported as said.

    Args:
        output: Where sounds go (:class:`SpeakerOutput` or :class:`WavOutput`).
        config: Rate, voice, earcons, volume, cooldown.
        synthesizer: Made on the worker thread when None (the usual case).
    """

    def __init__(
        self,
        output: AudioOutput,
        config: VoiceConfig | None = None,
        synthesizer: Callable[[], Synthesizer] | None = None,
    ) -> None:
        self.config = config or VoiceConfig()
        self._output = output
        self._make_synth = synthesizer or (lambda: Synthesizer(self.config))
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        #: (start s, text, end s, cut s or None), begun and not yet drained
        self._spoken: list[tuple[float, str, float, float | None]] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._cuts: list[tuple[int, float]] = []  # (first item not cut, stream time)
        self._last: tuple[str, float] | None = None
        self.problem: str | None = None
        self.muted = False
        self._thread = threading.Thread(target=self._run, name="halfcircle-voice", daemon=True)
        self._thread.start()

    def say(self, text: str, time_s: float, urgent: bool = False) -> bool:
        """Speak ``text`` (stream time ``time_s``); False when it was just said or muted."""
        if self.muted or not text:
            return False
        if self._last is not None:
            last_text, last_time = self._last
            if last_text == text and time_s - last_time < self.config.cooldown_s:
                return False
        self._last = (text, time_s)
        with self._lock:
            self._seq += 1
            if urgent:  # what is said or waits is stale now
                self._cuts.append((self._seq, time_s))
                self._output.stop(time_s)
                self._cut_spoken(time_s)
            self._queue.put(_Item(self._seq, time_s, text=text))
        return True

    def sound(self, kind: str, time_s: float) -> None:
        """Play the earcon ``kind`` of :data:`EARCONS` (when earcons are on)."""
        if self.config.earcons and not self.muted:
            with self._lock:
                self._seq += 1
                self._queue.put(_Item(self._seq, time_s, sound=kind))

    def _cut_spoken(self, at_s: float) -> None:
        """An urgent sentence at stream time ``at_s``: what had not begun goes, what played is cut.

        Called with the lock held.
        """
        self._spoken = [
            (t, said, end, at_s if t < at_s < end and cut is None else cut)
            for t, said, end, cut in self._spoken
            if t < at_s
        ]

    def drain_said(
        self, until_s: float = math.inf, *, final: bool = True
    ) -> list[tuple[float, str, float | None]]:
        """The sentences begun by stream time ``until_s`` not yet returned.

        Each as ``(start s, text, cut s)``: ``cut s`` is the stream time a later urgent
        sentence cut it off at, None when it was said in full. Not ``final`` (a caller
        that drains every frame), a sentence still playing at ``until_s`` waits until it
        ended or was cut, so that a cut is never missed.
        """
        with self._lock:
            ready = [
                x
                for x in self._spoken
                if x[0] <= until_s and (final or x[2] <= until_s or x[3] is not None)
            ]
            self._spoken = [x for x in self._spoken if x not in ready]
        return [(t, said, cut) for t, said, _end, cut in ready]

    def drain_spoken(self, until_s: float = math.inf) -> list[tuple[float, str]]:
        """The sentences begun by stream time ``until_s`` not yet returned: ``(start s, text)``.

        As :meth:`drain_said`, without saying which were cut off.
        """
        return [(t, said) for t, said, _cut in self.drain_said(until_s)]

    def close(self, timeout_s: float = 30.0) -> None:
        """Say what is queued, then stop the thread and close the output."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._output.close()

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until everything asked so far is placed on the output; False on timeout.

        The voice stays open (the end-of-set summary may follow), and what was placed
        is reported by :meth:`drain_spoken`.
        """
        end = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and self._thread.is_alive():
            if time.monotonic() > end:
                return False
            time.sleep(0.005)
        return True

    def _run(self) -> None:
        synth: Synthesizer | None = None
        try:
            synth = self._make_synth()
        except VoiceUnavailable as err:
            self.problem = str(err)
        volume = float(np.clip(self.config.volume, 0.0, 1.0))
        while (item := self._queue.get()) is not None:
            try:
                self._place(item, synth, volume)
            finally:
                self._queue.task_done()
        if synth is not None:
            synth.close()

    def _place(self, item: _Item, synth: Synthesizer | None, volume: float) -> None:
        """Synthesise one item and put it on the output (on the worker thread)."""
        if item.sound is not None:
            tone = earcon(item.sound, volume=0.5 * volume)
            with self._lock:
                self._output.play(tone, item.time_s, False)
            return
        if synth is None or item.text is None:
            return
        samples = synth.speech(item.text) * volume
        with self._lock:
            cuts = [at for first, at in self._cuts if item.seq < first]
            if cuts and not self._output.stream_clock:
                return  # an urgent sentence came after it was asked for
            started = self._output.play(samples, item.time_s, True)
            end = started + len(samples) / SAMPLE_RATE
            self._cuts = [c for c in self._cuts if c[0] > item.seq + 1]  # none left to cut
            cut: float | None = None
            if cuts:  # placed late on the stream's clock: cut where the urgent one came
                cut_at = min(cuts)
                self._output.stop(cut_at)
                if started >= cut_at:
                    return
                cut = cut_at if cut_at < end else None
            self._spoken.append((started, item.text, end, cut))
