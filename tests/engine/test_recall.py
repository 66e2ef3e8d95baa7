"""The recall measure: its name rules, and a real run on the embedded model."""

from __future__ import annotations

import pytest

from engine.recall import book_names, generated_names, measure_recall


def test_book_names_are_capitalised_words_never_seen_in_lower_case():
    text = "Catherine went to Bath. The day was fine. Catherine liked Bath; she said the Abbey was grand."
    assert book_names(text) == {"Catherine", "Bath"}  # "The" also occurs as "the"; Abbey only once


def test_generated_names_skip_sentence_starts_and_titles():
    text = 'She saw Henry at Bath. "Henry," said Mrs Allen, and Catherine smiled at Mrs. Thorpe.'
    assert generated_names(text) == ["Henry", "Bath", "Allen", "Catherine", "Thorpe"]


@pytest.mark.slow
def test_recall_reports_both_models(loaded_model, sample_text):
    tokens = loaded_model.tokens(sample_text)[:1024]
    result = measure_recall(loaded_model, tokens, probes=2, samples=1, gen_tokens=24)
    for name in ("base", "temp_lora"):
        r = result[name]
        assert r["generated_names"] >= 0 and r["recalled_names"] <= r["generated_names"]
        assert len(r["samples"]) == 2 and all(isinstance(s, str) and s for s in r["samples"])
    assert result["probe_chunks"] == [2, 4]
