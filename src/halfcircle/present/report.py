"""The HTML report of an analysis: one self-contained page, nothing fetched.

It holds the annotated video (embedded when small enough, else linked beside the
page), what the score means, angles over time with the reps shaded (attempts
that came back before the front hatched), each rep's trace in the
lateral-forward plane (drawn as the video's trace inset draws it: forward
downwards) against a round path at the rep's own peaks, a table of reps in plain
words (the exact measures in tooltips and a footnote, for a physio) and
plain-language feedback. Plots are drawn with matplotlib's Agg backend and
embedded as PNG, twice: for a wide screen and, larger type, for a phone
(:class:`FigureLayout`). Only the rep table scrolls sideways on a phone.

A baseline clip (given with its :class:`~halfcircle.coaching.baseline.BaselineRun`) gets
a page of its baseline tests instead: one card and one table row per test with
its peak and fingertip measures, the baseline notes, and the tests shaded on the
angles over time. The rep counter's attempts that came back before the front,
and its reps that overlap a test, were tests, not half circles: they are neither
shown nor coached (:func:`outside_tests`).
"""

from __future__ import annotations

import base64
import gc
import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from halfcircle.coaching.baseline import MDC, margin_deg
from halfcircle.coaching.cues import record_cues
from halfcircle.coaching.drills import drill_tally
from halfcircle.coaching.painmodel import pain_guide
from halfcircle.coaching.scoring import ScoreConfig, points
from halfcircle.config import changed_settings
from halfcircle.files import replace_text
from halfcircle.kinematics.view import view_words
from halfcircle.present import page
from halfcircle.present.page import PAGE_CSS, img_html
from halfcircle.words import join_and

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from halfcircle.analyze.video import Analysis
    from halfcircle.coaching.baseline import BaselineResult, BaselineRun
    from halfcircle.coaching.reps import RepRecord

#: Largest annotated video embedded into the page (bytes); larger ones are linked.
EMBED_VIDEO_MAX_BYTES: Final = 25_000_000


def write_report(
    analysis: Analysis,
    path: Path,
    video: Path | None = None,
    *,
    baseline: BaselineRun | None = None,
) -> None:
    """Write the report page of ``analysis`` to ``path`` (never left half written).

    ``baseline``: the baseline tests measured in the same recording, for a
    baseline clip (see :func:`render_report`).
    """
    replace_text(path, render_report(analysis, video, base=path.parent, baseline=baseline))


def render_report(
    analysis: Analysis,
    video: Path | None = None,
    base: Path | None = None,
    *,
    baseline: BaselineRun | None = None,
) -> str:
    """The report page as an HTML string.

    Args:
        analysis: The recording's analysis.
        video: The annotated video, embedded or linked when it exists.
        base: The folder the page is written into (a large video is linked relative to it).
        baseline: The baseline tests measured in the same recording
            (:func:`halfcircle.coaching.baseline.baseline_from_poses`), for a baseline clip:
            the page then presents those tests, and leaves out the reps and
            attempts that were those tests (:func:`outside_tests`). None for a
            half-circle recording.
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import camera_tilt_phrase, summary_dict

    s = summary_dict(analysis)
    camera = camera_tilt_phrase(s)
    name = html.escape(Path(analysis.source).name)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>halfcircle: {name}</title><style>{PAGE_CSS}{READOUT_CSS}</style></head>",
        "<body><main>",
        f"<h1>{_title(analysis, baseline)}</h1>",
        f"<p class='sub'>{name} &middot; {s['video']['duration_s']:.1f} s &middot; "
        f"{html.escape(view_words(s['view']['kind']))}"
        + (f" &middot; {html.escape(camera)}" if camera else "")
        + "</p>",
        RATING_SLOT,
    ]
    if baseline is None:
        parts += _half_circle_body(analysis, s, video, base)
    else:
        parts += _baseline_body(analysis, baseline, video, base)
    changed = changed_settings(analysis.settings)
    if changed:  # so that a reader comparing two reports knows they were measured alike
        parts.append(
            "<p class='note'>Measured with these settings changed from the defaults: "
            + html.escape("; ".join(changed))
            + ".</p>"
        )
    parts += [
        _BASELINE_FOOTER if baseline is not None else _FOOTER,
        "</main></body></html>",
    ]
    return "\n".join(parts)


def drills_only(analysis: Analysis) -> bool:
    """Whether the recording holds drill reps and no half circle, whole or begun."""
    return bool(analysis.drills) and not analysis.reps and not analysis.aborted


def _title(analysis: Analysis, baseline: BaselineRun | None) -> str:
    if baseline is not None:
        return "Your baseline tests"
    if not drills_only(analysis):
        return "Your half circles"
    done = dict.fromkeys(d.movement for d in analysis.drills)
    words = {"side_bend": "side bends", "roll_down": "roll-downs"}
    return "Your " + " and ".join(words[m] for m in sorted(done, key=list(words).index))


_FOOTER: Final = (
    "<footer>halfcircle is a coaching tool, not a diagnosis. Side bend is positive to "
    "your right; forward is positive bending forward. "
    f"{html.escape(pain_guide())}</footer>"
)
_BASELINE_FOOTER: Final = (
    "<footer>halfcircle is a coaching tool, not a diagnosis. Each test's peak is how far "
    "you moved in that test's direction from your upright stance at the start. In the "
    "plot, side bend is positive to your right, forward is positive bending forward and "
    "rotation is positive turning to your left. "
    f"{html.escape(pain_guide())}</footer>"
)


def _half_circle_body(
    analysis: Analysis, s: dict[str, Any], video: Path | None, base: Path | None
) -> list[str]:
    """Cards, video, feedback, plots and rep table of a half-circle recording."""
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import (
        frames_sentence,
        peak_forward_seen_deg,
        score_points,
        side_view_sentence,
    )

    c, m = s["counts"], s["means"]
    side = side_view_sentence(analysis)
    shown = score_points(analysis)
    forward = peak_forward_seen_deg(analysis) if side is not None else m["peak_forward_deg"]
    peak = average_words(len(analysis.complete_reps))
    n_scored = sum(r.score is not None for r in analysis.complete_reps)
    parts = (
        _drill_cards(s["drills"])
        if side is None and drills_only(analysis)
        else [
            "<div class='cards'>",
            _card("complete half circles", str(c["complete_reps"]) if side is None else "--"),
            _card("score" if n_scored == 1 else "average score", shown[0] if shown else "--"),
            _card("side bend right", _deg(m["peak_lateral_right_deg"]), peak),
            _card("side bend left", _deg(m["peak_lateral_left_deg"]), peak),
            _card("forward", _deg(forward), peak)
            if side is None
            else _card("forward, highest seen", _deg(forward)),
            "</div>",
        ]
    )
    if shown is not None:
        explain = score_explanation(analysis.settings.score)
        parts.append(f"<p class='explain'>{html.escape(explain)}</p>")
    parts.append(_video_html(video, base))
    parts.append(readouts_html(analysis))
    parts += ["<h2>What we saw</h2><ul class='feedback'>"]
    parts += [
        f"<li>{html.escape(t)}</li>" for t in [*([side] if side else []), *feedback(analysis)]
    ]
    parts += [f"<li class='note'>{html.escape(n)}</li>" for n in analysis.notes]
    if c["frames_skipped"]:
        parts.append(f"<li class='note'>{html.escape(frames_sentence(c))}</li>")
    parts.append("</ul>")
    if analysis.kinematics.valid.any():
        parts += [
            "<h2>Angles over time</h2>",
            _picture(lambda layout: _plot_angles(analysis, None, layout), "angles over time"),
        ]
    parts += _rep_section(analysis)
    return parts


def average_words(n_reps: int) -> str:
    """What a card of per-rep peaks says it shows: ``"average peak"`` of several reps.

    The side bend and forward cards show the mean of the complete reps' peaks
    (``summary.json``'s ``means``): with one rep that is its peak.
    """
    if n_reps <= 0:
        return ""
    return "peak" if n_reps == 1 else "average peak"


#: The parts of the score in plain words, by their weight in
#: :class:`~halfcircle.coaching.scoring.ScoreConfig`; every ``w_*`` weight needs one.
SCORE_PART_WORDS: Final[dict[str, str]] = {
    "w_smooth": "smoothness",
    "w_full": "a full sweep from side to side",
    "w_sym": "even sides",
    "w_control": "steady control and pace",
}


def score_explanation(config: ScoreConfig | None = None) -> str:
    """One plain line on what the 0-100 score is, with the weights of ``config``.

    The parts and weights are read from :class:`~halfcircle.coaching.scoring.ScoreConfig`
    (the settings in effect), so the line cannot drift from the formula
    (:func:`halfcircle.coaching.scoring.score_rep`).
    """
    cfg = config if config is not None else ScoreConfig()
    parts = [
        f"{SCORE_PART_WORDS.get(f.name, f.name)} {_percent(getattr(cfg, f.name))}"
        for f in fields(cfg)
        if f.name.startswith("w_")
    ]
    off = (
        f" ({cfg.compensation_points:g} points off each time the hips leave the wall or "
        "the knees lock)"
        if cfg.compensation_points > 0
        else ""
    )
    return (
        f"The score is out of 100: it adds up {join_and(parts)}{off}. It is for comparing "
        "your half circles with your own earlier ones, not a grade."
    )


def _percent(weight: float) -> str:
    return f"{round(100 * weight, 1):g}%"


def _drill_cards(drills: dict[str, Any]) -> list[str]:
    """The cards of a recording of drills only: how many of each, and each side's peak."""
    cards = []
    for movement, what in (("side_bend", "side bends"), ("roll_down", "roll-downs")):
        done = drills.get(movement)
        if not done:
            continue
        cards.append(_card(what, str(done["reps"]), f"{done['controlled']} smooth, hips still"))
        for side, got in done["sides"].items():
            label = "roll-down, forward" if side == "front" else f"side bend {side}"
            cards.append(_card(label, _deg(got["mean_peak_deg"]), "peak, on average"))
    return ["<div class='cards'>", *cards, "</div>"]


def _rep_section(analysis: Analysis) -> list[str]:
    if not analysis.reps:
        return []
    reps = analysis.reps
    pictures = [
        _picture(
            partial(_plot_traces, analysis, reps=reps[first : first + REPS_PER_FIGURE]),
            "each half circle's path, seen from the front, against a round path at its own peaks",
        )
        for first in range(0, len(reps), REPS_PER_FIGURE)
    ]
    return ["<h2>Each half circle</h2>", *pictures, _rep_table(analysis)]


def _baseline_body(
    analysis: Analysis, run: BaselineRun, video: Path | None, base: Path | None
) -> list[str]:
    """Test cards, video, feedback and notes, plot and test table of a baseline clip."""
    rest = outside_tests(analysis, run)
    parts = ["<div class='cards'>"]
    parts += [_card(_label(r), _deg(r.peak_deg), _fingertips(r)) for r in run.results]
    parts.append("</div>")
    parts.append(_video_html(video, base))
    parts.append(readouts_html(analysis))
    parts += ["<h2>What we saw</h2><ul class='feedback'>"]
    parts += [f"<li>{html.escape(t)}</li>" for t in baseline_feedback(run)]
    parts += [f"<li>{html.escape(t)}</li>" for t in feedback(rest)]
    parts += [f"<li class='note'>{html.escape(n)}</li>" for n in rest.notes]
    parts.append("</ul>")
    if analysis.kinematics.valid.any():
        parts += [
            "<h2>Angles over time</h2>",
            _picture(
                lambda layout: _plot_angles(rest, run, layout),
                "angles over time with the baseline tests shaded",
            ),
        ]
    if run.results:
        parts += ["<h2>Each test</h2>", _test_table(run)]
        missing = [t.replace("_", " ") for t in run.missing()]
        if missing:
            parts.append(f"<p class='sub'>Not in this clip: {html.escape(join_and(missing))}.</p>")
    parts += _rep_section(rest)
    return parts


def outside_tests(analysis: Analysis, run: BaselineRun) -> Analysis:
    """The half circles of a baseline clip: ``analysis`` without what were its tests.

    The rep counter reads a side bend or a toe touch as an attempt that came back
    before the front, or as a rep; in a baseline clip they were tests, done as
    asked. So every attempt that came back before the front goes (in a baseline
    clip, bending out and coming back is what was asked for), and so do the reps
    that overlap a test of ``run``, with their notes. The notes are those of the
    baseline run (``run.notes``, the rotation caveat among them) followed by the
    analysis's own that the run does not cover (someone else in view, a stopped
    run, reps outside the tests).
    """
    # lazy: loads PIL, cv2, matplotlib, mediapipe, sounddevice
    from halfcircle.analyze.video import BASELINE_HINT_DRILLS_START, BASELINE_HINT_START

    spans = [(r.start_s, r.end_s) for r in run.results]

    def in_a_test(rec: RepRecord) -> bool:
        return any(rec.start_s < b and a < rec.end_s for a, b in spans)

    dropped = [r for r in analysis.reps if in_a_test(r)]
    tags = [_rep_note_tag(r) for r in dropped]
    kin_notes = set(analysis.kinematics.notes)
    notes = list(run.notes)
    for n in analysis.notes:
        # the analysis's advice on calibration is for the half circle (against the wall)
        if n in notes or n in kin_notes or "calibrate" in n or any(t in n for t in tags):
            continue
        if n.startswith((BASELINE_HINT_START, BASELINE_HINT_DRILLS_START)):  # measured as tests
            continue
        notes.append(n)
    return replace(
        analysis,
        reps=[r for r in analysis.reps if not in_a_test(r)],
        aborted=[],
        drills=[],  # a side bend or toe touch out and back was a test here, not a drill
        notes=tuple(notes),
    )


def _rep_note_tag(r: RepRecord) -> str:
    """How :func:`halfcircle.analyze.video.analyze_poses` names a rep in its note on it."""
    return f"rep {r.index} ({r.start_s:.1f}-{r.end_s:.1f} s)"


#: How the sentences of the page name each baseline test.
_TEST_PHRASES: Final[dict[str, str]] = {
    "toe_touch": "the toe touch",
    "side_bend_right": "the side bend to the right",
    "side_bend_left": "the side bend to the left",
    "rotation_left": "the trunk rotation to the left",
    "rotation_right": "the trunk rotation to the right",
}


def baseline_feedback(run: BaselineRun) -> list[str]:
    """Plain-language sentences about the baseline tests of a recording."""
    if not run.results:
        if not run.calibrated:
            return ["We could not find a baseline test in this clip."]
        return [
            "We could not find a baseline test in this clip. Do each test slowly and hold "
            "a moment at its end, so that it can be measured."
        ]
    n = len(run.results)
    names = [_TEST_PHRASES.get(r.test, r.test.replace("_", " ")) for r in run.results]
    out = [f"You did {n} baseline test{'s' if n > 1 else ''} in this clip: {join_and(names)}."]
    peak = {r.test: r.peak_deg for r in run.results}
    for what, verb, a, b in (("side bends", "bent", "right", "left"),
                             ("trunk rotations", "turned", "left", "right")):  # fmt: skip
        key = "side_bend" if what == "side bends" else "rotation"
        pa, pb = peak.get(f"{key}_{a}"), peak.get(f"{key}_{b}")
        if pa is None or pb is None:
            continue
        if abs(pa - pb) < margin_deg(key) and key == "rotation":
            out.append(
                f"Your {what} read {pa:.0f}° to the {a} and {pb:.0f}° to the {b}: no "
                "difference beyond what this measure can tell."
            )
        elif abs(pa - pb) < margin_deg(key):
            out.append(f"Your {what} were even: {pa:.0f}° to the {a} and {pb:.0f}° to the {b}.")
        else:
            far, near = (a, b) if pa > pb else (b, a)
            out.append(
                f"You {verb} further to the {far} ({max(pa, pb):.0f}°) than to the {near} "
                f"({min(pa, pb):.0f}°); the half circle practises both sides."
            )
    tips = f" ({MDC['cm']:g} cm at the fingertips)" if any(map(_fingertips, run.results)) else ""
    out.append(
        "Notice how each movement felt: better, the same or worse than last time. Repeat "
        "these tests filmed the same way in a few weeks; a change of more than about "
        f"{MDC['deg']:.0f}°{tips} is a real change."
    )
    return out


def _label(r: BaselineResult) -> str:
    return r.test.replace("_", " ")


def _fingertips(r: BaselineResult) -> str:
    """The fingertip measure of a test in words, ``""`` when it has none."""
    if r.fingertip_floor_cm is not None:
        cm = r.fingertip_floor_cm
        return f"fingertips {abs(cm):.0f} cm {'above' if cm >= 0 else 'below'} the floor"
    if r.fingertip_travel_cm is not None:
        return f"fingertips slid {r.fingertip_travel_cm:.0f} cm down"
    return ""


def _test_table(run: BaselineRun) -> str:
    """One row per test; the fingertips column only when a test has a fingertip measure."""
    tips = any(_fingertips(r) for r in run.results)
    head = (
        "<table><tr><th>test</th><th>time (s)</th><th>peak</th><th>at (s)</th>"
        + ("<th>fingertips</th>" if tips else "")
        + "</tr>"
    )
    rows = [
        f"<tr><td>{html.escape(_label(r))}</td><td>{r.start_s:.1f}–{r.end_s:.1f}</td>"
        f"<td>{_deg(r.peak_deg)}</td><td>{r.peak_time_s:.1f}</td>"
        + (f"<td>{html.escape(_fingertips(r)) or '--'}</td>" if tips else "")
        + "</tr>"
        for r in run.results
    ]
    return _scrolling(head + "".join(rows) + "</table>")


def best_rep_sentence(complete: Sequence[RepRecord]) -> str | None:
    """The best-scored rep, called the smoothest or fullest only where it is.

    Smoothest: the highest smoothness part of the score (SPARC and reversals);
    fullest: the highest fullness part (arc coverage), ties included. None with
    fewer than two scored reps ("the best of them" would say nothing).
    """
    scored = [(r, r.score) for r in complete if r.score is not None]
    if len(scored) < 2:
        return None
    best, score = max(scored, key=lambda rs: rs[1].total)
    smoothest = score.smoothness >= max(s.smoothness for _, s in scored) - 1e-9
    fullest = score.fullness >= max(s.fullness for _, s in scored) - 1e-9
    said = f"rep {best.index} (score {points(score.total)})"
    if smoothest and fullest:
        return f"Your smoothest, fullest one was {said}."
    if smoothest or fullest:
        return f"Your best one was {said}, also your {'smoothest' if smoothest else 'fullest'}."
    return f"Your best one was {said}."


def feedback(analysis: Analysis) -> list[str]:
    """Plain-language sentences about the session (encouraging, specific)."""
    from halfcircle.analyze.video import drill_sentences

    complete = analysis.complete_reps
    seen: set[str] = set()
    advised: set[str] = set()
    drills = [f"You did {t}" for t in drill_sentences(drill_tally(analysis.drills), "°")]
    if not complete:
        return drills + _aborted_feedback(analysis.aborted, seen, also=False)
    out = [f"You completed {len(complete)} half circle{'s' if len(complete) > 1 else ''}."]
    best_line = best_rep_sentence(complete)
    if best_line is not None:
        out.append(best_line)
    right = np.nanmean([r.metrics.peak_lateral_right_deg for r in complete])
    left = np.nanmean([r.metrics.peak_lateral_left_deg for r in complete])
    if math.isfinite(right) and math.isfinite(left) and max(right, left) > 0:
        if abs(right - left) >= 5:
            weaker = "left" if left < right else "right"
            out.append(
                f"You bent a little further to the {'right' if weaker == 'left' else 'left'} "
                f"({max(right, left):.0f} deg) than to the {weaker} ({min(right, left):.0f} deg); "
                f"try going a little further to the {weaker}, if it feels fine."
            )
            advised.add(f"further_{weaker}")  # the same advice as a rep's cue
        else:
            out.append("Your side bends were even on both sides.")

    for r in complete:
        for cue in record_cues(r):
            if cue.text not in seen and cue.id not in advised:
                seen.add(cue.text)
                out.append(cue.text)
    return out + _aborted_feedback(analysis.aborted, seen, also=True) + drills


def _aborted_feedback(aborted: list[RepRecord], seen: set[str], *, also: bool) -> list[str]:
    """Attempts that came back before the front: when, then their cues (each text once).

    ``seen`` holds the cue texts already given (updated); ``also`` when complete
    half circles were mentioned before.
    """
    if not aborted:
        return []
    when = ", ".join(f"{r.start_s:.1f}–{r.end_s:.1f} s" for r in aborted)
    n = len(aborted)
    what = "a half circle" if n == 1 else f"{n} half circles"
    out = [
        f"You {'also ' if also else ''}began {what} ({when}) and came back up before "
        "reaching the front."
    ]
    for r in aborted:
        for cue in record_cues(r):
            if cue.text not in seen:
                seen.add(cue.text)
                out.append(cue.text)
    return out


def _card(label: str, value: str, detail: str = "") -> str:
    more = f"<small>{html.escape(detail)}</small>" if detail else ""
    return f"<div class='card'><b>{html.escape(value)}</b>{html.escape(label)}{more}</div>"


def _deg(v: float | None) -> str:
    return "--" if v is None else f"{v:.0f}°"


#: Where the annotated video goes on a page rendered without one (:func:`with_video`).
VIDEO_SLOT: Final = "<!-- halfcircle:video -->"
#: Where the person's own rating of a live session goes (:func:`with_rating`).
RATING_SLOT: Final = "<!-- halfcircle:rating -->"

#: How the back felt after the set, as the live window's question put it.
_FEELING_WORDS: Final = {
    "better": "better than before the set",
    "same": "the same as before the set",
    "worse": "worse than before the set",
}


def rating_sentence(feeling: str | None, pain: int | None) -> str | None:
    """What the person said after the set, in one sentence; None when they said nothing.

    >>> rating_sentence("better", 3)
    'You said your back felt better than before the set, with pain 3 of 10.'
    """
    felt = _FEELING_WORDS.get(feeling or "")
    if felt is None and pain is None:
        return None
    pain_words = f"pain {pain} of 10" if pain is not None else ""
    if felt is None:
        return f"You rated your pain {pain} of 10 after the set."
    return f"You said your back felt {felt}" + (f", with {pain_words}." if pain_words else ".")


def with_rating(page: str, feeling: str | None, pain: int | None) -> str:
    """``page`` with the person's rating of the session where :data:`RATING_SLOT` is.

    Unchanged when the page has no slot or the person gave no rating.
    """
    sentence = rating_sentence(feeling, pain)
    return page if sentence is None else with_section(page, "How it felt", [sentence])


def with_section(page: str, title: str, lines: Sequence[str]) -> str:
    """``page`` with a section of plain sentences where :data:`RATING_SLOT` is.

    A guided session's result (before and after, the verdict, the feeling and pain) or
    a set's rating. Unchanged when the page has no slot or there is nothing to say.
    """
    if not lines:
        return page
    body = "".join(f"<p class='rating'>{html.escape(line)}</p>" for line in lines)
    return page.replace(RATING_SLOT, f"<h2>{html.escape(title)}</h2>{body}", 1)


def with_video(page: str, video: Path | None, base: Path | None, *, embed: bool = True) -> str:
    """``page``, rendered without a video, with ``video`` in its place.

    So that the report can be written before the annotated video is made, and
    the video added once it is complete. ``embed`` False links even a small
    video instead of embedding it (a page that stays small on a full disk).
    """
    return page.replace(VIDEO_SLOT, _video_html(video, base, embed=embed), 1)


#: The readouts under the video on a small screen, where the video's own text is too
#: small to read (the annotated video is drawn at the camera's size, 640 px wide, and a
#: phone shows it about 360 px wide): shown only then, and only beside a video.
READOUT_CSS: Final = """.readouts{display:none}
@media (max-width:600px){.readouts.beside-video{display:grid;grid-template-columns:1fr 1fr;
gap:8px;background:#1d2a2a;color:#fff;border-radius:12px;padding:12px;margin-top:8px}
.readouts small{display:block;color:#b8c4c4;font-size:14px}
.readouts b{display:block;font-size:22px}.readouts .cue{grid-column:1/3;font-size:20px;margin:0}}
"""

#: Keeps the readouts in step with the video: the last frame at or before its time.
_READOUT_JS: Final = """(function(){var d=JSON.parse(document.getElementById('hc-readout-data')
.textContent),box=document.getElementById('hc-readouts'),v=document.querySelector('video');
if(!v||!box)return;box.classList.add('beside-video');
var f=function(k,i){return d.words[d[k][i]]};
function show(){var t=v.currentTime+d.half,lo=0,hi=d.t.length-1;if(hi<0)return;
while(lo<hi){var m=(lo+hi+1)>>1;if(d.t[m]<=t)lo=m;else hi=m-1}
['side','forward','reps','phase','cue'].forEach(function(k){
box.querySelector('[data-k='+k+']').textContent=f(k,lo)})}
['timeupdate','seeked','loadeddata'].forEach(function(e){v.addEventListener(e,show)});
var last=-1;(function tick(){if(v.currentTime!==last){last=v.currentTime;show()}
requestAnimationFrame(tick)})()})();"""


def readout_frames(analysis: Analysis) -> dict[str, Any]:
    """What the video's burned-in text says on each frame, as data for the page.

    ``t``: frame times (s, the video's clock); ``side``, ``forward``, ``reps``,
    ``phase``, ``cue``: per frame, an index into ``words`` (the texts, each once),
    in the overlay's own wording; ``half``: half a frame (s), to land on the frame shown.
    """
    # lazy: loads cv2
    from halfcircle.analyze.video import reps_done
    from halfcircle.present.overlay import deg_text, phase_words, side_text

    kin = analysis.kinematics
    words: dict[str, int] = {}

    def ix(text: str) -> int:
        return words.setdefault(text, len(words))

    cols: dict[str, list[int]] = {k: [] for k in ("side", "forward", "reps", "phase", "cue")}
    done = reps_done(analysis)
    for i, state in enumerate(analysis.states):
        ok = bool(kin.valid[i])
        lateral = float(kin.lateral_deg[i]) if ok and kin.view.lateral_observable else None
        cols["side"].append(ix(side_text(lateral)))
        cols["forward"].append(ix(deg_text(float(kin.forward_deg[i]) if ok else None)))
        cols["reps"].append(ix(str(done[i])))
        cols["phase"].append(ix(phase_words(state.phase)))
        cols["cue"].append(ix(state.cue or ""))
    fps = analysis.poses.fps if analysis.poses.fps > 0 else 30.0
    return {
        "t": [round(float(t), 3) for t in kin.time_s[: len(analysis.states)]],
        "half": round(0.5 / fps, 4),
        "words": list(words),
        **cols,
    }


def readouts_html(analysis: Analysis) -> str:
    """The video's readouts as page text, shown under the video on a small screen.

    Side bend, forward, the rep count and phase, and the cue of the frame the video
    is on (:func:`readout_frames`, kept in step by a small script); hidden on a wide
    screen, where the video's own text reads well, and where there is no video.
    """
    if not analysis.states:
        return ""
    data = json.dumps(readout_frames(analysis), separators=(",", ":")).replace("</", "<\\/")
    cells = "".join(
        f"<div><small>{label}</small><b data-k='{key}'>--</b></div>"
        for key, label in (("side", "side bend"), ("forward", "forward"), ("reps", "reps"))
    )
    return (
        f"<div class='readouts' id='hc-readouts' aria-live='off'>{cells}"
        "<div><small>now</small><b data-k='phase'></b></div>"
        "<p class='cue' data-k='cue'></p></div>"
        f"<script type='application/json' id='hc-readout-data'>{data}</script>"
        f"<script>{_READOUT_JS}</script>"
    )


def _video_html(video: Path | None, base: Path | None, *, embed: bool = True) -> str:
    if video is None or not video.exists():
        return VIDEO_SLOT
    if embed and video.stat().st_size <= EMBED_VIDEO_MAX_BYTES:
        data = base64.b64encode(video.read_bytes()).decode("ascii")
        src = f"data:video/mp4;base64,{data}"
    else:
        src = html.escape(video.name if base is None or video.parent == base else str(video))
    return f"<h2>Your video</h2><video controls muted playsinline src='{src}'></video>"


@dataclass(frozen=True)
class FigureLayout:
    """How a plot of the page is drawn for one kind of screen.

    A figure is scaled down to the width of the page, and its text with it: a
    plot drawn for a wide screen reads about 5 px tall on a phone. So each plot
    is drawn twice, for a wide screen and for a phone, and the browser picks
    (:func:`_picture`).

    Attributes:
        name: ``"wide"`` or ``"phone"``.
        width_in: Width of the figure (inches).
        font_pt: Size of its smallest text (points).
        dpi: Resolution of the PNG (a phone's screen has 2-3 pixels per CSS pixel).
        max_cols: Most rep traces side by side.
    """

    name: str
    width_in: float
    font_pt: float
    dpi: int
    max_cols: int


#: The plots for a screen wider than :data:`PHONE_MAX_WIDTH_PX`.
WIDE: Final = FigureLayout("wide", width_in=9.0, font_pt=10.0, dpi=110, max_cols=4)
#: The plots for a phone: narrower, larger type, one rep trace a row.
PHONE: Final = FigureLayout("phone", width_in=4.4, font_pt=11.0, dpi=220, max_cols=1)
#: Screens up to this width (CSS px) get the :data:`PHONE` plots.
PHONE_MAX_WIDTH_PX: Final = 600


def _picture(draw: Callable[[FigureLayout], Figure], alt: str) -> str:
    """A plot as a ``<picture>``: drawn for a phone and for a wide screen, the browser picks."""
    phone = base64.b64encode(_drawn_png(draw, PHONE)).decode("ascii")
    return (
        f"<picture><source media='(max-width: {PHONE_MAX_WIDTH_PX}px)' "
        f"srcset='data:image/png;base64,{phone}'>"
        + img_html(_drawn_png(draw, WIDE), alt)
        + "</picture>"
    )


def _drawn_png(draw: Callable[[FigureLayout], Figure], layout: FigureLayout) -> bytes:
    """The PNG of one figure, whose memory (its pixels above all) is freed at once.

    A figure and its canvas refer to each other, so without a collection its
    pixel buffer would stay until Python's collector happens to run: a report of
    many figures would hold them all.
    """
    fig = draw(layout)
    try:
        return page.figure_png(fig, layout.dpi)
    finally:
        fig.clear()
        del fig
        gc.collect()


SpanKind = Literal["complete", "incomplete", "aborted", "drill", "test"]

#: How each kind of span is shaded on the angles over time (matplotlib ``axvspan``
#: keywords), and its legend label ("" for none: complete and incomplete reps carry
#: their numbers instead).
_SPAN_STYLE: Final[dict[str, tuple[dict[str, Any], str]]] = {
    "complete": ({"color": "#1f7a6d", "alpha": 0.1}, ""),
    "incomplete": ({"color": "#999", "alpha": 0.1}, ""),
    "aborted": (
        {"facecolor": "none", "edgecolor": "#b3a8d6", "hatch": "///", "lw": 0},
        "came back before the front",
    ),
    "drill": ({"color": "#c08a2b", "alpha": 0.12}, "side bend or roll-down"),
    "test": ({"color": "#3b6ea5", "alpha": 0.1}, ""),
}


@dataclass(frozen=True)
class Span:
    """A stretch of the recording shaded on the angles over time.

    Attributes:
        start_s: Start (s).
        end_s: End (s).
        kind: A complete or incomplete rep, an attempt that came back before the
            front (``aborted``), a side bend or roll-down (``drill``), or a baseline test.
        label: Written above it ("" for none).
    """

    start_s: float
    end_s: float
    kind: SpanKind
    label: str


def angle_spans(analysis: Analysis, baseline: BaselineRun | None = None) -> list[Span]:
    """What the angles over time shade: reps, attempts, and a baseline clip's tests.

    Reps are labelled with their number; attempts that came back before the front
    are hatched, unlabelled (they have a numbering of their own); tests carry
    their name. Pass the analysis of :func:`outside_tests` with ``baseline``.
    """
    spans = [
        Span(r.start_s, r.end_s, "complete" if r.complete else "incomplete", str(r.index))
        for r in analysis.reps
    ]
    spans += [Span(r.start_s, r.end_s, "aborted", "") for r in analysis.aborted]
    spans += [Span(d.metrics.start_s, d.metrics.end_s, "drill", "") for d in analysis.drills]
    if baseline is not None:
        spans += [Span(r.start_s, r.end_s, "test", _label(r)) for r in baseline.results]
    return spans


def _plot_angles(
    analysis: Analysis, baseline: BaselineRun | None = None, layout: FigureLayout = WIDE
) -> Figure:
    """Side bend, forward (and a baseline clip's rotation) over time, reps and tests shaded."""
    from matplotlib.figure import Figure

    kin = analysis.kinematics
    size = layout.font_pt
    phone = layout.name == "phone"
    fig = Figure(figsize=(layout.width_in, 3.6 if phone else 3.2), layout="constrained")
    ax = fig.add_subplot()
    t = kin.time_s
    valid = kin.valid
    lat = np.where(valid, kin.lateral_deg, np.nan)
    fwd = np.where(valid, kin.forward_deg, np.nan)
    if kin.view.lateral_observable:
        ax.plot(t, lat, color="#e0882a", label="side bend (+ right)")
    ax.plot(t, fwd, color="#1f7a6d", label="forward")
    if baseline is not None and any(r.test.startswith("rotation") for r in baseline.results):
        rot = np.where(valid, kin.rotation_deg, np.nan)
        ax.plot(t, rot, color="#5b4bb5", label="rotation (+ left)")
    legend_done: set[str] = set()
    for span in angle_spans(analysis, baseline):
        style, legend = _SPAN_STYLE[span.kind]
        label = legend if legend and legend not in legend_done else None
        if label:
            legend_done.add(label)
        ax.axvspan(span.start_s, span.end_s, label=label, **style)
        if span.label:
            ax.text((span.start_s + span.end_s) / 2, 1.0, span.label,
                    transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=size)  # fmt: skip
    ax.axhline(0, color="#bbb", lw=0.8)
    ax.set_xlabel("time (s)", fontsize=size)
    ax.set_ylabel("degrees", fontsize=size)
    ax.tick_params(labelsize=size)
    if phone:  # below the plot, where it covers no line; side by side only if two fit
        ncol = 2 if len(ax.get_legend_handles_labels()[1]) <= 2 else 1
        fig.legend(loc="outside lower center", ncol=ncol, frameon=False, fontsize=size)
    else:
        ax.legend(loc="upper right", frameon=False, fontsize=size)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


#: Legend labels of the rep traces: the person's path, and the round path it is drawn against.
TRACE_LABEL: Final = "your path"
ROUND_PATH_LABEL: Final = "round path at your own peaks"


#: Most rep traces in one figure of the report: a long session gets several figures,
#: so that the memory of drawing one stays that of a short session (a figure of
#: all 109 reps of a 10-minute recording drawn for a phone is 90,000 px tall).
REPS_PER_FIGURE: Final = 8


def _plot_traces(
    analysis: Analysis, layout: FigureLayout = WIDE, reps: Sequence[RepRecord] | None = None
) -> Figure:
    """Each rep's path in the side bend-forward plane, as the annotated video draws it.

    Seen from the front like the video's trace inset (:mod:`halfcircle.present.overlay`):
    the person's right on the left, forward downwards, so that the half circle
    hangs down from upright. Against it, in grey, a round path through the rep's
    own peaks (not a norm: the shape, at the person's own range). ``reps``: the
    reps to draw (default: all of them).
    """
    from matplotlib.figure import Figure

    reps = analysis.reps if reps is None else reps
    size = layout.font_pt
    cols = min(layout.max_cols, len(reps))
    rows = math.ceil(len(reps) / cols)
    col_in = layout.width_in / cols if layout.name == "phone" else 3.0
    fig = Figure(figsize=(col_in * cols, 0.85 * col_in * rows + 0.5), layout="constrained")
    for k, r in enumerate(reps):
        ax = fig.add_subplot(rows, cols, k + 1)
        mt = r.metrics
        lat_peak = max(_finite(mt.peak_lateral_right_deg), _finite(mt.peak_lateral_left_deg), 10)
        fwd_peak = max(_finite(mt.peak_forward_deg), 10)
        phi = np.linspace(0, np.pi, 60)
        ax.plot(lat_peak * np.cos(phi), fwd_peak * np.sin(phi), color="#ccc", lw=2,
                label=ROUND_PATH_LABEL)  # fmt: skip
        tr = r.frames.trace
        ax.plot(tr[:, 0], tr[:, 1], color="#1f7a6d", lw=1.8, label=TRACE_LABEL)
        ax.invert_xaxis()  # the person's right on the left, as a camera facing them sees it
        ax.invert_yaxis()  # forward downwards: the half circle hangs down, as in the video
        score = f" · score {points(r.score.total)}" if r.score is not None else ""
        ax.set_title(f"rep {r.index}{score}", fontsize=size)
        ax.set_aspect("equal", adjustable="datalim")
        ax.tick_params(labelsize=size)
        ax.set_xlabel("← right   side bend (deg)   left →", fontsize=size)
        ax.set_ylabel("forward (deg)", fontsize=size)
        ax.spines[["top", "right"]].set_visible(False)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    order = [labels.index(TRACE_LABEL), labels.index(ROUND_PATH_LABEL)]
    fig.legend([handles[i] for i in order], [labels[i] for i in order],
               loc="outside upper center", ncol=2, frameon=False, fontsize=size)  # fmt: skip
    return fig


#: The rep table's columns: header, and for the physio its exact measure ("" for none).
REP_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("rep", ""),
    ("direction", ""),
    ("time (s)", ""),
    ("side bend right", "peak lateral flexion to your right (deg)"),
    ("side bend left", "peak lateral flexion to your left (deg)"),
    ("forward", "peak forward flexion (deg)"),
    ("sweep (deg of 180)", "arc coverage: how much of the 0-180° phase angle the trunk swept"),
    ("smoothness (closer to 0 is smoother)",
     "SPARC, spectral arc length of the trunk's angular speed"),
    ("score (of 100)", ""),
)  # fmt: skip


def _rep_table(analysis: Analysis) -> str:
    """One row per rep in plain headers; the exact measures in tooltips and a footnote."""
    head = "<tr>" + "".join(
        f"<th title='{html.escape(tip)}'>{html.escape(name)}</th>" if tip else
        f"<th>{html.escape(name)}</th>"
        for name, tip in REP_COLUMNS
    ) + "</tr>"  # fmt: skip
    rows = []
    for r in analysis.reps:
        mt = r.metrics
        score = points(r.score.total) if r.score is not None else html.escape(r.outcome)
        rows.append(
            f"<tr><td>{r.index}</td><td>{r.direction.replace('_', ' ')}</td>"
            f"<td>{r.start_s:.1f}–{r.end_s:.1f}</td><td>{_deg(_opt(mt.peak_lateral_right_deg))}</td>"
            f"<td>{_deg(_opt(mt.peak_lateral_left_deg))}</td>"
            f"<td>{_deg(_opt(mt.peak_forward_deg))}</td><td>{_deg(_opt(mt.arc_coverage_deg))}</td>"
            f"<td>{_opt_fmt(mt.sparc)}</td><td>{score}</td></tr>"
        )
    return _scrolling("<table>" + head + "".join(rows) + "</table>") + _rep_table_note(analysis)


def _rep_table_note(analysis: Analysis) -> str:
    """The footnote naming the exact measures, for a physiotherapist."""
    m = analysis.settings.metrics
    return (
        "<p class='foot'>For a physiotherapist: smoothness is SPARC, the spectral arc length "
        f"of the trunk's angular speed (cut-off {m.sparc_cutoff_hz:g} Hz, amplitude threshold "
        f"{m.sparc_amplitude_threshold:g}, padding level {m.sparc_pad_level}); sweep is the arc "
        "coverage, how much of the half circle's 0–180° phase angle the trunk swept; side "
        "bends and forward are each rep's peak flexion.</p>"
    )


def _scrolling(table: str) -> str:
    """A table in a wrapper that scrolls sideways on a narrow screen, not the whole page."""
    return f"<div class='tablewrap'>{table}</div>"


def _finite(v: float | None) -> float:
    return float(v) if v is not None and math.isfinite(v) else 0.0


def _opt(v: float | None) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def _opt_fmt(v: float | None) -> str:
    return "--" if v is None or not math.isfinite(v) else f"{v:.2f}"
