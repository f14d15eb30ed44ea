"""Recorded-video analysis: poses, angles, reps, scores, and the files a person reads.

:func:`analyze_video` runs the pipeline over one file and returns an
:class:`Analysis`, and gives the data its files hold (``frames.csv`` rows,
``reps.json``, ``summary.json``); :func:`halfcircle.present.outputs.write_outputs`
writes them, the report and the annotated video into a folder.

Pass one decodes the video and runs the pose model; the angles are then filtered
zero-phase over the whole recording and replayed frame by frame through the
same :class:`~halfcircle.coaching.session.SessionLoop` the live view uses. The
writer's pass two decodes again to draw the overlay and encode the annotated video.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.camerapitch import (
    NO_ESTIMATE,
    pitch_from_video,
    pitch_used,
    stance_indices,
)
from halfcircle.analyze.parts import part_starts, poses_in_parts
from halfcircle.analyze.posefile import iter_poses
from halfcircle.coaching.baseline import segment_baseline
from halfcircle.coaching.cues import record_cues
from halfcircle.coaching.drills import DrillRep, drill_tally, segment_drills, tell_apart
from halfcircle.coaching.reps import RepRecord
from halfcircle.coaching.scoring import points
from halfcircle.coaching.session import (
    FrameState,
    rep_of_frames,
    replay,
    torso_in_view,
    under_way_at_start,
)
from halfcircle.config import Settings, changed_settings, settings_diff
from halfcircle.files import atomic_write, json_safe
from halfcircle.io.capture import open_source
from halfcircle.kinematics.calibration import TURNED_PICTURE, StanceChoice, calibrate_recording
from halfcircle.kinematics.measure import KinematicsSeries, compute_kinematics
from halfcircle.kinematics.tracking import repair_swaps
from halfcircle.kinematics.view import view_words
from halfcircle.landmarks import PoseFrame, PoseSequence
from halfcircle.pose import PoseEstimator, VideoPosePool, available_cores, video_pose_stage
from halfcircle.poseconfig import PoseConfig
from halfcircle.words import NO_PERSON

if TYPE_CHECKING:
    pass

#: Schema version of ``reps.json``. 2: each rep has a ``movement`` (``half_circle``,
#: ``side_bend`` or ``roll_down``, :func:`movement_dicts`); the drills found outside
#: the half circles are listed too, with their side and peak; a half circle's fields
#: are unchanged. A movement is in one list only
#: (:func:`halfcircle.coaching.drills.tell_apart`): a side bend or roll-down is listed
#: as that drill rep, not also in ``aborted`` or as an incomplete half circle (the
#: files' shape is the same, so the version is too).
SCHEMA_VERSION: Final = 2
#: Schema version of ``summary.json``. 2: ``settings``, the settings that differ
#: from the defaults (a version 1 summary was made with the defaults). 3:
#: ``status`` and ``warnings`` (:func:`analysis_status`), ``calibration_choice``
#: (:class:`~halfcircle.kinematics.calibration.StanceChoice`), ``counts.frames_measured``,
#: ``counts.frames_skipped``, ``video.frames_expected`` (the frames the file
#: announces, null when unknown) and ``video.ends_early`` (fewer could be read).
#: Within 3, two optional keys, there only when they apply: ``camera_pitch``, and
#: ``drills`` (the side bends and roll-downs done,
#: :func:`halfcircle.coaching.drills.drill_tally`); a reader of 3 without them is unaffected.
SUMMARY_SCHEMA_VERSION: Final = 3

#: Columns of ``frames.csv`` (units in the names; empty cells where not measured).
FRAME_COLUMNS: Final = (
    "frame", "time_s", "detected", "n_people",
    "lateral_deg", "forward_deg", "inclination_deg", "phi_deg", "rotation_deg",
    "pelvis_shift_cm", "pelvis_tilt_deg", "knee_flexion_deg", "fingertip_height_cm",
    "confidence", "view", "phase", "rep", "cue",
)  # fmt: skip

#: Below this inclination (deg) the trunk is upright and phi is left empty: undefined.
PHI_MIN_INCLINATION_DEG: Final = 3.0

#: Fewest frames with a second person before the summary mentions them.
OTHERS_MIN_FRAMES: Final = 5
#: Shortest stretch (s) a second person must stay to count: a real person walking
#: through the view stays longer; the pose model's brief ghost (a few frames at deep
#: forward flexion, where the folded body reads as two) does not.
OTHERS_MIN_RUN_S: Final = 0.5


def frames_with_someone_else(n_people: NDArray[np.int64], fps: float) -> int:
    """Frames with a second person, counting only stretches of ``OTHERS_MIN_RUN_S`` or more.

    Args:
        n_people: ``(n,)`` people found per frame.
        fps: Frame rate (frames per second).
    """
    two = np.concatenate([[False], np.asarray(n_people) > 1, [False]])
    edges = np.flatnonzero(np.diff(two.astype(np.int8)))
    runs = edges[1::2] - edges[::2]
    rate = fps if math.isfinite(fps) and fps > 0 else 30.0
    min_run = max(1, math.ceil(OTHERS_MIN_RUN_S * rate - 1e-9))
    return int(runs[runs >= min_run].sum())


#: Frames a video may fall short of its header's count, at least, before it ends early.
ENDS_EARLY_MIN_FRAMES: Final = 2
#: ... and as a fraction of that count (a container may estimate it from the duration).
ENDS_EARLY_TOLERANCE: Final = 0.02

Progress = Callable[[int], None]


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything measured in one recording.

    Attributes:
        source: The video analysed.
        model: The pose model used.
        poses: Per-frame landmarks of the tracked person.
        kinematics: Per-frame angles (calibrated, zero-phase filtered).
        states: What the session showed on each frame (phase, reps, cue).
        reps: Complete and incomplete reps, in order.
        aborted: Attempts back to upright without crossing the front.
        interrupted: True when the run was stopped early (Ctrl-C): results cover
            the frames read until then.
        notes: Plain sentences about what could not be measured and why.
        settings: The settings the analysis ran with (:mod:`halfcircle.config`).
        frames_expected: How many frames the video file's header announces
            (None when unknown): more than were read when the file ends early
            (:func:`note_frames_expected`).
        stance: The stance the recording was zeroed on and the rule that chose it
            (:class:`~halfcircle.kinematics.calibration.StanceChoice`); None for a live
            session's calibrate-first report, or when none was found.
        frames_skipped: Frames of the recording without a pose because they were
            skipped (a live session's busy model); ``len(poses)`` were measured.
        drills: The side bends and roll-downs of stages 1 and 2, in order
            (:func:`halfcircle.coaching.drills.segment_drills`). Each movement is in
            one list only (:func:`halfcircle.coaching.drills.tell_apart`): a drill rep
            is not also an aborted or incomplete half circle in ``aborted``/``reps``.
        camera_pitch: How the camera's pitch was obtained: ``how`` (``"given"``,
            ``"remembered"``, ``"from the picture"`` or ``"assumed level"``) and
            ``camera_tilt_deg`` used; told from the picture
            (:func:`analyze_poses_pitch_from_picture`), also the estimate's fields
            (:meth:`halfcircle.analyze.camerapitch.PitchEstimate.to_dict`). None when
            the caller did not say (:func:`analyze_poses` alone).
        under_way_at_start: ``(start_s, end_s)`` of a movement already under way when
            the person was first seen, which no rep counts
            (:func:`halfcircle.coaching.session.under_way_at_start`); None when the
            recording starts upright, and for a live session's calibrate-first report.
    """

    source: str
    model: str
    poses: PoseSequence
    kinematics: KinematicsSeries
    states: list[FrameState]
    reps: list[RepRecord]
    aborted: list[RepRecord]
    interrupted: bool = False
    notes: tuple[str, ...] = field(default=())
    settings: Settings = field(default_factory=Settings)
    stance: StanceChoice | None = None
    frames_skipped: int = 0
    frames_expected: int | None = None
    camera_pitch: dict[str, Any] | None = None
    drills: list[DrillRep] = field(default_factory=list)
    under_way_at_start: tuple[float, float] | None = None

    @property
    def ends_early(self) -> bool:
        """Whether fewer frames could be read than the file announces (cut short, damaged).

        A few frames short, up to :data:`ENDS_EARLY_TOLERANCE` of them, is how
        some containers round their count, not a damaged file; a run stopped
        with Ctrl-C did not read to the end and does not count.
        """
        if self.frames_expected is None or self.interrupted:
            return False
        missing = self.frames_expected - len(self.poses)
        return missing > max(ENDS_EARLY_MIN_FRAMES, ENDS_EARLY_TOLERANCE * self.frames_expected)

    @property
    def complete_reps(self) -> list[RepRecord]:
        """The complete half circles."""
        return [r for r in self.reps if r.complete]

    @property
    def measured(self) -> bool:
        """Whether a person was found and the angles could be zeroed on a stance."""
        return bool(self.poses.detected.any()) and self.kinematics.calibration is not None


def extract_poses(
    video: str | Path,
    model: str = "full",
    progress: Progress | None = None,
    *,
    estimator: PoseEstimator | None = None,
    pose: PoseConfig | None = None,
    mirrored: bool = False,
) -> tuple[PoseSequence, bool]:
    """Run the pose model over every frame of a video file.

    Args:
        video: The video file.
        model: The pose model to load (ignored when ``estimator`` is given).
        progress: Called with 1 after each frame.
        estimator: An open ``"video"`` mode estimator to use instead of loading
            the model: it is restarted for this video
            (:meth:`~halfcircle.pose.PoseEstimator.restart`) and left open, so a
            worker can load the model once for many videos.
        pose: How the pose stage runs (:class:`~halfcircle.poseconfig.PoseConfig`;
            the defaults when None). Without ``estimator``, with one pose slot
            (the default), a video of at least twice
            :data:`~halfcircle.analyze.parts.PART_MIN_S` is read in parts side by
            side, one landmarker per core (:mod:`halfcircle.analyze.parts`);
            with two, by one landmarker per core taking turns
            (:func:`~halfcircle.pose.video_pose_stage`).
        mirrored: The video is mirrored (a selfie video): its frames are flipped
            back before the pose model sees them, so left and right stay the
            person's (:func:`halfcircle.io.capture.open_source`).

    Returns:
        The poses, and whether the run was interrupted (Ctrl-C) before the end;
        an interrupted run returns the frames read until then.
    """
    frames: list[PoseFrame] = []
    interrupted = False
    pose = pose or PoseConfig()
    with ExitStack() as stack:
        source = stack.enter_context(open_source(video, mirrored=mirrored))
        size, fps = source.size, source.fps
        starts = [0]
        if estimator is None and pose.track_one:
            starts = part_starts(source.frame_count, fps, available_cores())
        if len(starts) > 1:
            source.close()  # each part opens the file itself
            read = poses_in_parts(
                video,
                starts,
                model,
                pose.others_check_s,
                aspect=size[0] / size[1],
                mirrored=mirrored,
                progress=progress,
            )
            if read is not None:
                seq = PoseSequence.from_frames(read[0], size, fps, str(video), mirrored=mirrored)
                return seq, read[1]
            source = stack.enter_context(open_source(video, mirrored=mirrored))
        stage: PoseEstimator | VideoPosePool
        if estimator is None:
            stage = video_pose_stage(model, pose.track_one, pose.others_check_s)
            stack.callback(stage.close)
        else:
            estimator.restart()
            estimator.others_check_s = pose.others_check_s
            stage = estimator
        try:
            for _, found in iter_poses(source, stage):
                frames.append(found)
                if progress is not None:
                    progress(1)
        except KeyboardInterrupt:
            interrupted = True
    seq = PoseSequence.from_frames(frames, size, fps, source=str(video), mirrored=mirrored)
    return seq, interrupted


def analyze_poses(
    poses: PoseSequence,
    model: str = "full",
    interrupted: bool = False,
    camera_tilt_deg: float = 0.0,
    settings: Settings | None = None,
    *,
    calibrate: Literal["anywhere", "first"] = "anywhere",
    frames_skipped: int = 0,
    ended_by: str | None = None,
) -> Analysis:
    """Angles, reps, scores and cues of a recorded pose sequence.

    ``camera_tilt_deg`` is how far the camera looked down (deg, 0 level), when
    the user measured it: see :class:`~halfcircle.kinematics.calibration.CalibrationConfig`.
    ``settings`` are the thresholds of every stage (the defaults when None).

    ``calibrate``: ``"anywhere"`` (a recorded video) zeroes the whole recording on
    the one stance :func:`~halfcircle.kinematics.calibration.choose_stance` picks, wherever it
    lies, and counts every movement before and after it; ``"first"`` (a live
    session's report) calibrates on the first quiet second and counts from its
    end, as the live view did. ``frames_skipped``: frames of the recording that
    have no pose because they were skipped (a live session's busy model), for the
    counts and the status. ``ended_by``: what ended the recording, in the words of
    the note on a rep it cut short ("Rep 2 was cut short by Ctrl-C"); None: "the
    early stop" when ``interrupted``, else "the end of the video".
    """
    settings = settings or Settings()
    kcfg = settings.kinematics_for(camera_tilt_deg)
    stance: StanceChoice | None = None
    if calibrate == "anywhere":
        # a left/right swap of the pose model must not land in the stance that zeroes
        # the angles: calibrate on the poses with swaps put back, as they are measured
        labelled = repair_swaps(poses)[0] if kcfg.repair_swaps else poses
        calib, stance = calibrate_recording(labelled, kcfg.calibration, kcfg.min_visibility)
        kin = compute_kinematics(poses, kcfg, calibration=calib)
    else:
        kin = compute_kinematics(poses, kcfg)
    in_view = torso_in_view(poses.image, poses.detected)
    loop, states = replay(kin, settings, count_everywhere=stance is not None, in_view=in_view)
    notes = list(kin.notes)
    cut_start = None
    if stance is not None:
        before = sum(r.start_s < stance.start_s for r in (*loop.records, *loop.aborted))
        said = stance.note(before)
        if said is not None:
            notes.insert(0, said)
        cut_start = under_way_at_start(kin, settings.reps)
        if cut_start is not None:
            notes.append(under_way_note(*cut_start, first_frame_s=float(kin.time_s[0])))
    detected = poses.detected
    if len(poses) and not detected.any():
        notes.insert(0, NO_PERSON)
    elif detected.any() and kin.calibration is None and not _turned(notes):
        # replaces the kinematics' own note on the missing calibration with advice
        notes = [n for n in notes if "calibrate" not in n]
        notes.insert(
            0,
            "The video never shows a quiet upright stance to calibrate on: "
            "start by standing still against the wall for two seconds.",
        )
    others = frames_with_someone_else(poses.n_people, poses.fps)
    if others >= OTHERS_MIN_FRAMES:
        notes.append(
            f"Someone else was in view in {others} frames; the person tracked from "
            "the start was measured."
        )
    found = segment_drills(kin) if kin.calibration is not None else []
    told = tell_apart(loop.records, loop.aborted, found)
    ending = ended_by or ("the early stop" if interrupted else "the end of the video")
    for r in told.reps:
        if not r.complete:
            if r.cut_short:
                what = f"Rep {r.index} was cut short by {ending}"
            elif r.index in loop.followed_in_view:
                what = (
                    f"The pose could not be read for part of rep {r.index}, "
                    "though you stayed in view"
                )
            else:
                what = f"You left the view or stopped during rep {r.index}"
            span = f"({r.start_s:.1f}-{r.end_s:.1f} s)"
            notes.append(f"{what} {span}; it is kept as incomplete and not scored.")
    hint = baseline_hint(kin, detected, told.reps, settings, poses.source, bool(told.drills))
    if hint is not None:
        notes.append(hint)
    if interrupted:
        notes.append("The analysis was stopped early; results cover the frames read until then.")
    if poses.mirrored:
        notes.append("The video was read as mirrored (--mirrored): left and right are yours.")
    return Analysis(
        source=poses.source,
        model=model,
        poses=poses,
        kinematics=kin,
        states=states,
        reps=told.reps,
        aborted=told.aborted,
        interrupted=interrupted,
        notes=tuple(notes),
        settings=settings,
        stance=stance,
        frames_skipped=int(frames_skipped),
        drills=told.drills,
        under_way_at_start=cut_start,
    )


def _turned(notes: list[str]) -> bool:
    """Whether the kinematics found the picture turned (then that is what to fix)."""
    return any(n.startswith(TURNED_PICTURE) for n in notes)


def under_way_note(start_s: float, end_s: float, first_frame_s: float = 0.0) -> str:
    """The note on a movement under way when the person was first seen (times in s)."""
    when = (
        "when the recording started"
        if start_s - first_frame_s < 0.5
        else "when you were first in view"
    )
    return (
        f"A movement was already under way {when} ({start_s:.1f}-{end_s:.1f} s); it is "
        "not counted. Start the recording before you move, standing still for a moment."
    )


#: Seconds of a person in view whose trunk is not measured from which the status warns
#: (none on the 44 fixture clips; 6.3 s where a second recording joined to a first was
#: lost to the tracking's jumps).
UNMEASURED_MIN_S: Final = 1.0

#: What :func:`analysis_status` can warn of, by code, in the words a table shows.
WARNING_WORDS: Final = {
    "late_calibration": "zeroed on a stance after movements",
    "started_mid_movement": "started mid-movement, not counted",
    "short_calibration": "zeroed on a short stance",
    "fallback_calibration": "no quiet stance, zero approximate",
    "frames_skipped": "frames skipped",
    "camera_moved": "camera moved",
    "unmeasured": "part not measured",
    "someone_else_in_view": "someone else in view",
    "interrupted": "stopped early",
    "ends_early": "file ends early",
}


def analysis_status(analysis: Analysis) -> tuple[str, list[str]]:
    """``("ok" | "warning" | "not measured", warning codes)`` of one analysis.

    ``not measured``: nobody was seen, or nothing could zero the angles. ``warning``:
    measured, but with one of :data:`WARNING_WORDS` (zeroed on a stance after some
    of the movements, on a stance shorter than the calibration window, or on no
    quiet stance at all; a camera that moved; a movement under way at the start,
    not counted; frames skipped; a person in view whose trunk went unmeasured for
    :data:`UNMEASURED_MIN_S` or more, as where the tracking jumped to another body;
    someone else in view; stopped early; a file that ends before the frames it
    announces);
    ``ok`` only without any.
    """
    if not analysis.measured:
        return "not measured", []
    codes: list[str] = []
    stance = analysis.stance
    if stance is not None:
        if stance.rule == "short_stance":
            codes.append("short_calibration")
        elif stance.rule == "steadiest_moment":
            codes.append("fallback_calibration")
        if stance.camera_moved:
            codes.append("camera_moved")
        starts = [r.start_s for r in (*analysis.reps, *analysis.aborted)]
        if any(t < stance.start_s for t in starts + [d.metrics.start_s for d in analysis.drills]):
            codes.append("late_calibration")
    if analysis.under_way_at_start is not None:
        codes.append("started_mid_movement")
    if analysis.frames_skipped > 0:
        codes.append("frames_skipped")
    poses = analysis.poses
    unmeasured = poses.detected & ~analysis.kinematics.valid
    if len(poses) > 1 and unmeasured.sum() / poses.fps >= UNMEASURED_MIN_S:
        codes.append("unmeasured")
    if frames_with_someone_else(poses.n_people, poses.fps) >= OTHERS_MIN_FRAMES:
        codes.append("someone_else_in_view")
    if analysis.interrupted:
        codes.append("interrupted")
    if analysis.ends_early:
        codes.append("ends_early")
    return ("warning" if codes else "ok"), codes


#: How :func:`baseline_hint` begins (the report of a batch's baseline clip leaves it out).
BASELINE_HINT_START: Final = "No half circle was done here, but the movements look like"
#: ... and how it begins where the movements were drills (a side bend is a drill and a test).
BASELINE_HINT_DRILLS_START: Final = "These drills also look like"


def baseline_hint(
    kin: KinematicsSeries,
    detected: NDArray[np.bool_],
    reps: list[RepRecord],
    settings: Settings,
    source: str,
    drills: bool = False,
) -> str | None:
    """Advice to measure a recording of baseline tests with ``halfcircle baseline``.

    With ``drills`` (side bends or roll-downs were found, and said), it begins with
    :data:`BASELINE_HINT_DRILLS_START` instead of saying no half circle was done.

    None unless the recording was calibrated, holds no complete half circle, sees
    side bending (from the side a half circle looks like a toe touch), keeps the
    person in view from their first frame to their last (one who left mid-rep
    was doing a half circle), and the baseline segmentation finds tests in it
    outside any rep the end of the recording cut short (a half circle stopped at
    the front reads as a toe touch). The rep counter reads side bends as attempts
    that came back before the front, a toe touch as an incomplete rep and a
    rotation as nothing at all.
    """
    if kin.calibration is None or any(r.complete for r in reps):
        return None
    seen = np.flatnonzero(detected)
    if not kin.view.lateral_observable or not detected[seen[0] : seen[-1] + 1].all():
        return None
    cut = [(r.start_s, r.end_s) for r in reps if r.cut_short]
    found = [
        t
        for t in segment_baseline(kin, settings.baseline)
        if not any(t.start_s < b and a < t.end_s for a, b in cut)
    ]
    if not found:
        return None
    tests = ", ".join(dict.fromkeys(r.test.replace("_", " ") for r in found))
    start = BASELINE_HINT_DRILLS_START if drills else BASELINE_HINT_START
    return (
        f"{start} baseline tests ({tests}); "
        f"halfcircle baseline --source {Path(source).name} measures them."
    )


#: The note when the picture could not tell the camera's pitch.
PITCH_UNTOLD_NOTE: Final = (
    "The picture did not tell how far the camera looks up or down (it needs straight "
    "lines of the room: a door frame, a corner, floor boards), so forward bending is "
    "read as from a level camera: if yours is not level, measure its tilt (a phone's "
    "level app held against it) and give --camera-tilt DEG."
)

#: The note when filmed from behind, where the picture's pitch is not used.
PITCH_BEHIND_NOTE: Final = (
    "Filmed from behind: forward bending is read as from a level camera, whatever its tilt."
)


def picture_tilt(
    poses: PoseSequence, video: str | Path, settings: Settings | None = None
) -> tuple[float, dict[str, Any], str | None]:
    """The camera tilt to use for a recording whose tilt was not given, told from the picture.

    The stance the recording is zeroed on is chosen as :func:`analyze_poses`
    chooses it; the camera's pitch is estimated from five of its frames in
    ``video`` (:mod:`halfcircle.analyze.camerapitch`) and used when its uncertainty is at
    most :data:`~halfcircle.analyze.camerapitch.MAX_USABLE_UNCERTAINTY_DEG`; otherwise the
    camera is taken as level. From behind (the ``back`` view) it is taken as level
    too: there the calibration's tilt correction made forward bending read worse.

    Returns:
        The tilt (deg down, 0 level), how it was obtained (``how``: ``"from the
        picture"`` or ``"assumed level"``, ``camera_tilt_deg``, and the estimate's
        fields), and a note for the person when the tilt was not told (or None).
    """
    settings = settings or Settings()
    kcfg = settings.kinematics_for(0.0)
    labelled = repair_swaps(poses)[0] if kcfg.repair_swaps else poses
    calib, stance = calibrate_recording(labelled, kcfg.calibration, kcfg.min_visibility)
    estimate = NO_ESTIMATE
    if stance is not None and len(poses):
        idx = stance_indices(stance.start, stance.stop)
        estimate = pitch_from_video(
            str(video), labelled.image_px[idx], idx, mirrored=poses.mirrored
        )
    # from behind, turning the axes by the tilt made forward bending read worse (the
    # hc_back fixture, 6 deg down: +1.6 deg taken as level, +6.9 with the true tilt given)
    behind = calib is not None and calib.view.kind == "back"
    tilt, pitch = pitch_used(estimate, "back" if behind else None)
    note = None
    if behind:
        note = PITCH_BEHIND_NOTE
    elif pitch["how"] != "from the picture" and poses.detected.any():
        note = PITCH_UNTOLD_NOTE
    return tilt, pitch, note


def analyze_poses_pitch_from_picture(
    poses: PoseSequence,
    video: str | Path,
    model: str = "full",
    interrupted: bool = False,
    settings: Settings | None = None,
) -> Analysis:
    """:func:`analyze_poses` of a video whose camera tilt was not given: told from the picture.

    The tilt comes from :func:`picture_tilt`; the result's ``camera_pitch`` says
    how, and a note says how to give the tilt when the picture could not tell it.
    """
    tilt, pitch, note = picture_tilt(poses, video, settings)
    analysis = analyze_poses(poses, model, interrupted, tilt, settings)
    notes = analysis.notes if note is None else (*analysis.notes, note)
    return replace(analysis, notes=notes, camera_pitch=pitch)


#: How a camera's pitch was stated rather than told from the picture.
StatedHow = Literal["given", "remembered"]


def analyze_poses_with_pitch(
    poses: PoseSequence,
    video: str | Path,
    camera_tilt_deg: float | None,
    model: str = "full",
    interrupted: bool = False,
    settings: Settings | None = None,
    how: StatedHow = "given",
) -> Analysis:
    """:func:`analyze_poses` whose result says how the camera's pitch was obtained.

    ``camera_tilt_deg`` None: none was given or remembered, and the picture tells it
    where it can (:func:`analyze_poses_pitch_from_picture`); otherwise it is used
    and :attr:`Analysis.camera_pitch` says ``how`` it came (``"given"`` on the
    command line or by the caller, ``"remembered"`` from the last session).
    """
    if camera_tilt_deg is None:
        return analyze_poses_pitch_from_picture(poses, video, model, interrupted, settings)
    analysis = analyze_poses(poses, model, interrupted, camera_tilt_deg, settings)
    return replace(analysis, camera_pitch={"how": how, "camera_tilt_deg": float(camera_tilt_deg)})


def tilt_used(analysis: Analysis) -> float:
    """The camera tilt (deg down, 0 level) the analysis was measured with.

    The one :attr:`Analysis.camera_pitch` says (given, remembered, or told from
    the picture), else its calibration's (0 when it found no stance).
    """
    if analysis.camera_pitch is not None:
        return float(analysis.camera_pitch.get("camera_tilt_deg") or 0.0)
    calib = analysis.kinematics.calibration
    return float(calib.camera_tilt_deg) if calib is not None else 0.0


def analyze_video(
    video: str | Path,
    model: str = "full",
    progress: Progress | None = None,
    camera_tilt_deg: float | None = 0.0,
    settings: Settings | None = None,
    mirrored: bool = False,
) -> Analysis:
    """Analyse one recorded video (see the module docstring and :func:`analyze_poses`).

    ``camera_tilt_deg`` None: the tilt was not given, and is told from the
    picture where it can be (:func:`analyze_poses_pitch_from_picture`).

    ``mirrored``: the video is a mirrored recording (a selfie video), see
    :func:`extract_poses`.
    """
    expected = frames_announced(video)
    settings = settings or Settings()
    poses, interrupted = extract_poses(
        video, model, progress, pose=settings.pose, mirrored=mirrored
    )
    analysis = analyze_poses_with_pitch(poses, video, camera_tilt_deg, model, interrupted, settings)
    return note_frames_expected(analysis, expected)


def frames_announced(video: str | Path) -> int | None:
    """How many frames a video file's header announces (None when it does not say).

    Raises:
        VideoSourceError: The file cannot be opened as a video.
    """
    with open_source(video) as source:
        return source.frame_count


def note_frames_expected(analysis: Analysis, frames_expected: int | None) -> Analysis:
    """``analysis`` knowing how many frames its file announced; a note when it ended early.

    A truncated file (a copy cut short, a recording that crashed) decodes as a
    shorter clip: the note says so, with the frames read against the frames
    announced, so that a short result is never taken for the whole recording.
    """
    out = replace(analysis, frames_expected=frames_expected)
    if not out.ends_early:
        return out
    read = len(analysis.poses)
    seconds = read / analysis.poses.fps if analysis.poses.fps > 0 else 0.0
    note = (
        f"The file ends early: {read} of the {frames_expected} frames its header "
        f"announces could be read (it may be cut short or damaged); the results "
        f"cover its first {seconds:.1f} s."
    )
    return replace(out, notes=(*out.notes, note))


# ----------------------------------------------------------------------------- outputs
def rep_dicts(analysis: Analysis) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """JSON-ready reps (complete and incomplete) and aborted attempts, with their cues."""

    def one(r: RepRecord) -> dict[str, Any]:
        d = json_safe(r.as_dict())
        d["cues"] = [c.text for c in record_cues(r)]
        return d

    return [one(r) for r in analysis.reps], [one(r) for r in analysis.aborted]


def movement_dicts(analysis: Analysis, drills: bool = True) -> list[dict[str, Any]]:
    """Every repetition of ``reps.json`` (schema 2), in time order, each with its ``movement``.

    The half circles (complete and incomplete) are :func:`rep_dicts`' with ``movement``
    ``half_circle`` added last. With ``drills``, the side bends and roll-downs of stages
    1 and 2 (:attr:`Analysis.drills`, as ``session`` finds them) follow in their place
    in time, as :meth:`~halfcircle.coaching.drills.DrillRep.as_dict` lists them
    (``movement``, ``side``, ``peak_deg``, ...). A recording without a calibration has
    no drills.
    """
    out = [{**d, "movement": "half_circle"} for d in rep_dicts(analysis)[0]]
    if drills:
        out += [json_safe(d.as_dict()) for d in analysis.drills]
    out.sort(key=lambda d: d["start_s"])
    return out


def reps_done(analysis: Analysis) -> NDArray[np.int64]:
    """``(n,)`` per frame, the reps done so far: complete half circles and drill reps.

    What the annotated video's and the page's ``Reps`` counter shows: a half circle
    counts when the session counted it (:attr:`FrameState.reps`), a side bend or
    roll-down (:attr:`Analysis.drills`) from its last frame on.
    """
    circles = np.array([st.reps for st in analysis.states], dtype=np.int64)
    t = analysis.kinematics.time_s[: len(circles)]
    ends = np.sort([d.metrics.end_s for d in analysis.drills])
    return circles + np.searchsorted(ends, t, side="right").astype(np.int64)


def summary_dict(analysis: Analysis) -> dict[str, Any]:
    """The facts of ``summary.json``: video, model, view, calibration, counts, means.

    ``settings`` holds the settings that differ from the defaults
    (:func:`halfcircle.config.settings_diff`; ``{}`` for the defaults).
    ``camera_pitch`` (:attr:`Analysis.camera_pitch`) is there when the analysis
    says how the camera's pitch was obtained (given, remembered, from the picture,
    assumed level).
    """
    poses, kin = analysis.poses, analysis.kinematics
    complete = analysis.complete_reps
    duration = float(poses.time_s[-1] - poses.time_s[0]) + 1.0 / poses.fps if len(poses) else 0.0

    def mean_of(key: str) -> float | None:
        vals = [getattr(r.metrics, key) for r in complete]
        vals = [v for v in vals if v is not None and math.isfinite(v)]
        return round(float(np.mean(vals)), 2) if vals else None

    scores = [r.score.total for r in complete if r.score is not None]
    status, warnings = analysis_status(analysis)
    return json_safe(
        {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "status": status,
            "warnings": [{"code": c, "text": WARNING_WORDS[c]} for c in warnings],
            "video": {
                "path": analysis.source,
                "frames": len(poses),
                "frames_expected": analysis.frames_expected,
                "ends_early": analysis.ends_early,
                "fps": poses.fps,
                "duration_s": round(duration, 3),
                "width": poses.image_size[0],
                "height": poses.image_size[1],
            },
            "model": analysis.model,
            "view": {
                "kind": kin.view.kind,
                "azimuth_deg": round(kin.view.azimuth_deg, 1),
                "lateral_observable": kin.view.lateral_observable,
            },
            "calibration": kin.calibration.to_dict() if kin.calibration is not None else None,
            "calibration_choice": analysis.stance.as_dict() if analysis.stance else None,
            # when the caller said how (analyze_poses alone leaves it out)
            **({"camera_pitch": analysis.camera_pitch} if analysis.camera_pitch else {}),
            "settings": settings_diff(analysis.settings),
            "counts": {
                "frames_measured": len(poses),
                "frames_skipped": analysis.frames_skipped,
                "frames_with_person": int(poses.detected.sum()),
                "frames_with_someone_else": int((poses.n_people > 1).sum()),
                "complete_reps": len(complete),
                "incomplete_reps": len(analysis.reps) - len(complete),
                "aborted": len(analysis.aborted),
                "right_first": sum(r.direction == "right_first" for r in complete),
                "left_first": sum(r.direction == "left_first" for r in complete),
            },
            "means": {
                "score": round(float(np.mean(scores)), 1) if scores else None,
                "best_score": round(float(np.max(scores)), 1) if scores else None,
                "peak_lateral_right_deg": mean_of("peak_lateral_right_deg"),
                "peak_lateral_left_deg": mean_of("peak_lateral_left_deg"),
                "peak_forward_deg": mean_of("peak_forward_deg"),
                "arc_coverage_deg": mean_of("arc_coverage_deg"),
                "sparc": mean_of("sparc"),
                "duration_s": mean_of("duration_s"),
            },
            # the drills done, when any (a half-circle recording's summary is unchanged)
            **({"drills": drill_tally(analysis.drills)} if analysis.drills else {}),
            "interrupted": analysis.interrupted,
            "notes": list(analysis.notes),
        }
    )


def tilt_words(camera_tilt_deg: float) -> str:
    """``"camera 9 deg down"`` (or ``up``) for a tilt in degrees down; ``""`` for a level camera."""
    if not camera_tilt_deg:
        return ""
    return f"camera {abs(camera_tilt_deg):g} deg {'down' if camera_tilt_deg > 0 else 'up'}"


def view_status(
    view: str, lateral_observable: bool, camera_tilt_deg: float, advice: str = ""
) -> str:
    """The overlay's status line: the view, the camera tilt when one is used, what is not seen.

    ``advice`` follows "side bend not seen" (the live view adds what to do).
    """
    tilt = tilt_words(camera_tilt_deg)
    return (
        f"{view} view"
        + (f", {tilt}" if tilt else "")
        + ("" if lateral_observable else ": side bend not seen" + advice)
    )


def camera_tilt_phrase(summary: dict[str, Any]) -> str:
    """How the camera's tilt was obtained, in words.

    ``"camera 9 deg down (as given)"`` (``"camera level (as given)"``) for a given
    tilt; ``"camera 9 deg down (as in your last session)"`` for a remembered one;
    ``"camera about 8 deg down, from the picture (+-1.2 deg)"`` when told from the
    picture (:func:`analyze_poses_pitch_from_picture`); ``"camera assumed level"``
    when the picture was asked and could not tell. Without ``camera_pitch`` (an
    older summary), from the calibration's tilt: ``""`` for a level camera.
    """
    pitch = summary.get("camera_pitch")
    if pitch:
        how = pitch.get("how")
        if how in ("given", "remembered"):
            deg = float(pitch.get("camera_tilt_deg") or 0.0)
            said = "(as given)" if how == "given" else "(as in your last session)"
            return f"{tilt_words(deg) or 'camera level'} {said}"
        if how == "from the picture":
            deg = float(pitch["camera_tilt_deg"])
            way = (
                "level" if round(deg) == 0 else f"{abs(deg):.0f} deg {'down' if deg > 0 else 'up'}"
            )
            return (f"camera about {way}, from the picture "
                    f"(+-{float(pitch['uncertainty_deg']):.1f} deg)")  # fmt: skip
        return "camera assumed level"
    tilt = tilt_words(float((summary.get("calibration") or {}).get("camera_tilt_deg", 0.0)))
    return f"{tilt} (as given)" if tilt else ""


def score_points(analysis: Analysis) -> tuple[str, str] | None:
    """The complete reps' mean and best score as shown (whole points), None without one.

    From the unrounded scores, as each rep's own score is shown, so that the
    terminal, the report and a rep's line agree (:func:`halfcircle.coaching.scoring.points`).
    """
    scores = [r.score.total for r in analysis.complete_reps if r.score is not None]
    if not scores:
        return None
    return points(float(np.mean(scores))), points(max(scores))


def peak_forward_seen_deg(analysis: Analysis) -> float:
    """The largest forward bend measured anywhere in the recording (deg; NaN if none)."""
    kin = analysis.kinematics
    forward = kin.forward_deg[kin.valid]
    return float(np.nanmax(forward)) if np.isfinite(forward).any() else math.nan


def side_view_sentence(analysis: Analysis) -> str | None:
    """Why no half circle is counted from a side view, and the forward bend seen.

    None unless a person was seen from a view that cannot observe side bending
    (without it a rep's phase cannot be followed).
    """
    kin = analysis.kinematics
    if not analysis.poses.detected.any() or kin.view.lateral_observable:
        return None
    peak = peak_forward_seen_deg(analysis)
    return (
        "Half circles are not counted from the side, where side bending is not seen"
        + (f"; forward bending reached {peak:.0f} deg" if math.isfinite(peak) else "")
        + "."
    )


def frames_sentence(counts: dict[str, Any]) -> str:
    """How many frames were measured and skipped, from ``summary.json``'s ``counts``.

    "N of M frames measured, K skipped (the model was busy)." with ``M = N + K``.
    """
    measured, skipped = counts["frames_measured"], counts["frames_skipped"]
    return (
        f"{measured} of {measured + skipped} frames measured, {skipped} skipped "
        "(the model was busy)."
    )


def drill_sentences(drills: dict[str, Any], unit: str = " deg") -> list[str]:
    """The drills done, one sentence a movement, from ``summary.json``'s ``drills``.

    "4 side bends along the wall: 2 to the right (peak 24 deg on average) and 2 to the
    left (22 deg); all smooth, with the hips still." and "3 roll-downs along the wall,
    peak 52 deg forward on average; 2 of them smooth, with the hips still." ``unit``
    follows each angle. With none smooth and still, the sentence says what helps
    instead of counting nought.
    """
    out = []
    for movement, what in (("side_bend", "side bend"), ("roll_down", "roll-down")):
        done = drills.get(movement)
        if not done:
            continue
        n, sides = done["reps"], done["sides"]
        if movement == "side_bend":
            parts = [
                f"{got['reps']} to the {side} ("
                + ("peak " if i == 0 else "")
                + f"{got['mean_peak_deg']:.0f}{unit}"
                + (" on average)" if i == 0 else ")")
                for i, (side, got) in enumerate(sides.items())
            ]
            body = ": " + " and ".join(parts)
        else:
            body = f", peak {sides['front']['mean_peak_deg']:.0f}{unit} forward on average"
        smooth = _smooth(n, done["controlled"])
        out.append(f"{n} {what}{'s' if n != 1 else ''} along the wall{body}; {smooth}")
    return out


def _smooth(n: int, controlled: int) -> str:
    """How many drills were smooth with the hips still, in words that encourage."""
    if controlled >= n:
        return "all smooth, with the hips still." if n > 1 else "smooth, with the hips still."
    if controlled > 0:
        return f"{controlled} of them smooth, with the hips still."
    them = "them" if n > 1 else "it"
    return f"going slower, with the hips resting on the wall, makes {them} smoother."


def text_summary(analysis: Analysis) -> str:
    """A one-screen plain-text summary for the terminal."""
    s = summary_dict(analysis)
    c, v = s["counts"], s["video"]
    camera = camera_tilt_phrase(s)
    seen = c["frames_with_person"] > 0
    view = view_words(s["view"]["kind"]) if seen else "nobody in view"
    lines = [
        f"{Path(analysis.source).name}: {v['frames']} frames, {v['duration_s']:.1f} s, "
        f"{view}{', ' + camera if camera else ''}, model {analysis.model}."
        + (f" {frames_sentence(c)}" if c["frames_skipped"] else ""),
        f"Half circles: {c['complete_reps']} complete"
        + (f", {c['incomplete_reps']} incomplete" if c["incomplete_reps"] else "")
        + (f", {c['aborted']} stopped before the front" if c["aborted"] else "")
        + ".",
    ]
    side = side_view_sentence(analysis)
    if side is not None:
        lines[1] = side
    drills = drill_sentences(s.get("drills", {}))
    if drills and side is None and not analysis.reps and not analysis.aborted:
        del lines[1]  # a recording of drills only: what was done, not "0 half circles"
    for r in analysis.reps:
        mt = r.metrics
        score = f"score {points(r.score.total)}" if r.score is not None else r.outcome
        lines.append(
            f"  rep {r.index} ({r.direction.replace('_', ' ')}, {r.start_s:.1f}-{r.end_s:.1f} s): "
            f"right {_side(mt.peak_lateral_right_deg, r.complete)}, "
            f"left {_side(mt.peak_lateral_left_deg, r.complete)}, "
            f"forward {_fmt(mt.peak_forward_deg)}, {score}"
        )
    shown = score_points(analysis)
    if shown is not None:
        lines.append(f"Average score {shown[0]} of 100, best {shown[1]}.")
    lines += drills
    changed = changed_settings(analysis.settings)
    if changed:
        lines.append("Settings that differ from the defaults: " + ", ".join(changed) + ".")
    lines += [f"Note: {n}" for n in analysis.notes]
    return "\n".join(lines)


def frame_columns(analysis: Analysis) -> dict[str, NDArray[Any]]:
    """The columns of ``frames.csv`` as arrays, unrounded (one entry per frame).

    Measures are float64 with NaN where ``frames.csv`` leaves the cell empty (not
    measured, not seen from this view, or ``phi_deg`` while upright); ``detected``
    is bool, ``frame``, ``n_people`` and ``rep`` int64 (``rep`` 0 outside reps);
    ``view``, ``phase`` and ``cue`` are object arrays of str (``cue`` "" when none).
    """
    kin, poses = analysis.kinematics, analysis.poses
    n = len(poses)
    ok = np.asarray(kin.valid[:n], dtype=bool)
    cols: dict[str, NDArray[Any]] = {
        "frame": np.arange(n, dtype=np.int64),
        "time_s": np.asarray(poses.time_s, dtype=np.float64),
        "detected": np.asarray(poses.detected, dtype=bool),
        "n_people": np.asarray(poses.n_people, dtype=np.int64),
    }
    for name in FRAME_COLUMNS[4:14]:
        values = np.array(getattr(kin, name)[:n], dtype=np.float64)
        shown = ok & np.isfinite(values)
        if name == "lateral_deg" and not kin.view.lateral_observable:
            shown[:] = False
        if name == "phi_deg":
            shown &= np.asarray(kin.inclination_deg[:n]) >= PHI_MIN_INCLINATION_DEG
        cols[name] = np.where(shown, values, np.nan)
    cols["view"] = np.array([kin.view.kind] * n, dtype=object)
    cols["phase"] = np.array([s.phase for s in analysis.states[:n]], dtype=object)
    cols["rep"] = rep_of_frames(poses.time_s, analysis.reps)
    cols["cue"] = np.array([s.cue or "" for s in analysis.states[:n]], dtype=object)
    return cols


def write_frames_csv(analysis: Analysis, path: Path) -> None:
    """Write ``frames.csv``: one row per frame (see :data:`FRAME_COLUMNS`).

    Written whole or not at all (:func:`halfcircle.files.atomic_write`): a full
    disk never leaves a file cut mid-row.
    """
    cols = frame_columns(analysis)
    measures = FRAME_COLUMNS[4:14]
    with atomic_write(path) as f:
        writer = csv.writer(f)
        writer.writerow(FRAME_COLUMNS)
        for i in range(len(cols["frame"])):
            row: list[Any] = [
                i,
                f"{cols['time_s'][i]:.4f}",
                int(cols["detected"][i]),
                int(cols["n_people"][i]),
            ]
            for name in measures:
                value = float(cols[name][i])
                row.append(f"{value:.2f}" if math.isfinite(value) else "")
            rep = int(cols["rep"][i])
            row += [cols["view"][i], cols["phase"][i], rep or "", cols["cue"][i]]
            writer.writerow(row)


def _fmt(deg: float | None) -> str:
    return "--" if deg is None or not math.isfinite(deg) else f"{deg:.0f} deg"


#: A side an incomplete rep bent to less than this (deg) is one it never reached.
SIDE_REACHED_DEG: Final = 2.0


def _side(deg: float | None, complete: bool) -> str:
    """A rep's peak to one side; "not reached" for an incomplete rep's side it never bent to."""
    if not complete and deg is not None and deg < SIDE_REACHED_DEG:
        return "not reached"
    return _fmt(deg)
