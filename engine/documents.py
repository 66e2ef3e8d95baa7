"""The engine's open documents: their tokens, which chunks their adapters have learned, and the adapter files.

Every change to a document happens here, under one lock; the scheduler (engine/scheduler.py) decides when.
An edit re-learns only the chunks it touched (engine/chunk_map.py); closing a document deletes its adapter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from engine.backend import Backend
from engine.chunk_map import Chunk, ChunkMap
from engine.config import TempLoraConfig
from engine.known_words import KnownWords
from engine.protocol import DocumentProgress
from engine.store import AdapterStore


@dataclass(eq=False)
class Document:
    """An open document: its tokens and which of its chunks the adapter has learned."""

    doc: str
    text: str
    tokens: torch.Tensor
    config: TempLoraConfig
    chunks: ChunkMap
    adapter_version: int = 0
    loss: float | None = None
    closed: bool = False
    place: int | None = None  # the writer's cursor, in tokens (approximately): learned first
    known: KnownWords = field(default_factory=KnownWords)  # the names the adapter has learned


class Documents:
    """The open documents of one engine, and their adapters (in the backend and on disk)."""

    def __init__(self, backend: Backend, store: AdapterStore) -> None:
        self.backend = backend
        self.store = store
        self.docs: dict[str, Document] = {}
        self.lock = threading.RLock()  # guards the documents' state
        self.train_lock = threading.Lock()  # held while a chunk is trained or exported
        self.training: Document | None = None  # the document whose chunk is being learned

    def get(self, name: str | None) -> Document | None:
        return self.docs.get(name) if name is not None else None

    def progress(self, d: Document) -> DocumentProgress:
        return DocumentProgress(
            doc=d.doc,
            **d.chunks.status(d.place),
            adapter_version=d.adapter_version,
            loss=d.loss,
            known_words=d.known.best(),
        )

    def register(self, name: str, text: str, config: TempLoraConfig) -> Document:
        """Known at once, so requests naming it are accepted; its tokens come with `tokenize`."""
        with self.lock:
            doc = Document(name, text, torch.zeros(0, dtype=torch.long), config, ChunkMap(config))
            self.docs[name] = doc
        return doc

    def tokenize(self, doc: Document) -> int:
        """Tokenize the text it was opened with; returns the complete chunks to learn."""
        tokens = self.backend.tokens(doc.text)
        with self.lock:
            doc.tokens, doc.chunks = tokens, ChunkMap(doc.config, len(tokens))
            return len(doc.chunks.complete())

    def update(self, doc: Document, text: str) -> DocumentProgress:
        tokens = self.backend.tokens(text)
        with self.lock:
            # Only the chunks the edit touched wait to be learned again (engine/chunk_map.py).
            doc.chunks.edit(doc.tokens, tokens)
            doc.text, doc.tokens = text, tokens
            return self.progress(doc)

    def place_cursor(self, doc: Document, cursor: int) -> None:
        # The token the cursor is at, by the text's own characters per token: close enough to choose which
        # chunks to learn first, without tokenizing a prefix of a 10 MB text.
        doc.place = round(len(doc.tokens) * min(1.0, max(0, cursor) / max(1, len(doc.text))))

    def reset(self, doc: Document) -> None:
        with self.train_lock, self.lock:
            self.backend.forget(doc.doc)
            doc.chunks.forget()
            doc.loss, doc.known = None, KnownWords()

    def close(self, doc: Document) -> None:
        """Forget it and delete its adapter (after the chunk being trained, which is abandoned soon)."""
        doc.closed = True
        with self.train_lock, self.lock:
            del self.docs[doc.doc]
            self.backend.forget(doc.doc)
            self.store.delete(doc.doc)

    def swap_backend(self, backend: Backend) -> Backend:
        """A new model: every document re-absorbs from the start. Returns the old backend."""
        with self.train_lock, self.lock:
            old, self.backend = self.backend, backend
            for d in self.docs.values():
                d.tokens = backend.tokens(d.text)
                d.chunks, d.adapter_version, d.loss = ChunkMap(d.config, len(d.tokens)), 0, None
                d.known = KnownWords()
                self.store.delete(d.doc)
        return old

    def adapter(self, doc: Document) -> tuple[str | None, int]:
        """The newest adapter file of `doc` (None before its first chunk) and its version."""
        with self.lock:
            version = doc.adapter_version
            return (self.store.path_for(doc.doc) if version else None), version

    # -- absorption ----------------------------------------------------------------------------------------
    def next_chunk(self) -> tuple[Document, Chunk] | None:
        """The next chunk to learn: the writer's place first, then across the book (ChunkMap)."""
        with self.lock:
            for d in self.docs.values():
                chunk = d.chunks.next_to_learn(d.place)
                if chunk is not None:
                    return d, chunk
        return None

    def absorb(self, doc: Document, chunk: Chunk, stopping: Callable[[], bool]) -> DocumentProgress | None:
        """Learn one chunk and export the adapter; its progress, or None when there was nothing to report
        (closed, stopping, or an edit replaced the chunk before it started)."""
        with self.train_lock:
            if doc.closed or stopping():
                return None
            with self.lock:
                if not doc.chunks.still_there(chunk):
                    return None  # an edit replaced it meanwhile
                tokens, spans = doc.tokens, doc.chunks.spans()
                # The rate of what the adapter knows so far: in text order the rate of the chunk's place;
                # out of order (the writer's place first) higher; re-learning an edit lower, which kept
                # more of the gain on the pages after it than the place's rate (docs/BENCHMARKS.md, "Edits").
                lr_position = doc.chunks.learned_tokens()
            self.training = doc
            try:
                lesson = self.backend.learn(
                    doc.doc, doc.config, tokens, spans, spans.index(chunk.span), lr_position
                )
            except Exception:
                if doc.closed or stopping():
                    return None  # Abandoned (autograd may wrap it): the adapter is being deleted anyway
                raise
            finally:
                self.training = None
            path = self.backend.export(doc.doc, self.store.path_for(doc.doc))
            with self.lock:
                if doc.closed:
                    path.unlink(missing_ok=True)
                    return None
                # Learned, unless an edit meanwhile changed this chunk (then it was replaced by new ones).
                if doc.chunks.still_there(chunk):
                    chunk.learned = True
                doc.adapter_version += 1
                doc.loss = lesson.loss
                doc.known.add(lesson.words)
                return self.progress(doc)

    def close_all(self) -> None:
        """Delete every adapter (idempotent); waits for an export in progress so none is left behind."""
        got = self.train_lock.acquire(timeout=60)
        try:
            self.store.close()
        finally:
            if got:
                self.train_lock.release()
