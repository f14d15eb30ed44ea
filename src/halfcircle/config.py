"""Settings: every threshold of the analysis in one typed, layered, frozen object.

Three layers, each overriding the one before it:

1. the defaults: the frozen, validated config dataclasses of each stage
   (:class:`Settings` groups them, it copies none of their fields);
2. a settings file in TOML (``--config FILE``, or the file named by the
   environment variable ``HALFCIRCLE_CONFIG``): one table per group, its keys
   the fields of that group's dataclass; a key left out keeps its default;
3. ``--set TABLE.KEY=VALUE`` on the command line (the value in TOML syntax).

Tables (``halfcircle config --print-defaults`` prints them all, commented):

=============================  ==================================================
``[reps]``                     the rep state machine
                               (:class:`~halfcircle.coaching.reps.RepThresholds`)
``[metrics]``                  per-rep metrics (:class:`~halfcircle.coaching.scoring.MetricConfig`)
``[score]``                    the 0-100 score (:class:`~halfcircle.coaching.scoring.ScoreConfig`)
``[cues]``                     cue pacing (:class:`~halfcircle.coaching.cues.CueConfig`)
``[kinematics]``               angles from landmarks
                               (:class:`~halfcircle.kinematics.measure.KinematicsConfig`)
``[kinematics.calibration]``   the neutral stance
                               (:class:`~halfcircle.kinematics.calibration.CalibrationConfig`)
``[kinematics.one_euro]``      the live view's smoothing
                               (:class:`~halfcircle.kinematics.filters.OneEuroConfig`)
``[baseline]``                 the baseline tests
                               (:class:`~halfcircle.coaching.baseline.BaselineConfig`)
``[pose]``                     looks for other people (:class:`~halfcircle.poseconfig.PoseConfig`)
``[voice]``                    how the coach speaks
                               (:class:`~halfcircle.coaching.voiceconfig.VoiceConfig`)
=============================  ==================================================

Facts of one session are not settings: the camera tilt (``--camera-tilt``), the
body height (``--height-cm``) and the pose model (``--model``) stay command-line
options, and a file that names them is refused.

Every problem of a file (unknown tables and keys, wrong types, the dataclasses'
own validation) is collected into one :class:`SettingsError`.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
import os
import re
import sys
import textwrap
import types
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal, Union, get_args, get_origin, get_type_hints

from halfcircle.coaching.baseline import BaselineConfig
from halfcircle.coaching.cues import CueConfig
from halfcircle.coaching.reps import RepThresholds
from halfcircle.coaching.scoring import MetricConfig, ScoreConfig
from halfcircle.coaching.voiceconfig import VoiceConfig
from halfcircle.errors import InputError, ValidationError, error_reason
from halfcircle.kinematics.measure import KinematicsConfig
from halfcircle.poseconfig import PoseConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomllib backport
    import tomli as tomllib

__all__ = [
    "CONFIG_ENV",
    "Settings",
    "SettingsError",
    "apply_settings",
    "changed_settings",
    "load_settings",
    "parse_overrides",
    "resolve_settings",
    "settings_diff",
    "settings_from_dict",
    "settings_path",
    "settings_toml",
]

#: The environment variable that names the settings file when ``--config`` is not given.
CONFIG_ENV: Final = "HALFCIRCLE_CONFIG"

#: Fields of the config dataclasses that are facts of one session, with the
#: command-line option that gives each; a settings file may not set them.
SESSION_FACTS: Final[dict[str, str]] = {
    "kinematics.calibration.camera_tilt_deg": "--camera-tilt",
    "kinematics.calibration.body_height_m": "--height-cm (baseline)",
}


class SettingsError(InputError):
    """A settings file, or a ``--set`` override, cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Every tunable threshold of halfcircle, one group per stage.

    Attributes:
        reps: The rep state machine.
        metrics: Per-rep metrics (arc, smoothness, compensations).
        score: Weights and limits of the 0-100 score.
        cues: Cue pacing.
        kinematics: Angles from landmarks: visibility, filters, calibration. Its
            calibration's ``camera_tilt_deg`` and ``body_height_m`` stay at their
            defaults here: they are facts of one session, given to
            :meth:`kinematics_for`.
        baseline: Segmentation of the baseline range-of-motion tests.
        pose: The pose stage: how often it looks for other people in view.
        voice: How the coach speaks: rate, voice, earcons, volume, cooldown.
    """

    reps: RepThresholds = field(default_factory=RepThresholds)
    metrics: MetricConfig = field(default_factory=MetricConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    cues: CueConfig = field(default_factory=CueConfig)
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)

    def __post_init__(self) -> None:
        given = [
            f"{path} (give it with {option})"
            for path, option in SESSION_FACTS.items()
            if _get(self, path) != _get(types.SimpleNamespace(kinematics=KinematicsConfig()), path)
        ]
        if given:
            raise ValidationError(
                "Settings hold no facts of one session; these are set: " + ", ".join(given) + "."
            )

    def kinematics_for(
        self, camera_tilt_deg: float = 0.0, body_height_m: float | None = None
    ) -> KinematicsConfig:
        """The kinematics settings for one session's camera tilt (deg down) and body height (m).

        With default settings this equals
        :meth:`KinematicsConfig.for_setup(camera_tilt_deg, body_height_m)
        <halfcircle.kinematics.measure.KinematicsConfig.for_setup>`.
        """
        calibration = replace(
            self.kinematics.calibration,
            camera_tilt_deg=camera_tilt_deg,
            body_height_m=body_height_m,
        )
        return replace(self.kinematics, calibration=calibration)


def _get(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


# ----------------------------------------------------------------------------- reading
def settings_path(given: str | Path | None = None) -> Path | None:
    """The settings file to read: ``given``, else ``$HALFCIRCLE_CONFIG`` if set, else None."""
    if given is not None:
        return Path(given)
    env = os.environ.get(CONFIG_ENV, "").strip()
    return Path(env).expanduser() if env else None


def load_settings(path: str | Path, base: Settings | None = None) -> Settings:
    """Read a settings file (TOML) over ``base`` (default: the defaults).

    Raises:
        SettingsError: The file is missing or unreadable, is not valid TOML (the
            message names the line), or holds unknown tables or keys, values of
            the wrong type or values the groups refuse; every problem is named
            in one message.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise SettingsError(f"The settings file {path} does not exist.") from err
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(
            f"The settings file {path} cannot be read: {error_reason(err)}."
        ) from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"The settings file {path} is not valid TOML: {err}.") from err
    except RecursionError as err:
        raise SettingsError(
            f"The settings file {path} cannot be used: its arrays or tables are nested "
            f"deeper than any setting (at most {MAX_NESTING} levels)."
        ) from err
    _check_nesting(data, str(path))
    return apply_settings(base or Settings(), data, source=str(path))


#: The deepest nesting of tables and arrays a settings file may hold
#: (``[kinematics.calibration]`` holds a key: 3 levels; a list of numbers 1 more).
MAX_NESTING: Final = 8


def _check_nesting(data: Any, source: str) -> None:
    """Refuse values nested deeper than :data:`MAX_NESTING` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise SettingsError(
                f"{source}: arrays or tables are nested deeper than any setting "
                f"(at most {MAX_NESTING} levels)."
            )
        if isinstance(value, Mapping):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list | tuple):
            stack += [(v, depth + 1) for v in value]


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["reps.leave_upright_deg=14", ...]`` as nested tables, values read as TOML.

    A value that is not TOML (``abc``) is kept as the string, for
    :func:`apply_settings` to refuse with the field's expected type.

    Raises:
        SettingsError: An item is not ``TABLE.KEY=VALUE``.
    """
    data: dict[str, Any] = {}
    bad = []
    for item in items:
        if "\n" in item or "\r" in item:
            raise SettingsError(f"--set takes one line, TABLE.KEY=VALUE, got {item!r}.")
        key, sep, text = item.partition("=")
        parts = [p.strip() for p in key.split(".")]
        if not sep or len(parts) < 2 or not all(parts):
            bad.append(repr(item))
            continue
        try:
            read = tomllib.loads(f"v = {text.strip()}")
            value = read["v"] if len(read) == 1 else text.strip()
        except tomllib.TOMLDecodeError:
            value = text.strip()
        except RecursionError as err:
            raise SettingsError(
                f"--set {key.strip()}: the value is nested deeper than any setting "
                f"(at most {MAX_NESTING} levels)."
            ) from err
        _check_nesting(value, f"--set {key.strip()}")
        table = data
        for name in parts[:-1]:
            inner = table.setdefault(name, {})
            if not isinstance(inner, dict):
                inner = table[name] = {}
            table = inner
        table[parts[-1]] = value
    if bad:
        raise SettingsError(
            f"--set takes TABLE.KEY=VALUE (e.g. reps.leave_upright_deg=14), got {', '.join(bad)}."
        )
    return data


def resolve_settings(
    path: str | Path | None = None, overrides: Sequence[str] = ()
) -> tuple[Settings, Path | None]:
    """The settings of one command: defaults, then the file, then ``--set`` overrides.

    Args:
        path: ``--config``; None falls back to ``$HALFCIRCLE_CONFIG``, then to no file.
        overrides: ``--set`` items, ``TABLE.KEY=VALUE``.

    Returns:
        The settings, and the file read (None when none was).
    """
    file = settings_path(path)
    settings = Settings()
    if file is not None:
        if path is None and not file.exists():
            raise SettingsError(f"The settings file {file} named by {CONFIG_ENV} does not exist.")
        settings = load_settings(file)
    if overrides:
        settings = apply_settings(settings, parse_overrides(overrides), source="--set")
    return settings, file


def settings_from_dict(data: Mapping[str, Any], source: str = "settings") -> Settings:
    """Settings from nested tables over the defaults (e.g. :func:`settings_diff` read back)."""
    return apply_settings(Settings(), data, source=source)


def apply_settings(
    base: Settings, data: Mapping[str, Any], *, source: str = "settings"
) -> Settings:
    """``base`` with the values of ``data`` (nested tables, as TOML or JSON gives them).

    Raises:
        SettingsError: One message naming every problem, prefixed by ``source``.
    """
    problems: list[str] = []
    built = _build(base, data, "", problems)
    if problems or built is None:
        raise SettingsError(f"{source}: " + "; ".join(problems) + ".")
    assert isinstance(built, Settings)
    return built


def _build(base: Any, data: Any, path: str, problems: list[str]) -> Any:
    """``base`` (a dataclass) with ``data`` applied; None when a problem was found."""
    if not isinstance(data, Mapping):
        what = f"[{path}]" if path else "the file"
        problems.append(f"{path or 'settings'} must be a table ({what}), got {data!r}")
        return None
    cls = type(base)
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls) if f.init]
    changes: dict[str, Any] = {}
    failed = False  # any problem in this table or below
    typed = True  # every value given has its field's type: the group can be built and checked
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if where in SESSION_FACTS:
            problems.append(
                f"{where} is a fact of each session, not a setting: give it with "
                f"{SESSION_FACTS[where]}"
            )
            failed = True
            continue
        if key not in names:
            problems.append(_unknown(base, where, str(key), value, names))
            failed = True
            continue
        current = getattr(base, key)
        if is_dataclass(current):
            nested = _build(current, value, where, problems)
            if nested is None:
                failed = typed = False
            else:
                changes[key] = nested
            continue
        try:
            changes[key] = _convert(value, hints[key])
        except _TypeProblem as err:
            problems.append(f"{where} must be {err}, got {_show(value)}")
            failed = typed = False
    if not typed:
        return None
    try:
        built = replace(base, **changes)
    except ValidationError as err:
        problems.append(f"{path or 'settings'}: {_reason(err)}")
        return None
    return None if failed else built


def _unknown(base: Any, where: str, key: str, value: Any, names: list[str]) -> str:
    """Why ``key`` is refused, with the nearest known name (or where it belongs)."""
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    if not isinstance(base, Settings):
        return f"unknown key {where}{hint}"
    if isinstance(value, Mapping):
        return f"unknown table [{where}]" + (hint or f" (the tables are {', '.join(names)})")
    homes = [n for n in names if any(f.name == key for f in fields(getattr(base, n)))]
    if homes:
        return f"{key} must be in its table: put it under [{homes[0]}]"
    return f"unknown key {where} (every setting is in a table: {', '.join(names)})"


def _reason(err: ValidationError) -> str:
    """A group's own validation message without its ``Invalid ...:`` lead and final stop."""
    text = str(err)
    if text.startswith("Invalid ") and ": " in text:
        text = text.split(": ", 1)[1]
    return text.rstrip(".")


class _TypeProblem(Exception):
    """A value of the wrong type; the message says what was expected."""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a table"
    return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _convert(value: Any, hint: Any) -> Any:
    """``value`` (from TOML or JSON) as the type ``hint`` names; raises :class:`_TypeProblem`."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        try:
            return _convert(value, rest[0])
        except _TypeProblem as err:
            raise _TypeProblem(f'{err} or "none"') from err
    if hint is float:
        if not _is_number(value):
            raise _TypeProblem("a number")
        try:
            number = float(value)
        except OverflowError as err:  # an integer beyond any float
            raise _TypeProblem("a finite number") from err
        if not math.isfinite(number):
            raise _TypeProblem("a finite number")
        return number
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _TypeProblem("a whole number")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _TypeProblem("true or false")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise _TypeProblem("a string")
        return value
    if origin is Literal:
        if value not in args:
            raise _TypeProblem("one of " + ", ".join(repr(a) for a in args))
        return value
    if origin is tuple:
        fixed = not (len(args) == 2 and args[1] is Ellipsis)
        n = len(args) if fixed else None
        item = args[0]
        kind = {float: "numbers", int: "whole numbers", str: "strings"}.get(item, "values")
        expected = f"a list of {n} {kind}" if n is not None else f"a list of {kind}"
        if not isinstance(value, list | tuple) or (n is not None and len(value) != n):
            raise _TypeProblem(expected)
        try:
            return tuple(_convert(v, item) for v in value)
        except _TypeProblem as err:
            raise _TypeProblem(expected) from err
    raise TypeError(f"halfcircle.config cannot read a setting of type {hint!r}")


# ----------------------------------------------------------------------------- writing
def settings_diff(settings: Settings) -> dict[str, Any]:
    """The values of ``settings`` that differ from the defaults, as nested JSON-ready tables.

    ``{}`` for the defaults; :func:`settings_from_dict` reads it back.
    """
    return _diff(settings, Settings())


def _diff(obj: Any, default: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value, base = getattr(obj, f.name), getattr(default, f.name)
        if is_dataclass(value):
            inner = _diff(value, base)
            if inner:
                out[f.name] = inner
        elif not _same(value, base):
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def changed_settings(settings: Settings) -> list[str]:
    """``["reps.leave_upright_deg = 14.0", ...]``: every value that is not the default."""

    def lines(table: Mapping[str, Any], prefix: str) -> list[str]:
        out = []
        for key, value in table.items():
            if isinstance(value, Mapping):
                out += lines(value, f"{prefix}{key}.")
            else:
                out.append(f"{prefix}{key} = {_toml_value(value)}")
        return out

    return lines(settings_diff(settings), "")


_HEADER: Final = """\
# halfcircle settings (TOML). Every key is optional: one left out keeps its default.
# Give the file with --config FILE (analyze, live, baseline, batch), or name it in the
# environment variable HALFCIRCLE_CONFIG; --set TABLE.KEY=VALUE on the command line
# overrides it. The values that differ from the defaults are written into each
# summary.json and session.json. Facts of one session are command-line options, not
# settings: --camera-tilt, --height-cm, --model.
"""


def settings_toml(settings: Settings | None = None, *, header: bool = True) -> str:
    """The complete settings as a commented TOML file (the defaults when None).

    :func:`load_settings` reads it back to equal settings.
    """
    settings = settings or Settings()
    chunks = [_HEADER] if header else []
    for f in fields(settings):
        chunks += _table(getattr(settings, f.name), f.name)
    return "\n".join(chunks)


def _table(obj: Any, path: str) -> list[str]:
    cls = type(obj)
    docs = _attribute_docs(cls)
    hints = get_type_hints(cls)
    summary = (inspect.getdoc(cls) or "").splitlines()[0]
    lines = [f"[{path}]", *_comment(f"{summary} ({cls.__module__}.{cls.__name__})")]
    nested = []
    for f in fields(obj):
        where = f"{path}.{f.name}"
        value = getattr(obj, f.name)
        if is_dataclass(value):
            nested.append((value, where))
            continue
        if where in SESSION_FACTS:
            continue
        doc = docs.get(f.name, "")
        if get_origin(hints[f.name]) in (Union, types.UnionType):
            doc += ' ("none" for None)'
        if f.default is not MISSING and not _same(value, f.default):
            doc += f" Default: {_toml_value(f.default)}."
        lines += ["", *_comment(doc)] if doc else [""]
        lines.append(f"{f.name} = {_toml_value(value)}")
    chunks = ["\n".join(lines) + "\n"]
    for value, where in nested:
        chunks += _table(value, where)
    return chunks


_ROLE = re.compile(r":\w+:`~?([^`]+)`")


def _comment(text: str) -> list[str]:
    """``text`` as TOML comment lines, without reStructuredText markup."""
    plain = _ROLE.sub(r"\1", text).replace("``", "")
    return ["# " + line for line in textwrap.wrap(plain, 86)]


def _toml_value(value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly; inf and nan are TOML too
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # a JSON string is a TOML basic string with its control characters escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"halfcircle.config cannot write a setting {value!r}")


_ATTRIBUTE = re.compile(r"^    (\w+): (.*)$")


def _attribute_docs(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of a class docstring: field name -> one-line text."""
    lines = (inspect.getdoc(cls) or "").splitlines()
    if "Attributes:" not in lines:
        return {}
    out: dict[str, str] = {}
    current = None
    for line in lines[lines.index("Attributes:") + 1 :]:
        if line and not line.startswith(" "):
            break
        match = _ATTRIBUTE.match(line)
        if match:
            current = match[1]
            out[current] = match[2].strip()
        elif current is not None and line.strip():
            out[current] += " " + line.strip()
    return out
