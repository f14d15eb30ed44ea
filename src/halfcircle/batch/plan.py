"""A batch's plan: the videos found, their ids and folders, and which are already done (markers)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from halfcircle import __version__
from halfcircle.config import settings_diff
from halfcircle.errors import HalfcircleError, InputError
from halfcircle.models import model_path, sha256_of

if TYPE_CHECKING:
    from halfcircle.config import Settings


#: The completion marker of a video's output folder, written last.
DONE_NAME: Final = "done.json"


#: Schema version of ``done.json``; a marker of another version is not trusted.
#: 2: ``settings``, the settings that differ from the defaults (a version 1
#: marker was written with the defaults, and is read so).
MARKER_SCHEMA_VERSION: Final = 2


_MARKER_VERSIONS_READ: Final = (1, MARKER_SCHEMA_VERSION)


#: Sub-folder of the output folder that holds one folder per video.
VIDEOS_DIR: Final = "videos"


#: Sub-folder where outputs are written before they are renamed into place.
PARTIAL_DIR: Final = ".partial"


_BASELINE_NAME = re.compile(r"^base(line)?[_-]", re.IGNORECASE)


Status = Literal["done", "failed"]


class BatchError(HalfcircleError):
    """A batch cannot start or go on (no cluster, output folder in use)."""


# ----------------------------------------------------------------------------- discovery
@dataclass(frozen=True)
class VideoEntry:
    """One video of a batch.

    Attributes:
        path: The video file (absolute).
        video_id: Its id, unique in the batch (a relative path, ``/``-separated).
        person: Who it shows, by the folder convention (module docstring); may be "".
        baseline: Whether it is a baseline test clip (by its name or folder).
    """

    path: Path
    video_id: str
    person: str
    baseline: bool

    def out_dir(self, root: Path) -> Path:
        """The video's output folder inside the batch folder ``root``."""
        return root / VIDEOS_DIR / Path(*self.video_id.split("/"))


def is_baseline_clip(relative: Path) -> bool:
    """Whether a video (its path below the input folder) is a baseline test clip."""
    return bool(_BASELINE_NAME.match(relative.name)) or any(
        part.lower() == "baseline" for part in relative.parts[:-1]
    )


def find_batch_videos(
    inputs: Sequence[str | Path], exclude: Path | None = None
) -> list[VideoEntry]:
    """Every video in ``inputs`` (files, and folders searched recursively), with ids.

    Args:
        inputs: Video files and folders.
        exclude: A folder whose contents are never taken as input (the batch's own
            output folder, which holds annotated videos).

    Raises:
        InputError: An input does not exist.
    """
    # lazy: loads cv2
    from halfcircle.io.capture import VIDEO_SUFFIXES

    excluded = exclude.resolve() if exclude is not None else None
    found: dict[Path, tuple[str, str]] = {}  # path -> (id, person)
    for given in inputs:
        root = Path(given).expanduser()
        if not root.exists():
            raise InputError(f"There is no file or folder at {root}.")
        root = root.resolve()
        if root.is_file():
            found.setdefault(root, (root.name, root.parent.name))
            continue
        for p in sorted(root.rglob("*")):
            if not (p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES):
                continue
            if excluded is not None and p.is_relative_to(excluded):
                continue
            rel = p.relative_to(root)
            person = rel.parts[0] if len(rel.parts) > 1 else root.name
            found.setdefault(p, (rel.as_posix(), person))
    by_id: dict[str, list[Path]] = {}
    for p, (vid, _) in found.items():
        by_id.setdefault(vid, []).append(p)
    entries = []
    for p, (vid, person) in found.items():
        if len(by_id[vid]) > 1:
            digest = hashlib.sha1(str(p).encode()).hexdigest()[:8]
            stem, _, name = vid.rpartition("/")
            base = Path(name)
            vid = (stem + "/" if stem else "") + f"{base.stem}-{digest}{base.suffix}"
        rel = Path(*vid.split("/"))
        entries.append(VideoEntry(p, vid, person, is_baseline_clip(rel)))
    return sorted(entries, key=lambda e: e.video_id)


# ----------------------------------------------------------------------------- markers
def _input_stamp(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_done(
    out_dir: Path,
    video: Path,
    model_sha256: str,
    *,
    annotate: bool,
    baseline: bool,
    camera_tilt_deg: float | None = None,
    settings: Settings | None = None,
    mirrored: bool = False,
) -> bool:
    """Whether ``out_dir`` holds complete, valid outputs of ``video`` for these settings.

    True when ``done.json`` is readable and of a schema read here, was written by
    this version of halfcircle (another version may measure differently, and a
    cohort should not mix them), names the same input size and modification
    time, the same model bundle (sha256), camera
    tilt, settings (``settings``, the defaults when None) and baseline setting,
    holds the annotated video when one is wanted, and every file it lists is
    there with the size it lists.
    """
    try:
        marker = json.loads((out_dir / DONE_NAME).read_text(encoding="utf-8"))
        stamp = _input_stamp(video)
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("schema_version") not in _MARKER_VERSIONS_READ:
        return False
    if marker.get("halfcircle") != __version__:
        return False
    source = marker.get("video") or {}
    if (source.get("size"), source.get("mtime_ns")) != (stamp["size"], stamp["mtime_ns"]):
        return False
    if (marker.get("model") or {}).get("sha256") != model_sha256:
        return False
    if marker.get("baseline") != baseline or (annotate and not marker.get("annotate")):
        return False
    if marker.get("camera_tilt_deg", 0.0) != camera_tilt_deg:
        return False
    if bool(marker.get("mirrored", False)) != mirrored:
        return False
    wanted = settings_diff(settings) if settings is not None else {}
    if (marker.get("settings") or {}) != wanted:
        return False
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for name, size in files.items():
        try:
            if (out_dir / name).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


# ----------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class BatchPlan:
    """What a batch will do.

    Attributes:
        out_dir: The batch's output folder (absolute).
        entries: Every video found, sorted by id.
        done: Ids of the videos whose outputs are already complete and valid.
        model: The pose model (``lite``, ``full``, ``heavy`` or a ``.task`` path).
        model_sha256: sha256 of the model bundle.
        annotate: Whether annotated videos are written.
        camera_tilt_deg: How far the cameras looked down (deg, 0 level); None: told
            from each video's picture where it can be, else taken as level.
        settings: The thresholds of every stage (None: the defaults).
        mirrored: The videos are mirrored recordings (selfie videos), flipped back.
    """

    out_dir: Path
    entries: list[VideoEntry]
    done: frozenset[str]
    model: str
    model_sha256: str
    annotate: bool
    camera_tilt_deg: float | None = None
    settings: Settings | None = None
    mirrored: bool = False

    @property
    def todo(self) -> list[VideoEntry]:
        """The videos still to analyse."""
        return [e for e in self.entries if e.video_id not in self.done]

    def job(self, entry: VideoEntry) -> VideoJob:
        """The job that analyses ``entry`` into its folder of this batch."""
        return VideoJob(
            video=str(entry.path),
            video_id=entry.video_id,
            out_dir=str(entry.out_dir(self.out_dir)),
            partial_dir=str(self.out_dir / PARTIAL_DIR),
            model=self.model,
            model_sha256=self.model_sha256,
            annotate=self.annotate,
            baseline=entry.baseline,
            camera_tilt_deg=self.camera_tilt_deg,
            settings=self.settings,
            mirrored=self.mirrored,
        )


def plan_batch(
    inputs: Sequence[str | Path],
    out_dir: Path,
    *,
    model: str = "full",
    annotate: bool = True,
    camera_tilt_deg: float | None = None,
    settings: Settings | None = None,
    mirrored: bool = False,
) -> BatchPlan:
    """Find the videos of a batch and which of them are already done.

    ``camera_tilt_deg`` is how far every camera looked down (deg, 0 level; None:
    told from each video's picture where it can be, else level);
    ``settings`` are the thresholds of every stage (None: the defaults);
    ``mirrored``: the videos are mirrored recordings. A video done with another
    tilt, other settings or the other mirroring is done again.

    Raises:
        InputError: An input is missing, or no video was found.
        ModelError: The pose model is missing or damaged.
    """
    sha = sha256_of(model_path(model))
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise InputError(f"The output {out} is a file, not a folder.")
    entries = find_batch_videos(inputs, exclude=out)
    if not entries:
        raise InputError("No video files were found in the given files and folders.")
    done = frozenset(
        e.video_id
        for e in entries
        if is_done(
            e.out_dir(out),
            e.path,
            sha,
            annotate=annotate,
            baseline=e.baseline,
            camera_tilt_deg=camera_tilt_deg,
            settings=settings,
            mirrored=mirrored,
        )
    )
    return BatchPlan(out, entries, done, model, sha, annotate, camera_tilt_deg, settings, mirrored)


@dataclass(frozen=True)
class VideoOutcome:
    """What became of one video in this run.

    Attributes:
        video_id: The video's id.
        status: ``"done"`` (outputs written) or ``"failed"``.
        error: Why it failed: one plain sentence; None when done.
        seconds: Time spent on it by the worker (s).
        worker: Where it ran (``host:pid``).
        estimator_uses: How many videos the worker's pose landmarker had read,
            this one included (1 when it was loaded for this video).
    """

    video_id: str
    status: Status
    error: str | None = None
    seconds: float = 0.0
    worker: str = ""
    estimator_uses: int = 0


@dataclass(frozen=True)
class VideoJob:
    """One video to analyse on a worker (all paths absolute)."""

    video: str
    video_id: str
    out_dir: str
    partial_dir: str
    model: str
    model_sha256: str
    annotate: bool
    baseline: bool
    camera_tilt_deg: float | None = None
    settings: Settings | None = None
    mirrored: bool = False
