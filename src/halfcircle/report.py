"""The HTML report of an analysis: one self-contained page, nothing fetched.

It holds the annotated video (embedded when small enough, else linked beside the
page), angles over time with the reps shaded, each rep's trace in the
lateral-forward plane against an ideal half circle, a table of reps and
plain-language feedback. Plots are drawn with matplotlib's Agg backend and
embedded as PNG.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from halfcircle.files import replace_text

if TYPE_CHECKING:
    from halfcircle.analyze import Analysis

#: Largest annotated video embedded into the page (bytes); larger ones are linked.
EMBED_VIDEO_MAX_BYTES: Final = 25_000_000

_CSS: Final = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f4;color:#1d2a2a}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-weight:600;margin:0 0 4px}h2{margin-top:32px;font-weight:600}
.sub{color:#5a6b6b;margin:0 0 20px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border-radius:12px;padding:14px 18px;box-shadow:0 1px 3px #0001;min-width:140px}
.card b{display:block;font-size:28px;color:#1f7a6d}
video,img{max-width:100%;border-radius:12px;background:#000}
img{background:#fff}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:12px;overflow:hidden}
th,td{padding:8px 10px;text-align:right;border-bottom:1px solid #e6e9e6}
th:first-child,td:first-child{text-align:left}
.feedback li{margin:6px 0}.note{color:#8a5a00}
footer{color:#7a8a8a;font-size:13px;margin-top:32px}
"""  # noqa: E501


def write_report(analysis: Analysis, path: Path, video: Path | None = None) -> None:
    """Write the report page of ``analysis`` to ``path`` (never left half written)."""
    replace_text(path, render_report(analysis, video, base=path.parent))


def render_report(analysis: Analysis, video: Path | None = None, base: Path | None = None) -> str:
    """The report page as an HTML string."""
    from halfcircle.analyze import camera_tilt_phrase, summary_dict
    from halfcircle.config import changed_settings

    s = summary_dict(analysis)
    camera = camera_tilt_phrase(s)
    c, m = s["counts"], s["means"]
    name = html.escape(Path(analysis.source).name)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>halfcircle: {name}</title><style>{_CSS}</style></head><body><main>",
        "<h1>Your half circles</h1>",
        f"<p class='sub'>{name} &middot; {s['video']['duration_s']:.1f} s &middot; "
        f"{html.escape(s['view']['kind'])} view"
        + (f" &middot; {html.escape(camera)}" if camera else "")
        + "</p>",
        "<div class='cards'>",
        _card("complete half circles", str(c["complete_reps"])),
        _card("mean score", _num(m["score"])),
        _card("side bend right", _deg(m["peak_lateral_right_deg"])),
        _card("side bend left", _deg(m["peak_lateral_left_deg"])),
        _card("forward", _deg(m["peak_forward_deg"])),
        "</div>",
    ]
    parts.append(_video_html(video, base))
    parts += ["<h2>What we saw</h2><ul class='feedback'>"]
    parts += [f"<li>{html.escape(t)}</li>" for t in feedback(analysis)]
    parts += [f"<li class='note'>{html.escape(n)}</li>" for n in analysis.notes]
    parts.append("</ul>")
    if analysis.kinematics.valid.any():
        parts += ["<h2>Angles over time</h2>", _img(_plot_angles(analysis), "angles over time")]
    if analysis.reps:
        parts += [
            "<h2>Each half circle</h2>",
            _img(_plot_traces(analysis), "rep traces against an ideal half circle"),
            _rep_table(analysis),
        ]
    changed = changed_settings(analysis.settings)
    if changed:  # so that a reader comparing two reports knows they were measured alike
        parts.append(
            "<p class='note'>Measured with these settings changed from the defaults: "
            + html.escape("; ".join(changed))
            + ".</p>"
        )
    parts += [
        "<footer>halfcircle is a coaching tool, not a diagnosis. Side bend is positive to "
        "your right; forward is positive bending forward. If a movement hurts more than "
        "usual, stop and talk to a clinician.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def feedback(analysis: Analysis) -> list[str]:
    """Plain-language sentences about the session (encouraging, specific)."""
    complete = analysis.complete_reps
    if not complete:
        if analysis.aborted:
            return [
                "You started the movement; next time, roll on through the front to the "
                "other side to complete the half circle."
            ]
        return []
    out = [f"You completed {len(complete)} half circle{'s' if len(complete) > 1 else ''}."]
    best = max(complete, key=lambda r: r.score.total if r.score is not None else -1)
    if best.score is not None:
        out.append(
            f"Your smoothest, fullest one was rep {best.index} (score {best.score.total:.0f})."
        )
    right = np.nanmean([r.metrics.peak_lateral_right_deg for r in complete])
    left = np.nanmean([r.metrics.peak_lateral_left_deg for r in complete])
    if math.isfinite(right) and math.isfinite(left) and max(right, left) > 0:
        if abs(right - left) >= 5:
            weaker = "left" if left < right else "right"
            out.append(
                f"You bent a little further to the {'right' if weaker == 'left' else 'left'} "
                f"({max(right, left):.0f} deg) than to the {weaker} ({min(right, left):.0f} deg); "
                f"try going a little further to the {weaker}."
            )
        else:
            out.append("Your side bends were even on both sides.")
    seen: set[str] = set()
    from halfcircle.cues import record_cues

    for r in complete:
        for cue in record_cues(r):
            if cue.text not in seen:
                seen.add(cue.text)
                out.append(cue.text)
    return out


def _card(label: str, value: str) -> str:
    return f"<div class='card'><b>{html.escape(value)}</b>{html.escape(label)}</div>"


def _num(v: float | None) -> str:
    return "--" if v is None else f"{v:.0f}"


def _deg(v: float | None) -> str:
    return "--" if v is None else f"{v:.0f}°"


def _video_html(video: Path | None, base: Path | None) -> str:
    if video is None or not video.exists():
        return ""
    if video.stat().st_size <= EMBED_VIDEO_MAX_BYTES:
        data = base64.b64encode(video.read_bytes()).decode("ascii")
        src = f"data:video/mp4;base64,{data}"
    else:
        src = html.escape(video.name if base is None or video.parent == base else str(video))
    return f"<h2>Your video</h2><video controls muted playsinline src='{src}'></video>"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _figure_png(fig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return buf.getvalue()


def _plot_angles(analysis: Analysis) -> bytes:
    from matplotlib.figure import Figure

    kin = analysis.kinematics
    fig = Figure(figsize=(9, 3.2))
    ax = fig.add_subplot()
    t = kin.time_s
    valid = kin.valid
    lat = np.where(valid, kin.lateral_deg, np.nan)
    fwd = np.where(valid, kin.forward_deg, np.nan)
    if kin.view.lateral_observable:
        ax.plot(t, lat, color="#e0882a", label="side bend (+ right)")
    ax.plot(t, fwd, color="#1f7a6d", label="forward")
    for r in analysis.reps:
        ax.axvspan(r.start_s, r.end_s, color="#1f7a6d" if r.complete else "#999", alpha=0.1)
        ax.text((r.start_s + r.end_s) / 2, 1.0, str(r.index), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=9)  # fmt: skip
    ax.axhline(0, color="#bbb", lw=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("degrees")
    ax.legend(loc="upper right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _figure_png(fig)


def _plot_traces(analysis: Analysis) -> bytes:
    from matplotlib.figure import Figure

    reps = analysis.reps
    cols = min(4, len(reps))
    rows = math.ceil(len(reps) / cols)
    fig = Figure(figsize=(2.6 * cols, 2.2 * rows))
    for k, r in enumerate(reps):
        ax = fig.add_subplot(rows, cols, k + 1)
        mt = r.metrics
        lat_peak = max(_finite(mt.peak_lateral_right_deg), _finite(mt.peak_lateral_left_deg), 10)
        fwd_peak = max(_finite(mt.peak_forward_deg), 10)
        phi = np.linspace(0, np.pi, 60)
        ax.plot(lat_peak * np.cos(phi), fwd_peak * np.sin(phi), color="#ccc", lw=2, label="ideal")
        tr = r.frames.trace
        ax.plot(tr[:, 0], tr[:, 1], color="#1f7a6d", lw=1.8)
        ax.invert_xaxis()  # the person's right on the left, as a camera facing them sees it
        ax.set_title(f"rep {r.index}" + (f" · {r.score.total:.0f}" if r.score else ""), fontsize=9)
        ax.set_aspect("equal", adjustable="datalim")
        ax.tick_params(labelsize=7)
        ax.set_xlabel("← right   side bend (deg)   left →", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _figure_png(fig)


def _rep_table(analysis: Analysis) -> str:
    head = (
        "<table><tr><th>rep</th><th>direction</th><th>time (s)</th><th>right</th>"
        "<th>left</th><th>forward</th><th>arc</th><th>SPARC</th><th>score</th></tr>"
    )
    rows = []
    for r in analysis.reps:
        mt = r.metrics
        score = f"{r.score.total:.0f}" if r.score is not None else html.escape(r.outcome)
        rows.append(
            f"<tr><td>{r.index}</td><td>{r.direction.replace('_', ' ')}</td>"
            f"<td>{r.start_s:.1f}–{r.end_s:.1f}</td><td>{_deg(_opt(mt.peak_lateral_right_deg))}</td>"
            f"<td>{_deg(_opt(mt.peak_lateral_left_deg))}</td>"
            f"<td>{_deg(_opt(mt.peak_forward_deg))}</td><td>{_deg(_opt(mt.arc_coverage_deg))}</td>"
            f"<td>{_opt_fmt(mt.sparc)}</td><td>{score}</td></tr>"
        )
    return head + "".join(rows) + "</table>"


def _finite(v: float | None) -> float:
    return float(v) if v is not None and math.isfinite(v) else 0.0


def _opt(v: float | None) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def _opt_fmt(v: float | None) -> str:
    return "--" if v is None or not math.isfinite(v) else f"{v:.2f}"
