"""The camera's pitch told from the picture during a live calibration stance.

:class:`halfcircle.live.coach.PicturePitch` keeps a few frames while the stream looks
for its stance, then estimates the pitch from those of the stance and recalibrates.
The logic runs on a synthetic skeleton filmed by a pitched camera, in front of a
drawn room whose lines a camera of the same pitch sees; one real-video test plays a
rendered clip through the headless live session.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from halfcircle.analyze.camerapitch import (
    NO_ESTIMATE,
    PitchEstimate,
    StanceFrames,
    focal_from_fov,
    pitch_used,
)
from halfcircle.live.coach import LiveCoach
from halfcircle.synthetic import synthetic_clip
from tests.analyze.test_camerapitch import FLOOR, VERTICALS, segments_of

PITCH = 8.0


def _room(pitch: float, size: tuple[int, int]) -> np.ndarray:
    """A BGR picture of door posts and floor boards seen by a camera ``pitch`` deg down."""
    import cv2

    img = np.full((size[1], size[0], 3), 200, np.uint8)
    f = focal_from_fov(size, 60.0)
    for x0, y0, x1, y1 in segments_of(VERTICALS + FLOOR, pitch, f):
        cv2.line(img, (round(x0), round(y0)), (round(x1), round(y1)), (40, 40, 40), 3, cv2.LINE_AA)
    return img


#: A far camera (nearly no perspective) that looks down at the hips from above them.
FAR = {"distance_m": 400.0, "focal_px": 80000.0}


def _stand_then_bend(pitch: float):  # type: ignore[no-untyped-def]
    """3 s standing, then a forward bend to 40 deg and back (30 fps)."""
    t = np.arange(180) / 30.0
    fwd = np.where(t < 3.0, 0.0, 40.0 * np.sin(np.pi * np.clip(t - 3.0, 0, 3.0) / 3.0))
    height = FAR["distance_m"] * math.tan(math.radians(pitch))
    clip = synthetic_clip(np.zeros_like(fwd), fwd, pitch_deg=pitch, camera_height_m=height, **FAR)
    return clip, fwd


def _coach_over(clip, image: np.ndarray | None, picture: bool) -> tuple[LiveCoach, list[float]]:  # type: ignore[no-untyped-def]
    seq = clip.seq
    coach = LiveCoach(seq.image_size, pitch_from_picture=picture)
    fwd = [coach.update(seq.frame(i), image).sample.forward_deg for i in range(len(seq))]
    return coach, fwd


def test_the_live_coach_tells_the_pitch_from_the_stance_and_measures_with_it() -> None:
    clip, truth = _stand_then_bend(PITCH)
    room = _room(PITCH, clip.seq.image_size)
    coach, fwd = _coach_over(clip, room, picture=True)
    assert coach.picture is not None and coach.picture.record is not None
    record = coach.picture.record
    assert record["how"] == "from the picture"
    assert abs(record["pitch_deg"] - PITCH) <= max(1.0, 2.0 * record["uncertainty_deg"])
    assert coach.camera_tilt_deg == record["camera_tilt_deg"] != 0.0
    assert coach.kinematics.calibration is not None
    assert coach.kinematics.calibration.camera_tilt_deg == record["camera_tilt_deg"]
    # the bend's peak: closer to the truth than the same stream taken as level
    _, level = _coach_over(clip, room, picture=False)
    peak = int(np.argmax(truth))
    assert abs(fwd[peak] - truth[peak]) < abs(level[peak] - truth[peak])
    assert abs(fwd[peak] - truth[peak]) <= 3.0


def test_a_plain_room_leaves_the_camera_level_and_says_so() -> None:
    clip, _ = _stand_then_bend(PITCH)
    blank = np.full((clip.seq.image_size[1], clip.seq.image_size[0], 3), 128, np.uint8)
    coach, _ = _coach_over(clip, blank, picture=True)
    assert coach.picture is not None and coach.picture.record is not None
    assert coach.picture.record["how"] == "assumed level"
    assert coach.camera_tilt_deg == 0.0


def test_without_frames_or_when_not_asked_nothing_is_told() -> None:
    clip, _ = _stand_then_bend(PITCH)
    coach, _ = _coach_over(clip, None, picture=True)  # no frames came with the poses
    assert coach.picture is not None and coach.picture.record is not None
    assert coach.picture.record["how"] == "assumed level"
    coach, _ = _coach_over(clip, _room(PITCH, clip.seq.image_size), picture=False)
    assert coach.picture is None and coach.camera_tilt_deg == 0.0


def test_recalibrating_asks_the_picture_again() -> None:
    clip, _ = _stand_then_bend(PITCH)
    coach, _ = _coach_over(clip, _room(PITCH, clip.seq.image_size), picture=True)
    assert coach.camera_tilt_deg != 0.0
    coach.recalibrate()
    assert coach.picture is not None and coach.picture.record is None
    assert coach.camera_tilt_deg == 0.0


def test_stance_frames_keep_a_few_recent_frames_and_need_two_over_the_stance() -> None:
    frames = StanceFrames(every_s=0.2, keep_s=1.0)
    img = np.zeros((48, 64, 3), np.uint8)
    for i in range(60):  # 2 s at 30 fps
        frames.add(i / 30.0, img)
    kept = [t for t, _ in frames._frames]
    assert len(kept) >= 4 and kept[-1] - kept[0] <= 1.0 and kept[-1] == pytest.approx(59 / 30)
    assert all(b - a >= 0.2 - 1e-9 for a, b in itertools.pairwise(kept))
    clip, _ = _stand_then_bend(0.0)
    early = [clip.seq.frame(i) for i in range(3)]  # t = 0 .. 0.07 s: none kept there
    assert frames.pitch(early, (64, 48)) == NO_ESTIMATE
    assert frames.pitch([], (64, 48)) == NO_ESTIMATE


def test_a_pitch_is_not_used_from_behind_or_when_unsure() -> None:
    sure = PitchEstimate(7.96, 0.8, "room lines", 3, 4)
    said = {"how": "from the picture", "camera_tilt_deg": 8.0, **sure.to_dict()}
    assert pitch_used(sure, "front") == (8.0, said)
    assert pitch_used(sure, "back")[0] == 0.0
    assert pitch_used(sure, "back")[1]["how"] == "assumed level"
    unsure = PitchEstimate(7.96, 3.5, "room lines", 2, 0)
    assert pitch_used(unsure, None)[1]["how"] == "assumed level"
    assert math.isnan(pitch_used(NO_ESTIMATE, None)[1]["pitch_deg"] or math.nan)


@pytest.mark.video
def test_a_headless_live_session_tells_the_pitch_and_the_report_says_so(tmp_path: Path) -> None:
    """Real video: camera 12 deg down, a shelf and the room's corners; no tilt given.

    The loop reads every frame (the picture tells the pitch); each frame's pose is the
    one the full model gave it, from the clip's kept poses (``tests/test_pose_dumps.py``
    holds them to a fresh run; ``tests/live/test_live.py`` runs the loop with the model).
    """
    from halfcircle.analyze.video import text_summary
    from halfcircle.live.options import LiveOptions
    from halfcircle.live.rebuild import rebuild_report
    from halfcircle.live.run import run_live
    from tests.conftest import FIXTURES, ReplayPoses, fixture_poses, fixture_scene

    name = "pitch_front_shelf_12down"
    opts = LiveOptions(
        str(FIXTURES / f"{name}.mp4"), tmp_path / "s", headless=True, fast=True,
        annotate=False, tilt_how="picture",
    )  # fmt: skip
    r = run_live(opts, estimator_factory=ReplayPoses(fixture_poses(name)))
    summary = json.loads((r.out_dir / "summary.json").read_text())
    pitch = summary["camera_pitch"]
    assert pitch["how"] == "from the picture"
    assert abs(pitch["pitch_deg"] - 12.0) <= 2.0 * pitch["uncertainty_deg"]
    assert summary["calibration"]["camera_tilt_deg"] == pitch["camera_tilt_deg"]
    assert "from the picture (+-" in text_summary(r.analysis)
    events = [json.loads(x) for x in (r.out_dir / "events.jsonl").read_text().splitlines()]
    (calibrated,) = [e for e in events if e["type"] == "calibrated"]
    assert calibrated["camera_pitch"] == pitch
    (rep,) = fixture_scene(name)["reps"]
    assert r.analysis is not None
    (got,) = [x for x in r.analysis.complete_reps]
    assert abs(got.metrics.peak_forward_deg - rep["peak_forward_deg"]) <= 3.0
    # the report rebuilt from the record says the same
    again, _ = rebuild_report(r.out_dir, annotate=False)
    assert again.camera_pitch == pitch


# ------------------------------------------------------------------ the guided fallback
def test_the_level_reads_level_tilted_rough_or_unknown_and_offers_the_phone_when_unsure() -> None:
    from halfcircle.analyze.camerapitch import (
        LEVEL_TOLERANCE_DEG,
        MAX_USABLE_UNCERTAINTY_DEG,
        PHONE_LEVEL_STEP,
        level_guide,
    )

    level = level_guide(PitchEstimate(LEVEL_TOLERANCE_DEG - 0.2, 0.5, "room lines", 3, 4))
    assert level.state == "level" and not level.needs_phone
    down = level_guide(PitchEstimate(7.6, 0.9, "room lines", 3, 4))
    assert down.state == "tilted" and down.pitch_deg == 7.6 and not down.needs_phone
    assert "8 deg down" in down.message and "tilt it up" in down.message
    up = level_guide(PitchEstimate(-4.2, 0.9, "room lines", 3, 4))
    assert "4 deg up" in up.message and "tilt it down" in up.message
    rough = level_guide(PitchEstimate(6.0, MAX_USABLE_UNCERTAINTY_DEG + 0.5, "room lines", 2, 0))
    assert rough.state == "rough" and rough.needs_phone
    assert rough.message.endswith(PHONE_LEVEL_STEP)
    unknown = level_guide(NO_ESTIMATE)
    assert unknown.state == "unknown" and unknown.needs_phone and unknown.pitch_deg is None
    assert PHONE_LEVEL_STEP in unknown.message and "--camera-tilt" in unknown.message


def test_the_level_meter_reads_the_room_about_once_a_second_with_the_person_masked() -> None:
    from halfcircle.analyze.camerapitch import LevelMeter

    clip, _ = _stand_then_bend(PITCH)
    seq = clip.seq
    room = _room(PITCH, seq.image_size)
    meter = LevelMeter(every_s=1.0)
    readings = [meter.update(float(seq.time_s[i]), room, seq.frame(i)) for i in range(60)]
    told = [(i, g) for i, g in enumerate(readings) if g is not None]
    assert [i for i, _ in told] == [0, 30]  # at 0 s and 1 s of the 2 s at 30 fps
    guide = told[-1][1]
    assert guide.state == "tilted" and guide.pitch_deg is not None
    assert abs(guide.pitch_deg - PITCH) <= 1.0
    assert meter.guide is guide
    # the camera levelled: once the frames kept show it (0.6 s), the next reading says so
    flat = _room(0.0, seq.image_size)
    later = [meter.update(2.0 + i / 30.0, flat, seq.frame(0)) for i in range(31)]
    assert later[0] is not None and later[-1] is not None  # at 2 s and at 3 s
    assert meter.guide is not None and meter.guide.state == "level"


def test_the_live_coach_shows_the_level_while_setting_up_and_the_phone_step_if_unsure() -> None:
    clip, _ = _stand_then_bend(PITCH)
    seq = clip.seq
    coach = LiveCoach(seq.image_size, pitch_from_picture=True)
    blank = np.full((seq.image_size[1], seq.image_size[0], 3), 128, np.uint8)
    frames = [coach.update(seq.frame(i), blank) for i in range(len(seq))]
    before = [f for f in frames if f.stage != "practice"]
    assert before and all(f.level is not None and f.level.state == "unknown" for f in before)
    calibrated = next(f for f in frames if f.stage == "practice")
    assert calibrated.message is not None and "phone's level app" in calibrated.message
    # a room with lines: no phone step, the reading comes with each frame
    coach = LiveCoach(seq.image_size, pitch_from_picture=True)
    room = _room(PITCH, seq.image_size)
    frames = [coach.update(seq.frame(i), room) for i in range(len(seq))]
    assert frames[-1].level is not None and frames[-1].level.state == "tilted"
    assert all("phone" not in (f.message or "") for f in frames)


def test_the_guided_set_up_offers_the_phone_step_where_the_picture_cannot_tell() -> None:
    from halfcircle.io.capture import Frame
    from halfcircle.kinematics.measure import StreamingKinematics
    from halfcircle.live.coach import PicturePitch
    from halfcircle.live.guided_baseline import GuidedBaseline, feed_frame

    clip, _ = _stand_then_bend(PITCH)
    seq = clip.seq

    class Poser:  # the pose stage of a file: the synthetic poses, frame by frame
        def process(self, image: np.ndarray, time_s: float):  # type: ignore[no-untyped-def]
            return seq.frame(round(time_s * seq.fps))

    blank = np.full((seq.image_size[1], seq.image_size[0], 3), 128, np.uint8)
    flow, kin, picture, seen = (
        GuidedBaseline(),
        StreamingKinematics(seq.image_size),
        PicturePitch(),
        [],
    )
    prompts = []
    for i in range(60):  # until the stance calibrates the stream
        frame = Frame(index=i, time_s=float(seq.time_s[i]), image=blank)
        feed_frame(Poser(), frame, False, kin, flow, seen, picture)
        if flow.state != "calibrating":
            break
        prompts.append(flow.prompt())
    assert flow.state == "instruct" and prompts
    assert "phone's level app" in prompts[-1] and "--camera-tilt" in prompts[-1]


# ------------------------------------------------------------------ the drawn level
def test_the_level_is_drawn_only_while_setting_up_with_the_pitch_asked_of_the_picture() -> None:
    clip, _ = _stand_then_bend(PITCH)
    seq = clip.seq
    room = _room(PITCH, seq.image_size)
    coach = LiveCoach(seq.image_size, pitch_from_picture=True)
    frames = [coach.update(seq.frame(i), room) for i in range(len(seq))]
    setup = [f for f in frames if f.stage != "practice"]
    practice = [f for f in frames if f.stage == "practice"]
    assert setup and practice
    assert all(f.setup_level is not None and f.setup_level is f.level for f in setup)
    assert all(f.setup_level is None for f in practice)  # calibrated: the words say the rest
    assert practice[-1].level is not None  # the stance's reading is still kept, as data
    # a tilt given or remembered: no level at all
    given = LiveCoach(seq.image_size, camera_tilt_deg=PITCH)
    assert all(given.update(seq.frame(i), room).setup_level is None for i in range(len(seq)))
    # recalibrating sets up again: the level comes back with the meter's next reading
    from dataclasses import replace

    coach.recalibrate()
    again = coach.update(replace(seq.frame(0), time_s=float(seq.time_s[-1]) + 0.1), room)
    assert again.stage != "practice" and again.setup_level is not None


def test_the_guided_set_up_draws_the_level_under_its_prompt_until_calibrated() -> None:
    from halfcircle.io.capture import Frame
    from halfcircle.kinematics.measure import StreamingKinematics
    from halfcircle.live.coach import PicturePitch
    from halfcircle.live.guided_baseline import GuidedBaseline, draw_prompt, feed_frame, setup_level

    clip, _ = _stand_then_bend(PITCH)
    seq = clip.seq

    class Poser:  # the pose stage of a file: the synthetic poses, frame by frame
        def process(self, image: np.ndarray, time_s: float):  # type: ignore[no-untyped-def]
            return seq.frame(round(time_s * seq.fps))

    room = _room(PITCH, seq.image_size)
    flow, kin, picture = GuidedBaseline(), StreamingKinematics(seq.image_size), PicturePitch()
    seen: list = []  # type: ignore[type-arg]
    shown = []
    for i in range(90):
        frame = Frame(index=i, time_s=float(seq.time_s[i]), image=room)
        feed_frame(Poser(), frame, False, kin, flow, seen, picture)
        shown.append((flow.state, setup_level(flow, picture)))
    calibrating = [lv for state, lv in shown if state == "calibrating"]
    after = [lv for state, lv in shown if state != "calibrating"]
    assert calibrating and after
    assert all(lv is not None and lv.state == "tilted" for lv in calibrating[1:])
    assert all(lv is None for lv in after)
    assert setup_level(GuidedBaseline(), None) is None  # a tilt was given
    # drawn under the prompt's band, which it leaves as it was
    level = calibrating[-1]
    assert level is not None
    plain = room.copy()
    band = draw_prompt(plain, "Stand still, facing the camera, arms relaxed: calibrating...")
    image = room.copy()
    assert (
        draw_prompt(image, "Stand still, facing the camera, arms relaxed: calibrating...", level)
        == band
    )
    assert np.array_equal(image[:band], plain[:band]) and not np.array_equal(image, plain)


class _KeepingUI:
    """A window stand-in of ``size`` that keeps every frame shown (no keys, no answers)."""

    closed = False

    def __init__(self, size: tuple[int, int]) -> None:
        self.size, self.frames = size, []  # type: ignore[var-annotated]

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        self.frames.append(image.copy())
        return -1

    def ask(self, image: np.ndarray, lines: list[str], keys: set[int]) -> int | None:
        return None

    def canvas_size(self) -> tuple[int, int]:
        return self.size

    def close(self) -> None:
        self.closed = True


@pytest.mark.video
def test_the_live_window_shows_the_level_while_setting_up_and_not_after(tmp_path: Path) -> None:
    """The real live loop on a rendered clip (camera 8 deg down, a door frame), its kept poses."""
    from dataclasses import replace

    from halfcircle.analyze.camerapitch import level_guide
    from halfcircle.live.options import LiveOptions
    from halfcircle.live.record import read_events
    from halfcircle.live.run import run_live
    from halfcircle.present.layout import window_layout
    from halfcircle.present.level import STATE_COLOURS, draw_level
    from tests.conftest import FIXTURES, fixture_poses

    name, size = "pitch_front_door_8down", (1280, 720)
    seq = fixture_poses(name)

    class Replay:  # the kept MediaPipe poses of the clip, at each frame's time
        def __call__(self, model: str, mode: str) -> Replay:
            return self

        def __enter__(self) -> Replay:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def process(self, image: np.ndarray, time_s: float):  # type: ignore[no-untyped-def]
            return replace(seq.frame(min(round(time_s * seq.fps), len(seq) - 1)), time_s=time_s)

    ui = _KeepingUI(size)
    opts = LiveOptions(
        str(FIXTURES / f"{name}.mp4"), tmp_path / "s", fast=True, annotate=False,
        tilt_how="picture",
    )  # fmt: skip
    run_live(opts, estimator_factory=Replay(), ui=ui)
    (calibrated,) = [e for e in read_events(tmp_path / "s") if e["type"] == "calibrated"]
    first_practice = math.ceil(calibrated["time_s"] * seq.fps) + 1  # fast: one frame shown each
    assert 10 < first_practice < len(ui.frames) - 10
    # where the scale is drawn (its place does not depend on the reading or the sentence)
    layout = window_layout(size, seq.image_size)
    blank = np.zeros((size[1], size[0], 3), np.uint8)
    d = draw_level(blank, level_guide(PitchEstimate(8.0, 1.0, "room lines")), layout)
    amber = np.array(STATE_COLOURS["tilted"])

    def marker_rows(image: np.ndarray) -> np.ndarray:
        half = d.box.w // 8
        col = image[d.scale_top : d.scale_bottom, d.scale_x - half : d.scale_x + half].astype(int)
        rows, _ = np.nonzero(np.all(np.abs(col - amber) <= 12, axis=-1))
        return rows + d.scale_top

    mid = (d.scale_top + d.scale_bottom) / 2
    for image in ui.frames[2 : first_practice - 1 : 4]:  # setting up: the camera reads down
        rows = marker_rows(image)
        assert rows.size > 100 and rows.mean() > mid + 0.1 * (d.scale_bottom - d.scale_top)
    for image in ui.frames[first_practice + 1 :: 10]:  # calibrated: no level
        assert marker_rows(image).size == 0
