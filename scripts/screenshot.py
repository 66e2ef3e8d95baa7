"""Take docs/screenshot.png: the real window with a novel open, a suggestion showing and the absorption panel.

Run under a display, e.g. `xvfb-run -s "-screen 0 1400x900x24" python scripts/screenshot.py`. It uses a
temporary LONGFORM_HOME (the writer's own library is never touched) and the embedded model.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LONGFORM_HOME", tempfile.mkdtemp(prefix="longform-shot-"))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main import app_icon, build_window  # noqa: E402


def wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    return condition()


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = build_window(app)
    window.resize(1360, 860)
    window.show()
    window.import_manuscript(ROOT / "tests" / "data" / "persuasion_opening.txt")
    window.show_chapter(window.tree.chapter_ids()[-1])
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    window.editor.ensureCursorVisible()
    wait(lambda: window.panel.version.text() == "Adapter version 2", 300)
    window.settings.suggestion_words = 45
    window.settings.temperature = 0.7
    window.continue_text()
    wait(lambda: window.suggestions.generation is None, 120)
    wait(lambda: False, 1)
    out = ROOT / "docs" / "screenshot.png"
    window.grab().save(str(out))
    print(out)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
