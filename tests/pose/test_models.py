"""The shipped pose-model bundles: reproducible build, registry checks, loadable by MediaPipe.

The npm tarball is fetched once with ``npm pack`` and kept in pytest's cache
folder (``.pytest_cache/d/halfcircle-npm``), so later runs work offline.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from mediapipe.tasks.metadata import metadata_schema_py_generated as md
from mediapipe.tasks.metadata import schema_py_generated as tfl

import halfcircle.models as models
from halfcircle.errors import InputError, ModelError
from halfcircle.models import MODELS, list_models, model_path, sha256_of
from halfcircle.models.build import (
    DETECTOR_FILE,
    LANDMARKS_FILE,
    ZIP_DATE_TIME,
    build_bundle,
    fetch_tarball,
    main,
    pack_task,
)

SHIPPED = [name for name, spec in MODELS.items() if spec.shipped]
#: The real package folder (some tests point ``models.PACKAGE_DIR`` elsewhere).
PACKAGED = models.PACKAGE_DIR


@pytest.fixture(scope="session")
def npm_tarball(pytestconfig: pytest.Config) -> Path:
    """The pinned @mediapipe/pose tarball, downloaded once into pytest's cache."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH; the bundles cannot be rebuilt here")
    return fetch_tarball(pytestconfig.cache.mkdir("halfcircle-npm"))


@pytest.fixture(scope="session")
def built(npm_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped variants rebuilt from the tarball into a temporary folder."""
    out = tmp_path_factory.mktemp("built")
    return {name: build_bundle(name, npm_tarball, out) for name in SHIPPED}


@pytest.fixture
def models_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty user models folder (via the env var) and an empty package folder."""
    user_dir, package_dir = tmp_path / "user", tmp_path / "package"
    user_dir.mkdir()
    package_dir.mkdir()
    monkeypatch.setenv(models.MODELS_DIR_ENV, str(user_dir))
    monkeypatch.setattr(models, "PACKAGE_DIR", package_dir)
    return user_dir, package_dir


def _metadata(tflite: bytes) -> md.ModelMetadata:
    """The TFLite model metadata stored in the ``TFLITE_METADATA`` buffer of a network."""
    model = tfl.Model.GetRootAs(tflite, 0)
    entries = [model.Metadata(i) for i in range(model.MetadataLength())]
    (entry,) = [e for e in entries if e.Name() == b"TFLITE_METADATA"]
    data = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    assert md.ModelMetadata.ModelMetadataBufferHasIdentifier(data, 0)
    return md.ModelMetadata.GetRootAs(data, 0)


# --- the builder ------------------------------------------------------------------------


@pytest.mark.video
@pytest.mark.parametrize("name", SHIPPED)
def test_builder_reproduces_the_committed_bundle_byte_for_byte(
    name: str, built: dict[str, Path]
) -> None:
    committed = PACKAGED / MODELS[name].file_name
    assert built[name].read_bytes() == committed.read_bytes()


@pytest.mark.parametrize("name", SHIPPED)
def test_registry_states_the_committed_files_size_and_sha256(name: str) -> None:
    spec = MODELS[name]
    data = (PACKAGED / spec.file_name).read_bytes()
    assert len(data) == spec.size
    assert hashlib.sha256(data).hexdigest() == spec.sha256


@pytest.mark.video
def test_heavy_builds_to_its_registered_sha256(npm_tarball: Path, tmp_path: Path) -> None:
    path = build_bundle("heavy", npm_tarball, tmp_path)
    assert path == tmp_path / "pose_landmarker_heavy.task"
    assert path.stat().st_size == MODELS["heavy"].size
    assert sha256_of(path) == MODELS["heavy"].sha256


@pytest.mark.parametrize("name", SHIPPED)
def test_bundle_is_an_uncompressed_aligned_zip_with_fixed_times(name: str) -> None:
    path = PACKAGED / MODELS[name].file_name
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [DETECTOR_FILE, LANDMARKS_FILE]
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == ZIP_DATE_TIME
            data_offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_offset % 4 == 0, f"{info.filename} data starts at {data_offset}"
        assert archive.testzip() is None


@pytest.mark.parametrize(
    ("member", "mean", "std", "n_outputs"),
    [(DETECTOR_FILE, 127.5, 127.5, 2), (LANDMARKS_FILE, 0.0, 255.0, 5)],
)
@pytest.mark.parametrize("name", SHIPPED)
def test_each_network_declares_an_rgb_image_input_and_its_normalisation(
    name: str, member: str, mean: float, std: float, n_outputs: int
) -> None:
    with zipfile.ZipFile(PACKAGED / MODELS[name].file_name) as archive:
        meta = _metadata(archive.read(member))
    assert meta.MinParserVersion() == b"1.0.0"
    subgraph = meta.SubgraphMetadata(0)
    image = subgraph.InputTensorMetadata(0)
    assert image.Content().ContentPropertiesType() == md.ContentProperties.ImageProperties
    props = md.ImageProperties()
    props.Init(image.Content().ContentProperties().Bytes, image.Content().ContentProperties().Pos)
    assert props.ColorSpace() == md.ColorSpaceType.RGB
    unit = image.ProcessUnits(0)
    assert unit.OptionsType() == md.ProcessUnitOptions.NormalizationOptions
    norm = md.NormalizationOptions()
    norm.Init(unit.Options().Bytes, unit.Options().Pos)
    assert norm.MeanAsNumpy().tolist() == [mean]
    assert norm.StdAsNumpy().tolist() == [std]
    assert subgraph.OutputTensorMetadataLength() == n_outputs


def test_builder_rejects_a_tarball_whose_networks_differ(tmp_path: Path) -> None:
    fake = tmp_path / "fake.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        data = b"not the detector"
        info = tarfile.TarInfo(models.DETECTOR_MEMBER)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ModelError, match=r"has sha256 [0-9a-f]{64}, expected a63c614b"):
        build_bundle("lite", fake, tmp_path)
    assert not (tmp_path / "pose_landmarker_lite.task").exists()


@pytest.mark.video
def test_command_line_builds_the_named_variant_into_out(npm_tarball: Path, tmp_path: Path) -> None:
    assert main(["lite", "--tarball", str(npm_tarball), "--out", str(tmp_path)]) == 0
    assert sha256_of(tmp_path / "pose_landmarker_lite.task") == MODELS["lite"].sha256


def test_command_line_refuses_an_unknown_variant() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["medium"])
    assert exc.value.code == 2


# --- lookup and checks ------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_names_resolve_to_the_packaged_file(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(models.MODELS_DIR_ENV, raising=False)
    assert model_path(name) == PACKAGED / MODELS[name].file_name


def test_a_corrupted_bundle_is_refused_with_both_hashes_and_the_rebuild_command(
    models_dirs: tuple[Path, Path],
) -> None:
    user_dir, _ = models_dirs
    copy = user_dir / "pose_landmarker_lite.task"
    data = bytearray((PACKAGED / "pose_landmarker_lite.task").read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(data)
    actual = hashlib.sha256(data).hexdigest()
    with pytest.raises(ModelError) as exc:
        model_path("lite")
    message = str(exc.value)
    assert str(copy) in message
    assert actual in message
    assert MODELS["lite"].sha256 in message
    assert "halfcircle models build lite" in message


def test_the_user_folder_takes_precedence_over_the_package(
    models_dirs: tuple[Path, Path],
) -> None:
    user_dir, package_dir = models_dirs
    source = PACKAGED / "pose_landmarker_lite.task"
    shutil.copy(source, user_dir / source.name)
    shutil.copy(source, package_dir / source.name)
    assert model_path("lite") == user_dir / source.name


def test_a_missing_variant_names_the_folders_searched_and_the_build_command(
    models_dirs: tuple[Path, Path],
) -> None:
    user_dir, package_dir = models_dirs
    with pytest.raises(ModelError) as exc:
        model_path("heavy")
    message = str(exc.value)
    assert "pose_landmarker_heavy.task was not found" in message
    assert str(user_dir) in message
    assert str(package_dir) in message
    assert "halfcircle models build heavy" in message


def test_an_unknown_name_lists_the_known_variants_as_a_usage_error() -> None:
    with pytest.raises(InputError, match=r"Unknown pose model 'medium': expected one of lite"):
        model_path("medium")
    assert InputError("").exit_code == 2  # not 4, which says a known model is missing


def test_a_missing_task_path_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.task"
    with pytest.raises(ModelError, match="does not exist"):
        model_path(str(missing))


def test_a_path_to_any_task_file_is_taken_as_is(tmp_path: Path) -> None:
    custom = tmp_path / "my_pose.task"
    custom.write_bytes(b"any bytes: custom bundles are not hash-checked")
    assert model_path(str(custom)) == custom


def test_a_file_is_hashed_once_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "x.task"
    path.write_bytes(b"one")
    models._sha256_cached.cache_clear()
    first = sha256_of(path)
    sha256_of(path)
    assert models._sha256_cached.cache_info().misses == 1
    path.write_bytes(b"two, longer")
    assert sha256_of(path) != first
    assert sha256_of(path) == hashlib.sha256(b"two, longer").hexdigest()


def test_list_models_reports_installed_intact_and_missing_variants(
    models_dirs: tuple[Path, Path],
) -> None:
    user_dir, package_dir = models_dirs
    source = PACKAGED / "pose_landmarker_lite.task"
    shutil.copy(source, package_dir / source.name)
    (user_dir / "pose_landmarker_full.task").write_bytes(b"damaged")
    infos = {info.name: info for info in list_models()}
    assert list(infos) == ["lite", "full", "heavy"]
    lite, full, heavy = infos["lite"], infos["full"], infos["heavy"]
    assert (lite.installed, lite.sha256_ok, lite.size) == (True, True, MODELS["lite"].size)
    assert lite.path == package_dir / source.name
    assert (full.installed, full.sha256_ok, full.size) == (True, False, 7)
    assert (heavy.installed, heavy.sha256_ok, heavy.size) == (False, False, None)
    assert heavy.path == user_dir / "pose_landmarker_heavy.task"


# --- MediaPipe accepts the bundles --------------------------------------------------------


def _detect_blank(bundle: Path) -> int:
    """Number of poses MediaPipe finds in a black 640x480 image with ``bundle``."""
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle)),
        running_mode=RunningMode.IMAGE,
    )
    blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((480, 640, 3), np.uint8))
    with PoseLandmarker.create_from_options(options) as landmarker:
        return len(landmarker.detect(blank).pose_landmarks)


@pytest.mark.video
@pytest.mark.parametrize("name", SHIPPED)
def test_a_built_bundle_loads_in_mediapipe_and_finds_nobody_in_a_blank_image(
    name: str, built: dict[str, Path]
) -> None:
    assert _detect_blank(built[name]) == 0


@pytest.mark.video
def test_mediapipe_refuses_the_networks_without_metadata(npm_tarball: Path, tmp_path: Path) -> None:
    with tarfile.open(npm_tarball, "r:gz") as tar:
        members = [
            (DETECTOR_FILE, tar.extractfile(models.DETECTOR_MEMBER).read()),  # type: ignore[union-attr]
            (LANDMARKS_FILE, tar.extractfile(MODELS["lite"].source_member).read()),  # type: ignore[union-attr]
        ]
    raw = tmp_path / "raw.task"
    raw.write_bytes(pack_task(members))
    with pytest.raises(Exception, match="NormalizationOptions"):
        _detect_blank(raw)
