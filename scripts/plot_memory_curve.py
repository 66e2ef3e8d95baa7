"""Plot time to a useful memory: the share of the full gain at the writer's place against the work done.

    python scripts/plot_memory_curve.py docs/curves/persuasion.jsonl --novel-minutes 9 -o docs/curve.png

The input is `python -m engine.memory_curve BOOK` output, one JSON line per schedule (lines of the same
schedule are joined). The full gain is the ratio once everything is learned in text order (the `in-order`
line's last point, or `--full`). `--novel-minutes` (the bench's `absorb_novel_minutes`) marks the work
two minutes of learning cover, where the issue's goal (70% of the gain) is read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from plot_eval import finish  # scripts/ is the script's folder, first on the path
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

COLOURS = ["#8a8f99", "#3d6bd0", "#d08a2c", "#2a9d5c", "#b0407a", "#6a4fc2", "#c0392b"]
GOAL = 0.70


def curves(lines: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Each schedule's (share of the work, ratio) points, in order of work."""
    joined: dict[str, dict[float, float]] = {}
    for line in lines:
        points = joined.setdefault(line["schedule"], {})
        for point in line["points"]:
            points[point["work"]] = point["ratio"]
    return {name: sorted(points.items()) for name, points in joined.items()}


def plot(lines: list[dict], full: float, novel_minutes: float | None, title: str, out: Path) -> None:
    shares = {
        name: [(0.0, 0.0)] + [(work, (1 - ratio) / (1 - full)) for work, ratio in points]
        for name, points in curves(lines).items()
    }
    image = QImage(1100, 560, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setFont(QFont("DejaVu Sans", 11))
    area = QRectF(80, 50, 980, 430)
    x1 = max(1.0, max(w for pts in shares.values() for w, _ in pts))

    def at(x: float, y: float) -> QPointF:
        return QPointF(area.left() + area.width() * x / x1, area.bottom() - area.height() * y / 1.05)

    p.setPen(QPen(QColor("#bbbbbb"), 1))
    p.drawRect(area)
    for tenth in range(0, 11, 2):
        y = tenth / 10
        p.setPen(QPen(QColor("#eeeeee"), 1))
        p.drawLine(at(0, y), at(x1, y))
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(10, at(0, y).y() - 10, 62, 20), Qt.AlignmentFlag.AlignRight, f"{tenth * 10}%")
    for tenth in range(0, int(x1 * 10) + 1):
        x = tenth / 10
        label = QRectF(at(x, 0).x() - 40, area.bottom() + 6, 80, 20)
        p.drawText(label, Qt.AlignmentFlag.AlignCenter, f"{tenth * 10}%")
    p.drawText(
        QRectF(area.left(), area.bottom() + 26, area.width(), 20),
        Qt.AlignmentFlag.AlignCenter,
        "share of the work of learning the book once",
    )
    p.save()
    p.translate(22, area.center().y())
    p.rotate(-90)
    label = "share of the full gain at the place"
    p.drawText(QRectF(-160, -12, 320, 24), Qt.AlignmentFlag.AlignCenter, label)
    p.restore()
    dashed = QPen(QColor("#999999"), 1.2)
    dashed.setStyle(Qt.PenStyle.DashLine)
    p.setPen(dashed)
    p.drawLine(at(0, GOAL), at(x1, GOAL))
    p.drawText(at(x1, GOAL) + QPointF(-190, -6), f"the goal: {GOAL:.0%} in 2 minutes")
    if novel_minutes:
        two = 2 / novel_minutes
        p.drawLine(at(two, 0), at(two, 1.05))
        p.drawText(at(two, 1.0) + QPointF(6, 0), f"2 minutes at {novel_minutes:g} min a novel")
    for i, (name, pts) in enumerate(shares.items()):
        colour = QColor(COLOURS[i % len(COLOURS)])
        path = QPainterPath(at(*pts[0]))
        for x, y in pts[1:]:
            path.lineTo(at(x, y))
        p.setPen(QPen(colour, 2.2))
        p.drawPath(path)
        for x, y in pts[1:]:
            p.drawEllipse(at(x, y), 2.5, 2.5)
        legend_y = area.bottom() - 22 * (len(shares) - i)
        p.drawLine(QPointF(area.right() - 260, legend_y), QPointF(area.right() - 225, legend_y))
        p.setPen(QColor("#222222"))
        p.drawText(QPointF(area.right() - 215, legend_y + 5), name)
    p.setFont(QFont("DejaVu Sans", 13, QFont.Weight.Bold))
    finish(p, image, area, f"{title}: time to a useful memory (full gain: ratio {full:.4f})", out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("curves", type=Path, help="`python -m engine.memory_curve` output (JSON lines)")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/memory-curve.png"))
    parser.add_argument("--full", type=float, help="the ratio after learning all (default: in-order's last)")
    parser.add_argument("--novel-minutes", type=float, help="minutes to learn a 130k-token novel")
    parser.add_argument("--title", help="default: the books' names")
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.curves.read_text().splitlines() if line.strip()]
    full = args.full
    if full is None:
        in_order = curves(lines).get("in-order")
        if not in_order or in_order[-1][0] < 1:
            parser.error("no in-order curve learned to the end in the file: give --full")
        full = in_order[-1][1]
    QGuiApplication(sys.argv[:1])
    title = args.title or ", ".join(sorted({line["book"] for line in lines}))
    plot(lines, full, args.novel_minutes, title, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
