"""The ``[voice]`` settings table: how the coach speaks (kept apart from the audio code)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from halfcircle.errors import ValidationError

__all__ = ["VoiceConfig"]


@dataclass(frozen=True)
class VoiceConfig:
    """How the coach speaks (the settings file's ``[voice]`` table).

    Attributes:
        rate_wpm: Speaking rate (words per minute); calm and clear at 150-170.
        voice: Part of the name of the platform voice to use ("" for the default;
            on Linux an eSpeak NG voice such as ``en-gb`` or ``en-us``).
        earcons: Soft tones at the start and end of a rep and at the countdown's end.
        volume: Loudness, 0 (silent) to 1 (full scale).
        cooldown_s: The same sentence is not said again within this time (s).
    """

    rate_wpm: int = 160
    voice: str = ""
    earcons: bool = True
    volume: float = 0.8
    cooldown_s: float = 6.0

    def __post_init__(self) -> None:
        problems = []
        if not 80 <= self.rate_wpm <= 400:
            problems.append(f"rate_wpm must be between 80 and 400, got {self.rate_wpm}")
        if not (math.isfinite(self.volume) and 0.0 <= self.volume <= 1.0):
            problems.append(f"volume must be between 0 and 1, got {self.volume}")
        if not (math.isfinite(self.cooldown_s) and 0.0 <= self.cooldown_s <= 600.0):
            problems.append(f"cooldown_s must be between 0 and 600, got {self.cooldown_s}")
        if "\n" in self.voice or len(self.voice) > 64:
            problems.append("voice must be a short name on one line")
        if problems:
            raise ValidationError("Invalid voice settings: " + "; ".join(problems) + ".")
