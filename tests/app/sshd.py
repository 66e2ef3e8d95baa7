"""A real OpenSSH server on 127.0.0.1, started by the test, for the engine over SSH (app/remote_engine.py).

The "other computer" is this one: its engine runs from the same venv, with its own LONGFORM_HOME, so a test
can look at the adapters on the remote's disk. Everything lives in the test's folder: the host key, the
writer's key (and a stranger's key the server does not accept), the server's config and the ssh client's
config the app is pointed at (LONGFORM_SSH_CONFIG: ssh reads ~/.ssh from the passwd home, not $HOME, so a
test cannot give it a config any other way).

A non-interactive ssh session gets sshd's own PATH, which has no venv in it: sshd's `SetEnv` (OpenSSH 8.7
and later) sets PATH, LONGFORM_HOME and PYTHONPATH for the engine there, as a writer's login profile would.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")
needs_sshd = pytest.mark.skipif(
    not SSHD.exists(), reason="needs OpenSSH's server (/usr/sbin/sshd: apt-get install openssh-server)"
)
REPO = Path(__file__).resolve().parents[2]
HOST = "longform-remote"  # the writer's key, accepted
STRANGER = "longform-stranger"  # a key the server does not know: ssh would need a password
NOWHERE = "longform-nowhere"  # a port nothing listens on


@dataclass
class Remote:
    """A running sshd and the ssh client config that reaches it under the aliases above."""

    folder: Path
    home: Path  # the remote engine's LONGFORM_HOME
    config: Path  # the ssh client config (-F)
    process: subprocess.Popen

    def host(self, alias: str = HOST) -> str:
        return f"{getpass.getuser()}@{alias}"

    def adapters(self) -> list[Path]:
        return sorted((self.home / "cache" / "sessions").glob("session-*/*.gguf"))

    def sessions(self) -> list[Path]:
        return sorted((self.home / "cache" / "sessions").glob("session-*"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


def start_sshd(folder: Path, home: Path, path: str | None = None) -> Remote:
    """sshd on a free port of 127.0.0.1; `path`: the PATH there (default: this venv's bin first)."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder (root only)
    host_key = _keygen(folder / "host_key")
    authorized = folder / "authorized_keys"
    authorized.write_text(_keygen(folder / "writer_key") + "\n")
    _keygen(folder / "stranger_key")
    port = free_port()
    path = path or f"{Path(sys.executable).parent}:/usr/bin:/bin"
    (folder / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {folder / 'host_key'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        f"SetEnv PATH={path} LONGFORM_HOME={home} PYTHONPATH={REPO}\n"
    )
    (folder / "known_hosts").write_text(f"{HOST} {host_key}\n")
    config = folder / "ssh_config"
    config.write_text(
        f"Host {HOST}\n  Port {port}\n  IdentityFile {folder / 'writer_key'}\n"
        f"Host {STRANGER}\n  Port {port}\n  IdentityFile {folder / 'stranger_key'}\n"
        f"Host {NOWHERE}\n  Port {free_port()}\n  IdentityFile {folder / 'writer_key'}\n"
        f"Host *\n  HostName 127.0.0.1\n  HostKeyAlias {HOST}\n"
        f"  UserKnownHostsFile {folder / 'known_hosts'}\n"
        "  StrictHostKeyChecking yes\n  IdentitiesOnly yes\n  LogLevel ERROR\n"
    )
    log = open(folder / "sshd.log", "wb")  # noqa: SIM115 - sshd writes to it as long as it runs
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(folder / "sshd_config")], stderr=log)
    remote = Remote(folder, home, config, process)
    deadline = time.monotonic() + 10
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return remote
        if process.poll() is not None or time.monotonic() > deadline:
            remote.stop()
            raise RuntimeError(f"sshd did not start: {(folder / 'sshd.log').read_text()}")
        time.sleep(0.05)


def engine_process_there(remote: Remote) -> int:
    """The pid of the engine running there (its session folder is named after it)."""
    (session,) = remote.sessions()
    return int(session.name.removeprefix("session-"))


def cut_the_link(remote: Remote) -> None:
    """The connection drops: kill the sshd process that serves the engine's session (the engine's nearest
    sshd ancestor), as a network gone away would end it. The engine there sees its stdin close."""
    pid = engine_process_there(remote)
    while Path(f"/proc/{pid}/comm").read_text().strip() != "sshd":
        pid = int(
            next(
                line
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("PPid:")
            ).split()[1]
        )
    os.kill(pid, 9)
