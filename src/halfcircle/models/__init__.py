"""The shipped MediaPipe pose-landmarker bundles: registry, lookup and checks.

Three variants of the same BlazePose pipeline exist: ``lite``, ``full`` and
``heavy`` (slower and more accurate in that order). ``lite`` and ``full`` ship
inside this package; ``heavy`` (about 31 MB) is built on request with
``halfcircle models build heavy`` into ``$HALFCIRCLE_MODELS_DIR`` or this folder.
Every bundle is rebuilt byte for byte from the npm package ``@mediapipe/pose``
by :mod:`halfcircle.models.build`, so each variant has one known sha256.

Importing this module reads no file; hashes are computed on first use and
cached per file (path, modification time and size).
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from halfcircle.errors import InputError, ModelError

#: The npm package the networks come from (licence Apache-2.0).
NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
LICENSE = "Apache-2.0"

#: Tarball member that is byte for byte ``pose_detection.tflite``, the person detector.
DETECTOR_MEMBER = "package/pose_solution_packed_assets.data"

#: sha256 of the tarball members the bundles are built from.
SOURCE_SHA256 = {
    DETECTOR_MEMBER: "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    "package/pose_landmark_lite.tflite": (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
    ),
    "package/pose_landmark_full.tflite": (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
    ),
    "package/pose_landmark_heavy.tflite": (
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
    ),
}

#: Environment variable naming an extra folder searched for bundles (before this package).
MODELS_DIR_ENV = "HALFCIRCLE_MODELS_DIR"

#: Folder of the packaged bundles (a module attribute so tests can point it elsewhere).
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ModelSpec:
    """One registered bundle variant.

    Attributes:
        name: Variant name: ``"lite"``, ``"full"`` or ``"heavy"``.
        file_name: File name of the bundle.
        sha256: Hex sha256 of the bundle the builder writes.
        size: Size of the bundle in bytes.
        source_member: Tarball member of the landmark network (the detector is
            always :data:`DETECTOR_MEMBER`).
        shipped: Whether the bundle is committed and installed with the package.
    """

    name: str
    file_name: str
    sha256: str
    size: int
    source_member: str
    shipped: bool

    @property
    def build_command(self) -> str:
        """The command that (re)builds this bundle."""
        return f"halfcircle models build {self.name}"

    @property
    def provenance(self) -> str:
        """Where the bundle's networks come from, in one line."""
        return (
            f"{NPM_PACKAGE}@{NPM_VERSION} ({LICENSE}): {DETECTOR_MEMBER} and "
            f"{self.source_member}, with TFLite metadata added by halfcircle.models.build"
        )


MODELS: dict[str, ModelSpec] = {
    "lite": ModelSpec(
        name="lite",
        file_name="pose_landmarker_lite.task",
        sha256="cd44c8d62340cd572507d37f23e58d036e2dfaee410e13c175b96b97f1bb04e2",
        size=5_778_282,
        source_member="package/pose_landmark_lite.tflite",
        shipped=True,
    ),
    "full": ModelSpec(
        name="full",
        file_name="pose_landmarker_full.task",
        sha256="aef810be8ffa3d08af36d137594090896bc63669d1549280e9d42c44daa0c90b",
        size=9_398_766,
        source_member="package/pose_landmark_full.tflite",
        shipped=True,
    ),
    "heavy": ModelSpec(
        name="heavy",
        file_name="pose_landmarker_heavy.task",
        sha256="793837e08cb291c809da2c88bb2a24c5c24e06874aed20978ad91c30590c7d96",
        size=30_664_810,
        source_member="package/pose_landmark_heavy.tflite",
        shipped=False,
    ),
}


@dataclass(frozen=True)
class ModelInfo:
    """What :func:`list_models` reports about one variant.

    Attributes:
        name: Variant name.
        path: Where the bundle was found, or where it would be built if missing.
        installed: Whether the file exists.
        size: Size of the file in bytes, or None when it is missing.
        sha256_ok: Whether the file exists and has the registered sha256.
    """

    name: str
    path: Path
    installed: bool
    size: int | None
    sha256_ok: bool


def search_dirs() -> list[Path]:
    """Folders searched for bundles: ``$HALFCIRCLE_MODELS_DIR`` if set, then the package."""
    dirs = []
    user_dir = os.environ.get(MODELS_DIR_ENV)
    if user_dir:
        dirs.append(Path(user_dir).expanduser())
    dirs.append(PACKAGE_DIR)
    return dirs


def default_build_dir() -> Path:
    """Folder new bundles are built into: ``$HALFCIRCLE_MODELS_DIR`` if set, else the package."""
    return search_dirs()[0]


def sha256_of(path: Path) -> str:
    """Hex sha256 of the file at ``path``, computed once per path, mtime and size."""
    stat = path.stat()
    return _sha256_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _sha256_cached(path: str, mtime_ns: int, size: int) -> str:
    """Hash a file; the mtime and size arguments only key the cache."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find(spec: ModelSpec) -> Path | None:
    """First existing file of ``spec`` in :func:`search_dirs`, or None."""
    for folder in search_dirs():
        candidate = folder / spec.file_name
        if candidate.is_file():
            return candidate
    return None


def model_path(name_or_path: str) -> Path:
    """Resolve a variant name or a ``.task`` path to a bundle file that can be loaded.

    Args:
        name_or_path: ``"lite"``, ``"full"`` or ``"heavy"`` (looked up in
            :func:`search_dirs` and checked against the registered sha256), or a
            path to any ``.task`` bundle (taken as is).

    Raises:
        InputError: The name is neither a known variant nor a ``.task`` path.
        ModelError: The file is missing, or a registered variant's file does not
            have its registered sha256.
    """
    spec = MODELS.get(name_or_path)
    if spec is None:
        path = Path(name_or_path).expanduser()
        if path.suffix != ".task":  # a mistyped name: a usage error (exit 2)
            raise InputError(
                f"Unknown pose model {name_or_path!r}: expected one of "
                f"{', '.join(MODELS)} or a path to a .task bundle."
            )
        if not path.is_file():
            raise ModelError(f"The pose model bundle {path} does not exist.")
        return path
    found = _find(spec)
    if found is None:
        where = " or ".join(str(d) for d in search_dirs())
        raise ModelError(
            f"The pose model {spec.file_name} was not found in {where}; "
            f"build it with `{spec.build_command}`."
        )
    actual = sha256_of(found)
    if actual != spec.sha256:
        raise ModelError(
            f"The pose model {found} has sha256 {actual} but {spec.sha256} was expected; "
            f"rebuild it with `{spec.build_command}`."
        )
    return found


def list_models() -> list[ModelInfo]:
    """Report every registered variant: where it is, whether it is installed and intact."""
    infos = []
    for spec in MODELS.values():
        found = _find(spec)
        if found is None:
            infos.append(
                ModelInfo(spec.name, default_build_dir() / spec.file_name, False, None, False)
            )
            continue
        infos.append(
            ModelInfo(
                name=spec.name,
                path=found,
                installed=True,
                size=found.stat().st_size,
                sha256_ok=sha256_of(found) == spec.sha256,
            )
        )
    return infos
