"""Plots of the progress history: each baseline measure over time, with the ratings.

:func:`plot_history` writes ``history.png`` (one panel per measure, markers
coloured by how the session felt, pain written next to each point) and
``history.html`` (the picture, the trend table and the ratings) into a folder.
Drawing only: the numbers come from :class:`~halfcircle.history.History`.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from halfcircle.history import History, format_trend, unit_of

__all__ = ["FEEL_COLOURS", "plot_history"]

#: Marker colour per answer to "how does it feel compared with last time?".
FEEL_COLOURS: Final = {"better": "#2e7d32", "same": "#546e7a", "worse": "#c62828", None: "#1565c0"}


def plot_history(history: History, out_dir: Path) -> tuple[Path, Path]:
    """Write ``history.png`` and ``history.html`` into ``out_dir``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    series = history.series()
    ratings: dict[tuple[int, str | None], tuple[str | None, int | None]] = {
        (r["session_id"], r["test"]): (r["feels"], r["pain"]) for r in history.ratings()
    }
    n = max(1, len(series))
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.2 * n + 0.6), squeeze=False, sharex=True)
    for ax, (key, points) in zip(axes[:, 0], series.items(), strict=False):
        times = [datetime.fromisoformat(t) for t, _, _ in points]
        values = [v for _, v, _ in points]
        test = key.split(".")[0]
        ax.plot(times, values, "-", color="#90a4ae", lw=1.2, zorder=1)
        for t, v, (_, _, sid) in zip(times, values, points, strict=True):
            feels, pain = ratings.get((sid, test)) or ratings.get((sid, None)) or (None, None)
            ax.scatter([t], [v], color=FEEL_COLOURS.get(feels, "#1565c0"), s=36, zorder=2)
            if pain is not None:
                ax.annotate(
                    f"pain {pain}",
                    (t, v),
                    textcoords="offset points",
                    xytext=(4, 6),
                    fontsize=7,
                    color="#c62828" if pain >= 5 else "#37474f",
                )
        ax.set_ylabel(unit_of(key))
        ax.set_title(key.replace("_", " "), fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    stamps = sorted({datetime.fromisoformat(t) for pts in series.values() for t, _, _ in pts})
    if stamps:  # at least a day shown, dates as dates
        import matplotlib.dates as mdates

        span = max(stamps[-1] - stamps[0], timedelta(days=2))
        mid = stamps[0] + (stamps[-1] - stamps[0]) / 2
        axes[0, 0].set_xlim(mid - span * 0.55, mid + span * 0.55)
        axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if not series:
        axes[0, 0].text(0.5, 0.5, "no baseline results yet", ha="center", va="center")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=c, label=f"feels {k}" if k else "not rated")
        for k, c in FEEL_COLOURS.items()
    ]
    fig.legend(handles=handles, loc="upper right", fontsize=7, ncol=4)
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    png = out_dir / "history.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)

    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(x))}</td>"
            for x in (
                r["session_id"],
                r["started_at"],
                r["test"] or "whole session",
                r["feels"] or "",
                "" if r["pain"] is None else r["pain"],
            )
        )
        + "</tr>"
        for r in history.ratings()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>halfcircle: progress</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td,th{{padding:.2em .8em;text-align:left}}</style></head><body>
<h1>Your progress</h1>
<p>Compare yourself with your own earlier sessions. A change counts as real only beyond
the minimal detectable change (5 deg, 4.5 cm).</p>
<img src="history.png" alt="each measure over time, coloured by how it felt" style="max-width:100%">
<h2>Trend</h2><pre>{html.escape(format_trend(history.trend()))}</pre>
<h2>Ratings</h2><table><tr><th>session</th><th>time</th><th>test</th><th>feels</th>
<th>pain (0-10)</th></tr>{rows}</table>
</body></html>
"""
    page_path = out_dir / "history.html"
    page_path.write_text(page)
    return png, page_path
