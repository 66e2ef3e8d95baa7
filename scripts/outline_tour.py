"""A writer's tour of an outline in the real window, with screenshots (run under a display).

    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/outline_tour.py [OUT_DIR]

Imports the openings of Emma's first two chapters (../shared/corpus/austen), opens *Write chapters from an
outline…* with a two-chapter outline typed in, writes chapter 1 (a suggestion), accepts it (Tab), watches
the queue wait for the engine to learn it, then chapter 2, and accepts that. Each step saves a screenshot of
the window (or the dialog) in OUT_DIR (default /tmp/outline-tour). A temporary LONGFORM_HOME is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LONGFORM_HOME", tempfile.mkdtemp(prefix="longform-outline-tour-"))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import ai_menu  # noqa: E402
from app.dialogs import OutlineDialog  # noqa: E402
from app.main import app_icon, build_window  # noqa: E402

OUTLINE = """# The Wedding Breakfast
Emma walked to Hartfield with Miss Taylor
Mr. Woodhouse worried about the cake

#
Mr. Knightley called in the evening"""


def wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    return condition()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", type=Path, nargs="?", default=Path("/tmp/outline-tour"), help="screenshots here"
    )
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    def shot(widget, name: str) -> None:
        wait(lambda: False, 0.5)
        widget.grab().save(str(out / f"outline-{name}.png"))
        print(out / f"outline-{name}.png", f"[{window.outline_label.text()}]", flush=True)

    lines = (ROOT.parent / "shared/corpus/austen/emma.txt").read_text(encoding="utf-8").splitlines()
    book = Path(os.environ["LONGFORM_HOME"]) / "Emma.txt"
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_text("\n".join([*lines[11:60], "", "", *lines[339:375]]) + "\n", encoding="utf-8")

    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = build_window(app)
    window.resize(1360, 860)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window, 5000)
    window.import_manuscript(book)
    window.show_chapter(window.tree.chapter_ids()[-1])
    doc = window.session.engine_doc
    wait(lambda: doc in window.client.session.documents, 180)

    def outline_dialog(parent, titles, words):  # the dialog as the writer fills it, shown and grabbed
        dialog = OutlineDialog(parent, titles, 150)
        dialog.text.setPlainText(OUTLINE)
        dialog.show()
        shot(dialog, "1-dialog")
        outline = dialog.outline()
        dialog.close()
        return outline

    ai_menu.OutlineDialog.get_outline = outline_dialog
    window.action["outline"].trigger()
    wait(lambda: window.editor.suggestion is not None and len(window.editor.suggestion.text) > 200, 120)
    shot(window, "2-streaming")
    wait(lambda: window.suggestions.generation is None, 120)
    shot(window, "3-chapter-1")
    QTest.keyClick(window.editor, Qt.Key.Key_Tab)
    wait(lambda: False, 1.5)
    shot(window, "4-learning")
    asked = wait(lambda: window.suggestions.generation is not None, 240)
    shot(window, "5-chapter-2-asked")
    wait(lambda: window.suggestions.generation is None, 120)
    QTest.keyClick(window.editor, Qt.Key.Key_Tab)
    wait(lambda: False, 1.0)
    shot(window, "6-done")
    print("titles:", [c.title for c in window.session.chapters()], "second asked:", asked, flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
