"""Contact sheet of the fixture clips: frames with MediaPipe's skeleton and the truth.

Run from the repository root in the project venv (mediapipe, OpenCV, NumPy)::

    .venv/bin/python notebooks/fixtures_contact_sheet.py          # all clips
    .venv/bin/python notebooks/fixtures_contact_sheet.py --write  # + fixtures/mediapipe_raw_errors.csv

For every clip in ``fixtures/`` it runs the full pose model (VIDEO mode) through
``halfcircle.pose``, picks a few frames (calibration, first side, front, second side,
or the movement's extremes), draws the 33 landmarks and the skeleton, and writes the
true angles (T) and MediaPipe's raw, uncalibrated ones (M) under each frame. The sheet
goes to ``notebooks/fixtures_contact_sheet.png``; the per-clip table of detection rates
and raw errors is printed as Markdown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "fixtures"))

import mp_eval  # noqa: E402

OUT = ROOT / "notebooks" / "fixtures_contact_sheet.png"
EDGES = [
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (25, 27),
    (24, 26),
    (26, 28),
    (27, 31),
    (28, 32),
    (27, 29),
    (28, 30),
    (0, 2),
    (0, 5),
    (2, 7),
    (5, 8),
    (9, 10),
    (15, 19),
    (16, 20),
]
LEFT = {11, 13, 15, 23, 25, 27, 29, 31, 19, 2, 7}
TILE_H = 280
WIDTH = 2100


def pick_frames(res: mp_eval.ClipResult) -> list[int]:
    t = res.truth
    n = res.n_frames
    lat, fwd, rot = t["lateral_deg"], t["forward_deg"], t["rotation_deg"]
    if not np.any(np.isfinite(lat)):
        return [0, n // 2, n - 1]
    picks = [15]
    for series in (lat, -lat, fwd, rot, -rot):
        s = np.nan_to_num(series, nan=-1e9)
        if s.max() > 5:
            picks.append(int(np.argmax(s)))
    out = t["visible_fraction"] < 1
    if out.any():
        picks.append(int(np.nonzero(out)[0][len(np.nonzero(out)[0]) // 2]))
    return sorted(set(picks))[:4]


def draw(frame: np.ndarray, res: mp_eval.ClipResult, k: int) -> np.ndarray:
    img = frame.copy()
    h, w = img.shape[:2]
    if res.detected[k]:
        p = res.image[k]
        pts = [(int(x * w), int(y * h)) for x, y, _ in p]
        for a, b in EDGES:
            col = (
                (60, 200, 255)
                if a in LEFT and b in LEFT
                else ((255, 160, 40) if a not in LEFT and b not in LEFT else (220, 220, 220))
            )
            cv2.line(img, pts[a], pts[b], col, 2, cv2.LINE_AA)
        for i, q in enumerate(pts):
            cv2.circle(img, q, 3, (60, 200, 255) if i in LEFT else (255, 160, 40), -1, cv2.LINE_AA)
    scale = TILE_H / h
    img = cv2.resize(img, (int(w * scale), TILE_H), interpolation=cv2.INTER_AREA)
    t = res.truth
    band = np.full((58, img.shape[1], 3), 255, np.uint8)

    def f(v: float) -> str:
        return "  -  " if not np.isfinite(v) else f"{v:+5.1f}"

    a = res.angles
    lines = [
        f"f{k} {t['phase'][k]}{'' if res.detected[k] else '  NO PERSON'}",
        f"T lat {f(t['lateral_deg'][k])} fwd {f(t['forward_deg'][k])} rot {f(t['rotation_deg'][k])}",
        f"M lat {f(a['lateral'][k])} fwd {f(a['forward'][k])} rot {f(a['rotation'][k])}",
    ]
    for i, s in enumerate(lines):
        cv2.putText(
            band, s, (4, 16 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA
        )
    return np.concatenate([img, band], axis=0)


def clip_block(res: mp_eval.ClipResult) -> np.ndarray:
    """Title bar plus the chosen frames of one clip, side by side."""
    frames = {}
    want = set(pick_frames(res))
    for k, fr in enumerate(mp_eval.read_frames(mp_eval.FIXTURES / f"{res.name}.mp4")):
        if k in want:
            frames[k] = draw(fr, res, k)
    row = np.concatenate([frames[k] for k in sorted(frames)], axis=1)
    title = np.full((26, row.shape[1], 3), 235, np.uint8)
    s = res.summary()
    rate = s["detection_rate_in_view"]
    text = f"{res.name}   detected {s['detected_in_view']}/{s['in_view']} in view"
    text += "" if np.isfinite(rate) else f", {s['detected_absent']}/{s['absent']} when empty"
    cv2.putText(title, text, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([title, row], axis=0)


def pack(blocks: list[np.ndarray], width: int) -> np.ndarray:
    """Blocks laid out left to right, top to bottom, in rows at most ``width`` wide."""
    rows, cur, cur_w = [], [], 0
    for b in blocks:
        if cur and cur_w + b.shape[1] + 8 > width:
            rows.append(cur)
            cur, cur_w = [], 0
        cur.append(b)
        cur_w += b.shape[1] + 8
    if cur:
        rows.append(cur)
    out = []
    legend = np.full((30, width, 3), 255, np.uint8)
    cv2.putText(
        legend,
        "T = truth, M = MediaPipe full model, raw world landmarks (uncalibrated); "
        "blue = person's right side, orange = left",
        (6, 21),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.55,
        (0, 0, 0),
        1,
        cv2.LINE_AA,
    )
    out.append(legend)
    for r in rows:
        h = max(b.shape[0] for b in r)
        line = np.full((h + 8, width, 3), 255, np.uint8)
        x = 0
        for b in r:
            line[: b.shape[0], x : x + b.shape[1]] = b
            x += b.shape[1] + 8
        out.append(line)
    return np.concatenate(out, axis=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("names", nargs="*", type=str, help="clip names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT, help="PNG to write")
    ap.add_argument("--write", action="store_true", help="write fixtures/mediapipe_raw_errors.csv")
    args = ap.parse_args(argv)
    names = args.names or mp_eval.clip_names()
    blocks, sums = [], []
    for n in names:
        res = mp_eval.evaluate(n)
        sums.append(res.summary())
        blocks.append(clip_block(res))
        print(f"{n}: done", flush=True)
    sheet = pack(blocks, WIDTH)
    cv2.imwrite(str(args.out), sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(mp_eval.table(sums))
    if args.write:
        mp_eval.write_csv(sums)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
