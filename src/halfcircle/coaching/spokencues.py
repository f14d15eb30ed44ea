"""What the coach says aloud, decided from what it shows: data, not sound.

The live coach shows one message at a time (positioning advice, the countdown, a cue)
and emits rep events. :class:`SpeechPlanner` turns that stream into utterances: each
new message is said once when it appears; the countdown is said as "three, two, one"
after its first sentence, with a soft tone when it ends; a rep's start gets a tone and
its end a tone and the count ("two"). Practice cues are urgent (they may cut what is
still being said, which is stale by then); counts and guidance wait their turn. The
voice (:mod:`halfcircle.coaching.voice`) plays them; this module only decides, so it is tested
without sound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from halfcircle.coaching.reps import RepEvent

__all__ = ["COUNTDOWN_SENTENCE", "SpeechPlanner", "Utterance", "number_word"]

#: Said once when the countdown starts; then the numbers.
COUNTDOWN_SENTENCE: Final = "Stand still against the wall, knees soft."
_NUMBER_WORDS: Final = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
#: The countdown message ends with its number of seconds left (see ``live.LiveCoach``).
_COUNTDOWN = re.compile(r":\s*(\d+)\s*$")


def number_word(n: int) -> str:
    """``2`` -> ``"two"`` up to twenty; digits beyond (a voice reads them well)."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


@dataclass(frozen=True)
class Utterance:
    """Something to say (``text``) or play (``sound``, an earcon's name) at ``time_s``."""

    time_s: float
    text: str | None = None
    sound: str | None = None
    urgent: bool = False


class SpeechPlanner:
    """Turns the live coach's frames into utterances (one call per frame, in time order)."""

    def __init__(self) -> None:
        self._shown: str | None = None
        self._count: int | None = None

    def update(
        self,
        time_s: float,
        stage: str,
        message: str | None,
        events: Sequence[RepEvent] = (),
        reps: int = 0,
    ) -> list[Utterance]:
        """What to say or play for one frame.

        Args:
            time_s: The frame's time on the stream's clock (s).
            stage: ``position``, ``calibrate`` or ``practice``.
            message: The message the screen shows now (None for none).
            events: The frame's rep events.
            reps: Complete reps so far (said when a rep completes).
        """
        out: list[Utterance] = []
        for e in events:
            if e.kind == "rep_started":
                out.append(Utterance(time_s, sound="rep_start"))
            elif e.kind == "rep_completed":
                out += [Utterance(time_s, sound="rep_end"), Utterance(time_s, number_word(reps))]
        counting = _COUNTDOWN.search(message) if stage == "calibrate" and message else None
        if counting is not None:
            n = int(counting.group(1))
            if self._count is None:
                out.append(Utterance(time_s, COUNTDOWN_SENTENCE))
            if n != self._count:
                out.append(Utterance(time_s, number_word(n)))
            self._count = n
        else:
            if self._count is not None and stage == "practice":
                out.append(Utterance(time_s, sound="go"))  # the countdown ended: calibrated
            if stage != "calibrate":
                self._count = None
            if message and message != self._shown:
                out.append(Utterance(time_s, message, urgent=stage == "practice"))
        self._shown = message
        return out
