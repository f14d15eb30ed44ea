"""The report opens in a real headless browser: no console errors, and the video plays.

Needs a Chromium binary (Debian's ``chromium`` package; ``.ci/run`` installs it).
The screenshot is kept in pytest's temporary folder for a person to look at.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from halfcircle.analyze.video import analyze_video
from halfcircle.present.outputs import write_outputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)

ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.mark.video
def test_the_report_loads_without_errors_and_its_video_plays(
    person_video: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    paths = write_outputs(analyze_video(person_video, model="lite"), tmp_path / "out")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(paths["report"].resolve().as_uri())
            page.wait_for_load_state("load")
            played = page.evaluate(
                """async () => {
                    const v = document.querySelector('video');
                    v.muted = true;
                    await v.play();
                    await new Promise(r => setTimeout(r, 700));
                    return {t: v.currentTime, w: v.videoWidth, error: v.error && v.error.code};
                }"""
            )
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            title = page.title()
        finally:
            browser.close()
    assert errors == []
    assert played["error"] is None
    assert played["w"] == 640
    assert played["t"] > 0.2
    assert title.startswith("halfcircle: ")
    assert shot.stat().st_size > 10_000


@pytest.mark.video
def test_at_a_phone_width_only_the_rep_table_scrolls_sideways(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from halfcircle.present.report import write_report
    from tests.present.test_report_content import _two_reps

    report = tmp_path / "report.html"
    write_report(_two_reps(), report)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=3
            )
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.resolve().as_uri())
            page.wait_for_load_state("load")
            seen = page.evaluate(
                """() => {
                    const inside = e => e.getBoundingClientRect().right <= innerWidth + 0.5;
                    const wrap = document.querySelector('.tablewrap');
                    return {
                        page: document.documentElement.scrollWidth, width: innerWidth,
                        outside: [...document.querySelectorAll('main *')]
                            .filter(e => !e.closest('.tablewrap') && !inside(e))
                            .map(e => e.tagName),
                        wrap: inside(wrap), scrolls: getComputedStyle(wrap).overflowX,
                        phone_plots: [...document.querySelectorAll('picture')].every(p =>
                            p.querySelector('img').currentSrc ===
                            p.querySelector('source').srcset),
                    };
                }"""
            )
            page.screenshot(path=str(tmp_path / "report-390.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert seen["page"] == seen["width"] == 390  # the page itself never scrolls sideways
    assert seen["outside"] == []
    assert seen["wrap"] and seen["scrolls"] == "auto"
    assert seen["phone_plots"]  # the plots drawn for a phone, text large enough to read


@pytest.mark.video
def test_at_a_phone_width_the_videos_readouts_are_shown_under_it_in_step(tmp_path: Path) -> None:
    """At 390 px the video's burned-in text is about 7 px high: the page says it in large type."""
    from playwright.sync_api import sync_playwright

    from halfcircle.analyze import analyze_poses
    from halfcircle.landmarks import PoseSequence
    from halfcircle.present.report import readout_frames
    from tests.conftest import DATA, REPO

    poses = PoseSequence.load_npz(DATA / "safety_net" / "replay" / "hc_two_reps.npz")
    poses = replace(poses, source=str(REPO / "fixtures" / "hc_two_reps.mp4"))  # for its video
    analysis = analyze_poses(poses)
    paths = write_outputs(analysis, tmp_path / "out")
    data = readout_frames(analysis)
    at = 3.5  # in the front of the first rep
    i = max(k for k, t in enumerate(data["t"]) if t <= at + data["half"])
    expected = {k: data["words"][data[k][i]] for k in ("side", "forward", "reps", "phase")}
    errors: list[str] = []
    seen: dict[int, dict] = {}  # type: ignore[type-arg]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width in (390, 1000):
                page = browser.new_page(viewport={"width": width, "height": 844})
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(paths["report"].resolve().as_uri())
                page.wait_for_load_state("load")
                seen[width] = page.evaluate(
                    """async (at) => {
                        const v = document.querySelector('video');
                        v.currentTime = at;
                        await new Promise(r => setTimeout(r, 500));
                        const box = document.getElementById('hc-readouts');
                        const cell = k => box.querySelector(`[data-k=${k}]`);
                        return {
                            shown: getComputedStyle(box).display !== 'none',
                            px: parseFloat(getComputedStyle(cell('forward')).fontSize),
                            text: Object.fromEntries(['side', 'forward', 'reps', 'phase']
                                .map(k => [k, cell(k).textContent])),
                        };
                    }""",
                    at,
                )
                if width == 390:
                    page.screenshot(path=str(tmp_path / "readouts-390.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert errors == []
    assert seen[390]["shown"] and not seen[1000]["shown"]
    assert seen[390]["text"] == expected and expected["phase"] == "through the front"
    assert seen[390]["px"] >= 20  # the video's own text is about 7 px at this width
