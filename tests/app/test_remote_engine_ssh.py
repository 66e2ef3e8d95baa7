"""The engine on "another computer" through a real OpenSSH server (tests/app/sshd.py): the app's widgets, the
real ssh client and sshd, the real engine and model on the other side, and what the writer reads when ssh
fails (the messages themselves: tests/app/test_remote_engine.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.main_window import MainWindow, engine_doc
from app.remote_engine import SSH_CONFIG_ENV
from app.settings import Settings, load_settings, settings_path
from app.storage import Library
from tests.app import sshd
from tests.app.test_end_to_end import adapters, open_persuasion, suggest
from tests.conftest import SAMPLE_TEXT

pytestmark = [pytest.mark.slow, sshd.needs_sshd]


@pytest.fixture
def remote(tmp_path, shared_home, monkeypatch):
    """sshd on 127.0.0.1; the engine there shares the dequantised model cache, so it starts in seconds."""
    home = tmp_path / "remote-home"
    (home / "cache").mkdir(parents=True)
    (shared_home / "cache" / "models").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "models").symlink_to(shared_home / "cache" / "models", target_is_directory=True)
    server = sshd.start_sshd(tmp_path / "ssh", home)
    monkeypatch.setenv(SSH_CONFIG_ENV, str(server.config))
    yield server
    server.stop()


def window_on(qtbot, host: str, **settings) -> MainWindow:
    w = MainWindow(Library(), Settings(engine_host=host, threads=2, **settings))
    qtbot.addWidget(w)
    w.start_engine()
    return w


def files_holding(folder: Path, text: bytes) -> list[Path]:
    """Files under `folder` (not following links: the model cache) whose bytes hold `text`."""
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and text in p.read_bytes()]


def test_the_novel_is_absorbed_continued_and_its_adapter_deleted_over_there(qtbot, remote, longform_home):
    window = window_on(qtbot, remote.host(), suggestion_words=18)
    qtbot.waitUntil(lambda: window.client.state == "idle", timeout=120_000)
    assert window.engine_label.text() == f"Engine on {remote.host()}: idle"
    open_persuasion(window)
    qtbot.waitUntil(lambda: window.panel.version.text() == "Adapter version 1", timeout=240_000)
    assert len(remote.adapters()) == 1 and not adapters(longform_home)  # there, not here
    sentence = SAMPLE_TEXT.read_text(encoding="utf-8").split("\n\n")[3][:60].encode()
    assert not files_holding(remote.home, sentence)  # the manuscript lives in the engine's memory only
    chapter = window.chapter_id
    before = window.library.chapter(chapter).text

    suggestion = suggest(window, qtbot)
    window.save_now()
    assert window.library.chapter(chapter).text == before  # a suggestion is not the manuscript…
    qtbot.keyClick(window.editor, "\t")
    assert window.library.chapter(chapter).text == before + suggestion  # …until Tab

    window.close_novel()
    qtbot.waitUntil(lambda: not remote.adapters(), timeout=60_000)
    qtbot.waitUntil(lambda: "adapter was deleted" in window.statusBar().currentMessage(), timeout=10_000)
    assert remote.sessions()  # the engine there still runs…
    window.close()
    qtbot.waitUntil(lambda: not remote.sessions(), timeout=30_000)  # …and its session folder goes with it


def test_a_link_dropped_mid_suggestion_keeps_the_suggestion_and_restarts_the_engine(qtbot, remote):
    window = window_on(qtbot, remote.host(), suggestion_words=400)  # long enough to be cut off
    open_persuasion(window)
    doc = engine_doc(window.novel.id)
    qtbot.waitUntil(lambda: window.panel.version.text() == "Adapter version 1", timeout=240_000)
    (old_adapter,) = remote.adapters()
    chapter = window.chapter_id
    before = window.library.chapter(chapter).text
    window.continue_text()
    qtbot.waitUntil(
        lambda: window.editor.suggestion is not None and bool(window.editor.suggestion.text), timeout=120_000
    )
    (dead_session,) = remote.sessions()
    first_pid = window.client.pid()
    notices: list[str] = []
    window.client.notice.connect(notices.append)

    sshd.cut_the_link(remote)
    qtbot.waitUntil(lambda: window.client.pid() not in (None, first_pid), timeout=30_000)
    qtbot.waitUntil(lambda: window.client.session.documents.get(doc) is not None, timeout=120_000)
    assert notices == [
        f"The connection to {remote.host()} dropped; restarting the engine there. Your text is safe."
    ]
    assert window.suggestions.generation is None
    assert window.editor.suggestion is not None and window.editor.suggestion.text  # still shown, faded…
    assert window.editor.manuscript_text() == before  # …and not part of the chapter
    window.save_now()
    assert window.library.chapter(chapter).text == before
    qtbot.waitUntil(lambda: not dead_session.exists(), timeout=30_000)  # the cut-off engine cleaned up
    assert not old_adapter.exists()
    window.close()


def failed_window(qtbot, host: str) -> MainWindow:
    window = window_on(qtbot, host)
    qtbot.waitUntil(lambda: window.client.state == "error", timeout=30_000)
    buttons = [b.text() for b in window.engine_failure_box.buttons()]
    assert "Run the engine on this computer" in buttons and "Open Settings…" in buttons
    assert window.engine_label.text() == f"Engine on {host}: error"
    return window


def failure_box_text(qtbot, host: str) -> str:
    window = failed_window(qtbot, host)
    window.close()
    return window.engine_failure_box.text()


def test_an_unreachable_computer_is_named_and_the_engine_can_run_here_instead(
    qtbot, remote, home_with_model_cache
):
    window = failed_window(qtbot, remote.host(sshd.NOWHERE))
    text = window.engine_failure_box.text()
    assert f"{remote.host(sshd.NOWHERE)} could not be reached" in text and "Connection refused" in text
    here = next(
        b for b in window.engine_failure_box.buttons() if b.text() == "Run the engine on this computer"
    )
    here.click()
    qtbot.waitUntil(lambda: window.client.state == "idle", timeout=120_000)
    assert window.settings.engine_host == "" and window.engine_label.text() == "Engine: idle"
    saved = load_settings()[0]
    assert settings_path().exists() and saved.threads == 2 and saved.engine_host == ""  # the next start too
    window.close()


def test_a_key_the_computer_does_not_accept_says_a_password_would_be_needed(qtbot, remote):
    text = failure_box_text(qtbot, remote.host(sshd.STRANGER))
    assert "asks for a password" in text and "SSH key" in text


def failure_on_a_computer_with(qtbot, tmp_path, monkeypatch, name: str, path: str) -> tuple[str, str]:
    """The failure box's text for an sshd whose sessions get `path` as PATH, and that computer's host."""
    server = sshd.start_sshd(tmp_path / name, tmp_path / f"{name}-home", path=path)
    monkeypatch.setenv(SSH_CONFIG_ENV, str(server.config))
    try:
        return failure_box_text(qtbot, server.host()), server.host()
    finally:
        server.stop()


def test_a_computer_without_longform_says_so(qtbot, tmp_path, monkeypatch):
    text, host = failure_on_a_computer_with(qtbot, tmp_path, monkeypatch, "bare", "/usr/bin:/bin")  # no venv
    assert f"not installed on {host}" in text and "longform-engine" in text


OLD_ENGINE = """\
import json, sys
for line in sys.stdin:
    request = json.loads(line)
    hello = {"version": "0.0.9", "model": "old", "architecture": "llama", "device": "cpu", "threads": 1,
             "window": 1024}
    if request["type"] == "hello":
        print(json.dumps({"id": request["id"], "type": "done", "request": "hello", **hello}), flush=True)
"""


def test_an_engine_of_another_version_there_is_stopped_and_named(qtbot, tmp_path, monkeypatch):
    bin_folder = tmp_path / "old-bin"
    bin_folder.mkdir()
    engine = bin_folder / "longform-engine"
    engine.write_text(f"#!{sys.executable}\n{OLD_ENGINE}")
    engine.chmod(0o755)
    text, host = failure_on_a_computer_with(
        qtbot, tmp_path, monkeypatch, "old", f"{bin_folder}:/usr/bin:/bin"
    )
    assert f"on {host} is Longform 0.0.9" in text and "Install Longform 0.1.0" in text
