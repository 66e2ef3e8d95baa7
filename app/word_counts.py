"""Word counts as the writer sees them: per chapter, for the session, and against the session's goal.

A word is what `str.split()` separates, as everywhere else in the app (trash, the status bar). The session
count is net: words written minus words deleted since each novel was first opened in this run of the app,
so it can go below zero when the writer cuts.
"""

from __future__ import annotations


def words(text: str) -> int:
    """How many words a text holds."""
    return len(text.split())


class SessionWords:
    """The net words added to every novel opened since the app started."""

    def __init__(self) -> None:
        self._first: dict[int, int] = {}  # novel id -> its words when first seen this session
        self._now: dict[int, int] = {}

    def update(self, novel_id: int, novel_words: int) -> None:
        """The novel's word count now (the first count of a novel is its starting point)."""
        self._first.setdefault(novel_id, novel_words)
        self._now[novel_id] = novel_words

    @property
    def added(self) -> int:
        return sum(self._now[n] - self._first[n] for n in self._now)


def signed(n: int) -> str:
    """A count with its sign: +312, −40, 0."""
    return f"+{n:,}" if n > 0 else (f"−{-n:,}" if n < 0 else "0")


def session_text(added: int, goal: int = 0) -> str:
    """The status bar's session words: "Session: +312 words", or "Session: +312 / 1,000 words" with a goal
    (and a note once it is reached)."""
    if goal <= 0:
        return f"Session: {signed(added)} words"
    reached = "  ✓ goal reached" if added >= goal else ""
    return f"Session: {signed(added)} / {goal:,} words{reached}"


def counts_text(chapter_words: int, novel_words: int, added: int, goal: int = 0) -> str:
    """The whole word-count line of the status bar."""
    return f"Chapter: {chapter_words:,} words   Novel: {novel_words:,} words   {session_text(added, goal)}"
