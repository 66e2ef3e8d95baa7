"""Edits move the learned chunks with the text: only what an edit touched is learned again."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.absorb import split_chunks
from engine.chunk_map import ChunkMap, Relearn, common_ends
from engine.config import TempLoraConfig

CONFIG = TempLoraConfig(chunk_tokens=8, opening_tokens=8, opening_chunk_tokens=4, context_tokens=8)


def text(n: int, offset: int = 0) -> torch.Tensor:
    return torch.arange(offset, offset + n)


def learned_map(tokens: torch.Tensor) -> ChunkMap:
    chunks = ChunkMap(CONFIG, len(tokens))
    for c in chunks.complete():
        c.learned = True
    return chunks


def edited(tokens: torch.Tensor, at: int, remove: int, insert: torch.Tensor) -> torch.Tensor:
    return torch.cat([tokens[:at], insert, tokens[at + remove :]])


def test_a_fresh_map_is_split_chunks_and_the_short_last_chunk_waits():
    chunks = ChunkMap(CONFIG, 30)
    assert chunks.spans() == split_chunks(30, CONFIG) == [(0, 4), (4, 8), (8, 16), (16, 24), (24, 30)]
    assert [c.span for c in chunks.complete()] == [(0, 4), (4, 8), (8, 16), (16, 24)]
    assert chunks.status()["unlearned"] == [[0, 24]] and chunks.status()["learnable_tokens"] == 24


def test_common_ends():
    assert common_ends(text(10), text(10)) == (10, 0)
    assert common_ends(text(10), edited(text(10), 4, 1, torch.tensor([99]))) == (4, 5)
    assert common_ends(text(10), text(12)) == (10, 0)  # appended
    assert common_ends(text(10), text(6)) == (6, 0)  # cut at the end


def test_a_sentence_inserted_in_the_middle_relearns_only_its_chunk():
    old = text(64)
    chunks = learned_map(old)
    new = edited(old, 35, 0, torch.full((3,), 999))
    chunks.edit(old, new)
    assert chunks.spans()[-1][1] == 67
    assert chunks.status()["unlearned"] == [[32, 43]]  # the chunk [32, 40) with the three tokens in it
    assert all(c.learned for c in chunks.chunks if c.end <= 32 or c.start >= 43)
    assert [c.span for c in chunks.chunks if c.start >= 43] == [(43, 51), (51, 59), (59, 67)]  # shifted


def test_the_context_rule_also_relearns_the_chunks_whose_context_holds_the_edit():
    old = text(64)
    chunks = learned_map(old)
    chunks.edit(old, edited(old, 35, 0, torch.full((3,), 999)), Relearn.CHANGED_AND_CONTEXT)
    assert chunks.status()["unlearned"] == [[32, 51]]  # L_T = 8: the next chunk's context held the edit


def test_the_older_rule_relearns_everything_after_the_edit_and_none_relearns_nothing():
    old = text(64)
    new = edited(old, 35, 0, torch.full((3,), 999))
    from_edit, nothing = learned_map(old), learned_map(old)
    from_edit.edit(old, new, Relearn.FROM_EDIT)
    nothing.edit(old, new, Relearn.NONE)
    assert from_edit.status()["unlearned"] == [[32, 67]]
    assert nothing.status()["unlearned"] == []


def test_typing_on_at_the_end_extends_the_waiting_chunk_and_keeps_the_rest():
    old = text(30)
    chunks = learned_map(old)
    chunks.edit(old, text(41))
    assert chunks.spans() == [(0, 4), (4, 8), (8, 16), (16, 24), (24, 32), (32, 40), (40, 41)]
    assert chunks.status()["unlearned"] == [[24, 40]]


def test_a_deleted_chapter_leaves_one_short_chunk_where_it_was():
    old = text(64)
    chunks = learned_map(old)
    chunks.edit(old, edited(old, 18, 30, torch.tensor([], dtype=torch.long)))
    assert chunks.spans() == [(0, 4), (4, 8), (8, 16), (16, 18), (18, 26), (26, 34)]
    assert chunks.status()["unlearned"] == [[16, 18]]


def test_an_edit_in_a_chunk_being_learned_replaces_it():
    old = text(64)
    chunks = ChunkMap(CONFIG, 64)
    training = chunks.chunks[0]  # the absorber holds it while the writer types in it
    chunks.edit(old, edited(old, 1, 1, torch.tensor([999])))
    assert not chunks.still_there(training)
    untouched = chunks.chunks[3]
    chunks.edit(edited(old, 1, 1, torch.tensor([999])), edited(old, 2, 1, torch.tensor([999])))
    assert chunks.still_there(untouched)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(0, 80),
    edits=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 12), st.integers(0, 12)), max_size=6),
    rule=st.sampled_from(list(Relearn)),
)
def test_after_any_edits_the_chunks_tile_the_text_and_learned_means_unchanged(n, edits, rule):
    tokens = text(n)
    chunks = learned_map(tokens)
    learned_text = {tuple(tokens[c.start : c.end].tolist()) for c in chunks.chunks if c.learned}
    fresh = 10_000
    for at, remove, insert in edits:
        at = min(at, len(tokens))
        new = edited(tokens, at, remove, text(insert, fresh))
        fresh += insert
        chunks.edit(tokens, new, rule)
        tokens = new
        spans = chunks.spans()
        assert [0, *[e for _, e in spans]] == [*[s for s, _ in spans], len(tokens)]
        assert all(e > s for s, e in spans)
        assert all(e - s <= 2 * CONFIG.chunk_tokens for s, e in spans)
        if rule is not Relearn.NONE:  # a learned chunk holds text the adapter learned as it is now
            assert all(
                tuple(tokens[c.start : c.end].tolist()) in learned_text for c in chunks.chunks if c.learned
            )


def test_the_writers_place_is_learned_first_then_a_spread_pass(monkeypatch):
    import engine.chunk_map as chunk_map

    monkeypatch.setattr(chunk_map, "PLACE_TOKENS", 16)
    chunks = ChunkMap(CONFIG, 64)
    assert chunks.next_to_learn(place=56).span == (40, 48)  # the chunks in the 16 tokens before it
    for c in chunks.chunks[6:8]:
        c.learned = True
    assert chunks.next_to_learn(place=56).span == (24, 32)  # then the spread pass: every 8th chunk
    chunks.chunks[4].learned = True
    assert chunks.next_to_learn(place=56).span == (0, 4)  # then the book from its start
    assert chunks.learned_tokens() == 24


def test_several_edits_sent_together_relearn_only_their_chunks():
    old = text(96)
    chunks = learned_map(old)
    # A replace-all: three tokens inserted at 20 and one changed at 70, in one update.
    new = edited(edited(old, 70, 1, torch.tensor([999])), 20, 0, torch.full((3,), 998))
    chunks.edit(old, new)
    assert chunks.status()["unlearned"] == [[16, 27], [67, 75]]
    assert len(chunks.spans()) == len(learned_map(old).spans())  # the chunks between were found again


def test_the_status_names_the_next_chunk_and_whether_it_is_an_edit_being_relearned():
    fresh = ChunkMap(CONFIG, 64)
    assert fresh.status()["learning"] == [24, 32] and fresh.status()["relearning"] is False  # spread pass
    assert fresh.status(place=64)["learning"] == [0, 4]  # the 8k tokens before the cursor: all of it
    old = text(64)
    chunks = learned_map(old)
    assert chunks.status()["learning"] is None  # up to date
    new = edited(old, 35, 0, torch.full((3,), 999))
    chunks.edit(old, new)
    assert chunks.status()["learning"] == [32, 43] and chunks.status()["relearning"] is True
    written = ChunkMap(CONFIG, 64)  # text added at the end of a learned text is new, not an edit
    for c in written.complete():
        c.learned = True
    written.edit(text(64), text(80))
    assert written.status()["learning"] == [64, 72] and written.status()["relearning"] is False
