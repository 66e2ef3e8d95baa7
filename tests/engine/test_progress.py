"""The CLI's progress bar: chunks done of total, the latest values, even though the CLI silences tqdm."""

from __future__ import annotations

import io

from engine.progress import ChunkProgress


def test_the_bar_shows_chunks_done_and_the_latest_loss(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")  # as the CLI sets it for the libraries' own bars
    stream = io.StringIO()
    bar = ChunkProgress("absorbing", stream)
    for done in range(1, 6):
        bar.update(done, 5, loss=3.0 - done / 10)
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("absorbing |")
    assert "5/5 chunks, loss 2.500" in last
