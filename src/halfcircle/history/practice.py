"""A practice session written as it happens: each rep, its rating, and how it compares.

The comparison is with the person's best before this session, in plain sentences.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from halfcircle.coaching.baseline import MDC
from halfcircle.coaching.scoring import PersonalBest, points
from halfcircle.errors import InputError
from halfcircle.history.database import HistoryError, utc_now
from halfcircle.history.pain import pain_advice
from halfcircle.history.progress import (
    _VIEW_WORDS,
    PRACTICE_SETTING_TABLES,
    _is_number,
    _settings_differ,
    _tilts_differ,
)
from halfcircle.history.store import History
from halfcircle.history.trend import counts_for_best, last_practice, personal_best


class PracticeLog:
    """A practice session written into the history while it happens.

    The session row is created with the first rep or rating, so a session with
    neither leaves nothing behind; every write is its own transaction, so a
    crash keeps what was written before it. A failing write (disk full, a
    locked or damaged database) never stops the practice: it is remembered as
    one sentence in :attr:`problem` and later writes are skipped (the session
    folder still holds everything).

    Args:
        path: Database file; None for :func:`default_db_path`.
        source: The camera or video practised with.
        started_at: ISO 8601 time (default: now, UTC).
        video_path: Where a video kept at the user's request lies.
        camera_tilt_deg: How far the camera looks down (deg), as used.
        recording_sha256: For a recorded video, its content digest
            (:func:`recording_digest`), kept so that it is not stored twice.
    """

    def __init__(
        self,
        path: Path | str | None,
        source: str,
        started_at: str | None = None,
        video_path: str | None = None,
        camera_tilt_deg: float | None = None,
        settings: Mapping[str, Any] | None = None,
        recording_sha256: str | None = None,
    ) -> None:
        self.history = History(path)
        self.source = source
        self.recording_sha256 = recording_sha256
        self.started_at = started_at or utc_now()
        self.video_path = video_path
        self.camera_tilt_deg = camera_tilt_deg
        self.settings = settings
        self.session_id: int | None = None
        self.problem: str | None = None
        self.best_before: PersonalBest | None = None
        self.tilt_before: float | None = None
        self.view_before: str | None = None
        self.settings_before: dict[str, Any] | None = None
        self._write(self._read_best)

    def _read_best(self) -> None:
        before = self.started_at  # a recorded video may be dated in the past
        self.best_before = personal_best(self.history, until=before)
        # the set-up of the session the peaks are compared with, not of a baseline since
        last = last_practice(self.history, until=before)
        if last is not None:
            self.tilt_before = last["camera_tilt_deg"]
            self.view_before = last["view"]
            self.settings_before = last["settings"]

    def _session(self) -> int:
        if self.session_id is None:
            self.session_id = self.history.add_session(
                "practice",
                started_at=self.started_at,
                source=self.source,
                video_path=self.video_path,
                camera_tilt_deg=self.camera_tilt_deg,
                settings=self.settings,
            )
            if self.recording_sha256 is not None:
                self.history.note_recording(self.session_id, self.recording_sha256)
        return self.session_id

    def _write(self, action: Callable[[], Any]) -> Any:
        if self.problem is not None:
            return None
        try:
            if not self.history.is_open:
                self.history.open()
            return action()
        except (HistoryError, InputError, sqlite3.Error, OSError) as err:
            self.problem = (
                f"Your progress history could not be updated ({err}); "
                "the session folder keeps everything."
            )
            self.history.close()
            return None

    def add_rep(self, rep: Mapping[str, Any]) -> None:
        """Add one rep (:meth:`RepRecord.as_dict` or a ``reps.json`` entry)."""
        self._write(lambda: self.history.add_practice_reps(self._session(), [rep]))

    def replace_reps(
        self,
        reps: Sequence[Mapping[str, Any]],
        view: str | None = None,
        frames: tuple[int, int] | None = None,
        camera_pitch: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace the reps written so far, e.g. by the final report's numbers.

        ``frames``: the session's ``(measured, skipped)`` frame counts, and
        ``camera_pitch`` how its camera's pitch was obtained, when known.
        """
        if reps or self.session_id is not None:
            self._write(
                lambda: self.history.replace_practice_reps(
                    self._session(), reps, view, frames, camera_pitch
                )
            )

    def rate(self, feels: str | None, pain: int | None) -> str | None:
        """Add how the session felt; returns advice when pain rose since last session."""

        def write() -> str | None:
            sid = self._session()
            self.history.add_rating(sid, feels, pain)
            return pain_advice(self.history, sid)

        advice = self._write(write)
        return advice if isinstance(advice, str) else None

    def against_best(self, reps: Sequence[Mapping[str, Any]], view: str | None = None) -> list[str]:
        """Plain lines comparing this session's complete half circles with the best before it.

        A peak counts as further only beyond the minimal detectable change
        (:data:`halfcircle.coaching.baseline.MDC`, 5 deg). Empty without an earlier best
        or without a scored rep now. Last lines say when the camera looked down
        by another angle, filmed from another ``view``, or other settings were
        used than in the last practice session
        (:func:`~halfcircle.history.trend.last_practice`: the one the peaks are
        compared with; a baseline session since has no half circles to compare).
        """
        done = [r for r in reps if counts_for_best(r)]  # half circles: drills have no score
        best = self.best_before
        if best is None or not done:
            return []
        score = max(float(r["score"]) for r in done)
        if score > best.score:
            lines = [
                f"Best score this session {points(score)}: a new personal best "
                f"(before: {points(best.score)})."
            ]
        else:
            lines = [
                f"Best score this session {points(score)} (your best so far: {points(best.score)})."
            ]
        labels = {
            "peak_forward_deg": "forward",
            "peak_lateral_right_deg": "to the right",
            "peak_lateral_left_deg": "to the left",
        }
        further = []
        for name, label in labels.items():
            vals = [float(r[name]) for r in done if _is_number(r.get(name))]
            before = getattr(best, name)
            if vals and math.isfinite(before) and max(vals) - before > MDC["deg"]:
                further.append(f"{label} +{max(vals) - before:.0f} deg")
        if further:
            lines.append("Further than ever before: " + ", ".join(further) + ".")
        if _tilts_differ(self.camera_tilt_deg, self.tilt_before):
            lines.append(
                f"The camera's tilt differs from your last session ({self.camera_tilt_deg:g} "
                f"against {self.tilt_before:g} deg down): forward bending may not compare."
            )
        if view and self.view_before and view != self.view_before:
            lines.append(
                f"You filmed {_VIEW_WORDS.get(view, view)} this time and "
                f"{_VIEW_WORDS.get(self.view_before, self.view_before)} last time: "
                "the peaks may not compare."
            )
        differ = _settings_differ(
            self.settings, self.settings_before, tables=PRACTICE_SETTING_TABLES
        )
        if differ:
            lines.append(
                f"Other settings than in your last session ({', '.join(differ)}): "
                "scores may not compare."
            )
        return lines

    def finish(
        self,
        reps: Sequence[Mapping[str, Any]],
        view: str | None,
        frames: tuple[int, int] | None = None,
        camera_pitch: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Store the session's final reps (and frame counts) and close; the lines to show.

        ``frames`` is ``(measured, skipped)``: the frames posed, and those the busy model
        skipped; ``camera_pitch`` how the camera's pitch was obtained (a summary's
        ``camera_pitch``). The lines compare the reps with the best before (:meth:`against_best`),
        followed by :attr:`problem` when the history could not be updated.
        """
        self.replace_reps(reps, view=view, frames=frames, camera_pitch=camera_pitch)
        lines = self.against_best(reps, view)
        self.close()
        return lines if self.problem is None else [*lines, self.problem]

    def close(self) -> None:
        """Close the database (a later write opens it again)."""
        self.history.close()
