"""The actions table: the menus, the shortcuts and the F1 help are one list, and the window's menus are what
they were before the table."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from app.actions import ACTIONS
from app.dialogs import SHORTCUTS, HelpDialog
from app.main_window import MainWindow
from app.settings import Settings
from app.storage import Library

# The window's menus as they were built by hand before app/actions.py: (entry, its shortcut, or the
# platform's standard key for it).
MENUS_BEFORE = {
    "&Novel": [
        ("New novel…", ""),
        ("Open novel…", "Ctrl+O"),
        ("Rename novel…", ""),
        ("Import manuscript…", "Ctrl+Shift+I"),
        ("Export novel…", "Ctrl+E"),
        ("Close novel", ""),
        ("Delete novel…", ""),
        ("Restore deleted novel…", ""),
        ("Restore from backup…", ""),
        ("", ""),
        ("Settings…", "Ctrl+,"),
        ("Quit", "Ctrl+Q"),
    ],
    "&Edit": [
        ("Undo", QKeySequence.StandardKey.Undo),
        ("Redo", "Ctrl+Shift+Z"),
        ("", ""),
        ("Cut", QKeySequence.StandardKey.Cut),
        ("Copy", QKeySequence.StandardKey.Copy),
        ("Paste", QKeySequence.StandardKey.Paste),
        ("", ""),
        ("Find…", "Ctrl+F"),
        ("Replace…", "Ctrl+H"),
        ("Find in novel…", "Ctrl+Shift+F"),
    ],
    "&Chapter": [
        ("New chapter", "Ctrl+N"),
        ("Rename chapter…", "F2"),
        ("Delete chapter…", ""),
        ("Restore deleted chapter…", ""),
        ("Revisions…", "Ctrl+Shift+R"),
    ],
    "&AI": [
        ("Continue from the cursor", "Ctrl+Return"),
        ("Accept suggestion\tTab", ""),
        ("Reject suggestion\tEsc", ""),
        ("Another alternative", "Ctrl+R"),
        ("Stop", "Ctrl+."),
        ("New chapter with AI…", "Ctrl+Shift+N"),
        ("Write chapters from an outline…", "Ctrl+Shift+O"),
    ],
    "&View": [("Distraction-free full screen", "F11"), ("Dark / light theme", "Ctrl+Shift+L")],
    "&Help": [("Keyboard shortcuts", "F1")],
}


@pytest.fixture
def window(qtbot):
    w = MainWindow(Library(), Settings())
    qtbot.addWidget(w)
    return w


def test_the_window_has_every_menu_entry_it_had_with_its_shortcut(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == list(MENUS_BEFORE)
    for title, entries in MENUS_BEFORE.items():
        expected = [(text, QKeySequence(key).toString()) for text, key in entries]
        assert [(a.text(), a.shortcut().toString()) for a in menus[title].actions()] == expected, title


def test_ctrl_enter_also_continues_and_the_toolbar_holds_the_ai_commands(window):
    continue_keys = [k.toString() for k in window.continue_action.shortcuts()]
    assert continue_keys == ["Ctrl+Return", "Ctrl+Enter"]
    toolbar = [a.text() for a in window.toolbar.actions()]
    assert toolbar == ["Continue from the cursor", "Another alternative", "Stop", "New chapter with AI…"]


def test_every_key_of_the_table_is_in_the_f1_help():
    help_keys = {line: keys.split(" / ") for line, keys in SHORTCUTS}
    for action in ACTIONS:
        for key in action.keys or action.editor_keys:
            assert key in help_keys[action.help_line], action.name
    assert len(SHORTCUTS) == len(set(SHORTCUTS))


def test_the_help_dialog_lists_every_line(qtbot):
    dialog = HelpDialog()
    qtbot.addWidget(dialog)
    (label,) = [w for w in dialog.children() if hasattr(w, "text") and "<table" in w.text()]
    for line, keys in SHORTCUTS:
        assert f"<td>{line}</td><td><b>{keys}</b></td>" in label.text()


def test_no_two_actions_share_a_key():
    keys = [QKeySequence(k).toString() for a in ACTIONS for k in (*a.keys, *a.editor_keys)]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_every_action_runs_something_the_window_has(window):
    for action in ACTIONS:
        if isinstance(action.run, str):
            target = window
            for part in action.run.split("."):
                target = getattr(target, part)
            assert callable(target), action.name
