"""Every command of the window in one table: the menus, the toolbar, the keyboard shortcuts and the F1 help
are all built from it, so a shortcut is written down once.

An action names the window method it runs (or a function of the window, for one-line commands). One that
runs nothing is a key the editor handles itself (italic, the alternatives of a suggestion), listed in the
help only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QToolBar


@dataclass(frozen=True)
class Action:
    name: str  # the window finds it by this name: window.action["continue"]
    menu: str  # the menu it is in, and its section of the help
    text: str  # the menu entry
    run: str | Callable[[Any], object] | None = None  # a window method ("suggestions.stop"), or a function
    keys: tuple[str, ...] = ()  # the keys that trigger it (the first is shown in the menu)
    standard: str | None = None  # a QKeySequence.StandardKey: the platform's own key, bound instead of `keys`
    editor_keys: tuple[str, ...] = ()  # keys the editor handles itself, shown in the menu entry and the help
    help: str | None = None  # its line in the F1 help (default: the menu entry); shared lines are joined
    separator: bool = False  # a line above it in the menu
    toolbar: bool = False

    @property
    def help_line(self) -> str | None:
        """What the F1 help calls it: every action with a key is listed there."""
        if not (self.keys or self.editor_keys):
            return None
        return self.help or self.text.rstrip("…")


def _clipboard(edit: str) -> Callable[[Any], object]:
    """Cut, copy, paste: as the keys in the editor do, a suggestion shown goes first (it is not the
    manuscript)."""
    return lambda window: (window.reject_suggestion(), getattr(window.editor, edit)())


# Help lines that several actions share, or that are longer than their menu entry.
IMPORT, EXPORT, CLIPBOARD = "Import a manuscript", "Export the novel", "Cut / copy / paste"
FIND, FIND_ALL = "Find / replace", "Find in the whole novel"
ACCEPT, REJECT = "Accept the suggestion", "Reject the suggestion"
STOP = "Stop generating (and an outline's next chapters)"
CONTINUE_KEYS = ("Ctrl+Return", "Ctrl+Enter")  # Return on the main keys, Enter on the keypad

MENUS = ("Novel", "Edit", "Chapter", "AI", "View", "Help")  # the menu bar, left to right
HELP_SECTIONS = ("AI", "Chapter", "Edit", "View", "Novel", "Help")  # the F1 help, top to bottom

ACTIONS = (
    Action("new_novel", "Novel", "New novel…", "new_novel"),
    Action("open_novel", "Novel", "Open novel…", "choose_novel", ("Ctrl+O",), help="Open a novel"),
    Action("rename_novel", "Novel", "Rename novel…", "rename_novel"),
    Action("import", "Novel", "Import manuscript…", "import_manuscript", ("Ctrl+Shift+I",), help=IMPORT),
    Action("export", "Novel", "Export novel…", "export_current", ("Ctrl+E",), help=EXPORT),
    Action("close_novel", "Novel", "Close novel", "close_novel"),
    Action("delete_novel", "Novel", "Delete novel…", "delete_novel"),
    Action("restore_novel", "Novel", "Restore deleted novel…", "restore_deleted_novel"),
    Action("restore_backup", "Novel", "Restore from backup…", "restore_from_backup"),
    Action("settings", "Novel", "Settings…", "edit_settings", ("Ctrl+,",), separator=True),
    Action("quit", "Novel", "Quit", "close", ("Ctrl+Q",)),
    Action("undo", "Edit", "Undo", "undo", ("Ctrl+Z",), "Undo", help="Undo / redo"),
    Action("redo", "Edit", "Redo", "redo", ("Ctrl+Shift+Z",), help="Undo / redo"),
    Action("cut", "Edit", "Cut", _clipboard("cut"), ("Ctrl+X",), "Cut", separator=True, help=CLIPBOARD),
    Action("copy", "Edit", "Copy", _clipboard("copy"), ("Ctrl+C",), "Copy", help=CLIPBOARD),
    Action("paste", "Edit", "Paste", _clipboard("paste"), ("Ctrl+V",), "Paste", help=CLIPBOARD),
    Action("italic", "Edit", "Italic", editor_keys=("Ctrl+I",), help="Italic / bold"),
    Action("bold", "Edit", "Bold", editor_keys=("Ctrl+B",), help="Italic / bold"),
    Action("find", "Edit", "Find…", lambda w: w.find_bar.open(), ("Ctrl+F",), help=FIND, separator=True),
    Action("replace", "Edit", "Replace…", lambda w: w.find_bar.open(replace=True), ("Ctrl+H",), help=FIND),
    Action("find_in_novel", "Edit", "Find in novel…", "find_in_novel", ("Ctrl+Shift+F",), help=FIND_ALL),
    Action("new_chapter", "Chapter", "New chapter", "add_chapter", ("Ctrl+N",)),
    Action("rename_chapter", "Chapter", "Rename chapter…", lambda w: w.rename_chapter(w.chapter_id), ("F2",)),
    Action("delete_chapter", "Chapter", "Delete chapter…", lambda w: w.delete_chapter(w.chapter_id)),
    Action("restore_chapter", "Chapter", "Restore deleted chapter…", "restore_deleted_chapter"),
    Action(
        "revisions", "Chapter", "Revisions…", "show_revisions", ("Ctrl+Shift+R",), help="Chapter revisions"
    ),
    Action("continue", "AI", "Continue from the cursor", "continue_text", CONTINUE_KEYS, toolbar=True),
    Action("accept", "AI", "Accept suggestion", "accept_suggestion", editor_keys=("Tab",), help=ACCEPT),
    Action("reject", "AI", "Reject suggestion", "reject_suggestion", editor_keys=("Esc",), help=REJECT),
    Action("another", "AI", "Another alternative", "suggestions.another", ("Ctrl+R",), toolbar=True),
    Action("alternatives", "AI", "Previous / next alternative", editor_keys=("Alt+Left", "Alt+Right")),
    Action("stop", "AI", "Stop", "stop_ai", ("Ctrl+.",), help=STOP, toolbar=True),
    Action(
        "chapter_ai", "AI", "New chapter with AI…", "new_chapter_with_ai", ("Ctrl+Shift+N",), toolbar=True
    ),
    Action("outline", "AI", "Write chapters from an outline…", "write_outline", ("Ctrl+Shift+O",)),
    Action("fullscreen", "View", "Distraction-free full screen", "toggle_fullscreen", ("F11",)),
    Action("theme", "View", "Dark / light theme", "toggle_theme", ("Ctrl+Shift+L",)),
    Action("help", "Help", "Keyboard shortcuts", "show_help", ("F1",), help="Help"),
)


def help_rows(actions: tuple[Action, ...] = ACTIONS) -> list[tuple[str, str]]:
    """The F1 help: (what, keys) per help line, the keys of the actions sharing a line joined by " / "."""
    rows: dict[str, list[str]] = {}
    for section in HELP_SECTIONS:
        for action in actions:
            if action.menu == section and action.help_line:
                rows.setdefault(action.help_line, []).extend(action.keys or action.editor_keys)
    return [(line, " / ".join(keys)) for line, keys in rows.items()]


def build_menus(
    window: QMainWindow, toolbar: QToolBar, actions: tuple[Action, ...] = ACTIONS
) -> dict[str, QAction]:
    """The window's menus, its toolbar's actions and its shortcuts; the QActions by name."""
    menus = {name: window.menuBar().addMenu(f"&{name}") for name in MENUS}
    built = {}
    for action in (a for a in actions if a.run is not None):
        keys = f"\t{' '.join(action.editor_keys)}" if action.editor_keys else ""
        qaction = QAction(action.text + keys, window)
        if action.standard:
            qaction.setShortcut(QKeySequence(QKeySequence.StandardKey[action.standard]))
        else:
            qaction.setShortcuts([QKeySequence(k) for k in action.keys])
        qaction.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if isinstance(action.run, str):
            method = attrgetter(action.run)(window)
            qaction.triggered.connect(lambda *_, method=method: method())
        else:
            qaction.triggered.connect(lambda *_, run=action.run: run(window))
        if action.separator:
            menus[action.menu].addSeparator()
        menus[action.menu].addAction(qaction)
        window.addAction(qaction)  # shortcuts keep working in full screen, with the menu bar hidden
        if action.toolbar:
            toolbar.addAction(qaction)
        built[action.name] = qaction
    return built
