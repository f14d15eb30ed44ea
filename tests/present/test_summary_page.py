"""The physiotherapist's summary page, and the history pages in a real browser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from halfcircle.coaching.baseline import BaselineResult
from halfcircle.coaching.plan import make_plan, save_plan
from halfcircle.history.guided import record_guided_session
from halfcircle.history.store import History
from halfcircle.present.history_page import plot_history
from halfcircle.present.summary_page import write_summary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _filled(db: Path) -> Path:
    """Three rated baselines, two practice sessions and a plan, in November 2026."""
    with History(db) as h:
        for day, toe, floor, pain in ((2, 70.0, 20.0, 5), (16, 76.0, 14.0, 4), (30, 80.0, 9.0, 3)):
            h.record_baseline(
                [BaselineResult("toe_touch", 1.0, 5.0, 3.0, toe, fingertip_floor_cm=floor,
                                view="front"),
                 BaselineResult("side_bend_left", 6.0, 9.0, 7.5, 25.0, view="front")],
                "better", pain, started_at=f"2026-11-{day:02d}T08:00:00+00:00",
                camera_tilt_deg=4.0, height_cm=171.0,
            )  # fmt: skip
        for day, score in ((4, 60.0), (11, 72.0)):
            h.record_practice(
                [{"index": i, "complete": True, "score": score + i} for i in (1, 2, 3)],
                "same", 3, started_at=f"2026-11-{day:02d}T18:00:00+00:00", view="oblique",
            )  # fmt: skip
        with h.transaction() as conn:
            save_plan(conn, make_plan("mon,wed,fri", "08:00", "warm-up"),
                      now=datetime(2026, 11, 1, tzinfo=timezone.utc))  # fmt: skip
    return db


def test_the_summary_holds_plan_assessments_practice_ratings_and_set_up(tmp_path: Path) -> None:
    with History(_filled(tmp_path / "h.sqlite3")) as h:
        page = write_summary(h, tmp_path / "summary.html").read_text()
    assert "Assessment since 2 Nov: your toe touch is 10 deg further and toe touch " \
        "fingertip-to-floor is 11 cm closer to the floor" in page  # fmt: skip
    assert "Monday, Wednesday and Friday at 08:00" in page
    assert "toe touch, peak (deg)" in page and "+10.0" in page
    assert "<td>02 Nov 2026</td><td>1</td><td>3</td><td>0</td><td>63</td>" in page  # week of 2 Nov
    assert "<td>09 Nov 2026</td><td>1</td><td>3</td><td>0</td><td>75</td>" in page
    assert "4 deg down" in page and "at an angle" in page
    assert "<script" not in page and "src='http" not in page and 'href="http' not in page


def test_a_weeks_practice_counts_guided_sessions_and_drill_reps_apart(tmp_path: Path) -> None:
    # the week of 23 Nov: a guided session of four side bends along the wall (it was
    # left out: only "practice" sessions counted, and its drill reps as complete reps)
    db = _filled(tmp_path / "h.sqlite3")
    with History(db) as h:
        record_guided_session(
            h, "side_bends", [], [], [{"movement": "side_bend", "side": s, "controlled": True}
                                      for s in ("right", "left") * 2],
            "side_bends", started_at="2026-11-25T09:00:00+00:00",
        )  # fmt: skip
        page = write_summary(h, tmp_path / "summary.html").read_text()
    assert "<th>complete half circles</th><th>drill reps</th>" in page
    assert "<td>23 Nov 2026</td><td>1</td><td>0</td><td>4</td><td></td>" in page


def test_the_pain_table_shows_before_and_after_and_what_it_meant(tmp_path: Path) -> None:
    # a rise within a guided session showed as its closing pain alone ("5"), and the
    # advice the person was given was nowhere on the page
    db = _filled(tmp_path / "h.sqlite3")
    with History(db) as h:
        record_guided_session(h, "side_bends", [], [], [], "side_bends", pain=(2, 5),
                              started_at="2026-11-25T09:00:00+00:00")  # fmt: skip
        page = write_summary(h, tmp_path / "summary.html").read_text()
    assert "<th>pain (0-10)</th><th>what it meant</th>" in page
    assert "<td>guided</td><td></td><td>2 -&gt; 5</td><td>ease off</td>" in page


def test_a_summary_of_past_dates_leaves_out_how_the_plan_stands_today(tmp_path: Path) -> None:
    with History(_filled(tmp_path / "h.sqlite3")) as h:
        past = write_summary(h, tmp_path / "s.html", date(2026, 11, 1), date(2026, 11, 20))
        now = write_summary(h, tmp_path / "now.html")
    assert "This week:" not in past.read_text() and "Today" not in past.read_text()
    assert "This week:" in now.read_text() or "Nothing is planned" in now.read_text()


def test_the_summary_keeps_to_the_dates_asked(tmp_path: Path) -> None:
    with History(_filled(tmp_path / "h.sqlite3")) as h:
        page = write_summary(h, tmp_path / "s.html", date(2026, 11, 10), date(2026, 11, 20))
        page = page.read_text()
    assert "16 Nov to 16 Nov" not in page  # practice on 11 Nov is in range too
    assert "11 Nov to 16 Nov; 2 sessions" in page
    assert "One assessment so far (16 Nov)" in page
    assert "2 Nov 2026" not in page and "30 Nov 2026" not in page


@pytest.mark.video
@pytest.mark.parametrize("args", [["--from", "30/11/2026"], ["--to", "yesterday"]])
def test_a_date_that_is_not_one_is_one_sentence(tmp_path: Path, args: list[str]) -> None:
    db = _filled(tmp_path / "h.sqlite3")
    done = subprocess.run(
        [sys.executable, "-m", "halfcircle", "history", "--db", str(db),
         "--summary", str(tmp_path / "s.html"), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "takes a date like 2026-11-30" in done.stderr
    assert not (tmp_path / "s.html").exists()


@pytest.mark.video
@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
@pytest.mark.parametrize("width", [1280, 390])
def test_history_and_summary_pages_open_cleanly_at_desktop_and_phone_width(
    tmp_path: Path, width: int
) -> None:
    from playwright.sync_api import sync_playwright

    with History(_filled(tmp_path / "h.sqlite3")) as h:
        _, history_page = plot_history(h, tmp_path / "plot")
        summary = write_summary(h, tmp_path / "summary.html")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for path in (history_page, summary):
                page.goto(path.resolve().as_uri())
                page.wait_for_load_state("load")
                page.screenshot(path=str(tmp_path / f"{path.stem}-{width}.png"), full_page=True)
                # the page itself never scrolls sideways; only its tables may
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 1, f"{path.name} scrolls sideways at {width} px"
                first = page.locator("p.glance").first.bounding_box()
                assert first is not None and first["y"] < 400, "the verdict opens the page"
        finally:
            browser.close()
    assert errors == []
