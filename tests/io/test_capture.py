"""Frame sources: files, cameras and streams behind one interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from halfcircle.errors import CameraLostError, VideoSourceError
from halfcircle.io.capture import FrameSource, ReadAhead, find_videos, open_source
from tests.conftest import write_video


def test_a_file_yields_every_frame_with_the_files_clock(gradient_video: Path) -> None:
    with open_source(gradient_video) as source:
        assert not source.live
        assert source.size == (64, 48)
        assert source.fps == pytest.approx(30.0)
        assert source.frame_count == 12
        frames = list(source)
    assert [f.index for f in frames] == list(range(12))
    assert np.allclose([f.time_s for f in frames], np.arange(12) / 30.0, atol=1e-6)
    assert frames[0].image.shape == (48, 64, 3)
    assert frames[5].image.mean() > frames[1].image.mean()


def test_the_capture_is_released_even_when_the_loop_stops_early(gradient_video: Path) -> None:
    source = open_source(gradient_video)
    with source:
        for frame in source:
            if frame.index == 2:
                break
    assert source._cap is None


@pytest.mark.video
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nothing_here.mp4", "There is no video file at"),
        (lambda d: d, "is a folder, not a video file"),
    ],
    ids=["missing", "folder"],
)
def test_missing_paths_and_folders_are_refused_in_one_sentence(
    tmp_path: Path, make: Any, message: str
) -> None:
    with pytest.raises(VideoSourceError, match=message):
        open_source(make(tmp_path))


@pytest.mark.video
@pytest.mark.parametrize(
    "content",
    [b"this is a shopping list, not a video\n", b"\x00" * 4096],
    ids=["text", "zeros"],
)
def test_a_file_that_is_not_a_video_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoSourceError, match="could not be opened as a video") as info:
        with open_source(path) as source:
            list(source)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.video
def test_a_truncated_video_is_refused(gradient_video: Path, tmp_path: Path) -> None:
    data = gradient_video.read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoSourceError):
        with open_source(broken) as source:
            list(source)


def test_digits_mean_a_camera_and_urls_mean_a_stream() -> None:
    cam = open_source("0", capture_factory=lambda _: _ClosedCapture())
    assert cam.live and cam.target == 0 and cam.description == "Camera 0"
    stream = open_source("rtsp://127.0.0.1:8554/wall", capture_factory=lambda _: _ClosedCapture())
    assert stream.live and "rtsp://127.0.0.1:8554/wall" in stream.description


def test_a_camera_that_cannot_be_opened_says_so() -> None:
    with pytest.raises(VideoSourceError, match="Camera 3 could not be opened"):
        with open_source(3, capture_factory=lambda _: _ClosedCapture()):
            pass


def test_a_real_missing_camera_index_is_a_clear_error() -> None:
    # No camera exists on CI: OpenCV's real capture must fail to open.
    with pytest.raises(VideoSourceError, match="Camera 9 could not be opened"):
        with open_source(9):
            pass


class _ClosedCapture:
    def isOpened(self) -> bool:
        return False

    def read(self) -> tuple[bool, Any]:
        return False, None

    def get(self, prop_id: int) -> float:
        return 0.0

    def release(self) -> None:
        pass


class _VanishingCamera:
    """A camera stand-in that plays a real video file and then stops delivering.

    Only the physical device is replaced: decoding and the source's own live
    loop (monotonic clock, retries, the error) are the real code.
    """

    def __init__(self, path: Path, frames_before_unplug: int) -> None:
        self._cap = cv2.VideoCapture(str(path))
        self._left = frames_before_unplug
        self.released = False

    def isOpened(self) -> bool:
        return self._cap.isOpened()

    def read(self) -> tuple[bool, Any]:
        if self._left <= 0:
            return False, None
        self._left -= 1
        return self._cap.read()

    def get(self, prop_id: int) -> float:
        return float(self._cap.get(prop_id))

    def release(self) -> None:
        self.released = True
        self._cap.release()


def test_a_camera_that_vanishes_mid_stream_raises_camera_lost_after_its_frames(
    gradient_video: Path,
) -> None:
    camera = _VanishingCamera(gradient_video, frames_before_unplug=5)
    source = FrameSource(7, live=True, description="Camera 7", capture_factory=lambda _: camera)
    got = []
    with pytest.raises(
        CameraLostError, match=r"Camera 7 stopped delivering frames after .* \(5 frames\)"
    ):
        with source:
            for frame in source:
                got.append(frame)
    assert [f.index for f in got] == [0, 1, 2, 3, 4]
    times = [f.time_s for f in got]
    assert times[0] == 0.0 and all(np.diff(times) > 0)
    assert camera.released


@pytest.mark.video
def test_find_videos_searches_folders_recursively(tmp_path: Path, gradient_video: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    nested = tmp_path / "a" / "b" / "clip.MOV"
    nested.write_bytes(gradient_video.read_bytes())
    (tmp_path / "a" / "notes.txt").write_text("not a video")
    found = find_videos([tmp_path])
    assert nested in found and gradient_video in found
    assert all(p.suffix.lower() in (".mp4", ".mov") for p in found)


def test_reading_ahead_gives_the_same_frames_in_the_same_order(gradient_video: Path) -> None:
    with open_source(gradient_video) as source:
        direct = list(source)
    with open_source(gradient_video) as source, ReadAhead(source, depth=2) as frames:
        ahead = list(frames)
    assert [f.index for f in ahead] == [f.index for f in direct]
    assert [f.time_s for f in ahead] == [f.time_s for f in direct]
    assert all(np.array_equal(a.image, d.image) for a, d in zip(ahead, direct, strict=True))


def test_reading_ahead_stops_and_releases_the_source_when_the_loop_stops_early(
    gradient_video: Path,
) -> None:
    source = open_source(gradient_video)
    with source:
        reader = ReadAhead(source, depth=2)
        with reader as frames:
            for frame in frames:
                if frame.index == 1:
                    break
        assert not reader._thread.is_alive()
        assert source._cap is None  # closed by the reader, before the source's own exit
        assert source.frames_read < 12


def test_reading_ahead_raises_an_error_after_the_items_read_before_it() -> None:
    def items() -> Any:
        yield 1
        yield 2
        raise CameraLostError("The camera stopped.")

    got = []
    with pytest.raises(CameraLostError, match="stopped"), ReadAhead(items()) as ahead:
        for x in ahead:
            got.append(x)
    assert got == [1, 2]


@pytest.mark.video
def test_a_phone_video_stored_sideways_is_read_upright(tmp_path: Path) -> None:
    """Phones store portrait video as landscape frames plus a rotation tag."""
    import subprocess

    import imageio_ffmpeg

    upright = np.full((64, 48, 3), 40, np.uint8)  # portrait, 48 wide
    upright[:16, :16] = 250  # a bright corner at the top left
    stored = cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE)  # 64 wide, as the phone stores it
    plain = write_video(tmp_path / "stored.mp4", [stored] * 5)
    tagged = tmp_path / "phone.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-display_rotation", "90",
         "-i", str(plain), "-c", "copy", str(tagged)],
        check=True,
    )  # fmt: skip
    with open_source(tagged) as source:
        frames = [f.image for f in source]
        assert source.size == (48, 64)
    assert len(frames) == 5 and frames[0].shape == (64, 48, 3)
    assert frames[0][:16, :16].mean() > 200 and frames[0][-16:, -16:].mean() < 80
