"""The engine's file rules: atomic writes."""

from __future__ import annotations

import pytest

from engine.paths import written_atomically


def test_an_atomic_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "adapter.gguf"
    target.write_bytes(b"old")
    with written_atomically(target, mode=0o600) as tmp:
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing visible until the block ends
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["adapter.gguf"]


def test_a_failed_write_leaves_the_old_file_and_no_partial_file(tmp_path):
    target = tmp_path / "adapter.gguf"
    target.write_bytes(b"old")
    with pytest.raises(OSError), written_atomically(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["adapter.gguf"]
