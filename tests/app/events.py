"""Engine events as the tests need them: the absorption fields of a book whose first chunks are learned."""

from __future__ import annotations

from app.book_progress import learned_tokens
from engine.config import TempLoraConfig
from engine.protocol import DocumentProgress


def absorbed(
    n: int,
    total: int,
    doc: str = "d",
    loss: float | None = None,
    known_words: list | None = None,
    config: TempLoraConfig | None = None,
) -> DocumentProgress:
    """`n` of `total` chunks learned, in text order, with `config`'s chunk sizes (the defaults when None;
    one work unit a chunk)."""
    config = config or TempLoraConfig()
    complete, done = learned_tokens(total, config), learned_tokens(min(n, total), config)
    return DocumentProgress(
        doc=doc,
        chunks_absorbed=n,
        chunks_total=total,
        work_absorbed=n,
        work_total=total,
        learnable_tokens=complete,
        unlearned=[(done, complete)] if done < complete else [],
        adapter_version=n,
        loss=loss,
        known_words=known_words or [],
    )
