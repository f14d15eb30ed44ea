"""Who is the person coached: the tracker's picks and bringing a one-pose model back to them."""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.errors import ValidationError
from halfcircle.people import RELOCK_GREY, RELOCK_S, PrimaryTracker, Relock


def _person(x: float, size: float) -> np.ndarray:
    """A (33, 5) normalised pose: a box of ``size`` centred at (x, 0.5)."""
    rng = np.random.default_rng(0)
    pts = np.zeros((33, 5))
    pts[:, :2] = (x, 0.5) + (rng.random((33, 2)) - 0.5) * size
    pts[[11, 12, 23, 24], :2] = (x, 0.5)
    return pts


def test_the_primary_person_is_the_largest_then_the_nearest_to_the_last_pick() -> None:
    tracker = PrimaryTracker()
    assert tracker.pick([_person(0.3, 0.2), _person(0.7, 0.4)]) == 1  # largest first
    # The other person steps closer and looks larger; the one followed stays.
    assert tracker.pick([_person(0.32, 0.5), _person(0.69, 0.4)]) == 1
    tracker.reset()  # nobody in view: start over with the largest
    assert tracker.pick([_person(0.32, 0.5), _person(0.69, 0.4)]) == 0


def test_landmarkers_sharing_a_tracker_stay_on_one_person_across_alternate_frames() -> None:
    shared = PrimaryTracker()
    frames = [[_person(0.3, 0.3 + 0.05 * i), _person(0.7, 0.4)] for i in range(6)]
    picks = [shared.pick(people) for people in frames]  # landmarker A, B, A, B, ...
    assert picks == [1] * 6
    late = PrimaryTracker()  # a landmarker that started on frame 3 alone picks the other
    assert late.pick(frames[3]) == 0


def _standing(x: float, torso: float = 0.2) -> np.ndarray:
    """A (33, 5) normalised pose centred at (x, 0.5) whose torso is ``torso`` long."""
    pts = _person(x, 2 * torso)
    pts[[11, 12], :2] = (x - 0.05, 0.5 - torso / 2), (x + 0.05, 0.5 - torso / 2)
    pts[[23, 24], :2] = (x - 0.04, 0.5 + torso / 2), (x + 0.04, 0.5 + torso / 2)
    return pts


def test_someone_else_alone_in_view_is_not_taken_for_the_person_coached() -> None:
    tracker = PrimaryTracker(hold_s=1.0)
    assert tracker.pick([_standing(0.3), _standing(0.8, 0.15)], 0.0) == 0
    # the person coached is out of sight: the other one, 0.5 away (2.5 torsos), is not them
    assert tracker.pick([_standing(0.8, 0.15)], 0.1) is None
    assert tracker.pick([_standing(0.8, 0.15)], 0.3) is None  # 1.9 torsos of reach
    # they come back where they were and are picked again, with the other in view
    assert tracker.pick([_standing(0.8, 0.15), _standing(0.32)], 0.35) == 1
    # a step sideways within a body's reach is the same person
    assert tracker.pick([_standing(0.5)], 0.4) == 0
    # gone longer than hold_s: whoever is in view now is the one coached
    assert tracker.pick([_standing(0.1, 0.05)], 1.5) == 0
    # ... measured by their own torso: 0.2 away is four of theirs, too far in 33 ms
    assert tracker.pick([_standing(0.3, 0.05)], 1.533) is None
    with pytest.raises(ValidationError):
        PrimaryTracker(hold_s=-1.0)


def test_the_reach_is_measured_in_the_same_units_across_and_down() -> None:
    # 0.2 across a 4:1 frame is 0.8 frame heights: four torso lengths away, not one
    wide = PrimaryTracker()
    assert wide.pick([_standing(0.3)], 0.0, aspect=4.0) == 0
    assert wide.pick([_standing(0.5)], 0.033, aspect=4.0) is None
    square = PrimaryTracker()
    assert square.pick([_standing(0.3)], 0.0) == 0
    assert square.pick([_standing(0.5)], 0.033) == 0


# --------------------------------------------------- a model asked for one pose
def test_a_first_pick_made_seeing_one_person_is_corrected_by_a_look_at_everyone() -> None:
    tracker = PrimaryTracker()
    small, big = _standing(0.8, 0.15), _standing(0.3)
    assert tracker.pick([small], 0.0) == 0  # the one pose the model gave: provisional
    assert tracker.settle([small, big], 0.0) == 1  # everyone in view: the largest
    assert tracker.pick([small], 0.033) is None  # the other one is now refused
    assert tracker.pick([big], 0.066) == 0
    # once settled, a later look keeps the person coached, even beside a larger one
    assert tracker.settle([_standing(0.8, 0.3), _standing(0.31)], 0.5) == 1


def test_a_look_finding_the_model_on_someone_else_greys_out_all_but_the_person_coached() -> None:
    tracker = PrimaryTracker()
    relock = Relock(tracker)
    small, big = _standing(0.8, 0.15), _standing(0.3)
    tracker.pick([small], 0.0)
    assert relock.check([small, big], small, 0.0, aspect=1.0)
    assert relock.active and relock.relocks == 1
    image = np.full((100, 100, 3), 200, np.uint8)
    shown = relock.frame(image, 0.033)
    assert shown[50, 30].tolist() == [200] * 3  # the person coached stays in view
    assert shown[50, 95].tolist() == [RELOCK_GREY] * 3  # the other one is greyed out
    assert image[50, 95].tolist() == [200] * 3  # the frame itself is untouched
    relock.followed(None, 1.0)  # the model lost the other one: still relocking
    assert relock.active
    relock.followed(big, 1.0)  # it follows the person coached: frames go as they are
    assert not relock.active and relock.frame(image, 0.1) is image


def test_a_relock_gives_up_after_its_frames_and_never_starts_for_the_right_person() -> None:
    tracker = PrimaryTracker()
    relock = Relock(tracker)
    small, big = _standing(0.8, 0.15), _standing(0.3)
    tracker.pick([big], 0.0)
    assert not relock.check([small, big], big, 0.0, aspect=1.0)  # it follows them already
    assert not relock.check([big], None, 0.5, aspect=1.0)  # alone in view: nothing to fix
    # a look that saw only the person coached while the model follows someone else
    assert relock.check([big], small, 0.6, aspect=1.0)
    relock.reset()
    assert relock.check([small, big], small, 1.0, aspect=1.0)
    image = np.full((100, 100, 3), 200, np.uint8)
    frames_s = [1.0 + k / 30 for k in range(40)]
    greyed = []
    for t in frames_s:
        greyed.append(relock.frame(image, t)[50, 95].tolist() == [RELOCK_GREY] * 3)
        relock.followed(small, 1.0)  # the model still follows the other one
    # greyed out for RELOCK_S from the first greyed frame, then given up
    assert sum(greyed) == int(RELOCK_S * 30) + 1 and greyed[0] and not greyed[-1]
    assert not relock.active


def test_the_box_kept_ignores_landmarks_the_model_did_not_see() -> None:
    tracker = PrimaryTracker()
    relock = Relock(tracker)
    big = _standing(0.3)  # seen within 0.2 of (0.3, 0.5)
    big[:, 3] = 1.0
    big[25:, :2] = (0.3, 3.0)  # legs out of the picture, placed far below it
    big[25:, 3] = 0.05
    tracker.pick([_standing(0.8, 0.15)], 0.0)
    assert relock.check([_standing(0.8, 0.15), big], _standing(0.8, 0.15), 0.0, 1.0)
    shown = relock.frame(np.full((100, 100, 3), 200, np.uint8), 0.0)
    # kept: 0.1-0.5 across, widened by half the seen box (0.2); the legs would widen it to 0.85
    assert shown[50, 65].tolist() == [200] * 3
    assert shown[50, 80].tolist() == [RELOCK_GREY] * 3
