"""Settings and options refused at the door: one sentence, in the user's units, exit 2.

Each case runs the real command in a subprocess and checks that it stops before
any video is read, with one plain line on stderr and no traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from halfcircle.config import Settings as HalfcircleSettings
from halfcircle.config import SettingsError, apply_settings, load_settings, parse_overrides
from tests.conftest import FIXTURES

CLIP = FIXTURES / "base_toe_touch.mp4"


def _halfcircle(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "halfcircle", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _one_sentence(run: subprocess.CompletedProcess[str], *words: str) -> str:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "Error:" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("halfcircle: ")
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.video
@pytest.mark.parametrize(
    ("item", "words"),
    [
        ("metrics.sparc_pad_level=100000", ("sparc_pad_level must be in [0, 8]", "100000")),
        ("metrics.sparc_pad_level=99999999999999999999", ("sparc_pad_level",)),
        ("reps.leave_upright_deg=inf", ("leave_upright_deg must be a finite number",)),
        ("reps.leave_upright_deg=nan", ("leave_upright_deg must be a finite number",)),
        ("reps.leave_upright_deg=1e400", ("leave_upright_deg must be a finite number",)),
        ("reps.leave_upright_deg=-inf", ("leave_upright_deg must be a finite number",)),
        ("baseline.enter_deg=[10.0, inf, 2.0]", ("baseline.enter_deg must be a list of 3",)),
        ("reps.leave_upright_deg=14\n[evil]", ("--set takes one line",)),
        ("reps.leave_upright_deg=14\rx", ("--set takes one line",)),
        (f"reps.leave_upright_deg={'[' * 5000}{']' * 5000}", ("nested deeper",)),
    ],
    ids=[
        "pad-level", "pad-level-huge", "inf", "nan", "overflow", "minus-inf", "inf-in-list",
        "newline", "carriage-return", "deep-nesting",
    ],
)  # fmt: skip
def test_a_bad_set_value_is_one_sentence(item: str, words: tuple[str, ...], tmp_path: Path) -> None:
    _one_sentence(_halfcircle("config", "--set", item, cwd=tmp_path), *words)


@pytest.mark.video
@pytest.mark.parametrize("item", ["reps.leave_upright_deg=inf", "reps.leave_upright_deg=14\n[x]"])
def test_analyze_refuses_a_bad_set_value_before_reading_the_video(
    item: str, tmp_path: Path
) -> None:
    run = _halfcircle("analyze", CLIP, "--out", tmp_path / "o", "--set", item, cwd=tmp_path)
    _one_sentence(run, "leave_upright_deg")
    assert not (tmp_path / "o").exists()


@pytest.mark.video
def test_a_settings_file_of_5000_nested_arrays_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("[reps]\nleave_upright_deg = " + "[" * 5000 + "]" * 5000 + "\n")
    _one_sentence(_halfcircle("config", "--config", path, cwd=tmp_path), str(path), "nested")
    with pytest.raises(SettingsError, match="nested deeper"):
        load_settings(path)
    shallow = tmp_path / "shallow.toml"  # deep enough for no setting, too shallow to recurse
    shallow.write_text("[reps]\nleave_upright_deg = " + "[" * 50 + "]" * 50 + "\n")
    with pytest.raises(SettingsError, match="nested deeper"):
        load_settings(shallow)


@pytest.mark.video
@pytest.mark.parametrize("jobs", ["0", "-3", "two"])
def test_analyze_jobs_below_one_is_one_sentence(jobs: str, tmp_path: Path) -> None:
    run = _halfcircle(
        "analyze", CLIP, CLIP, "--out", tmp_path / "o", f"--jobs={jobs}", cwd=tmp_path
    )
    _one_sentence(run, "--jobs", "1 or more", jobs)
    assert not (tmp_path / "o").exists()


@pytest.mark.video
@pytest.mark.parametrize("height", ["-5", "0", "1.75", "400", "nan", "tall"])
def test_baseline_height_out_of_range_is_refused_in_cm_before_the_pose_pass(
    height: str, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite3"
    run = _halfcircle(
        "baseline", "--source", CLIP, "--db", db, f"--height-cm={height}", cwd=tmp_path
    )
    line = _one_sentence(run, "--height-cm", "centimetres", "between 50 and 280", height)
    assert " m " not in line and "metres" not in line.replace("centimetres", "")
    assert "pose" not in run.stderr.replace(line, "")  # no progress bar: refused before it
    assert not db.exists()


def test_parse_overrides_reads_one_value_only() -> None:
    # "14 x = 1" is not one TOML value: kept as a string, refused for its type
    with pytest.raises(SettingsError, match="must be a number"):
        apply_settings(HalfcircleSettings(), parse_overrides(["reps.leave_upright_deg=14\tx=1"]))
    assert parse_overrides(["reps.leave_upright_deg=14"]) == {"reps": {"leave_upright_deg": 14}}


def test_a_string_setting_would_be_written_as_one_line_of_toml() -> None:
    from halfcircle.config import _toml_value, tomllib

    text = 'a\nb"c\x7f\t\\'
    written = _toml_value(text)
    assert "\n" not in written and "\x7f" not in written
    assert tomllib.loads(f"v = {written}")["v"] == text
