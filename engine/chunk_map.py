"""Which chunks of a document the adapter has learned, kept true while the writer edits.

A fresh document is cut into chunks as `split_chunks` lays them out. An edit changes a span of tokens; the
chunks before it are untouched, the chunks after it hold the same tokens shifted by the edit, and only the
chunks that overlap it have new text. So an edit moves the chunks with the text instead of unlearning
everything after it: the chunks it touched are cut anew (near their place's chunk size) and wait to be
learned; the others keep counting as learned. What the adapter learned from the old text stays in it, as
it always did.

The rule for the chunks just after an edit, whose training context (the L_T tokens before them) now holds
the edit, is a choice measured in docs/BENCHMARKS.md ("Edits"): `Relearn.CHANGED` keeps them learned,
`Relearn.CHANGED_AND_CONTEXT` learns them again. `Relearn.FROM_EDIT` is the older rule (every chunk from the
first changed token on), kept for that comparison, and `Relearn.NONE` re-learns nothing.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

import torch

from engine.absorb import split_chunks, training_tokens
from engine.config import TempLoraConfig


class Relearn(enum.Enum):
    FROM_EDIT = "from-edit"
    CHANGED = "changed"
    CHANGED_AND_CONTEXT = "changed-and-context"
    NONE = "none"


# Measured (docs/BENCHMARKS.md, "Edits"); the engine's rule.
DEFAULT_RELEARN = Relearn.CHANGED
# The writer's place first, then a spread pass: the tokens before the cursor are learned first, then every
# SPREAD-th chunk across the book, then the rest in order. On Persuasion (docs/BENCHMARKS.md, "Edits and the
# first minutes") this reached 65% of the full gain at the writer's place after a fifth of the work, where
# learning in text order reached 52%.
PLACE_TOKENS = 8192
SPREAD = 8


@dataclass(eq=False)  # identity matters: the absorber checks that the chunk it trained is still there
class Chunk:
    start: int
    end: int
    learned: bool = False
    edited: bool = False  # cut anew where the writer changed text the adapter had learned: re-learning

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def common_ends(old: torch.Tensor, new: torch.Tensor) -> tuple[int, int]:
    """Tokens the two texts share at their start and, after that, at their end."""
    limit = min(len(old), len(new))
    differ = (old[:limit] != new[:limit]).nonzero()
    prefix = int(differ[0]) if len(differ) else limit
    rest = limit - prefix
    if rest == 0:
        return prefix, 0
    differ = (old.flip(0)[:rest] != new.flip(0)[:rest]).nonzero()
    return prefix, int(differ[0]) if len(differ) else rest


class ChunkMap:
    """A document's chunks in text order, each learned or not."""

    def __init__(self, config: TempLoraConfig, n_tokens: int = 0) -> None:
        self.config = config
        self.chunks = [Chunk(start, end) for start, end in split_chunks(n_tokens, config)]

    # -- what is there --------------------------------------------------------------------------------------
    def size_at(self, start: int) -> int:
        """The chunk size of a place in the text: the opening's smaller chunks, then Δ."""
        c = self.config
        return c.opening_chunk_tokens if start < c.opening_tokens else c.chunk_tokens

    def complete(self) -> list[Chunk]:
        """Chunks ready to learn: all but a last one that is still shorter than its place's size (its
        text is still being written)."""
        chunks = self.chunks
        if chunks and chunks[-1].end - chunks[-1].start < self.size_at(chunks[-1].start):
            return chunks[:-1]
        return list(chunks)

    def next_to_learn(self, place: int | None = None) -> Chunk | None:
        """The next chunk to learn: the first one not learned within `PLACE_TOKENS` before `place` (the
        writer's cursor, in tokens), else the first of the spread pass, else the first in the book."""
        complete = self.complete()
        waiting = [c for c in complete if not c.learned]
        near = [c for c in waiting if place is not None and place - PLACE_TOKENS <= c.start < place]
        spread = [c for c in complete[SPREAD // 2 :: SPREAD] if not c.learned]
        return (near or spread or waiting or [None])[0]

    def learned_tokens(self) -> int:
        return sum(c.end - c.start for c in self.chunks if c.learned)

    def spans(self) -> list[tuple[int, int]]:
        return [c.span for c in self.chunks]

    def still_there(self, chunk: Chunk) -> bool:
        """Whether `chunk` (as it was handed out) still holds the same text: edits replace the ones they
        change."""
        return any(c is chunk for c in self.chunks)

    def unlearned(self) -> list[tuple[int, int]]:
        """Token ranges of the complete chunks not learned yet, neighbours merged."""
        ranges: list[tuple[int, int]] = []
        for c in self.complete():
            if c.learned:
                continue
            if ranges and ranges[-1][1] == c.start:
                ranges[-1] = (ranges[-1][0], c.end)
            else:
                ranges.append(c.span)
        return ranges

    def status(self, place: int | None = None) -> dict:
        """The protocol's absorption fields (docs/PROTOCOL.md); `place` as for next_to_learn."""
        complete = self.complete()
        upcoming = self.next_to_learn(place)
        work = [training_tokens(c.span, self.config) for c in complete]
        return {
            "chunks_absorbed": sum(c.learned for c in complete),
            "chunks_total": len(complete),
            "work_absorbed": sum(w for w, c in zip(work, complete, strict=True) if c.learned),
            "work_total": sum(work),
            "learnable_tokens": complete[-1].end if complete else 0,
            "unlearned": [list(r) for r in self.unlearned()],
            "learning": list(upcoming.span) if upcoming else None,
            "relearning": bool(upcoming and upcoming.edited),
        }

    def forget(self) -> None:
        """Nothing is learned (a new adapter, a new model)."""
        self.chunks = [Chunk(c.start, c.end) for c in self.chunks]

    # -- edits ----------------------------------------------------------------------------------------------
    def edit(self, old: torch.Tensor, new: torch.Tensor, rule: Relearn = DEFAULT_RELEARN) -> None:
        """The writer changed the text from `old` to `new` (tokens): move the chunks with it.

        The text both share at its start and end is found at once; between them (one edit, or several
        sent together, as a replace-all does) each old chunk is looked for, whole, in the new text, in
        order. The chunks found keep their learning at their new place; the text between them is cut anew.
        """
        prefix, suffix = common_ends(old, new)
        if prefix == len(old) == len(new):
            return
        delta = len(new) - len(old)
        old_end = len(old) - suffix  # where the changed span ends in the old text
        tail = self.chunks[-1] if self.chunks else None
        open_tail = tail is not None and tail not in self.complete()
        before, touched, after = [], [], []
        for c in self.chunks:
            if c.end <= prefix and not (c is tail and open_tail):
                before.append(c)
            elif c.start >= old_end:
                after.append(c)
            else:
                touched.append(c)
        start = touched[0].start if touched else prefix
        end = touched[-1].end + delta if touched else len(new) - suffix
        found = [] if rule is Relearn.FROM_EDIT else self._refind(touched, old, new, start, end, tail)
        was = {}  # chunk -> where it started in the old text
        middle, at = [], start
        for chunk, place in found:
            middle += self._cut(at, place, at_the_end=False)
            was[chunk] = chunk.start
            chunk.start, chunk.end = place, place + chunk.end - chunk.start
            middle.append(chunk)
            at = chunk.end
        middle += self._cut(at, end, at_the_end=not after)
        if any(c.learned for c in touched):  # the new chunks hold text the adapter had learned before
            for c in middle:
                c.edited = c not in was
        for c in after:
            was[c] = c.start
            c.start, c.end = c.start + delta, c.end + delta
        if rule is Relearn.FROM_EDIT:
            after = [Chunk(c.start, c.end, edited=c.learned) for c in after]
        elif rule is Relearn.CHANGED_AND_CONTEXT:  # learned again where its training context changed
            reach = self.config.context_tokens

            def kept(c: Chunk) -> Chunk:
                if c not in was:
                    return c
                before_now = new[max(0, c.start - reach) : c.start]
                before_then = old[max(0, was[c] - reach) : was[c]]
                same = len(before_now) == len(before_then) and torch.equal(before_now, before_then)
                return c if same else Chunk(c.start, c.end, edited=c.learned)

            middle, after = [kept(c) for c in middle], [kept(c) for c in after]
        elif rule is Relearn.NONE:
            for c in middle:
                c.learned = True  # as if it were: the comparison's lower bound, never the engine's rule
        self.chunks = before + middle + after

    def _refind(
        self,
        touched: list[Chunk],
        old: torch.Tensor,
        new: torch.Tensor,
        start: int,
        end: int,
        tail: Chunk | None,
    ) -> list[tuple[Chunk, int]]:
        """The learned chunks among `touched` found whole, in order, in new[start:end], with their places."""
        haystack = new[start:end].to(torch.int32).numpy().tobytes()
        found, at = [], 0
        for c in touched:
            if not c.learned or c is tail:
                continue
            needle = old[c.start : c.end].to(torch.int32).numpy().tobytes()
            hit = haystack.find(needle, at)
            while hit != -1 and hit % 4:  # a match must start on a token
                hit = haystack.find(needle, hit + 1)
            if hit != -1:
                found.append((c, start + hit // 4))
                at = hit + len(needle)
        return found

    def _cut(self, start: int, end: int, at_the_end: bool) -> list[Chunk]:
        """New chunks over [start, end): at the end of the text, chunks of their place's size (the last
        one may be short, and waits); in the middle, equal chunks as near that size as they can be."""
        if start >= end:
            return []
        if at_the_end:
            chunks, at = [], start
            while at < end:
                stop = min(end, at + self.size_at(at))
                if at < self.config.opening_tokens < stop:
                    stop = self.config.opening_tokens  # as split_chunks: the opening's chunks end there
                chunks.append(Chunk(at, stop))
                at = stop
            return chunks
        count = max(1, round((end - start) / self.size_at(start)))
        cuts = [start + round(i * (end - start) / count) for i in range(count + 1)]
        return [Chunk(a, b) for a, b in itertools.pairwise(cuts) if b > a]
