"""Word counts as the writer sees them: per chapter, for the session, and against the session's goal.

A word is what `str.split()` separates, as everywhere else in the app (trash, the status bar). The session
count is net: words written minus words deleted since each novel was first opened in this run of the app,
so it can go below zero when the writer cuts. Words that came from accepted suggestions are counted apart:
a writer's day is the words they wrote, and a goal is met by those alone.
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
        self._accepted: dict[int, int] = {}  # novel id -> words of the suggestions accepted into it

    def update(self, novel_id: int, novel_words: int) -> None:
        """The novel's word count now (the first count of a novel is its starting point)."""
        self._first.setdefault(novel_id, novel_words)
        self._now[novel_id] = novel_words

    def accepted(self, novel_id: int, words_accepted: int) -> None:
        """A suggestion of this many words became the novel's text."""
        self._accepted[novel_id] = self._accepted.get(novel_id, 0) + words_accepted

    @property
    def added(self) -> int:
        """The net words added, the writer's own: accepted suggestions are not theirs."""
        return sum(self._now[n] - self._first[n] for n in self._now) - self.suggested

    @property
    def suggested(self) -> int:
        return sum(self._accepted.values())


def signed(n: int) -> str:
    """A count with its sign: +312, −40, 0."""
    return f"+{n:,}" if n > 0 else (f"−{-n:,}" if n < 0 else "0")


def session_text(added: int, goal: int = 0, suggested: int = 0) -> str:
    """The status bar's session words: "Session: +312 words", or "Session: +312 / 1,000 words" with a goal
    (and a note once it is reached); once suggestions were accepted, "Session: +312 words of your own,
    +120 from suggestions"."""
    own = " of your own" if suggested else ""
    count = f"{signed(added)} words" if goal <= 0 else f"{signed(added)} / {goal:,} words"
    text = f"Session: {count}{own}"
    if suggested:
        text += f", {signed(suggested)} from suggestions"
    if goal > 0 and added >= goal:
        text += "  ✓ goal reached"
    return text


def counts_text(chapter_words: int, novel_words: int, added: int, goal: int = 0, suggested: int = 0) -> str:
    """The whole word-count line of the status bar."""
    session = session_text(added, goal, suggested)
    return f"Chapter: {chapter_words:,} words   Novel: {novel_words:,} words   {session}"
