"""Plot perplexity against position in the book from a `longform-engine eval --json` result (PNG, via Qt).

    python scripts/plot_eval.py out/eval/northangerabbey-whole.json -o docs/perplexity-whole.png
    python scripts/plot_eval.py out/eval/northangerabbey-whole.json --windows -o docs/perplexity.png

With `--windows`, the four models (base and Temp-LoRA at windows W and W2) on only the chunks the report
also scored at the long window (`eval --long-window W2 --long-every N`), smoothed over 16,384 tokens.

Each curve is smoothed over 8,192 tokens of the book (the geometric mean of the perplexities of the chunks
whose middles lie within 4,096 tokens, weighted by tokens), as
per-chunk perplexity jumps with the text (dialogue, letters, lists of names).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

CURVES = [
    ("base_ppl", "base, window {window}", "#8a8f99", Qt.PenStyle.SolidLine),
    ("long_window_ppl", "base, window {long_window}", "#d08a2c", Qt.PenStyle.DashLine),
    ("temp_lora_ppl", "Temp-LoRA, window {window}", "#3d6bd0", Qt.PenStyle.SolidLine),
    ("long_window_temp_lora_ppl", "Temp-LoRA, window {long_window}", "#2a9d5c", Qt.PenStyle.DashLine),
]


def smoothed(chunks: list[dict], key: str, span: int = 8192) -> list[tuple[float, float]]:
    """(middle token position, perplexity) per chunk that has `key`, smoothed over `span` tokens."""
    chunks = [c for c in chunks if c.get(key) is not None]
    middles = [(c["start"] + c["end"]) / 2 for c in chunks]
    points = []
    for i in range(len(chunks)):
        window = [c for c, m in zip(chunks, middles, strict=True) if abs(m - middles[i]) <= span / 2]
        tokens = sum(c["tokens"] for c in window)
        log_ppl = sum(c["tokens"] * math.log(c[key]) for c in window) / tokens
        points.append((middles[i], math.exp(log_ppl)))
    return points


def plot(result: dict, title: str, out: Path, windows: bool = False) -> None:
    """Draw the curves; with `windows`, all four models on only the chunks scored at the long window."""
    chunks = [c for c in result["per_chunk"] if c["tokens"] > 0][1:]  # chunk 0: nothing learned yet
    span = 8192
    if windows:
        chunks = [c for c in chunks if c.get("long_window_ppl") is not None]
        span = 16384  # every Nth chunk: fewer points to smooth over
    elif any(c.get("long_window_ppl") is None for c in chunks):
        chunks = [{k: v for k, v in c.items() if not k.startswith("long_window")} for c in chunks]
    image = QImage(1100, 560, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans", 11)
    p.setFont(font)
    area = QRectF(80, 50, 980, 430)
    curves = [
        (key, label.format(**result), color, style, smoothed(chunks, key, span))
        for key, label, color, style in CURVES
    ]
    curves = [c for c in curves if c[4]]
    xs = [x for *_, pts in curves for x, _ in pts]
    ys = [y for *_, pts in curves for _, y in pts]
    x0, x1 = 0.0, max(xs)
    y0, y1 = math.floor(min(ys)) - 1, math.ceil(max(ys)) + 1

    def at(x: float, y: float) -> QPointF:
        return QPointF(
            area.left() + area.width() * (x - x0) / (x1 - x0),
            area.bottom() - area.height() * (y - y0) / (y1 - y0),
        )

    p.setPen(QPen(QColor("#bbbbbb"), 1))
    p.drawRect(area)
    step_y = max(1, round((y1 - y0) / 8))
    for y in range(int(y0), int(y1) + 1, step_y):
        p.setPen(QPen(QColor("#eeeeee"), 1))
        p.drawLine(at(x0, y), at(x1, y))
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(10, at(x0, y).y() - 10, 62, 20), Qt.AlignmentFlag.AlignRight, f"{y}")
    step_x = 16384 if x1 > 65536 else 4096
    for x in range(0, int(x1) + 1, step_x):
        p.setPen(QColor("#333333"))
        p.drawText(
            QRectF(at(x, y0).x() - 40, area.bottom() + 6, 80, 20),
            Qt.AlignmentFlag.AlignCenter,
            f"{x // 1024}k",
        )
    p.drawText(
        QRectF(area.left(), area.bottom() + 26, area.width(), 20),
        Qt.AlignmentFlag.AlignCenter,
        "position in the book (tokens)",
    )
    p.save()
    p.translate(22, area.center().y())
    p.rotate(-90)
    p.drawText(QRectF(-120, -12, 240, 24), Qt.AlignmentFlag.AlignCenter, "perplexity (smoothed)")
    p.restore()
    for i, (_, label, color, style, pts) in enumerate(curves):
        path = QPainterPath(at(*pts[0]))
        for x, y in pts[1:]:
            path.lineTo(at(x, y))
        pen = QPen(QColor(color), 2.2)
        pen.setStyle(style)
        p.setPen(pen)
        p.drawPath(path)
        legend_y = area.top() + 14 + 22 * i
        p.drawLine(QPointF(area.right() - 250, legend_y), QPointF(area.right() - 215, legend_y))
        p.setPen(QColor("#222222"))
        p.drawText(QPointF(area.right() - 205, legend_y + 5), label)
    p.setFont(QFont("DejaVu Sans", 13, QFont.Weight.Bold))
    ratio = result["temp_lora_ppl"] / result["base_ppl"]
    heading = f"{title}: {result['tokens']:,} tokens — Temp-LoRA / base perplexity {ratio:.3f}"
    if windows:
        both = result["long_window_comparison"]
        heading = (
            f"{title}: the {len(chunks) + 1} chunks scored at both windows — Temp-LoRA @{result['window']}"
            f" / base @{result['long_window']} {both['temp_lora_ppl'] / both['long_window_ppl']:.3f}"
        )
    finish(p, image, area, heading, out)


def finish(p: QPainter, image: QImage, area: QRectF, heading: str, out: Path) -> None:
    """The heading above the plot's area, then the PNG (scripts/plot_memory_curve.py draws with it too)."""
    p.drawText(QRectF(area.left(), 12, area.width(), 28), Qt.AlignmentFlag.AlignLeft, heading)
    p.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="an `eval --json` output file")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/perplexity.png"))
    parser.add_argument("--title", help="default: the file's name")
    parser.add_argument(
        "--windows",
        action="store_true",
        help="all four models, on only the chunks also scored at the long window (`eval --long-every`)",
    )
    args = parser.parse_args()
    QGuiApplication(sys.argv[:1])
    result = json.loads(args.result.read_text())
    plot(result, args.title or args.result.stem, args.out, windows=args.windows)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
