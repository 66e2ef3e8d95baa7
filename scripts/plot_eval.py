"""Plot perplexity against position in the book from a `longform-engine eval --json` result (PNG, via Qt).

    python scripts/plot_eval.py out/eval/northangerabbey-whole.json -o docs/perplexity.png

Each curve is smoothed over 8 chunks (the geometric mean of their perplexities, weighted by tokens), as
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
]


def smoothed(chunks: list[dict], key: str, span: int = 8) -> list[tuple[float, float]]:
    """(middle token position, perplexity) per chunk, smoothed over `span` chunks."""
    points = []
    for i in range(len(chunks)):
        window = chunks[max(0, i - span // 2) : i + span // 2 + 1]
        if any(c.get(key) is None for c in window):
            return []
        tokens = sum(c["tokens"] for c in window)
        log_ppl = sum(c["tokens"] * math.log(c[key]) for c in window) / tokens
        points.append(((chunks[i]["start"] + chunks[i]["end"]) / 2, math.exp(log_ppl)))
    return points


def plot(result: dict, title: str, out: Path) -> None:
    chunks = [c for c in result["per_chunk"] if c["tokens"] > 0][1:]  # chunk 0: nothing learned yet
    image = QImage(1100, 560, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans", 11)
    p.setFont(font)
    area = QRectF(80, 50, 980, 430)
    curves = [
        (key, label.format(**result), color, style, smoothed(chunks, key))
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
    p.drawText(
        QRectF(area.left(), 12, area.width(), 28),
        Qt.AlignmentFlag.AlignLeft,
        f"{title}: {result['tokens']:,} tokens — Temp-LoRA / base perplexity {ratio:.3f}",
    )
    p.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="an `eval --json` output file")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/perplexity.png"))
    parser.add_argument("--title", help="default: the file's name")
    args = parser.parse_args()
    QGuiApplication(sys.argv[:1])
    result = json.loads(args.result.read_text())
    plot(result, args.title or args.result.stem, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
