"""What the report page says: to a person in pain reading it, on a desktop or a phone.

Synthetic poses with known answers (no MediaPipe): the page a person reads must
present a baseline clip's tests (not unfinished half circles), mention an
attempt that came back before the front once, kindly, with its cue, explain its
score, speak plainly (the exact measures kept for a physio), ask for more range
only as far as is comfortable, and stay readable at a phone's width.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from halfcircle.analyze.video import Analysis, analyze_poses
from halfcircle.batch.plan import VideoJob
from halfcircle.batch.run import write_video_outputs
from halfcircle.coaching.baseline import BaselineResult, BaselineRun, baseline_from_poses
from halfcircle.coaching.cues import REP_CUE_RULES
from halfcircle.coaching.scoring import ScoreConfig
from halfcircle.landmarks import PoseSequence
from halfcircle.present.report import (
    _SPAN_STYLE,
    angle_spans,
    baseline_feedback,
    outside_tests,
    render_report,
)
from halfcircle.synthetic import half_circle, synthetic_clip
from tests.conftest import without_person

ABORTED_CUE = next(r.text for r in REP_CUE_RULES if r.id == "aborted")
ROTATION_CAVEAT = "Trunk rotation reads low"
HALF_CIRCLE_COACHING = (
    "complete the half circle",
    "came back up before reaching the front",
    ABORTED_CUE,
    "complete half circles",
    "Your half circles",
)


def _bump(n: int, peak: float) -> np.ndarray:
    """A minimum-jerk rise to ``peak`` (deg) and back over ``n`` frames."""
    s = np.linspace(0.0, 1.0, n // 2)
    up = peak * (10 * s**3 - 15 * s**4 + 6 * s**5)
    return np.concatenate([up, np.full(n - 2 * len(up), peak), up[::-1]])


def _poses(lat: np.ndarray, fwd: np.ndarray, rot: np.ndarray | None = None) -> PoseSequence:
    rot = np.zeros(len(lat)) if rot is None else rot
    return synthetic_clip(lat, fwd, rot, azimuth_deg=30.0, knee_flexion_deg=0.0).seq


def _side_bends() -> PoseSequence:
    """Two seconds of quiet stance, a side bend right (25 deg), then left (22 deg)."""
    z, rest = np.zeros, np.zeros(30)
    lat = np.concatenate([z(60), _bump(90, 25.0), rest, _bump(90, -22.0), rest])
    return _poses(lat, z(len(lat)))


def _rotations() -> PoseSequence:
    """Quiet stance, a trunk rotation left (30 deg), then right (35 deg)."""
    z, rest = np.zeros, np.zeros(30)
    rot = np.concatenate([z(60), _bump(90, 30.0), rest, _bump(90, -35.0), rest])
    return _poses(z(len(rot)), z(len(rot)), rot)


def _attempts_then_half_circle(attempts: int) -> Analysis:
    """Half circles begun (to a side and forward, back before the front), then a whole one.

    Each attempt goes 25 deg to a side and 20 deg forward, as hc_aborted's does: a side
    bend alone (no forward) would be a side bend drill, reported as such.
    """
    z, rest = np.zeros, np.zeros(30)
    lat_hc, fwd_hc = half_circle(n_rest=45, n_rep=150)
    lat, fwd = [z(60)], [z(60)]
    for k in range(attempts):
        lat += [_bump(90, 25.0 if k % 2 == 0 else -25.0), rest]
        fwd += [_bump(90, 20.0), rest]
    lat_all = np.concatenate([*lat, lat_hc])
    fwd_all = np.concatenate([*fwd, fwd_hc])
    return analyze_poses(_poses(lat_all, fwd_all))


def _text(page: str) -> str:
    """The page's visible text (tags, styles, scripts and images dropped, entities decoded)."""
    body = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# ----------------------------------------------------------------------------- baseline clips
@pytest.mark.video
def test_a_baseline_page_names_each_test_with_its_peak_and_fingertips() -> None:
    seq = _side_bends()
    analysis, run = analyze_poses(seq), baseline_from_poses(seq)
    assert [r.test for r in run.results] == ["side_bend_right", "side_bend_left"]
    text = _text(render_report(analysis, baseline=run))
    assert "Your baseline tests" in text
    for r in run.results:
        label = r.test.replace("_", " ")
        assert f"{r.peak_deg:.0f}° {label}" in text  # its card
        assert r.fingertip_travel_cm is not None
        assert f"fingertips slid {r.fingertip_travel_cm:.0f} cm down" in text
        assert f"{r.start_s:.1f}–{r.end_s:.1f}" in text  # its row of the test table
    assert "Your side bends were even: 25° to the right and 22° to the left." in text
    assert "Not in this clip: toe touch, rotation left and rotation right." in text


@pytest.mark.video
def test_a_baseline_page_does_not_coach_its_tests_as_unfinished_half_circles() -> None:
    seq = _side_bends()
    analysis, run = analyze_poses(seq), baseline_from_poses(seq)
    # a side bend out and back is a side bend drill to analyze, not a half circle begun
    assert [(d.movement, d.side) for d in analysis.drills] == [
        ("side_bend", "right"),
        ("side_bend", "left"),
    ]
    assert analysis.aborted == []
    baseline_page = _text(render_report(analysis, baseline=run))
    half_circle_page = _text(render_report(analysis))
    for phrase in HALF_CIRCLE_COACHING:
        assert phrase not in baseline_page, phrase
        assert phrase not in half_circle_page, phrase
    assert "Your side bends" in half_circle_page  # analyze's own page names the drills
    assert outside_tests(analysis, run).aborted == []
    assert outside_tests(analysis, run).drills == []  # they were tests there
    assert all(s.kind == "test" for s in angle_spans(outside_tests(analysis, run), run))
    assert any("halfcircle baseline --source" in n for n in analysis.notes)
    assert "halfcircle baseline --source" not in baseline_page  # it was measured as such


@pytest.mark.video
def test_a_baseline_page_carries_the_rotation_caveat_once() -> None:
    seq = _rotations()
    run = baseline_from_poses(seq)
    assert [r.test for r in run.results] == ["rotation_left", "rotation_right"]
    page = _text(render_report(analyze_poses(seq), baseline=run))
    assert page.count(ROTATION_CAVEAT) == 1
    assert "30° rotation left" in page and "35° rotation right" in page
    assert "fingertips" not in page.split("Each test")[1].split("halfcircle is")[0]


@pytest.mark.video
def test_a_rep_that_was_a_test_loses_its_incomplete_note_on_the_baseline_page() -> None:
    # a bend to the right and down that the rep counter takes for the start of a half
    # circle, the person out of view mid-movement (incomplete), and baseline for a toe touch
    lat, fwd = half_circle(n_rest=60, n_rep=150, right_first=True)
    seq = synthetic_clip(np.maximum(lat, 0.0), fwd).seq
    seq = without_person(seq, slice(60 + 60, 60 + 120))
    analysis, run = analyze_poses(seq), baseline_from_poses(seq)
    rep_notes = [x for x in analysis.notes if "kept as incomplete" in x]
    assert rep_notes and run.results  # the precondition: a rep note, and a test over it
    page = _text(render_report(analysis, baseline=run))
    assert not any(x in page for x in rep_notes)
    assert "Each half circle" not in page


@pytest.mark.video
def test_a_baseline_clip_without_a_test_says_so_and_coaches_no_half_circle() -> None:
    z = np.zeros(150)
    seq = _poses(z, z)
    run = baseline_from_poses(seq)
    assert run.results == []
    page = _text(render_report(analyze_poses(seq), baseline=run))
    assert "We could not find a baseline test in this clip." in page
    for phrase in HALF_CIRCLE_COACHING:
        assert phrase not in page, phrase


def _run(*peaks: tuple[str, float]) -> BaselineRun:
    results = [BaselineResult(t, 2.0 * i, 2.0 * i + 1, 2.0 * i + 0.5, p) for i, (t, p) in
               enumerate(peaks)]  # fmt: skip
    return BaselineRun(results, "front", 0.0, True)


@pytest.mark.parametrize(
    ("run", "sentence"),
    [
        (_run(("side_bend_right", 28.0), ("side_bend_left", 20.0)),
         "You bent further to the right (28°) than to the left (20°)"),
        (_run(("side_bend_right", 18.0), ("side_bend_left", 26.0)),
         "You bent further to the left (26°) than to the right (18°)"),
        (_run(("side_bend_right", 28.0), ("side_bend_left", 25.0)),
         "Your side bends were even: 28° to the right and 25° to the left."),
        (_run(("rotation_left", 20.0), ("rotation_right", 30.0)),  # within its error
         "Your trunk rotations read 20° to the left and 30° to the right: no difference "
         "beyond what this measure can tell."),
        (_run(("rotation_left", 5.0), ("rotation_right", 40.0)),
         "You turned further to the right (40°) than to the left (5°)"),
        (_run(("toe_touch", 70.0)), "You did 1 baseline test in this clip: the toe touch."),
    ],
)  # fmt: skip
def test_baseline_feedback_compares_the_sides(run: BaselineRun, sentence: str) -> None:
    said = baseline_feedback(run)
    assert any(s.startswith(sentence) for s in said), said
    assert "real change" in said[-1]  # how to read a later session


@pytest.mark.video
def test_batch_writes_a_baseline_page_for_a_baseline_clip_only(tmp_path: Path) -> None:
    seq = _side_bends()
    analysis = analyze_poses(seq)
    stamp = {"size": 1, "mtime_ns": 1}
    pages = {}
    for baseline in (True, False):
        job = VideoJob(
            video=str(tmp_path / "base_side_bends.mp4"),
            video_id="anna/base_side_bends.mp4",
            out_dir=str(tmp_path / f"out-{baseline}"),
            partial_dir=str(tmp_path / ".partial"),
            model="full",
            model_sha256="0" * 64,
            annotate=False,
            baseline=baseline,
        )
        out = write_video_outputs(job, analysis, stamp)
        pages[baseline] = _text((out / "report.html").read_text(encoding="utf-8"))
    saved = json.loads((tmp_path / "out-True" / "baseline.json").read_text())
    for r in saved["results"]:
        assert f"{r['peak_deg']:.0f}° {r['test'].replace('_', ' ')}" in pages[True]
    assert "complete the half circle" not in pages[True] and ABORTED_CUE not in pages[True]
    assert "Your side bends" in pages[False] and "Your baseline tests" not in pages[False]


# ----------------------------------------------------------------------------- aborted attempts
@pytest.mark.video
def test_an_aborted_attempt_is_mentioned_once_with_its_cue() -> None:
    analysis = _attempts_then_half_circle(1)
    assert len(analysis.complete_reps) == 1 and len(analysis.aborted) == 1
    a = analysis.aborted[0]
    text = _text(render_report(analysis))
    assert text.count(ABORTED_CUE) == 1
    assert (
        f"You also began a half circle ({a.start_s:.1f}–{a.end_s:.1f} s) and came back up "
        "before reaching the front." in text
    )
    assert text.index("You completed 1 half circle.") < text.index(ABORTED_CUE)


@pytest.mark.video
def test_several_aborted_attempts_share_one_sentence_and_one_cue() -> None:
    analysis = _attempts_then_half_circle(2)
    assert len(analysis.aborted) == 2
    text = _text(render_report(analysis))
    assert text.count(ABORTED_CUE) == 1
    assert text.count("came back up before reaching the front") == 1
    assert "You also began 2 half circles (" in text


@pytest.mark.video
def test_only_aborted_attempts_are_named_as_such_without_a_complete_one() -> None:
    z, rest = np.zeros, np.zeros(30)
    lat = np.concatenate([z(60), _bump(90, 25.0), rest])
    fwd = np.concatenate([z(60), _bump(90, 20.0), rest])
    analysis = analyze_poses(_poses(lat, fwd))
    assert not analysis.complete_reps and len(analysis.aborted) == 1
    text = _text(render_report(analysis))
    assert "You began a half circle (" in text and text.count(ABORTED_CUE) == 1
    assert "also" not in text.split("What we saw")[1].split("Angles over time")[0]


def test_aborted_attempts_are_shaded_apart_from_reps_on_the_angles_plot() -> None:
    analysis = _attempts_then_half_circle(1)
    spans = angle_spans(analysis)
    kinds = [s.kind for s in spans]
    assert sorted(kinds) == ["aborted", "complete"]
    attempt = next(s for s in spans if s.kind == "aborted")
    a = analysis.aborted[0]
    assert (attempt.start_s, attempt.end_s) == (a.start_s, a.end_s)
    style, legend = _SPAN_STYLE["aborted"]
    assert style != _SPAN_STYLE["complete"][0] and "hatch" in style
    assert legend == "came back before the front"
    assert "came back before" not in _SPAN_STYLE["complete"][1]


@pytest.mark.video
def test_from_the_side_the_page_says_why_no_half_circle_is_counted_and_shows_the_forward_bend(
) -> None:  # fmt: skip
    # Real MediaPipe on the side-view fixture (truth: one rep, 50 deg forward).
    from tests.conftest import fixture_poses

    page = render_report(analyze_poses(fixture_poses("hc_side_left")))
    assert "Half circles are not counted from the side" in page
    peak = re.search(r"<b>(\d+)°</b>forward, highest seen", page)
    assert peak is not None and abs(int(peak.group(1)) - 50) <= 3
    assert "<b>0</b>complete half circles" not in page


@pytest.mark.video
def test_the_page_and_the_terminal_show_the_same_whole_point_scores() -> None:
    from halfcircle.analyze.video import text_summary
    from halfcircle.coaching.scoring import points

    analysis = analyze_poses(synthetic_clip(*half_circle()).seq)
    (rep,) = analysis.complete_reps
    assert rep.score is not None
    shown = points(rep.score.total)
    assert f"<b>{shown}</b>score" in render_report(analysis)  # one rep: its score, no average
    assert f"Average score {shown} of 100, best {shown}." in text_summary(analysis)


# ----------------------------------------------------------------------------- plain words
def _two_reps(left_scale: float = 1.0, second_peak: float = 30.0) -> Analysis:
    """Two half circles (right first, then left first); the left side bends scaled by
    ``left_scale``, the second rep's side bends peaking at ``second_peak`` deg."""
    lat1, fwd1 = half_circle(n_rest=60, n_rep=150, right_first=True)
    lat2, fwd2 = half_circle(n_rest=45, n_rep=150, lateral_peak_deg=second_peak,
                             right_first=False)  # fmt: skip
    lat = np.concatenate([lat1, lat2])
    lat = np.where(lat < 0, lat * left_scale, lat)
    return analyze_poses(synthetic_clip(lat, np.concatenate([fwd1, fwd2])).seq)


def _one_rep(score: ScoreConfig | None = None) -> Analysis:
    """One half circle, scored with ``score`` (the default weights when None)."""
    from halfcircle.config import Settings

    settings = Settings(score=score) if score is not None else Settings()
    return analyze_poses(synthetic_clip(*half_circle(n_rest=60, n_rep=150)).seq, settings=settings)


def test_score_config_has_a_plain_name_for_every_weight_of_the_score() -> None:
    from dataclasses import fields

    from halfcircle.present.report import SCORE_PART_WORDS

    weights = {f.name for f in fields(ScoreConfig) if f.name.startswith("w_")}
    assert set(SCORE_PART_WORDS) == weights


@pytest.mark.video
@pytest.mark.parametrize(
    "weights",
    [
        {},  # the defaults
        {"w_smooth": 0.5, "w_full": 0.2, "w_sym": 0.1, "w_control": 0.2},
    ],
)
def test_the_score_is_explained_under_the_cards_with_the_weights_in_effect(
    weights: dict[str, float],
) -> None:
    from halfcircle.present.report import SCORE_PART_WORDS

    cfg = ScoreConfig(**weights)
    text = _text(render_report(_one_rep(score=cfg)))
    found = re.search(r"The score is out of 100[^\n]*", text)
    assert found is not None
    line = found.group(0)
    for name, words in SCORE_PART_WORDS.items():
        assert f"{words} {round(100 * getattr(cfg, name), 1):g}%" in line, (name, line)
    assert f"{cfg.compensation_points:g} points off" in line
    assert "your own earlier ones, not a grade" in line
    assert text.index("score") < text.index(line) < text.index("What we saw")  # under the cards


@pytest.mark.video
def test_no_best_rep_is_named_when_there_is_only_one() -> None:
    one = _text(render_report(_one_rep()))
    assert "You completed 1 half circle." in one
    assert "smoothest" not in one
    two = _two_reps()
    assert len(two.complete_reps) == 2
    assert "Your smoothest, fullest one was rep " in _text(render_report(two))


@pytest.mark.video
def test_the_angled_camera_is_named_in_plain_words() -> None:
    from halfcircle.kinematics.view import view_words

    assert view_words("oblique") == "camera at an angle"
    assert view_words("front") == "front view" and view_words("side") == "side view"
    analysis = analyze_poses(_side_bends())  # filmed from 30 deg: an oblique view
    assert analysis.kinematics.view.kind == "oblique"
    text = _text(render_report(analysis))
    assert "camera at an angle" in text and "oblique" not in text


@pytest.mark.video
def test_the_rep_table_scrolls_in_its_own_wrapper_with_plain_headers() -> None:
    from halfcircle.present.report import PAGE_CSS

    page = render_report(_two_reps())
    assert "<div class='tablewrap'><table>" in page
    assert re.search(r"\.tablewrap\{[^}]*overflow-x:auto", PAGE_CSS)
    assert not re.search(r"(^|\})table\{[^}]*overflow:hidden", PAGE_CSS)  # clipped its columns
    table = page.split("<div class='tablewrap'>")[1].split("</table>")[0]
    headers = [html.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", table)]
    assert "smoothness (closer to 0 is smoother)" in headers
    assert "sweep (deg of 180)" in headers
    assert "SPARC" not in headers and "arc" not in headers
    # the exact measures are kept for a physio: in the tooltips and in a footnote
    assert re.search(r"<th title='SPARC[^']*'>smoothness", table)
    assert re.search(r"<th title='arc coverage[^']*'>sweep", table)
    note = _text(page).split("For a physiotherapist:")[1]
    assert "smoothness is SPARC" in note and "sweep is the arc coverage" in note


@pytest.mark.video
def test_range_advice_asks_only_as_far_as_feels_fine() -> None:
    rules = {r.id: r for r in REP_CUE_RULES}
    for cue_id in ("further_left", "further_right", "full_sweep"):
        assert rules[cue_id].text.endswith(", if it feels fine.")
    analysis = _two_reps(left_scale=0.6)  # side bends 30 deg right, 18 deg left
    text = _text(render_report(analysis))
    assert "try going a little further to the left, if it feels fine." in text
    assert "Go a little further to the left" not in text  # said once already, above


@pytest.mark.video
def test_the_cards_of_per_rep_peaks_say_they_are_averages() -> None:
    two = _two_reps(second_peak=36.0)
    right = [r.metrics.peak_lateral_right_deg for r in two.complete_reps]
    assert abs(right[0] - right[1]) > 3  # the precondition: peaks that differ
    page = render_report(two)
    mean_right = f"{np.mean(right):.0f}°"
    assert f"<b>{mean_right}</b>side bend right<small>average peak</small>" in page
    for label in ("side bend left", "forward"):
        assert re.search(rf"<b>\d+°</b>{label}<small>average peak</small>", page), label
    assert "</b>average score" in page
    one = render_report(_one_rep())
    for label in ("side bend right", "side bend left", "forward"):
        assert re.search(rf"<b>\d+°</b>{label}<small>peak</small>", one), label
    assert "average" not in _text(one).split("The score is")[0]


# ----------------------------------------------------------------------------- the plots
def test_the_rep_trace_hangs_down_like_the_video_inset_with_a_legend_and_labelled_axes() -> None:
    from halfcircle.coaching.scoring import points
    from halfcircle.present.report import ROUND_PATH_LABEL, TRACE_LABEL, WIDE, _plot_traces

    analysis = _two_reps()
    fig = _plot_traces(analysis, WIDE)
    for ax, rep in zip(fig.axes, analysis.reps, strict=True):
        assert rep.score is not None
        assert ax.get_title() == f"rep {rep.index} · score {points(rep.score.total)}"
        assert ax.yaxis_inverted()  # forward downwards, as the overlay's inset draws it
        assert ax.xaxis_inverted()  # the person's right on the left, as the camera sees it
        assert ax.get_ylabel() == "forward (deg)"
        assert "side bend (deg)" in ax.get_xlabel()
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [TRACE_LABEL, ROUND_PATH_LABEL]
    assert ROUND_PATH_LABEL == "round path at your own peaks"


#: The page's width for its content on a 390 px phone (``main`` has 16 px padding there).
PHONE_CONTENT_PX = 390 - 2 * 16
#: The page's width for its content on a desktop (``main{max-width:980px}``).
WIDE_CONTENT_PX = 980
#: The smallest text a plot may show, in CSS pixels as the page displays it.
MIN_TEXT_PX = 11.0


def _smallest_text_px(fig: Figure, dpi: int, shown_px: int) -> float:
    """The smallest text of ``fig`` in CSS px, once its PNG is scaled to fit ``shown_px``."""
    from matplotlib.text import Text

    from halfcircle.present.page import figure_png

    png = figure_png(fig, dpi)  # draws the figure: every tick label exists now
    width = int.from_bytes(png[16:20], "big")  # the PNG header's width
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    smallest_pt = min(float(t.get_fontsize()) for t in texts)
    return smallest_pt / 72 * dpi * min(1.0, shown_px / width)


@pytest.mark.video
@pytest.mark.parametrize("plot", ["angles", "traces"])
def test_every_plot_is_drawn_readable_for_a_phone_and_for_a_desktop(plot: str) -> None:
    from halfcircle.present.report import PHONE, WIDE, _plot_angles, _plot_traces

    analysis = _attempts_then_half_circle(1)
    for layout, shown in ((PHONE, PHONE_CONTENT_PX), (WIDE, WIDE_CONTENT_PX)):
        fig = (_plot_angles(analysis, None, layout) if plot == "angles"
               else _plot_traces(_two_reps(), layout))  # fmt: skip
        assert _smallest_text_px(fig, layout.dpi, shown) >= MIN_TEXT_PX, layout.name
    # the phone gets its own drawing of each plot; the desktop the wide one
    page = render_report(analysis)
    assert page.count("<picture><source media='(max-width: 600px)' srcset='data:image/png") == 2
    assert page.count("<img") == 2


def _scored_rep(index: int, smoothness: float, fullness: float) -> object:
    from types import SimpleNamespace

    from halfcircle.coaching.scoring import ScoreBreakdown

    total = 100.0 * (0.5 * smoothness + 0.5 * fullness)
    score = ScoreBreakdown(total, smoothness, fullness, 1.0, 1.0, 0.0)
    return SimpleNamespace(index=index, score=score)


@pytest.mark.parametrize(
    ("reps", "expected"),
    [
        ([(0.9, 1.0), (0.6, 0.9)], "Your smoothest, fullest one was rep 1 (score 95)."),
        ([(0.9, 0.8), (0.5, 1.0)], "Your best one was rep 1 (score 85), also your smoothest."),
        ([(0.6, 1.0), (0.9, 0.65)], "Your best one was rep 1 (score 80), also your fullest."),
        (
            [(0.7, 0.9), (0.9, 0.6), (0.5, 1.0)],
            "Your best one was rep 1 (score 80).",
        ),
        ([(0.9, 1.0)], None),
    ],
    ids=["both", "smoothest", "fullest", "neither", "one"],
)
def test_the_best_rep_is_called_smoothest_and_fullest_only_where_it_is(
    reps: list[tuple[float, float]], expected: str | None
) -> None:
    from halfcircle.present.report import best_rep_sentence

    records = [_scored_rep(i + 1, s, f) for i, (s, f) in enumerate(reps)]
    assert best_rep_sentence(records) == expected  # type: ignore[arg-type]


@pytest.mark.video
def test_the_videos_readouts_are_on_the_page_for_a_small_screen() -> None:
    from halfcircle.present.overlay import phase_words, side_text
    from halfcircle.present.report import READOUT_CSS

    analysis = _two_reps()
    page = render_report(analysis)
    found = re.search(
        r"<script type='application/json' id='hc-readout-data'>(.*?)</script>", page, re.S
    )
    assert found is not None and "id='hc-readouts'" in page
    data = json.loads(found.group(1))
    n = len(analysis.states)
    assert len(data["t"]) == n and all(len(data[k]) == n for k in ("side", "phase", "cue"))
    said = {k: [data["words"][i] for i in data[k]] for k in ("side", "reps", "phase", "cue")}
    kin = analysis.kinematics
    for i, state in enumerate(analysis.states):  # what the video's overlay says, frame by frame
        assert said["phase"][i] == phase_words(state.phase)
        assert said["reps"][i] == str(state.reps) and said["cue"][i] == (state.cue or "")
        lateral = float(kin.lateral_deg[i]) if kin.valid[i] else None
        assert said["side"][i] == side_text(lateral)
    assert "through the front" in said["phase"]
    # hidden on a wide screen; a grid under the video below 600 px
    assert READOUT_CSS.startswith(".readouts{display:none}")
    assert re.search(
        r"@media \(max-width:600px\)\{\.readouts\.beside-video\{display:grid", READOUT_CSS
    )
