"""Reading a manuscript's text from a file's bytes, by the same rules in the app's import and the CLI.

One of the engine's light modules (no Qt, no torch): a file the app imports is a file `longform-engine`
reads, and the other way round.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import UserError


class NotText(ValueError):
    """The bytes are a binary file's, not a text's."""


def decode_text(data: bytes) -> str:
    """Text of a manuscript file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; line
    ends become \\n. NotText for a binary file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")  # a torn last byte is no reason to refuse
    else:
        try:
            text = data.decode("utf-8-sig")  # valid UTF-8 is text, even with a stray NUL in it
        except UnicodeDecodeError:
            if b"\x00" in data[:65536]:
                raise NotText("a binary file, not text") from None
            # Older word processors wrote Windows-1252; every byte but five decodes, and those are replaced.
            text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: str | Path) -> str:
    """The text of a manuscript file for the engine's commands, or a UserError saying why it can't be
    used."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"File not found: {p}") from None
    except IsADirectoryError:
        raise UserError(f"{p} is a folder, not a text file") from None
    except OSError as e:
        raise UserError(f"Cannot read {p}: {e.strerror}") from None
    try:
        text = decode_text(data)
    except NotText:
        raise UserError(f"{p} looks like a binary file, not text") from None
    if not text.strip():
        raise UserError(f"{p} is empty: there is no text to learn from or continue")
    # The app's import takes control characters out; a NUL in a text given to the engine directly is a sign
    # of a binary file that happened to be valid UTF-8 (a model would only learn the noise).
    if "\x00" in text:
        raise UserError(f"{p} looks like a binary file (it contains NUL bytes)")
    return text
