"""The engine over SSH without a process: the command line, the messages for ssh's failures, the setting,
the status bar and the settings dialog (the real sshd: tests/app/test_remote_engine_ssh.py)."""

from __future__ import annotations

import shlex

import pytest

from app.dialogs import SettingsDialog
from app.engine_status import engine_words
from app.remote_engine import SSH_CONFIG_ENV, host_problem, ssh_command, ssh_failure, version_problem
from app.settings import Settings, load_settings, problems, save_settings

SERVE = ["serve", "--model", "default", "--window", "1024", "--threads", "2"]


def test_the_ssh_command_starts_longform_engine_serve_there_with_the_same_options(monkeypatch):
    monkeypatch.delenv(SSH_CONFIG_ENV, raising=False)
    program, arguments = ssh_command("anne@desk", SERVE)
    assert program == "ssh"
    assert arguments[:3] == ["-T", "-o", "BatchMode=yes"]  # no terminal, and never a password prompt
    assert "-F" not in arguments  # the writer's own ~/.ssh/config
    assert arguments[-3:] == [
        "--",
        "anne@desk",
        "longform-engine serve --model default --window 1024 --threads 2",
    ]


def test_a_model_path_with_spaces_reaches_the_remote_shell_as_one_argument(monkeypatch):
    _, arguments = ssh_command("desk", ["serve", "--model", "/home/anne/My Models/tiny; rm -rf ~.gguf"])
    assert shlex.split(arguments[-1]) == [
        "longform-engine",
        "serve",
        "--model",
        "/home/anne/My Models/tiny; rm -rf ~.gguf",
    ]


def test_an_ssh_config_file_can_be_given_for_tests(monkeypatch, tmp_path):
    monkeypatch.setenv(SSH_CONFIG_ENV, str(tmp_path / "ssh_config"))
    _, arguments = ssh_command("desk", SERVE)
    assert arguments[arguments.index("-F") + 1] == str(tmp_path / "ssh_config")
    assert arguments.index("-F") < arguments.index("desk")


@pytest.mark.parametrize("host", ["", "anne@desk", "desk", "anne@gpu.example.org", "anne@[::1]", "my-alias"])
def test_usable_hosts(host):
    assert host_problem(host) is None


@pytest.mark.parametrize(
    "host", ["-oProxyCommand=touch /tmp/x", "anne desk", "desk;reboot", "a@b@c", "$(id)"]
)
def test_a_host_ssh_would_read_as_an_option_or_a_shell_would_split_is_refused(host):
    assert "is not a computer ssh can reach" in host_problem(host)


def test_an_engine_not_installed_there_says_so():
    message = ssh_failure("anne@desk", 127, ["bash: line 1: longform-engine: command not found"], False)
    assert "not installed on anne@desk" in message and "longform-engine" in message


def test_a_key_refused_says_a_password_would_be_needed():
    message = ssh_failure("anne@desk", 255, ["anne@desk: Permission denied (publickey,password)."], False)
    assert "asks for a password" in message and "ssh-copy-id anne@desk" in message


def test_an_unknown_host_key_says_to_connect_once_in_a_terminal():
    message = ssh_failure("desk", 255, ["Host key verification failed."], False)
    assert "not yet known" in message and "ssh desk" in message


def test_an_unreachable_computer_says_what_ssh_said():
    said = ["ssh: connect to host desk port 22: Connection refused"]
    message = ssh_failure("desk", 255, said, False)
    assert message.startswith(
        "desk could not be reached (ssh: connect to host desk port 22: Connection refused)"
    )


def test_a_link_that_drops_after_the_engine_answered_is_a_restart():
    message = ssh_failure("desk", 255, ["Connection to 10.0.0.2 closed by remote host."], True)
    assert message == "The connection to desk dropped; restarting the engine there. Your text is safe."


@pytest.mark.parametrize(
    ("exit_code", "started"), [(1, False), (2, False), (0, True), (-9, True), (127, True)]
)
def test_the_engines_own_ends_are_not_sshs(exit_code, started):
    assert ssh_failure("desk", exit_code, ["Traceback …"], started) is None


def test_another_version_there_is_named_with_both_versions():
    assert version_problem("desk", "0.1.0", "0.1.0") is None
    message = version_problem("desk", "0.0.9", "0.1.0")
    assert "on desk is Longform 0.0.9" in message and "Install Longform 0.1.0 on desk" in message


def test_the_status_bar_says_where_the_engine_runs():
    assert engine_words("idle") == "Engine: idle"
    assert engine_words("idle", "anne@desk") == "Engine on anne@desk: idle"
    assert engine_words("restarting", "anne@desk") == "Engine on anne@desk: restarting…"


def test_the_engine_host_round_trips_and_a_bad_one_is_replaced_by_this_computer(longform_home):
    save_settings(Settings(engine_host="anne@desk"))
    assert load_settings()[0].engine_host == "anne@desk"
    save_settings(Settings(engine_host="-oProxyCommand=x"))
    settings, notes = load_settings()
    assert settings.engine_host == "" and any("is not a computer ssh can reach" in n for n in notes)


def test_a_model_file_on_the_other_computer_is_not_looked_for_here():
    assert "model" in problems(Settings(model="/on/the/gpu/box/model.gguf"))
    assert "model" not in problems(Settings(model="/on/the/gpu/box/model.gguf", engine_host="anne@gpu"))


def test_the_dialog_offers_this_computer_or_another_over_ssh(qtbot):
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    assert dialog.place.currentText() == "this computer" and not dialog.host.isEnabled()
    dialog.place.setCurrentIndex(1)
    assert dialog.place.currentText() == "another computer over SSH" and dialog.host.isEnabled()
    dialog._check()
    assert "user@host" in dialog.problem.text()  # no computer named yet
    dialog.host.setText(" anne@desk ")
    dialog._check()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.value().engine_host == "anne@desk"


def test_choosing_this_computer_again_forgets_the_host(qtbot):
    dialog = SettingsDialog(None, Settings(engine_host="anne@desk"))
    qtbot.addWidget(dialog)
    assert dialog.place.currentIndex() == 1 and dialog.host.text() == "anne@desk"
    dialog.place.setCurrentIndex(0)
    assert dialog.value().engine_host == ""
