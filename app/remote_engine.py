"""The engine on another computer: the `ssh` command that starts it there, and what its failures mean.

No network code of ours: the system's OpenSSH client carries the same JSON lines, with the writer's own keys
and ~/.ssh/config. BatchMode means ssh never asks for a password (the app has no terminal to ask in), so a
key is needed, and a failure ends at once with exit code 255 and ssh's own words on stderr. Qt-free, so the
command line and the messages are tested without a process.
"""

from __future__ import annotations

import os
import re
import shlex

SSH_CONFIG_ENV = "LONGFORM_SSH_CONFIG"  # an ssh config file to use instead of ~/.ssh/config (tests)
REMOTE_PROGRAM = "longform-engine"  # what installing Longform puts on the other computer's PATH
SSH_FAILED = 255  # ssh's own exit code: it could not connect or log in, or the connection dropped
NOT_FOUND = 127  # the remote shell's: no such command
# user@host, host, or an alias of ~/.ssh/config; nothing ssh could read as an option or a shell could split
_DESTINATION = re.compile(r"^[A-Za-z0-9_.%+\[\]:-]+(@[A-Za-z0-9_.%+\[\]:-]+)?$")


def host_problem(host: str) -> str | None:
    """What is wrong with an `engine_host` value (None: usable; empty means this computer)."""
    if not isinstance(host, str):
        return "engine_host must be text"
    if host and (host.startswith("-") or not _DESTINATION.match(host)):
        return f"{host!r} is not a computer ssh can reach: write user@host, or a host of your ssh config"
    return None


def ssh_command(host: str, serve_arguments: list[str]) -> tuple[str, list[str]]:
    """`ssh … host longform-engine serve …`: the program and its arguments."""
    options = ["-T", "-o", "BatchMode=yes"]
    # A link that dies silently (a laptop asleep, Wi-Fi gone) is noticed within a minute, not hours later.
    options += ["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"]
    config = os.environ.get(SSH_CONFIG_ENV)
    if config:
        options += ["-F", config]
    # The remote side runs one command line through the writer's shell there, so each argument is quoted
    # (a model path may hold spaces).
    remote = shlex.join([REMOTE_PROGRAM, *serve_arguments])
    return "ssh", [*options, "--", host, remote]


def ssh_failure(host: str, exit_code: int, stderr: list[str], started: bool) -> str | None:
    """What the writer should read when the ssh link to the engine ended (None: not ssh's doing).

    `started`: the engine had answered `hello`, so a 255 is a link that dropped, not one never made.
    """
    said = " ".join(line.strip() for line in stderr)
    if exit_code == NOT_FOUND and not started:
        return (
            f"Longform's engine is not installed on {host}: `{REMOTE_PROGRAM}` was not found there. "
            f"Install Longform on {host} (README: Engine on another computer) so that `{REMOTE_PROGRAM}` is "
            "on the PATH of a non-interactive login there, or run the engine on this computer."
        )
    if exit_code != SSH_FAILED:
        return None
    if started:
        return f"The connection to {host} dropped; restarting the engine there. Your text is safe."
    if "Permission denied" in said:
        return (
            f"{host} asks for a password, and Longform only logs in with an SSH key. Set up key login "
            f"(ssh-copy-id {host}) or add your key to the ssh agent, then try again."
        )
    if "Host key verification failed" in said:
        return (
            f"{host} is not yet known to this computer, or its identity has changed. Connect once in a "
            f"terminal (ssh {host}) to check and accept it, then try again."
        )
    reason = stderr[-1].strip() if stderr else "ssh could not connect"
    return (
        f"{host} could not be reached ({reason}). Check the computer's name, that it is switched on and "
        "that it accepts SSH connections."
    )


def version_problem(host: str, theirs: str, ours: str) -> str | None:
    """The engine there is another Longform version, which may speak another protocol (None: the same)."""
    if theirs == ours:
        return None
    where = f"on {host}" if host else "on this computer"
    return (
        f"The engine {where} is Longform {theirs}, and this app is Longform {ours}; the two may not "
        f"understand each other. Install Longform {ours} {where}."
    )
