"""A writer's tour of the real window, with screenshots in docs/ (run under a display).

    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/writer_tour.py [NOVEL.txt]

Imports a hard-wrapped novel (default: Persuasion from ../shared/corpus/austen), types at the end of its
last chapter as a writer continuing a draft does (a misspelt word, a name, an italic word), waits for the
engine to learn the pages before the cursor (learned first), asks for a suggestion (Ctrl+Enter) and accepts
it (Tab), searches the whole novel, opens the settings, adds a sentence at a paragraph's end in the
next-to-last chapter (learned by then: the panel says it is re-learning it), then closes the novel and
types (nothing may change). Each step saves a screenshot of the window: docs/tour-*.png, and the
suggestion's is also the README's docs/screenshot.png. A temporary LONGFORM_HOME is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LONGFORM_HOME", tempfile.mkdtemp(prefix="longform-tour-"))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main import app_icon, build_window  # noqa: E402


def wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    return condition()


def shot(widget, name: str) -> None:
    wait(lambda: False, 0.5)
    path = ROOT / "docs" / f"tour-{name}.png"
    widget.grab().save(str(path))
    print(path, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT.parent / "shared" / "corpus" / "austen" / "persuasion.txt"
    parser.add_argument("novel", type=Path, nargs="?", default=default)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = build_window(app)
    window.resize(1360, 860)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window, 5000)  # window shortcuts (Ctrl+Enter) need an active window
    print("window active:", window.isActiveWindow(), flush=True)
    novel = window.import_manuscript(args.novel)
    print("imported:", novel.title, len(window.tree.chapter_ids()), "chapters;", flush=True)
    print(window.statusBar().currentMessage(), flush=True)
    window.show_chapter(window.tree.chapter_ids()[-1])
    editor = window.editor
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    typed = "Anne wondred whether Captain Wentworth would come; it was *quite* impossible to know."
    QTest.keyClicks(editor, typed)  # "wondred": a misspelling, as writers make them
    shot(window, "1-typing")

    wait(lambda: window.client.state in ("idle", "absorbing"), 180)
    wait(lambda: "Learned" in window.panel.summary.text(), 300)
    pressed = time.perf_counter()
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: editor.suggestion is not None and bool(editor.suggestion.text), 120)
    print(f"first words after {time.perf_counter() - pressed:.2f} s (cold window)", flush=True)
    wait(lambda: window.suggestions.generation is None, 120)
    shot(window, "2-suggestion")
    window.grab().save(str(ROOT / "docs" / "screenshot.png"))  # the README's picture
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    pressed = time.perf_counter()
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: editor.suggestion is not None and bool(editor.suggestion.text), 120)
    print(f"first words after {time.perf_counter() - pressed:.2f} s (after Tab)", flush=True)
    wait(lambda: window.suggestions.generation is None, 120)
    words = len(editor.suggestion.text.split()) if editor.suggestion else 0
    print(f"whole suggestion after {time.perf_counter() - pressed:.2f} s ({words} words)", flush=True)
    print("suggestion ends:", repr(editor.suggestion.text[-40:] if editor.suggestion else None), flush=True)
    QTest.keyClick(editor, Qt.Key.Key_Escape)

    window.find_in_novel()
    panel = window.search_panel
    panel.find_text.setText("Wentworth")
    panel.search()
    shot(window, "3-find-in-novel")

    def settings_shot() -> None:
        dialog = app.activeModalWidget()
        shot(dialog, "4-settings")
        dialog.reject()

    QTimer.singleShot(1500, settings_shot)
    window.edit_settings()
    print("panel:", window.panel.summary.text(), flush=True)

    # A sentence added at the end of a paragraph in the middle of the next-to-last chapter, learned by now
    # (the pages before the cursor come first): the panel as the engine re-learns it.
    wait(lambda: "Learned" in window.panel.summary.text() and "chapters" in window.panel.summary.text(), 300)
    print("panel before the edit:", window.panel.summary.text(), flush=True)
    window.show_chapter(window.tree.chapter_ids()[-2])
    text = editor.manuscript_text()
    cursor = editor.textCursor()
    cursor.setPosition(text.index("\n\n", len(text) // 2))  # a paragraph's end
    editor.setTextCursor(cursor)
    editor.centerCursor()
    QTest.keyClicks(editor, " Anne said nothing more.")
    wait(lambda: "Re-learning" in window.panel.summary.text(), 30)  # autosave, then the engine hears of it
    print("panel after the edit:", window.panel.summary.text(), flush=True)
    shot(window, "5-mid-book-edit")

    # Close the novel, then type: no chapter may change.
    window.save_now()
    before = {c.id: c.text for c in window.library.chapters(novel.id)}
    window.close_novel()
    editor.setFocus()
    QTest.keyClicks(editor, "ZZZ")
    wait(lambda: False, 3)
    after = {c.id: c.text for c in window.library.chapters(novel.id)}
    print("after close and typing: read-only", editor.isReadOnly(), "; chapters unchanged", after == before)
    window.close()
    # Deleted here, by Qt, while the application still exists: left to Python's exit, the window and its
    # children went in no set order and the process died ("shared QObject was deleted directly", SIGBUS).
    window.deleteLater()
    wait(lambda: False, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
