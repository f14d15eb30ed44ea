"""A live session's report and files, from its crash-safe record.

Written at the end of the session, or again later (``live --rebuild``).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.video import PITCH_UNTOLD_NOTE, Analysis, analyze_poses
from halfcircle.config import Settings, settings_from_dict
from halfcircle.errors import InputError, error_reason
from halfcircle.files import replace_text
from halfcircle.io.capture import open_source
from halfcircle.io.videowriter import H264Writer, VideoWriteError
from halfcircle.live.options import (
    STOP_WORDS,
    LiveOptions,
    Rating,
    StopReason,
)
from halfcircle.live.record import (
    SESSION_FILE,
    RecordWriteError,
    load_poses,
    read_events,
    read_meta,
)
from halfcircle.present.outputs import overlay_infos, write_outputs
from halfcircle.present.overlay import (
    draw_overlay,
)
from halfcircle.present.report import with_rating, write_report

#: Stops that may cut the last rep short.
_EARLY_STOPS: Final = ("camera_lost", "write_failed", "interrupted", "crashed")


def _interrupted(stop: str | None) -> bool:
    return stop is None or stop in _EARLY_STOPS


def stop_words(stop: str | None) -> str:
    """What ended a session (``session.json``'s ``stop``; None: it never recorded its end)."""
    return STOP_WORDS.get(stop or "", "the session stopping early")


def _build_report(opts: LiveOptions, stop: StopReason) -> tuple[Analysis, dict[str, Path]]:
    return build_report(
        opts.out_dir,
        opts.model,
        interrupted=_interrupted(stop),
        ended_by=stop_words(stop),
        annotate=opts.annotate,
        camera_tilt_deg=opts.camera_tilt_deg,
        settings=opts.settings,
        camera_pitch=stated_pitch(opts),
    )


def stated_pitch(opts: LiveOptions) -> dict[str, Any] | None:
    """How a session's tilt was obtained when it was given or remembered; None for the picture's."""
    if opts.tilt_how == "picture":
        return None
    return {"how": opts.tilt_how, "camera_tilt_deg": float(opts.camera_tilt_deg)}


def _report_write_error(folder: Path, err: BaseException) -> RecordWriteError:
    if isinstance(err, VideoWriteError):
        return RecordWriteError(f"{str(err).rstrip('.')}; the report is in {folder} without it.")
    return RecordWriteError(
        f"The report could not be written to {folder} ({error_reason(err)}); the session "
        f"record is kept there: `halfcircle live --rebuild {folder}` builds the report "
        "once there is room."
    )


def build_report(
    folder: Path,
    model: str,
    *,
    interrupted: bool,
    ended_by: str | None = None,
    annotate: bool = True,
    camera_tilt_deg: float = 0.0,
    settings: Settings | None = None,
    camera_pitch: dict[str, Any] | None = None,
) -> tuple[Analysis, dict[str, Path]]:
    """The same report as ``analyze``, from the poses recorded in a session folder.

    Frames the pose model dropped have no pose: the analysis runs on the frames
    that have one (at their own times), ``frames.csv`` names their real frame
    numbers, and the annotated video shows the latest pose on a dropped frame.
    The annotated video needs a video to draw on: the file played, or the raw
    recording of a camera.
    """
    analysis, indices = session_analysis(
        folder,
        model,
        interrupted=interrupted,
        ended_by=ended_by,
        camera_tilt_deg=camera_tilt_deg,
        settings=settings,
        camera_pitch=camera_pitch,
    )
    return analysis, write_session_outputs(analysis, folder, indices, annotate=annotate)


def session_analysis(
    folder: Path,
    model: str,
    *,
    interrupted: bool,
    ended_by: str | None = None,
    camera_tilt_deg: float = 0.0,
    settings: Settings | None = None,
    camera_pitch: dict[str, Any] | None = None,
) -> tuple[Analysis, NDArray[np.int64]]:
    """The analysis of the poses recorded in a session folder, and each pose's frame index.

    Calibrated on the first quiet second and counted from there, as the live view
    did. Frames without a pose are counted as skipped
    (:attr:`~halfcircle.analyze.video.Analysis.frames_skipped`): the frames captured less
    the frames posed, as ``session.json`` records them at the end of a session, or,
    after a crash, the frames missing before the last posed one. A session whose
    played video was mirrored (``session.json``'s ``mirrored``) gives poses
    marked so, for the annotated video to flip its frames back too.
    ``ended_by``: what ended the session (:func:`stop_words`), for the note on a
    rep it cut short. ``camera_pitch``: how the camera's tilt was obtained
    (:attr:`~halfcircle.analyze.video.Analysis.camera_pitch`); its tilt is used.
    When None, the picture's pitch recorded at the live calibration (the
    ``calibrated`` event's ``camera_pitch``) is, if there is one.
    """
    if camera_pitch is None:
        camera_pitch = _recorded_pitch(Path(folder))
    if camera_pitch is not None:
        camera_tilt_deg = float(camera_pitch.get("camera_tilt_deg") or 0.0)
    poses, indices = load_poses(Path(folder))
    if (Path(folder) / SESSION_FILE).exists() and read_meta(Path(folder)).get("mirrored"):
        poses = replace(poses, mirrored=True)
    skipped = int(indices[-1]) + 1 - len(indices) if len(indices) else 0
    try:
        captured = (read_meta(Path(folder)).get("stats") or {}).get("frames_captured")
    except InputError:  # no session.json: count the gaps
        captured = None
    if isinstance(captured, int) and captured >= len(poses):
        skipped = captured - len(poses)
    analysis = analyze_poses(
        poses,
        model,
        interrupted,
        camera_tilt_deg,
        settings,
        calibrate="first",
        frames_skipped=skipped,
        ended_by=ended_by,
    )
    if camera_pitch is not None:
        analysis = replace(analysis, camera_pitch=camera_pitch)
        if camera_pitch.get("how") == "assumed level" and analysis.poses.detected.any():
            analysis = replace(analysis, notes=(*analysis.notes, PITCH_UNTOLD_NOTE))
    return analysis, indices


def _recorded_pitch(folder: Path) -> dict[str, Any] | None:
    """The camera pitch a live session recorded when the picture told it (or None)."""
    try:
        events = read_events(folder)
    except (OSError, InputError):
        return None
    for e in events:
        if e.get("type") == "calibrated" and isinstance(e.get("camera_pitch"), dict):
            return dict(e["camera_pitch"])
    return None


def write_session_outputs(
    analysis: Analysis, folder: Path, indices: NDArray[np.int64], *, annotate: bool = True
) -> dict[str, Path]:
    """Write ``analyze``'s files for a session's analysis into its folder (see build_report)."""
    folder = Path(folder)
    poses = analysis.poses
    annotate = annotate and bool(poses.source) and Path(poses.source).is_file()
    gaps = not np.array_equal(indices, np.arange(len(indices)))
    paths = write_outputs(analysis, folder, annotate=annotate and not gaps)
    if gaps:
        _renumber_frames_csv(paths["frames"], indices)
        if annotate and len(indices):
            paths["video"] = folder / "annotated.mp4"
            _write_annotated_sparse(analysis, indices, paths["video"])
            write_report(analysis, paths["report"], video=paths["video"])
    rating = session_rating(folder)
    if rating is not None and "report" in paths:  # what the person said, in their report
        with suppress(OSError):  # a full disk keeps the report as it is, without the rating
            page = paths["report"].read_text(encoding="utf-8")
            replace_text(paths["report"], with_rating(page, rating.feeling, rating.pain))
    return paths


def session_rating(folder: Path) -> Rating | None:
    """The rating the person gave at the end of the session in ``folder`` (its last), if any."""
    try:
        events = read_events(Path(folder))
    except OSError:
        return None
    ratings = [e for e in events if e.get("type") == "rating"]
    if not ratings:
        return None
    last = ratings[-1]
    pain = last.get("pain")
    return Rating(last.get("feeling"), pain if isinstance(pain, int) else None)


def rebuild_report(folder: Path, annotate: bool = True) -> tuple[Analysis, dict[str, Path]]:
    """Build a session's report again from its folder (after a crash, for instance).

    A session that never recorded its end (the program died) counts as stopped early.
    The session's camera tilt and settings are read from ``session.json`` (a
    session recorded before settings were kept there ran with the defaults).

    Raises:
        SettingsError: ``session.json`` names settings this halfcircle does not know.
    """
    meta = read_meta(folder)
    how = meta.get("tilt_how")
    pitch = None
    if how in ("given", "remembered"):
        pitch = {"how": how, "camera_tilt_deg": float(meta.get("camera_tilt_deg", 0.0))}
    return build_report(
        folder,
        str(meta.get("model", "full")),
        interrupted=_interrupted(meta.get("stop")),
        ended_by=stop_words(meta.get("stop")),
        annotate=annotate,
        camera_tilt_deg=float(meta.get("camera_tilt_deg", 0.0)),
        settings=settings_from_dict(
            meta.get("settings") or {}, source=str(Path(folder) / SESSION_FILE)
        ),
        camera_pitch=pitch,
    )


def _renumber_frames_csv(path: Path, indices: NDArray[np.int64]) -> None:
    """Put the video's frame numbers into the ``frame`` column of ``frames.csv``."""
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row, index in zip(rows[1:], indices, strict=True):
        row[0] = str(int(index))
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _write_annotated_sparse(analysis: Analysis, indices: NDArray[np.int64], path: Path) -> None:
    """The annotated video when some frames have no pose: each shows the latest one."""
    infos = overlay_infos(analysis)
    poses = analysis.poses
    j = -1
    with (
        open_source(analysis.source, mirrored=poses.mirrored) as source,
        H264Writer(path, source.size, source.fps) as writer,
    ):
        for frame in source:
            if frame.index > indices[-1]:
                break
            while j + 1 < len(indices) and indices[j + 1] <= frame.index:
                j += 1
            if j >= 0:
                draw_overlay(frame.image, poses.frame(j), infos[j])
            writer.write(frame.image)
