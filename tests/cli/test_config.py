"""Settings: defaults, a TOML file over them, --set over that; every problem in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import halfcircle.cli.app as cli
import halfcircle.cli.options as options
from halfcircle.coaching.reps import RepCounter, RepThresholds
from halfcircle.coaching.session import SessionLoop
from halfcircle.config import (
    CONFIG_ENV,
    Settings,
    SettingsError,
    changed_settings,
    load_settings,
    parse_overrides,
    resolve_settings,
    settings_diff,
    settings_from_dict,
    settings_toml,
    tomllib,  # the standard library's, or its backport on 3.10
)
from halfcircle.kinematics.measure import KinematicsConfig
from halfcircle.synthetic import half_circle


def write(tmp_path: Path, text: str, name: str = "settings.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ defaults
def test_the_printed_defaults_load_back_to_the_defaults() -> None:
    text = settings_toml()
    assert load_settings_text(text) == Settings()
    tables = {k for k, v in tomllib.loads(text).items() if isinstance(v, dict)}
    assert tables == {"reps", "metrics", "score", "cues", "kinematics", "baseline", "pose", "voice"}
    assert "[kinematics.calibration]" in text and "[kinematics.one_euro]" in text


def load_settings_text(text: str) -> Settings:
    return settings_from_dict(tomllib.loads(text), "printed")


def test_printed_changed_settings_load_back_equal() -> None:
    changed = settings_from_dict(
        {
            "reps": {"leave_upright_deg": 0.1 + 0.2 + 14},
            "metrics": {"speed_cutoff_hz": None, "sparc_pad_level": 5},
            "baseline": {"enter_deg": [11.0, 6.5, 2.5]},
            "kinematics": {"one_euro": {"beta": 0.05}},
        }
    )
    assert load_settings_text(settings_toml(changed)) == changed
    assert "Default: 12.0." in settings_toml(changed)  # a changed value names its default


def test_every_field_of_every_group_is_in_the_printed_file_except_session_facts() -> None:
    data = tomllib.loads(settings_toml())
    assert set(data["reps"]) == set(RepThresholds.__dataclass_fields__)
    calibration = data["kinematics"]["calibration"]
    assert "camera_tilt_deg" not in calibration and "body_height_m" not in calibration
    assert "window_s" in calibration


def test_default_settings_give_the_kinematics_of_each_setup() -> None:
    assert Settings().kinematics_for(7.5, 1.8) == KinematicsConfig.for_setup(7.5, 1.8)
    assert settings_diff(Settings()) == {} and changed_settings(Settings()) == []


def test_settings_refuse_facts_of_one_session() -> None:
    with pytest.raises(ValueError, match="camera_tilt_deg"):
        Settings(kinematics=KinematicsConfig.for_setup(5.0))


# ------------------------------------------------------------------ the file
def test_keys_left_out_keep_their_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "[reps]\nleave_upright_deg = 14\n\n[kinematics.one_euro]\nbeta = 0.1\n")
    s = load_settings(path)
    assert s.reps == RepThresholds(leave_upright_deg=14.0)
    assert s.kinematics.one_euro.beta == 0.1 and s.kinematics.one_euro.min_cutoff_hz == 1.0
    assert s.score == Settings().score and s.kinematics.lowpass_cutoff_hz == 4.0
    assert settings_diff(s) == {
        "reps": {"leave_upright_deg": 14.0},
        "kinematics": {"one_euro": {"beta": 0.1}},
    }
    assert settings_from_dict(json.loads(json.dumps(settings_diff(s)))) == s


def test_every_problem_of_a_file_is_named_in_one_message(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[reps]\nenter_upright = 9\nleave_upright_deg = "a"\n\n[scoring]\nx = 1\n\n'
        "[score]\nw_smooth = 0.9\n\n[baseline]\nenter_deg = [1, 2]\n\n"
        "[kinematics.calibration]\ncamera_tilt_deg = 4\n",
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for part in (
        "unknown key reps.enter_upright (did you mean enter_upright_deg?)",
        "reps.leave_upright_deg must be a number, got 'a'",
        "unknown table [scoring] (did you mean score?)",
        "score: weights must be >= 0 and sum to 1",  # the group's own validation
        "baseline.enter_deg must be a list of 3 numbers, got [1, 2]",
        "kinematics.calibration.camera_tilt_deg is a fact of each session, not a setting: "
        "give it with --camera-tilt",
    ):
        assert part in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[reps]\nenter_upright_deg = 13\n", "reps: need 0 < enter_upright_deg < leave_upright"),
        ("leave_upright_deg = 14\n", "leave_upright_deg must be in its table: put it under [reps]"),
        ("reps = 3\n", "reps must be a table ([reps]), got 3"),
        ("[metrics]\nspeed_cutoff_hz = true\n", 'must be a number or "none", got true'),
        ("[metrics]\nsparc_pad_level = 4.5\n", "must be a whole number, got 4.5"),
        ("[cues]\ncooldown_s = -1\n", "cues: cooldown_s must be >= 0, got -1.0"),
    ],
)
def test_one_problem_one_plain_clause(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SettingsError, match="^" + re.escape(str(tmp_path))) as caught:
        load_settings(write(tmp_path, text))
    assert expected in str(caught.value)


def test_a_missing_file_or_bad_toml_is_one_sentence_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"settings file .*nope.toml does not exist\.$"):
        load_settings(tmp_path / "nope.toml")
    path = write(tmp_path, "[reps]\nleave_upright_deg = 14\nenter_upright_deg =\n")
    with pytest.raises(SettingsError, match=r"is not valid TOML: .*line 3") as caught:
        load_settings(path)
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------ layers
def test_set_overrides_the_file_which_overrides_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "[reps]\nleave_upright_deg = 14\nenter_upright_deg = 9\n")
    s, used = resolve_settings(path, ["reps.leave_upright_deg=16", "cues.display_s=2"])
    assert used == path
    assert (s.reps.leave_upright_deg, s.reps.enter_upright_deg) == (16.0, 9.0)
    assert s.cues.display_s == 2.0


def test_the_environment_names_the_file_when_no_option_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = write(tmp_path, "[reps]\nleave_upright_deg = 14\n", "env.toml")
    given = write(tmp_path, "[reps]\nleave_upright_deg = 15\n", "given.toml")
    monkeypatch.setenv(CONFIG_ENV, str(from_env))
    assert resolve_settings()[0].reps.leave_upright_deg == 14.0
    assert resolve_settings(given)[0].reps.leave_upright_deg == 15.0
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "gone.toml"))
    with pytest.raises(SettingsError, match=f"named by {CONFIG_ENV} does not exist"):
        resolve_settings()
    monkeypatch.delenv(CONFIG_ENV)
    assert resolve_settings() == (Settings(), None)


def test_set_values_are_toml_and_bad_ones_are_named() -> None:
    assert parse_overrides(["baseline.enter_deg=[11, 6, 2.5]", "metrics.speed_cutoff_hz=none"]) == {
        "baseline": {"enter_deg": [11, 6, 2.5]},
        "metrics": {"speed_cutoff_hz": "none"},
    }
    with pytest.raises(SettingsError, match=r"--set takes TABLE\.KEY=VALUE"):
        parse_overrides(["leave_upright_deg=14"])
    with pytest.raises(SettingsError, match=r"^--set: reps\.leave_upright_deg must be a number"):
        resolve_settings(None, ["reps.leave_upright_deg=high"])


# ------------------------------------------------------------------ it changes the analysis
def _reps_of_a_gentle_half_circle(settings: Settings) -> list[str]:
    """Outcomes of the reps a session counts in a half circle of 13 deg peaks (synthetic angles)."""
    lateral, forward = half_circle(n_rest=60, n_rep=150, lateral_peak_deg=13, forward_peak_deg=13)
    loop = SessionLoop(settings)
    loop.counter.set_calibrated()
    for i, (lat, fwd) in enumerate(zip(lateral, forward, strict=True)):
        loop.counter.update(i / 30.0, float(lat), float(fwd), valid=True)
    loop.finish(len(lateral) / 30.0)
    return [r.outcome for r in loop.records + loop.aborted]


def test_a_file_raising_the_rep_start_threshold_changes_what_is_counted(tmp_path: Path) -> None:
    assert _reps_of_a_gentle_half_circle(Settings()) == ["complete"]
    strict = load_settings(write(tmp_path, "[reps]\nleave_upright_deg = 14\n"))
    assert _reps_of_a_gentle_half_circle(strict) == []  # 13 deg never starts a rep now


def test_session_loop_uses_every_group_of_the_settings() -> None:
    s = settings_from_dict(
        {"reps": {"leave_upright_deg": 14}, "score": {"pace_min_s": 2}, "cues": {"display_s": 1}}
    )
    loop = SessionLoop(s)
    assert isinstance(loop.counter, RepCounter)
    assert loop.counter.thresholds == s.reps and loop.counter.score_config == s.score
    assert loop.counter.metric_config == s.metrics and loop.cues.display_s == 1.0


# ------------------------------------------------------------------ command line
def test_config_print_defaults_prints_a_file_that_loads_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path, "[reps]\nleave_upright_deg = 14\n")))
    assert cli.main(["config", "--print-defaults"]) == 0
    assert load_settings_text(capsys.readouterr().out) == Settings()  # the file is not read


def test_config_shows_the_settings_in_effect(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "[reps]\nleave_upright_deg = 14\n")
    assert cli.main(["config", "--config", str(path), "--set", "cues.display_s=2"]) == 0
    out = capsys.readouterr().out
    shown = load_settings_text(out)
    assert shown.reps.leave_upright_deg == 14.0 and shown.cues.display_s == 2.0
    assert str(path) in out


@pytest.mark.video
@pytest.mark.parametrize("command", ["analyze", "live", "baseline", "batch", "config"])
def test_a_bad_settings_file_is_one_line_and_exit_2_before_any_work(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "[reps]\nleave_upright = 14\n")
    args = {
        "analyze": ["analyze", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "o")],
        "live": ["live", "--source", str(tmp_path / "missing.mp4"), "--headless", "--out",
                 str(tmp_path / "o")],
        "baseline": ["baseline", "--source", str(tmp_path / "missing.mp4"), "--no-save"],
        "batch": ["batch", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "o")],
        "config": ["config"],
    }[command]  # fmt: skip
    assert cli.main([*args, "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"halfcircle: {path}: unknown key reps.leave_upright (did you mean leave_upright_deg?).\n"
    )
    assert not (tmp_path / "o").exists()


def test_the_cli_refuses_a_bad_set_item(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["config", "--set", "leave_upright_deg"])
    assert caught.value.code == 2
    assert "give TABLE.KEY=VALUE" in capsys.readouterr().err


def test_the_cli_names_a_bad_set_value_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["config", "--set", "reps.leave_upright_deg=high"]) == 2
    err = capsys.readouterr().err
    assert err == "halfcircle: --set: reps.leave_upright_deg must be a number, got 'high'.\n"


def test_rebuild_keeps_the_sessions_own_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["live", "--rebuild", str(tmp_path), "--set", "reps.leave_upright_deg=14"])
    assert code == 2
    assert "--rebuild uses the settings the session was recorded with" in capsys.readouterr().err


# ------------------------------------------------------------------ reproducibility
@pytest.mark.video
def test_summary_json_keeps_the_changed_settings_and_the_api_reads_them_back(
    tmp_path: Path,
) -> None:
    from halfcircle.analyze.video import analyze_poses, text_summary
    from halfcircle.api import load_output
    from halfcircle.present.outputs import write_outputs
    from halfcircle.synthetic import synthetic_clip

    lateral, forward = half_circle(n_rest=60, n_rep=150)
    seq = synthetic_clip(lateral, forward, noise_px=0.5, seed=1).seq
    strict = settings_from_dict({"score": {"pace_min_s": 8.0}})
    analysis = analyze_poses(seq, settings=strict)
    write_outputs(analysis, tmp_path / "o", annotate=False)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["schema_version"] == 3  # 3: status, warnings, calibration_choice
    assert summary["settings"] == {"score": {"pace_min_s": 8.0}}
    assert load_output(tmp_path / "o").settings == strict
    assert "Settings that differ from the defaults: score.pace_min_s = 8.0." in text_summary(
        analysis
    )
    plain = analyze_poses(seq)
    write_outputs(plain, tmp_path / "p", annotate=False)
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["settings"] == {}
    del summary["settings"]  # a summary written before settings existed: the defaults
    (tmp_path / "p" / "summary.json").write_text(json.dumps(summary | {"schema_version": 1}))
    assert load_output(tmp_path / "p").settings == Settings()


@pytest.mark.video
def test_analyze_on_the_command_line_runs_with_the_file_and_set_over_it(
    person_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "[reps]\nleave_upright_deg = 14\nenter_upright_deg = 9\n")
    out = tmp_path / "o"
    args = ["analyze", str(person_video), "--out", str(out), "--no-video", "--json"]
    code = cli.main([*args, "--config", str(path), "--set", "reps.leave_upright_deg=16"])
    assert code in (0, options.EXIT_NOTHING_MEASURED)  # a photo: maybe no stance to calibrate on
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"] == {"reps": {"enter_upright_deg": 9.0, "leave_upright_deg": 16.0}}
    assert json.loads(capsys.readouterr().out)["settings"] == summary["settings"]
