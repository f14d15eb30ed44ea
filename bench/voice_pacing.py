"""Frame pacing of the live loop with the voice on and off: does speech delay a frame?

A fixture clip stands in for a camera: ``halfcircle live --headless --source VIDEO``'s
loop plays it at its own frame rate through the LIVE_STREAM pose stage, the kinematics,
reps, cues, the record on disk and the overlay. With the voice on, everything the coach
says is synthesised (eSpeak NG on Linux) and mixed on the voice's own thread into a WAV
file (``--audio-out``; a machine without speakers has no other sink), so the speech
work competes with the loop for the CPU exactly as it does live; only the sound card
is missing. Runs alternate off, on, off, on, ... in one invocation, so that a busy
moment of a shared machine hits both alike. For each it prints, per run and pooled:

* the interval between frames shown (ms): median and p95, and the largest;
* frames dropped: by our loop (it fell 1.5 frames behind the clip's clock) and by
  the pose model (busy);
* with the voice on, the sentences said.

    python bench/voice_pacing.py [VIDEO] [--model lite] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from halfcircle.live.options import LiveOptions
from halfcircle.live.record import read_events
from halfcircle.live.run import run_live
from halfcircle.live.ui import HeadlessUI

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "fixtures" / "hc_two_reps.mp4"


class _StopwatchUI(HeadlessUI):
    """No window; notes when each frame is shown (``time.perf_counter``, s)."""

    def __init__(self) -> None:
        self.shown: list[float] = []

    def show(self, image: NDArray[np.uint8], wait_ms: int = 1) -> int:
        self.shown.append(time.perf_counter())
        return -1


def one_run(video: Path, model: str, voice: bool, folder: Path) -> dict[str, Any]:
    """One headless session of ``video``; its frame intervals and drops."""
    ui = _StopwatchUI()
    out = folder / f"{'on' if voice else 'off'}-{time.monotonic_ns()}"
    opts = LiveOptions(
        str(video),
        out,
        model=model,
        headless=True,
        annotate=False,
        voice=voice,
        audio_out=out.with_suffix(".wav") if voice else None,
    )
    result = run_live(opts, ui=ui)
    intervals = np.diff(np.array(ui.shown)) * 1000.0
    said = [e for e in read_events(out) if e["type"] == "spoken"]
    return {
        "voice": voice,
        "intervals_ms": intervals.tolist(),
        "captured": result.stats.captured,
        "dropped_ours": result.stats.dropped_ours,
        "dropped_model": result.stats.dropped_model,
        "spoken": len(said),
    }


def figures(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Pooled median/p95/max frame interval (ms) and drops of ``runs``."""
    ms = np.concatenate([r["intervals_ms"] for r in runs])
    captured = sum(r["captured"] for r in runs)
    dropped = sum(r["dropped_ours"] + r["dropped_model"] for r in runs)
    return {
        "median_ms": round(float(np.median(ms)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 1),
        "dropped": dropped,
        "dropped_pct": round(100.0 * dropped / captured, 2) if captured else 0.0,
        "spoken": sum(r["spoken"] for r in runs),
    }


def main() -> None:
    """Run the rounds and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--model", default="lite", help="pose model (default: lite)")
    ap.add_argument("--rounds", type=int, default=3, help="off/on pairs (default: 3)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for voice in (False, True) if i % 2 == 0 else (True, False):
                run = one_run(args.video, args.model, voice, Path(tmp))
                runs.append(run)
                if not args.json:
                    f = figures([run])
                    print(
                        f"round {i + 1} voice {'on ' if voice else 'off'}: interval median "
                        f"{f['median_ms']} ms, p95 {f['p95_ms']} ms, max {f['max_ms']} ms; "
                        f"dropped {f['dropped']} of {run['captured']} ({f['dropped_pct']} %); "
                        f"said {f['spoken']}"
                    )
    pooled = {
        "off": figures([r for r in runs if not r["voice"]]),
        "on": figures([r for r in runs if r["voice"]]),
    }
    if args.json:
        print(json.dumps({"video": str(args.video), "model": args.model, **pooled}, indent=1))
        return
    print(f"{args.video.name}, model {args.model}, {args.rounds} rounds, pooled:")
    for name, f in pooled.items():
        print(
            f"  voice {name:3s}: median {f['median_ms']} ms, p95 {f['p95_ms']} ms, "
            f"max {f['max_ms']} ms, dropped {f['dropped']} ({f['dropped_pct']} %), "
            f"said {f['spoken']}"
        )


if __name__ == "__main__":
    main()
