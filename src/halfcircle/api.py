"""The Python API: analyse a video, read analysis and batch outputs, read the history.

For researchers who work in Python rather than on the command line. Everything
here is re-exported by the package::

    import halfcircle

    result = halfcircle.analyze_video("clip.mp4", model="lite")
    result.frames              # pandas DataFrame, the columns of frames.csv
    result.reps[0].sparc       # reps as Rep dataclasses
    result.save("out/")        # the files `halfcircle analyze` writes

    settings = halfcircle.load_settings("settings.toml")   # thresholds (halfcircle.config)
    strict = halfcircle.analyze_video("clip.mp4", settings=settings)

    same = halfcircle.load_output("out/")            # a folder written by analyze
    cohort = halfcircle.load_batch("batch-out/")     # a folder written by batch
    cohort.table                                     # cohort.csv as a DataFrame
    history = halfcircle.load_history()              # the progress history's tables

Units are in the column and field names (``_deg``, ``_s``, ``_cm``); angles follow
the person's left and right (see :mod:`halfcircle.kinematics.measure`). Missing values are
NaN. The loaders never modify what they read, except that :func:`load_history`
upgrades an older history database to the current schema, as the command does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from halfcircle.errors import InputError
from halfcircle.io.videodate import recorded_at

if TYPE_CHECKING:
    import pandas as pd

    from halfcircle.analyze.video import Analysis
    from halfcircle.config import Settings

__all__ = [
    "BatchOutput",
    "HistoryTables",
    "Rep",
    "VideoResult",
    "add_to_history",
    "analyze_video",
    "load_batch",
    "load_history",
    "load_output",
]

#: Float fields of :class:`Rep`, read from ``reps.json`` (None there is NaN here).
_REP_FLOATS = (
    "start_s",
    "end_s",
    "duration_s",
    "peak_lateral_right_deg",
    "peak_lateral_left_deg",
    "peak_forward_deg",
    "peak_inclination_deg",
    "arc_coverage_deg",
    "mean_inclination_deg",
    "circularity_cv",
    "symmetry",
    "lateral_asymmetry_deg",
    "sparc",
    "ldlj",
    "mean_speed_deg_s",
    "peak_speed_deg_s",
    "front_speed_deg_s",
)


@dataclass(frozen=True)
class Rep:
    """One half circle (or an attempt), as ``reps.json`` holds it.

    Attributes:
        index: 1-based; complete and incomplete reps share one numbering, aborted
            attempts have their own.
        direction: ``"right_first"`` (phi 0 -> 180) or ``"left_first"``.
        outcome: ``"complete"``, ``"incomplete"`` (person lost, recording ended) or
            ``"aborted"`` (back to upright without crossing the front).
        start_s, end_s, duration_s: When it started and ended, and its length (s).
        peak_lateral_right_deg, peak_lateral_left_deg: Largest side bend to each side
            (deg, positive magnitudes; NaN when the view cannot see side bends).
        peak_forward_deg: Largest forward flexion (deg).
        peak_inclination_deg: Largest trunk inclination (deg).
        arc_coverage_deg: How much of the 0-180 deg arc it swept (deg).
        mean_inclination_deg: Mean radius of the arc (deg).
        circularity_cv: Variation of the radius along the arc (0: a circle).
        symmetry: Smaller side-bend peak over the larger, 0-1.
        lateral_asymmetry_deg: Right minus left side-bend peak (deg).
        sparc: Spectral arc length of the trunk's angular speed (closer to 0 is smoother).
        ldlj: Log dimensionless jerk of that speed (closer to 0 is smoother).
        mean_speed_deg_s, peak_speed_deg_s, front_speed_deg_s: Angular speeds (deg/s).
        speed_peaks: Peaks of the angular speed (1: one flowing movement).
        reversals: Times the trunk went back along the arc.
        score: 0-100 for a complete rep, else None.
        cues: The coaching cues the rep earned.
        compensations: Compensations seen (``pelvis_shift``, ``pelvis_tilt``, ``knees_locked``).
        data: Every field of the rep as written (score parts, pelvis and knee measures).
    """

    index: int
    direction: str
    outcome: str
    start_s: float
    end_s: float
    duration_s: float
    peak_lateral_right_deg: float
    peak_lateral_left_deg: float
    peak_forward_deg: float
    peak_inclination_deg: float
    arc_coverage_deg: float
    mean_inclination_deg: float
    circularity_cv: float
    symmetry: float
    lateral_asymmetry_deg: float
    sparc: float
    ldlj: float
    mean_speed_deg_s: float
    peak_speed_deg_s: float
    front_speed_deg_s: float
    speed_peaks: int
    reversals: int
    score: float | None
    cues: tuple[str, ...] = ()
    compensations: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """True for a complete half circle."""
        return self.outcome == "complete"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rep:
        """A rep from one entry of ``reps.json`` (as :func:`halfcircle.analyze.video.rep_dicts`)."""
        floats = {k: _float(d.get(k)) for k in _REP_FLOATS}
        return cls(
            index=int(d["index"]),
            direction=str(d["direction"]),
            outcome=str(d["outcome"]),
            speed_peaks=int(d.get("speed_peaks") or 0),
            reversals=int(d.get("reversals") or 0),
            score=None if d.get("score") is None else float(d["score"]),
            cues=tuple(d.get("cues") or ()),
            compensations=tuple(d.get("compensations") or ()),
            data=dict(d),
            **floats,
        )


def _flat(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level, keys joined with ``.``; lists joined with ``;``."""
    out: dict[str, Any] = {}
    for k, v in value.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flat(v, key + "."))
        elif isinstance(v, list | tuple):
            out[key] = ";".join(str(x) for x in v)
        else:
            out[key] = math.nan if v is None else v
    return out


def _float(v: Any) -> float:
    return math.nan if v is None else float(v)


@dataclass(frozen=True, eq=False)
class VideoResult:
    """The analysis of one video: frames, reps and summary.

    Attributes:
        source: The video analysed.
        model: The pose model used.
        summary: The facts of ``summary.json`` (view, calibration, counts, means;
            ``drills``, the side bends and roll-downs done, when there were any).
        frames: One row per frame, the columns of ``frames.csv``
            (:data:`halfcircle.analyze.video.FRAME_COLUMNS`), NaN where not measured;
            ``rep`` is a nullable integer (pandas ``Int64``), ``<NA>`` outside reps, so
            that grouping by it gives the reps alone. From :func:`analyze_video` the
            values are unrounded; ``frames.csv`` rounds angles to 0.01.
        reps: Complete and incomplete half circles, in order.
        aborted: Half circles begun and brought back upright without crossing the
            front; a side bend or roll-down is a drill rep (``summary["drills"]``,
            ``reps.json``), not one of these.
        notes: Plain sentences about what could not be measured and why.
        baseline: The baseline tests found (``baseline.json`` of a batch), or None.
        analysis: The full in-memory analysis (poses, kinematics, states) when it
            was computed in this process; None when loaded from a folder.
        path: The output folder it was loaded from, or None.
    """

    source: str
    model: str
    summary: dict[str, Any]
    frames: pd.DataFrame
    reps: list[Rep]
    aborted: list[Rep]
    notes: tuple[str, ...]
    baseline: dict[str, Any] | None = None
    analysis: Analysis | None = None
    path: Path | None = None

    @property
    def complete_reps(self) -> list[Rep]:
        """The complete half circles."""
        return [r for r in self.reps if r.complete]

    @property
    def view(self) -> str:
        """The camera view: ``front``, ``side`` or ``oblique``."""
        return str(self.summary["view"]["kind"])

    @property
    def measured(self) -> bool:
        """Whether a person was found and the angles could be zeroed on a stance."""
        return (
            self.summary["calibration"] is not None
            and self.summary["counts"]["frames_with_person"] > 0
        )

    @property
    def status(self) -> tuple[str, list[str]]:
        """``("ok" | "warning" | "not measured", warning codes)``, as ``cohort.csv`` says.

        See :func:`halfcircle.analyze.video.analysis_status`; a summary written before
        status was kept (schema 2) reads ``ok`` when measured.
        """
        if "status" in self.summary:
            return str(self.summary["status"]), [w["code"] for w in self.summary["warnings"]]
        return ("ok" if self.measured else "not measured"), []

    @property
    def settings(self) -> Settings:
        """The settings the analysis ran with (a summary without them ran with the defaults).

        Raises:
            SettingsError: The summary names settings this halfcircle does not know.
        """
        # lazy: loads scipy
        from halfcircle.config import settings_from_dict

        if self.analysis is not None:
            return self.analysis.settings
        where = self.path / "summary.json" if self.path is not None else "summary.json"
        return settings_from_dict(self.summary.get("settings") or {}, source=str(where))

    def reps_table(self) -> pd.DataFrame:
        """One row per rep (complete and incomplete), one column per field of :class:`Rep`."""
        import pandas as pd

        rows = [{k: v for k, v in r.__dict__.items() if k != "data"} for r in self.reps]
        return pd.DataFrame(rows, columns=[f for f in Rep.__dataclass_fields__ if f != "data"])

    def trace(self, index: int) -> pd.DataFrame:
        """The frames of rep ``index``: ``time_s``, ``lateral_deg``, ``forward_deg``, ``phi_deg``.

        ``lateral_deg`` against ``forward_deg`` draws the half circle.

        Raises:
            InputError: The video has no rep ``index`` (reps count from 1).
        """
        known = sorted({r.index for r in self.reps})
        if index not in known:
            raise InputError(
                f"{Path(self.source).name} has no rep {index}; its reps are "
                f"{', '.join(map(str, known)) or 'none'}."
            )
        sel = (self.frames["rep"] == index).fillna(False).astype(bool)
        return self.frames.loc[sel, ["time_s", "lateral_deg", "forward_deg", "phi_deg"]]

    def arrays(self) -> dict[str, np.ndarray]:
        """The frame columns as NumPy arrays (floats with NaN; text columns as object arrays)."""
        return {c: self.frames[c].to_numpy() for c in self.frames.columns}

    def save(self, out_dir: str | Path, *, annotate: bool = True) -> dict[str, Path]:
        """Write the files ``halfcircle analyze`` writes into ``out_dir``.

        Raises:
            InputError: This result was loaded from a folder (it holds no poses).
        """
        # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
        from halfcircle.present.outputs import write_outputs

        if self.analysis is None:
            raise InputError(
                "This result was loaded from files and cannot be written again; "
                "analyse the video with analyze_video."
            )
        return write_outputs(self.analysis, Path(out_dir), annotate=annotate)


def analyze_video(
    path: str | Path,
    *,
    model: str = "full",
    progress: Callable[[int], None] | None = None,
    camera_tilt_deg: float | None = None,
    settings: Settings | None = None,
) -> VideoResult:
    """Analyse one recorded video: poses, angles, reps, scores and cues.

    The same pipeline as ``halfcircle analyze`` (nothing is written; see
    :meth:`VideoResult.save`). :func:`halfcircle.analyze.video.analyze_video`, the
    internal function of the same name, returns the bare
    :class:`~halfcircle.analyze.video.Analysis` that :attr:`VideoResult.analysis` holds.

    Args:
        path: The video file.
        model: ``"lite"``, ``"full"`` or ``"heavy"``, or a path to a ``.task`` bundle.
        progress: Called with 1 after each frame (e.g. a tqdm bar's ``update``).
        camera_tilt_deg: How far the camera looked down (deg; 0 is a level
            camera), e.g. from a phone's level app. None (the default): told from
            the picture where it can be (the room's straight lines), else taken as
            level; ``summary["camera_pitch"]`` says how it was obtained.
        settings: The thresholds of every stage (:class:`halfcircle.config.Settings`,
            e.g. from :func:`halfcircle.config.load_settings`); the defaults when None.

    Raises:
        VideoSourceError: The file is missing or cannot be read as a video.
        ModelError: The pose model is missing or damaged.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import (
        analyze_poses_with_pitch,
        extract_poses,
        frames_announced,
        note_frames_expected,
    )

    # lazy: loads scipy
    from halfcircle.config import Settings

    settings = settings or Settings()
    expected = frames_announced(path)  # a file cut short gets a note
    poses, interrupted = extract_poses(path, model, progress, pose=settings.pose)
    if interrupted:
        raise KeyboardInterrupt
    analysis = analyze_poses_with_pitch(poses, path, camera_tilt_deg, model, settings=settings)
    return from_analysis(note_frames_expected(analysis, expected))


def add_to_history(
    result: VideoResult | Analysis,
    db: str | Path | None = None,
    *,
    feels: str | None = None,
    pain: int | None = None,
    replace: bool = False,
) -> list[str]:
    """Add an analysed recording to the progress history as a practice session.

    As ``halfcircle analyze --to-history`` does: dated by when the video was recorded
    and compared with the best before then; a recording already in the history is not
    added twice (unless ``replace``, which replaces its session). The session keeps the
    camera tilt the analysis was given or remembered, so that the next session reuses
    it; a pitch told from the picture (or a camera assumed level) is kept as none given,
    so that the next session asks the picture again. How it was obtained is kept too.

    Args:
        result: An analysis (:func:`analyze_video`'s result, or the bare
            :class:`~halfcircle.analyze.video.Analysis`) of a video file.
        db: The history database; None for the default one.
        feels: How it felt compared with last time (better, same, worse), or None.
        pain: Pain 0-10, or None.
        replace: A recording already in the history replaces its session.

    Returns:
        The lines to show: how the session compares with the best before it, what
        the pain model makes of the rating (:mod:`halfcircle.coaching.painmodel`),
        where it was added, or why not.

    Raises:
        InputError: ``result`` was read from an output folder (:func:`load_output`),
            which keeps no analysis to add.
        HistoryError: The history cannot be read or written.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import movement_dicts, tilt_used

    # lazy: loads scipy
    from halfcircle.config import settings_diff

    # lazy: loads scipy
    from halfcircle.history.practice import PracticeLog

    # lazy: loads scipy
    from halfcircle.history.rows import tilt_to_keep

    # lazy: loads scipy
    from halfcircle.history.store import recording_digest, same_recording

    analysis = result.analysis if isinstance(result, VideoResult) else result
    if analysis is None:
        raise InputError(
            "This result was read from an output folder; add a video to the history from "
            "its analysis (analyze_video), or with `halfcircle analyze VIDEO --to-history`."
        )
    pitch = analysis.camera_pitch
    # told by the picture, or assumed level: kept as none given, asked again next time
    how = None if pitch is None else str(pitch.get("how"))
    tilt = tilt_to_keep(tilt_used(analysis), how)
    video = Path(analysis.source)
    when, _ = recorded_at(video)
    started_at = when.isoformat(timespec="seconds")
    digest = recording_digest([video])
    same = same_recording(db, digest, started_at, str(video), replace)
    if same is not None:
        return [same]
    log = PracticeLog(
        db,
        str(video),
        started_at=started_at,
        camera_tilt_deg=tilt,
        settings=settings_diff(analysis.settings),
        recording_sha256=digest,
    )
    advice = log.rate(feels, pain) if feels is not None or pain is not None else None
    lines = log.finish(
        movement_dicts(analysis),  # drills too, each movement its own trend
        analysis.kinematics.view.kind,
        frames=(len(analysis.poses), analysis.frames_skipped),
        camera_pitch=analysis.camera_pitch,
    )
    if advice is not None:
        lines.append(advice)
    if log.problem is None and log.session_id is not None:
        lines.append(f"Added to your progress history ({log.history.path}).")
    return lines


def _rep_column(values: Any) -> Any:
    """The frames' ``rep`` column: a nullable integer, ``<NA>`` outside reps (0 or empty)."""
    import pandas as pd

    numbers = pd.to_numeric(values).astype("Int64")
    return numbers.mask(numbers == 0)


def _with_reps(frames: Any) -> Any:
    frames["rep"] = _rep_column(frames["rep"])
    return frames


def from_analysis(analysis: Analysis) -> VideoResult:
    """The :class:`VideoResult` of an in-memory :class:`~halfcircle.analyze.video.Analysis`."""
    import pandas as pd

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import FRAME_COLUMNS, frame_columns, rep_dicts, summary_dict

    reps, aborted = rep_dicts(analysis)
    return VideoResult(
        source=analysis.source,
        model=analysis.model,
        summary=summary_dict(analysis),
        frames=_with_reps(pd.DataFrame(frame_columns(analysis), columns=list(FRAME_COLUMNS))),
        reps=[Rep.from_dict(d) for d in reps],
        aborted=[Rep.from_dict(d) for d in aborted],
        notes=analysis.notes,
        analysis=analysis,
    )


def load_output(folder: str | Path) -> VideoResult:
    """Read a folder written by ``halfcircle analyze`` (or one video's folder of a batch).

    Raises:
        InputError: The folder does not hold ``summary.json``, ``reps.json`` and
            ``frames.csv``, or they cannot be read.
    """
    import pandas as pd

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.analyze.video import FRAME_COLUMNS

    # lazy: loads PIL, cv2, matplotlib, mediapipe, scipy, sounddevice
    from halfcircle.present.outputs import OUTPUT_FILES

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"There is no folder {folder}.")
    if (folder / "cohort.csv").is_file():
        raise InputError(f"{folder} holds a batch: read it with load_batch.")
    needed = [folder / OUTPUT_FILES[key] for key in ("summary", "reps", "frames")]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise InputError(
            f"{folder} is not an analysis output folder: {', '.join(missing)} missing."
        )
    try:
        summary = json.loads(needed[0].read_text(encoding="utf-8"))
        reps = json.loads(needed[1].read_text(encoding="utf-8"))
        frames = pd.read_csv(
            needed[2],
            dtype={"view": str, "phase": str, "cue": str},
            keep_default_na=False,
            na_values={c: [""] for c in FRAME_COLUMNS[4:14]},
        )
        baseline_path = folder / "baseline.json"
        baseline = (
            json.loads(baseline_path.read_text(encoding="utf-8"))
            if baseline_path.is_file()
            else None
        )
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"The analysis output in {folder} cannot be read ({err}).") from err
    frames["rep"] = _rep_column(frames["rep"].replace("", None))
    frames["detected"] = frames["detected"].astype(bool)
    return VideoResult(
        source=str(summary["video"]["path"]),
        model=str(summary["model"]),
        summary=summary,
        frames=frames,
        reps=[
            Rep.from_dict(d)
            for d in reps["reps"]
            if d.get("movement", "half_circle") == "half_circle"  # schema 2 lists drills too
        ],
        aborted=[Rep.from_dict(d) for d in reps["aborted"]],
        notes=tuple(summary.get("notes", ())),
        baseline=baseline,
        path=folder,
    )


@dataclass(frozen=True, eq=False)
class BatchOutput:
    """A folder written by ``halfcircle batch``.

    Attributes:
        path: The batch folder.
        table: ``cohort.csv``, one row per video (columns:
            :data:`halfcircle.present.cohort.COHORT_COLUMNS`); ``recorded_at`` as UTC
            timestamps, empty cells NaN.
    """

    path: Path
    table: pd.DataFrame

    def video(self, video_id: str) -> VideoResult:
        """The analysis of one video of the batch, by its ``id``."""
        rows = self.table[self.table["id"] == video_id]
        if rows.empty:
            raise InputError(f"There is no video {video_id!r} in the batch at {self.path}.")
        row = rows.iloc[0]
        # lazy: loads scipy
        from halfcircle.present.cohort import READ

        if row["status"] not in READ:
            raise InputError(f"{video_id} was not analysed ({row['status']}): {row['error']}")
        return load_output(self.path / str(row["output"]))

    def videos(self) -> Iterator[tuple[str, VideoResult]]:
        """``(id, result)`` of every video that was read (status ok, warning or not measured)."""
        # lazy: loads scipy
        from halfcircle.present.cohort import READ

        for _, row in self.table.iterrows():
            if row["status"] in READ:
                yield str(row["id"]), load_output(self.path / str(row["output"]))


def load_batch(folder: str | Path) -> BatchOutput:
    """Read a folder written by ``halfcircle batch``.

    Raises:
        InputError: The folder holds no ``cohort.csv``.
    """
    import pandas as pd

    folder = Path(folder)
    path = folder / "cohort.csv"
    if not path.is_file():
        raise InputError(f"{folder} is not a batch output folder: cohort.csv missing.")
    table = pd.read_csv(path, dtype={"id": str, "person": str, "error": str, "notes": str})
    table["recorded_at"] = pd.to_datetime(table["recorded_at"], utc=True, format="ISO8601")
    table["person"] = table["person"].fillna("")
    return BatchOutput(path=folder, table=table)


@dataclass(frozen=True, eq=False)
class HistoryTables:
    """The progress history as DataFrames (times as UTC timestamps).

    Attributes:
        path: The database file.
        sessions: One row per session: ``id``, ``started_at``, ``kind``
            (baseline|practice), ``source``, ``view``, ``height_cm``,
            ``camera_tilt_deg`` (as given or remembered), ``camera_pitch_how`` (given,
            remembered, from the picture, assumed level) and
            ``camera_pitch_uncertainty_deg`` (told from the picture), ``settings``
            (those changed from the defaults), ``frames_measured`` and
            ``frames_skipped`` (a practice session's), overall ``feels`` and ``pain``.
        measures: Baseline results: ``session_id``, ``started_at``, ``test``,
            ``measure`` (unit in the name), ``value``, ``confidence``.
        ratings: ``session_id``, ``started_at``, ``test`` (None: whole session),
            ``feels``, ``pain``.
        practice_reps: ``session_id``, ``started_at``, ``rep_index`` and each rep's
            metrics as columns (nested ones joined with ``.``).
    """

    path: Path
    sessions: pd.DataFrame
    measures: pd.DataFrame
    ratings: pd.DataFrame
    practice_reps: pd.DataFrame

    def measure(self, test: str, measure: str = "peak_deg") -> pd.DataFrame:
        """One baseline measure over time: ``started_at``, ``value``, ``session_id``.

        Raises:
            InputError: The history has no such test or measure (the known ones are named).
        """
        m = self.measures
        known = sorted(set(m["test"] + "." + m["measure"])) if not m.empty else []
        if known and f"{test}.{measure}" not in known:
            raise InputError(f"The history has no {test}.{measure}; it has {', '.join(known)}.")
        sel = (m["test"] == test) & (m["measure"] == measure)
        return m.loc[sel, ["started_at", "value", "session_id"]].reset_index(drop=True)


def load_history(db: str | Path | None = None) -> HistoryTables:
    """Read the progress history (default: the user's, as ``halfcircle history``).

    Raises:
        InputError: There is no database at ``db``.
        HistoryError: The database cannot be read.
    """
    import pandas as pd

    # lazy: loads scipy
    from halfcircle.history.store import History, default_db_path

    path = Path(db) if db is not None else default_db_path()
    if not path.is_file():
        raise InputError(f"There is no history database at {path}.")
    with History(path) as h:
        sessions = pd.DataFrame(
            h.sessions(),
            columns=["id", "started_at", "kind", "source", "view", "note", "height_cm",
                     "video_path", "camera_tilt_deg", "camera_pitch_how",
                     "camera_pitch_uncertainty_deg", "settings", "frames_measured",
                     "frames_skipped", "feels", "pain"],
        )  # fmt: skip
        measures = pd.DataFrame(
            h.measures(),
            columns=["session_id", "started_at", "test", "measure", "value", "confidence"],
        )
        ratings = pd.DataFrame(
            h.ratings(), columns=["session_id", "started_at", "test", "feels", "pain"]
        )
        reps = pd.DataFrame(
            [
                {
                    "session_id": r["session_id"],
                    "started_at": r["started_at"],
                    "rep_index": r["rep_index"],
                    **_flat(r["metrics"]),
                }
                for r in h.practice_reps()
            ]
        )
    if reps.empty:
        reps = pd.DataFrame(columns=["session_id", "started_at", "rep_index"])
    for frame in (sessions, measures, ratings, reps):
        frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True, format="ISO8601")
    return HistoryTables(path, sessions, measures, ratings, reps)
