"""The window's KV cache kept across requests: which tokens are reused, shifted or evaluated again."""

from __future__ import annotations

import numpy as np
import pytest

from engine.window import MIN_MATCH, anchored, common_prefix, overlap


def arr(*parts) -> np.ndarray:
    return np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])


def test_common_prefix_counts_the_shared_start():
    assert common_prefix(arr([1, 2, 3, 4]), arr([1, 2, 9])) == 2
    assert common_prefix(arr([1, 2]), arr([1, 2, 3])) == 2
    assert common_prefix(arr([]), arr([1])) == 0


def test_a_window_that_moved_on_is_found_by_shifting_the_cache():
    text = np.arange(1000, 1400)
    cached = text[:300]
    shift, kept = overlap(cached, text[40:360])  # the writer wrote 60 tokens; the window moved by 40
    assert (shift, kept) == (40, 260)


def test_a_short_coincidental_overlap_is_not_a_shift():
    cached = arr(np.arange(100), [7, 8, 9], np.arange(200, 300))
    shift, kept = overlap(cached, arr([7, 8, 9], np.arange(500, 600)))
    assert (shift, kept) == (0, 0)


def test_the_window_start_stays_while_the_text_fits():
    text = np.arange(5000, 7000)
    cached = text[1000:1700]
    window = anchored(text[:1750], cached, room=824, step=128)  # 50 tokens typed after the window
    assert window[0] == text[1000] and len(window) == 750


def test_the_window_start_moves_by_a_step_when_the_text_outgrows_it():
    text = np.arange(5000, 7000)
    cached = text[1000:1800]
    window = anchored(text[:1900], cached, room=824, step=128)
    assert len(window) == 824 - 128
    assert window[-1] == text[1899]
    kept = overlap(cached, window)
    assert kept[1] == len(cached) - kept[0]  # what is left of the cache starts the new window


def test_a_window_at_a_new_place_holds_as_much_as_fits():
    text = np.arange(5000, 7000)
    cached = np.arange(100, 100 + MIN_MATCH * 4)
    window = anchored(text, cached, room=824, step=128)
    assert len(window) == 824 and window[-1] == text[-1]


@pytest.mark.slow
def test_accepting_a_suggestion_evaluates_only_what_is_new(loaded_model, sample_text):
    from engine.generate import Sampling

    gen = loaded_model.generator
    gen.set_adapter(None)
    first = gen.stream(sample_text, 40, Sampling(seed=1))
    suggestion = "".join(first)
    assert first.evaluated > 200  # a cold window
    after_accept = gen.stream(sample_text + suggestion, 40, Sampling(seed=2))
    list(after_accept)
    assert after_accept.evaluated <= 3
    typed = sample_text + suggestion + after_accept.text + " Anne said nothing more."
    after_typing = gen.stream(typed, 40, Sampling(seed=3))
    list(after_typing)
    assert 3 <= after_typing.evaluated <= 12  # the typed sentence's tokens, give or take the boundary


@pytest.mark.slow
def test_an_accepted_suggestion_the_tokenizer_would_split_otherwise_is_not_evaluated_again(
    loaded_model, sample_text
):
    """The model may write "\n" then "\n" where the tokenizer makes one "\n\n" token: the cache's own
    tokens are kept for the text they spell, and only what follows them is evaluated."""
    gen = loaded_model.generator
    gen.set_adapter(None)
    newline = gen.tokenize("\n")
    assert len(newline) == 1 and len(gen.tokenize("\n\n")) == 1  # the tokenizer's own: one token
    text = sample_text[:1200].rstrip()  # ~280 tokens: the window is 512 here
    written = gen.tokenize(text) + newline + newline + gen.tokenize("She smiled.")  # as a model writes
    gen.load_window(np.array(written))
    accepted = text + "\n\nShe smiled."
    assert gen.load_window(gen.window_for(accepted, 40)) <= 1  # before: everything from the "\n\n" on
    typed = accepted + " Anne said nothing more."
    assert 3 <= gen.load_window(gen.window_for(typed, 40)) <= 8  # the typed sentence's tokens
    assert gen.load_window(gen.window_for(sample_text[5000:6200], 40)) > 200  # elsewhere: afresh


@pytest.mark.slow
def test_a_continuation_through_a_shifted_window_matches_a_fresh_window(loaded_model, sample_text):
    """After the cache is shifted, greedy text is what a window evaluated afresh gives (or very near)."""
    from engine.generate import Sampling

    gen = loaded_model.generator
    gen.set_adapter(None)
    greedy = Sampling(temperature=0.0, dry_multiplier=0.0)
    gen.continue_text(sample_text[:-2000], 20, greedy)  # cache a window further back
    shifted = gen.stream(sample_text, 20, greedy)
    shifted_text = "".join(shifted)
    gen.cache.clear()
    fresh = gen.stream(sample_text, 20, greedy)
    fresh_text = "".join(fresh)
    assert shifted.evaluated < fresh.evaluated
    words_a, words_b = shifted_text.split(), fresh_text.split()
    assert words_a[:5] == words_b[:5]


@pytest.mark.slow
def test_suggestions_end_at_a_sentence_end_over_30_seeds(loaded_model, sample_text):
    from engine.generate import Sampling
    from engine.sentences import ends_sentence

    gen = loaded_model.generator
    gen.set_adapter(None)
    endings = []
    for seed in range(30):
        text = gen.continue_text(sample_text, 40, Sampling(seed=seed, temperature=0.9))
        endings.append((ends_sentence(text), text[-30:]))
    assert all(ok for ok, _ in endings), [t for ok, t in endings if not ok]
