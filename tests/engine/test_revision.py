"""The revision session and the time-to-memory curve, on a small real text with the real model."""

import pytest

from engine import memory_curve, revision
from engine.chunk_map import Relearn

DONOR = (
    "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition, seemed to "
    "unite some of the best blessings of existence. She was the youngest of the two daughters of a most "
    "affectionate, indulgent father, and had, in consequence of her sister's marriage, been mistress of his "
    "house from a very early period.\n\n"
    + " ".join(["Mr. Knightley walked in the shrubbery with Harriet while Emma watched from the window."] * 8)
)


def test_revise_replaces_sentences_and_inserts_paragraphs_the_same_way_every_time(sample_text):
    revised = revision.revise(sample_text, DONOR, n_sentences=4, n_paragraphs=1)
    assert revised == revision.revise(sample_text, DONOR, n_sentences=4, n_paragraphs=1)
    assert revised != sample_text and "Knightley walked in the shrubbery" in revised


def test_schedules_learn_every_chunk_and_the_place_first(monkeypatch):
    monkeypatch.setattr(memory_curve, "PLACE_TOKENS", 100)
    chunks = [(i * 10, i * 10 + 10) for i in range(40)]
    for name in memory_curve.SCHEDULES:
        once = memory_curve.schedule(name, chunks, cursor=400)[:40]
        assert sorted(once) == list(range(40))
    again = memory_curve.schedule("backwards-then-place", chunks, cursor=400)
    assert again == [*range(39, -1, -1), *range(30, 40)]  # then the place once more, in text order
    assert memory_curve.schedule("place-first", chunks, cursor=400) == [*range(30, 40), *range(30)]
    spread = memory_curve.schedule("spread-first", chunks, cursor=400)
    assert spread[:5] == [4, 12, 20, 28, 36] and spread[5:8] == [0, 1, 2]
    assert memory_curve.schedule("backwards", chunks, cursor=400) == list(range(39, -1, -1))
    both = memory_curve.schedule("place-spread-backwards", chunks, cursor=400)
    assert both[:14] == [*range(30, 40), 4, 12, 20, 28] and both[14:17] == [29, 27, 26]


@pytest.mark.slow
def test_a_revision_session_relearns_less_with_the_changed_rule(loaded_model, sample_text, monkeypatch):
    monkeypatch.setattr(revision, "SPAN_TOKENS", 256)
    monkeypatch.setattr(revision, "HELD_OUT", 256)
    trainer = loaded_model.trainer
    old = loaded_model.tokens(sample_text)
    cut = sample_text.rfind("\n\n", 0, len(sample_text) - 1500)
    revised = revision.revise(sample_text[:cut], DONOR, n_sentences=2, n_paragraphs=0) + sample_text[cut:]
    new = loaded_model.tokens(revised)
    result = revision.revision_session(trainer, old, new, list(Relearn), log=lambda _: None)
    by_rule = {r["rule"]: r for r in result["rules"]}
    assert by_rule["none"]["chunks_relearned"] == 0
    assert 1 <= by_rule["changed"]["chunks_relearned"] < by_rule["from-edit"]["chunks_relearned"]
    assert by_rule["changed"]["chunks_relearned"] <= by_rule["changed-and-context"]["chunks_relearned"]
    assert all(1 < r["held_out_ppl"] < 2 * result["base"]["held_out_ppl"] for r in result["rules"])
    assert "revision" not in trainer.adapters


@pytest.mark.slow
def test_the_memory_curve_scores_held_out_text_at_each_checkpoint(loaded_model, sample_text, monkeypatch):
    monkeypatch.setattr(memory_curve, "HELD_OUT", 256)
    monkeypatch.setattr(memory_curve, "PLACE_TOKENS", 512)
    tokens = loaded_model.tokens(sample_text)
    curve = memory_curve.memory_curve(
        loaded_model.trainer, tokens, "place-first", (0.3, 0.6), log=lambda _: None
    )
    assert [p["work"] >= share for p, share in zip(curve["points"], (0.3, 0.6), strict=True)] == [True, True]
    assert all(0 < p["ratio"] < 1.5 for p in curve["points"])
