"""A writer who types in bursts, for the kill -9 tests: `python -m tests.app.typist` (LONGFORM_HOME set).

Prints `typed N` after each word it types and `saved N` after each save that holds word N, so a test that
kills this process knows what must have survived.
"""

from __future__ import annotations

import re
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.main import build_window


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = build_window(app, start_engine=False)
    if window is None:
        return 1
    existing = re.findall(r"w(\d+)", window.editor.manuscript_text())
    count = int(existing[-1]) + 1 if existing else 0
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    save_now = window.save_now

    def save_and_report(*args, **kwargs):
        typed = count
        ok = save_now(*args, **kwargs)
        if ok:
            print(f"saved {typed - 1}", flush=True)
        return ok

    window.save_now = save_and_report
    window.autosave_timer.timeout.disconnect()
    window.autosave_timer.timeout.connect(save_and_report)

    def type_word() -> None:
        nonlocal count
        window.editor.insertPlainText(f"w{count} ")
        print(f"typed {count}", flush=True)
        count += 1
        # Bursts of 20 words, 40 ms apart, then a 2 s pause in which autosave (1.5 s) happens.
        timer.start(2000 if count % 20 == 0 else 40)

    timer = QTimer(singleShot=True)
    timer.timeout.connect(type_word)
    timer.start(100)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
