"""The one writer of an analysis' output folder, and the annotated video.

:func:`write_outputs` knows the folder's file set (:data:`OUTPUT_NAMES`): the data
(``summary.json``, ``reps.json``, ``frames.csv``, from :mod:`halfcircle.analyze.video`),
the report (:mod:`halfcircle.present.report`) and the annotated video, drawn with the
overlay the live view shows (:func:`overlay_infos`,
:func:`~halfcircle.present.overlay.draw_overlay`).
``api``, ``cli``, ``batch`` and ``live`` all write through it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from halfcircle.analyze.video import (
    SCHEMA_VERSION,
    Analysis,
    Progress,
    movement_dicts,
    rep_dicts,
    reps_done,
    summary_dict,
    view_status,
    write_frames_csv,
)
from halfcircle.errors import HalfcircleError, error_reason
from halfcircle.files import clear_outputs, replace_text
from halfcircle.io.capture import ReadAhead, open_source
from halfcircle.io.videowriter import H264Writer, VideoWriteError
from halfcircle.present.overlay import OverlayInfo, draw_overlay, overlay_info
from halfcircle.present.report import VIDEO_SLOT, render_report, with_video
from halfcircle.words import join_and

if TYPE_CHECKING:
    from halfcircle.coaching.baseline import BaselineRun

#: The files an analysis writes besides its annotated video, by the key
#: :func:`write_outputs` returns them under.
OUTPUT_FILES: Final = {
    "frames": "frames.csv",
    "reps": "reps.json",
    "summary": "summary.json",
    "report": "report.html",
}
#: Every file of an analysis output folder, the annotated video too: what
#: :func:`write_outputs` writes, and clears of an earlier run first.
OUTPUT_NAMES: Final = {**OUTPUT_FILES, "video": "annotated.mp4"}


class OutputsUnwrittenError(HalfcircleError, OSError):
    """Some files of an analysis could not be written (disk full); the others were.

    An :class:`OSError` too, with the ``errno`` and ``strerror`` of the first
    failure, for callers that handle a full disk as such.

    Attributes:
        missing: The names of the files not written.
    """

    def __init__(self, message: str, missing: list[str], cause: OSError) -> None:
        super().__init__(message)
        self.missing = missing
        self.errno = cause.errno
        self.strerror = cause.strerror

    def __str__(self) -> str:
        return str(self.args[0])


#: The note an analysis gets when Ctrl-C stopped the making of its annotated video.
VIDEO_STOPPED_NOTE: Final = (
    "Stopped with Ctrl-C while the annotated video was made: every frame was "
    "measured, and the video was not kept."
)


#: The note an analysis gets when Ctrl-C stopped the writing of its files.
RESULTS_STOPPED_NOTE: Final = (
    "Stopped with Ctrl-C while the results were written: a file missing from "
    "this folder was not written."
)


def video_stopped(analysis: Analysis) -> Analysis:
    """``analysis`` marked as stopped with Ctrl-C while its annotated video was made."""
    return replace(analysis, interrupted=True, notes=(*analysis.notes, VIDEO_STOPPED_NOTE))


def results_stopped(analysis: Analysis) -> Analysis:
    """``analysis`` marked as stopped with Ctrl-C while its files were written."""
    return replace(analysis, interrupted=True, notes=(*analysis.notes, RESULTS_STOPPED_NOTE))


def write_outputs(
    analysis: Analysis,
    out_dir: Path,
    *,
    annotate: bool = True,
    progress: Progress | None = None,
    baseline: BaselineRun | None = None,
    on_file: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write every output file of one analysis into ``out_dir`` (created if needed).

    The one writer of an output folder's file set (:data:`OUTPUT_NAMES`). The
    files of an earlier run there are removed first, so that none survives
    beside new ones; then the data (``summary.json``, ``reps.json``,
    ``frames.csv``), the report, and the annotated video last, each under a
    temporary name renamed into place once complete. The report is written
    before the video and completed with it once the video is whole, so a full
    disk or Ctrl-C costs the video and never the report or the data. A file
    that cannot be written does not stop the others.

    Args:
        analysis: What to write.
        out_dir: The folder.
        annotate: Make the annotated video.
        progress: Called with 1 after each frame of the annotated video.
        baseline: The baseline tests measured in the same recording, for a
            baseline clip: its report then presents those tests
            (:func:`halfcircle.present.report.render_report`).
        on_file: Called with a file's name once it is written.

    Returns:
        The paths written, by name (``frames``, ``reps``, ``summary``, ``video``, ``report``).

    Raises:
        VideoWriteError: The annotated video could not be written (disk full);
            every other file was written, the report without the video.
        OutputsUnwrittenError: Another file could not be written; the others were.
        KeyboardInterrupt: Ctrl-C during the annotated video: ``summary.json``
            and the report are written again first, with ``interrupted`` true and
            :data:`VIDEO_STOPPED_NOTE`, and no video is kept. Ctrl-C before:
            ``summary.json`` is written with ``interrupted`` true and
            :data:`RESULTS_STOPPED_NOTE`, and the files not yet written are not.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_outputs(out_dir, OUTPUT_NAMES.values())
    paths: dict[str, Path] = {}
    failed: dict[str, OSError] = {}

    def attempt(key: str, write: Callable[[Path], None]) -> None:
        path = out_dir / OUTPUT_NAMES[key]
        try:
            write(path)
        except OSError as err:
            failed[key] = err
            return
        paths[key] = path
        if on_file is not None:
            on_file(path.name)

    try:
        aborted = rep_dicts(analysis)[1]
        reps = movement_dicts(analysis)
        attempt("summary", lambda p: _write_json(p, summary_dict(analysis)))
        attempt(
            "reps",
            lambda p: _write_json(
                p, {"schema_version": SCHEMA_VERSION, "reps": reps, "aborted": aborted}
            ),
        )
        attempt("frames", lambda p: write_frames_csv(analysis, p))
        page = render_report(analysis, None, base=out_dir, baseline=baseline)
        attempt("report", lambda p: replace_text(p, page))
    except KeyboardInterrupt:  # the summary, at least, says what happened
        stopped = results_stopped(analysis)
        with suppress(OSError):
            _write_json(out_dir / OUTPUT_NAMES["summary"], summary_dict(stopped))
        raise
    unwritten: VideoWriteError | None = None
    if annotate and len(analysis.poses):
        video = out_dir / OUTPUT_NAMES["video"]
        try:
            write_annotated_video(analysis, video, progress)
        except VideoWriteError as err:  # the data and the report are kept without it
            unwritten = err
        except KeyboardInterrupt:
            stopped = video_stopped(analysis)
            note = f"<p class='note'>{html.escape(VIDEO_STOPPED_NOTE)}</p>"
            with suppress(OSError):
                _write_json(out_dir / OUTPUT_NAMES["summary"], summary_dict(stopped))
            if "report" in paths:
                with suppress(OSError):
                    replace_text(paths["report"], page.replace(VIDEO_SLOT, note, 1))
            raise
        else:
            paths["video"] = video
            if on_file is not None:
                on_file(video.name)
            if "report" in paths:  # embedded; linked if the disk has no room for that
                try:
                    replace_text(paths["report"], with_video(page, video, out_dir))
                except OSError:
                    with suppress(OSError):
                        replace_text(paths["report"], with_video(page, video, out_dir, embed=False))
    if failed:
        names = [OUTPUT_NAMES[key] for key in failed]
        kept = [p.name for p in paths.values()]
        first = next(iter(failed.values()))
        raise OutputsUnwrittenError(
            f"{join_and(names)} could not be written to {out_dir} ({error_reason(first)})"
            + (f"; {join_and(kept)} {'is' if len(kept) == 1 else 'are'} there." if kept else "."),
            names,
            first,
        )
    if unwritten is not None:
        raise unwritten
    return paths


def overlay_infos(analysis: Analysis) -> list[OverlayInfo]:
    """What the overlay shows on each frame (the live view draws the same)."""
    kin = analysis.kinematics
    complete = analysis.complete_reps
    lat_peak = max([r.metrics.peak_lateral_right_deg for r in complete] + [30.0])
    fwd_peak = max([r.metrics.peak_forward_deg for r in complete] + [60.0])
    trace_all = np.stack([kin.lateral_deg, kin.forward_deg], axis=1)
    tilt = kin.calibration.camera_tilt_deg if kin.calibration is not None else 0.0
    status = view_status(kin.view.kind, kin.view.lateral_observable, tilt)
    infos = []
    last_trace: np.ndarray | None = None
    prev_reps = 0
    done = reps_done(analysis)
    for i, state in enumerate(analysis.states):
        ok = bool(kin.valid[i])
        if state.reps > prev_reps:
            r = complete[state.reps - 1]
            last_trace = r.frames.trace
            prev_reps = state.reps
        if state.trace_from_s is not None:
            sel = (kin.time_s >= state.trace_from_s) & (kin.time_s <= kin.time_s[i])
            trace = trace_all[sel]
        else:
            trace = np.zeros((0, 2))
        infos.append(
            overlay_info(
                kin.lateral_deg[i],
                kin.forward_deg[i],
                measured=ok,
                lateral_observable=kin.view.lateral_observable,
                phase=state.phase,
                reps=int(done[i]),
                score=state.score,
                cue=state.cue,
                trace=trace,
                last_trace=last_trace,
                ideal_deg=(lat_peak, fwd_peak),
                status=status,
                from_behind=kin.view.from_behind,
            )
        )
    return infos


def write_annotated_video(analysis: Analysis, path: Path, progress: Progress | None = None) -> None:
    """Decode the video again and write it with the overlay drawn (H.264 MP4).

    ``path`` appears only once the video is complete (an atomic
    :class:`~halfcircle.io.videowriter.H264Writer`). Decoding runs ahead on a thread and
    encoding in ffmpeg's own process, so the three share the cores.
    """
    infos = overlay_infos(analysis)
    poses = analysis.poses
    with (
        open_source(analysis.source, mirrored=poses.mirrored) as source,
        H264Writer(path, source.size, source.fps, atomic=True) as writer,
        ReadAhead(source) as frames,  # decoded on another core while one is drawn
    ):
        for frame in frames:
            i = frame.index
            if i >= len(infos):
                break
            draw_overlay(frame.image, poses.frame(i), infos[i])
            writer.write(frame.image)
            if progress is not None:
                progress(1)


def _write_json(path: Path, data: Any) -> None:
    replace_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")
