"""View estimation: azimuth convention, view kinds, observability of each angle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from halfcircle.kinematics.view import (
    MIN_OBSERVABILITY,
    NOTE_FROM_BEHIND,
    NOTE_LATERAL_UNOBSERVABLE,
    ViewEstimate,
    azimuth_from_axes,
    camera_axes_for_azimuth,
    classify_view,
    fold_azimuth,
    forward_observability,
    lateral_observability,
    rotation_observability,
    snap_azimuth,
    view_words,
)


@pytest.mark.parametrize(
    ("azimuth", "kind"),
    [
        (0, "front"),
        (20, "front"),
        (-20, "front"),
        (30, "oblique"),
        (45, "oblique"),
        (-60, "oblique"),
        (70, "side"),
        (90, "side"),
        (-90, "side"),
        (180, "back"),
        (-165, "back"),
        (160, "back"),
        (135, "oblique"),
    ],
)
def test_view_kind_by_azimuth(azimuth: float, kind: str) -> None:
    assert classify_view(azimuth) == kind


@pytest.mark.parametrize(
    ("azimuth", "folded"), [(0, 0), (45, 45), (-45, 45), (135, 45), (-170, 10)]
)
def test_fold_azimuth(azimuth: float, folded: float) -> None:
    assert float(fold_azimuth(azimuth)) == pytest.approx(folded)


@pytest.mark.parametrize("azimuth", [0.0, 30.0, -45.0, 90.0, -90.0, 120.0])
def test_azimuth_from_axes_inverts_level_camera_axes(azimuth: float) -> None:
    right, forward = camera_axes_for_azimuth(azimuth)
    assert float(azimuth_from_axes(right, forward)) == pytest.approx(azimuth)
    # right-handed body frame: r x f = up = (0, -1, 0) in camera coordinates (y down)
    np.testing.assert_allclose(np.cross(right, forward), [0.0, -1.0, 0.0], atol=1e-12)


def test_front_camera_axes_put_the_persons_right_on_the_image_left() -> None:
    right, forward = camera_axes_for_azimuth(0.0)
    np.testing.assert_allclose(right, [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(forward, [0.0, 0.0, -1.0], atol=1e-12)  # towards the camera


def test_lateral_observability_falls_from_front_to_side() -> None:
    values = [lateral_observability(a) for a in (0, 30, 45, 60, 90)]
    assert values[0] == pytest.approx(1.0)
    assert values[2] == pytest.approx(0.5)
    assert values[-1] == pytest.approx(0.0, abs=1e-12)
    assert all(a > b for a, b in itertools.pairwise(values))


def test_rotation_observability_is_best_from_the_side_and_never_above_one_half() -> None:
    # From the side a turn moves the shoulder line in the image plane; from the front
    # it takes it out of the plane, where a small turn barely shortens it.
    values = [rotation_observability(a) for a in (0, 30, 45, 60, 90)]
    assert values == sorted(values)
    assert values[0] == pytest.approx(0.25) and values[-1] == pytest.approx(0.5)
    assert rotation_observability(-90) == rotation_observability(90)


def test_forward_observability_is_best_from_the_side_but_usable_from_the_front() -> None:
    assert forward_observability(90) == pytest.approx(1.0)
    assert 0.5 < forward_observability(0) < forward_observability(45) < 1.0


@pytest.mark.parametrize(("azimuth", "snapped"), [(8, 0), (-11, 0), (85, 90), (-95, -90), (30, 30)])
def test_snap_azimuth_within_tolerance(azimuth: float, snapped: float) -> None:
    assert snap_azimuth(azimuth, 12.0) == snapped


def test_side_view_reports_lateral_not_observable_with_a_note() -> None:
    view = ViewEstimate.from_azimuth(88.0)
    assert view.kind == "side"
    assert view.snapped_deg == 90.0
    assert view.lateral_observability < MIN_OBSERVABILITY
    assert not view.lateral_observable
    assert view.notes == (NOTE_LATERAL_UNOBSERVABLE,)


def test_front_and_oblique_views_have_no_notes() -> None:
    for azimuth in (0.0, 45.0, -50.0):
        view = ViewEstimate.from_azimuth(azimuth)
        assert view.lateral_observable
        assert view.notes == ()


def test_a_view_from_behind_is_named_and_says_so() -> None:
    back = ViewEstimate.from_azimuth(178.0)
    assert back.kind == "back" and back.from_behind
    assert back.lateral_observable  # measured as from the front, left and right the person's
    assert NOTE_FROM_BEHIND in back.notes
    assert ViewEstimate.from_azimuth(-130.0).from_behind
    assert NOTE_FROM_BEHIND in ViewEstimate.from_azimuth(-130.0).notes
    assert not ViewEstimate.from_azimuth(60.0).from_behind
    assert view_words("back") == "view from behind"


@pytest.mark.parametrize("azimuth", [91.0, -95.0, 110.0])
def test_a_side_view_a_little_past_90_degrees_is_not_called_a_view_from_behind(
    azimuth: float,
) -> None:
    # hc_side_left reads 91 deg: its report said "You were filmed from behind".
    view = ViewEstimate.from_azimuth(azimuth)
    assert view.kind == "side"
    assert view.notes == (NOTE_LATERAL_UNOBSERVABLE,)
