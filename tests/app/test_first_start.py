"""The first start: a moving bar while the engine starts, and the absorption panel's note, shown once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from app.engine_client import EngineClient
from app.main_window import MainWindow
from app.settings import load_settings
from app.storage import Library
from tests.app.fake_engine import FakeEngine


def make_window(qtbot, client=None) -> MainWindow:
    window = MainWindow(Library(), load_settings()[0], client or FakeEngine())
    qtbot.addWidget(window)
    return window


def note_texts(window: MainWindow) -> list[str]:
    dock = window.absorption_dock.widget()
    return [label.text() for label in dock.findChildren(QLabel) if label.isVisibleTo(dock)]


def test_the_bar_moves_while_the_engine_starts_and_goes_once_it_answers(qtbot):
    window = make_window(qtbot)
    starting = window.engine_starting
    assert not starting.isVisibleTo(window)
    window.client._set_state("starting")  # what EngineClient.start says before the engine's hello
    assert starting.isVisibleTo(window)
    assert starting.label.text().startswith("Starting the engine — the first start prepares the model")
    assert starting.bar.maximum() == 0  # indeterminate: it moves without a percentage
    window.start_engine()  # the fake engine answers hello at once
    assert window.client.state == "idle"
    assert not starting.isVisibleTo(window)
    window.client._set_state("restarting")
    assert starting.isVisibleTo(window) and starting.label.text() == "Restarting the engine…"
    window.client._set_state("error")
    assert not starting.isVisibleTo(window)


def test_the_absorption_note_shows_on_the_first_start_only(qtbot):
    first = make_window(qtbot)
    assert any("The Absorption panel</b> shows how much of this novel" in t for t in note_texts(first))
    assert load_settings()[0].absorption_note_shown  # remembered on disk at once
    got_it = next(b for b in first.absorption_dock.widget().findChildren(QPushButton) if b.text() == "Got it")
    got_it.click()
    assert not any("Absorption panel" in t for t in note_texts(first))
    second = make_window(qtbot)
    assert not any("Absorption panel" in t for t in note_texts(second))
    assert second.absorption_dock.widget() is second.panel


@pytest.mark.slow
def test_the_bar_shows_while_the_real_engine_starts(qtbot, home_with_model_cache):
    window = make_window(qtbot, EngineClient())
    window.start_engine()
    try:
        assert window.client.state == "starting"
        assert window.engine_starting.isVisibleTo(window)
        qtbot.waitUntil(lambda: window.client.state == "idle", timeout=180_000)
        assert not window.engine_starting.isVisibleTo(window)
    finally:
        window.client.stop()
