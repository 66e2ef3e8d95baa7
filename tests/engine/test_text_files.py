"""One decoding for the app's import and the engine's commands: what one reads, the other reads."""

from __future__ import annotations

import pytest

from app.importing import read_manuscript
from engine.errors import UserError
from engine.text_files import NotText, decode_text, read_text


def test_encodings_are_decoded():
    assert decode_text("café".encode("cp1252")) == "café"
    assert decode_text("\ufeffcafé".encode()) == "café"
    assert decode_text("café 😀".encode("utf-16")) == "café 😀"
    assert decode_text(b"a\r\nb\rc") == "a\nb\nc"


def test_a_torn_utf16_file_is_still_text():
    assert decode_text("café".encode("utf-16") + b"\x00") == "café\ufffd"


def test_a_binary_file_is_not_text():
    with pytest.raises(NotText):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff")


def test_the_engine_reads_a_windows_1252_file_the_app_imports(tmp_path):
    path = tmp_path / "old draft.txt"
    path.write_bytes("Élodie à la fenêtre, « enfin ».\r\n".encode("cp1252"))
    _, chapters = read_manuscript(path)
    assert chapters[0][1] == "Élodie à la fenêtre, « enfin »."
    assert read_text(path) == "Élodie à la fenêtre, « enfin ».\n"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", "binary"),
        (b"text\x00with a NUL", "NUL"),
    ],
)
def test_what_the_engine_cannot_use_is_a_clear_message(tmp_path, data, words):
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    with pytest.raises(UserError, match=words):
        read_text(path)


def test_a_missing_file_or_a_folder_is_a_clear_message(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="folder"):
        read_text(tmp_path)
