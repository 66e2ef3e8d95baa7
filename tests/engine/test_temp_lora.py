"""Absorbing a real text with the real embedded model, and generating with the exported adapter."""

from __future__ import annotations

import contextlib

import pytest
import torch

from engine.absorb import absorb, full_size, split_chunks, training_tokens
from engine.config import TempLoraConfig
from engine.generate import Sampling
from engine.training import in_shape


@contextlib.contextmanager
def fresh_adapter(trainer, name: str, config=None):
    """A new adapter for the length of a test, removed even when the test fails."""
    adapter = trainer.add_adapter(name, config)
    try:
        yield adapter
    finally:
        trainer.remove_adapter(name)


def test_chunks_cover_the_text_without_overlap():
    plain = TempLoraConfig(chunk_tokens=4, opening_tokens=0)
    assert split_chunks(10, plain) == [(0, 4), (4, 8), (8, 10)]
    assert split_chunks(8, plain) == [(0, 4), (4, 8)]
    assert split_chunks(0, plain) == []


def test_the_opening_is_cut_into_smaller_chunks():
    config = TempLoraConfig(chunk_tokens=4, opening_tokens=4, opening_chunk_tokens=2)
    assert split_chunks(11, config) == [(0, 2), (2, 4), (4, 8), (8, 11)]
    assert split_chunks(3, config) == [(0, 2), (2, 3)]
    assert [full_size(c, config) for c in split_chunks(11, config)] == [True, True, True, False]
    assert [full_size(c, config) for c in split_chunks(3, config)] == [True, False]
    with pytest.raises(ValueError, match="multiple"):
        TempLoraConfig(opening_tokens=100, opening_chunk_tokens=128)


def test_a_chunks_training_work_counts_its_context_and_every_step():
    config = TempLoraConfig(chunk_tokens=4, opening_tokens=4, opening_chunk_tokens=2, context_tokens=3)
    assert [training_tokens(c, config) for c in split_chunks(12, config)] == [2, 4, 7, 7]
    assert training_tokens((8, 12), config.replace(epochs=2, replay_chunks=1)) == 21


def test_the_learning_rate_falls_past_lr_decay_tokens():
    config = TempLoraConfig(lr=1e-3, lr_decay_tokens=1000, lr_decay_power=0.5)
    assert config.lr_at(0) == config.lr_at(1000) == 1e-3
    assert config.lr_at(4000) == pytest.approx(0.5e-3)  # 4× further in: half the rate
    assert TempLoraConfig(lr_decay_tokens=0).lr_at(10**6) == TempLoraConfig().lr
    with pytest.raises(ValueError, match="lr_decay_tokens"):
        TempLoraConfig(lr_decay_tokens=-1)


@pytest.mark.slow
def test_absorbing_a_text_lowers_its_perplexity(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:1024]
    base_nll, n = trainer.window_nll(tokens, 0, len(tokens), 512, adapter=None)
    opening = loaded_model.config.replace(opening_tokens=512, opening_chunk_tokens=128)
    with fresh_adapter(trainer, "lower", opening):
        reports = absorb(trainer, "lower", tokens)
        tuned_nll, n2 = trainer.window_nll(tokens, 0, len(tokens), 512, adapter="lower")
    # 1024 tokens: the opening's 512 in 128-token chunks, then 256-token ones
    opening_chunks = [(0, 128), (128, 256), (256, 384), (384, 512)]
    assert [(r.start, r.end) for r in reports] == [*opening_chunks, (512, 768), (768, 1024)]
    assert n == n2 == len(tokens) - 1
    assert tuned_nll / n < 0.95 * base_nll / n  # the text became clearly more predictable


@pytest.mark.slow
def test_first_chunk_is_learned_at_full_rate(loaded_model, sample_text):
    """No warm-up from lr 0: the very first chunk already changes the adapter."""
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:256]
    with fresh_adapter(trainer, "first"):
        absorb(trainer, "first", tokens)
        b_norm = sum(float(b.__abs__().sum()) for _, b in trainer.lora_layers("first").values())
    assert b_norm > 0


@pytest.mark.slow
def test_a_chunks_test_loss_is_its_whole_nll_before_training(loaded_model, sample_text):
    """train_chunk returns the mean NLL of every labelled chunk token, first chunk and later ones alike."""
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:512]
    with fresh_adapter(trainer, "test-loss"):
        for context, chunk in ((tokens[:0], tokens[:256]), (tokens[:256], tokens[256:])):
            with torch.no_grad(), trainer._adapter_context("test-loss"):
                nll, n = trainer._nll(torch.cat([context, chunk]), len(context))
            loss = trainer.train_chunk("test-loss", context, chunk)
            assert n == (256 if len(context) else 255)
            # rel 3e-3: the step runs its frozen context as a cache first, one pass in bf16 rounded apart
            assert loss == pytest.approx(nll.item() / n, rel=3e-3)


@pytest.fixture(scope="module")
def absorbed_adapter(loaded_model, sample_text, tmp_path_factory):
    """The sample text absorbed and exported once for the generation tests."""
    trainer = loaded_model.trainer
    trainer.add_adapter("gen")
    absorb(trainer, "gen", loaded_model.tokens(sample_text)[:1024])
    path = loaded_model.export("gen", tmp_path_factory.mktemp("adapters") / "gen.gguf")
    trainer.remove_adapter("gen")
    return path


@pytest.mark.slow
def test_generation_with_the_adapter_differs_from_without(loaded_model, sample_text, absorbed_adapter):
    gen = loaded_model.generator
    greedy = Sampling(temperature=0.0, seed=1)
    gen.set_adapter(None)
    plain = gen.continue_text(sample_text, 40, greedy)
    seconds = gen.set_adapter(absorbed_adapter)
    tuned = gen.continue_text(sample_text, 40, greedy)
    gen.set_adapter(None)
    assert plain and tuned
    assert plain != tuned
    assert seconds < 1.0  # a swap, not a model reload


@pytest.mark.slow
def test_same_seed_gives_the_same_text(loaded_model, sample_text, absorbed_adapter):
    gen = loaded_model.generator
    gen.set_adapter(absorbed_adapter)
    # From the same cache state: llama.cpp's sums over a KV cache laid out differently (a window reused
    # after an earlier request) can differ in the last bits, which may change a sampled token.
    first = gen.continue_text(sample_text, 30, Sampling(seed=7))
    gen.cache.clear()
    second = gen.continue_text(sample_text, 30, Sampling(seed=7))
    gen.cache.clear()
    other = gen.continue_text(sample_text, 30, Sampling(seed=8))
    gen.set_adapter(None)
    assert first == second
    assert first != other


@pytest.mark.slow
def test_prompt_is_the_end_of_the_text_that_fits_the_window(loaded_model, sample_text):
    gen = loaded_model.generator
    prompt = gen.prompt_tokens(sample_text, max_tokens=100)
    assert len(prompt) == gen.window - 100
    assert prompt == gen.tokenize(sample_text)[-len(prompt) :]
    assert len(gen.prompt_tokens(sample_text, max_tokens=5000)) == gen.window // 2  # the window slides


@pytest.mark.slow
def test_a_continuation_longer_than_the_window_keeps_going(loaded_model, sample_text):
    gen = loaded_model.generator
    pieces = list(gen.stream(sample_text, 600, Sampling(seed=3, temperature=1.0)))  # window is 512
    tokens = gen.tokenize("".join(pieces))
    assert len(tokens) > 520


@pytest.mark.slow
def test_early_chunks_get_their_own_number_of_steps(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:768]
    config = loaded_model.config.replace(early_chunks=1, early_epochs=3, epochs=1)
    with fresh_adapter(trainer, "early", config) as adapter:
        absorb(trainer, "early", tokens)  # three 256-token chunks: 3 steps, then 1, then 1
        assert adapter.steps == 5 and adapter.chunks_trained == 3


@pytest.mark.slow
def test_each_chunk_is_learned_at_the_rate_of_its_place_in_the_text(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:1024]
    config = loaded_model.config.replace(lr=1e-3, lr_b_ratio=2.0, lr_decay_tokens=256, lr_decay_power=1.0)
    seen = []
    with fresh_adapter(trainer, "decay", config) as adapter:
        step = trainer._step  # every optimiser step goes through it

        def record(name, context, chunk):
            seen.extend(g["lr"] for g in adapter.optimizer.param_groups)  # A's, then B's
            return step(name, context, chunk)

        trainer._step = record
        try:
            absorb(trainer, "decay", tokens)  # chunks start at 0, 256, 512, 768
        finally:
            del trainer._step
    assert seen == pytest.approx([1e-3, 2e-3, 1e-3, 2e-3, 0.5e-3, 1e-3, 1e-3 / 3, 2e-3 / 3])


@pytest.mark.slow
def test_a_init_scale_multiplies_the_random_start_of_a_only(loaded_model):
    trainer = loaded_model.trainer
    starts = {}
    for scale in (1.0, 2.0):
        config = loaded_model.config.replace(a_init_scale=scale, seed=7)
        with fresh_adapter(trainer, f"scale-{scale}", config):
            starts[scale] = trainer.lora_layers(f"scale-{scale}")
    assert starts[1.0].keys() == starts[2.0].keys()
    for module, (a, b) in starts[2.0].items():
        assert a == pytest.approx(2 * starts[1.0][module][0])  # same seed: the same A, doubled
        assert not b.any()  # B starts at 0: the adapter starts as the base model


@pytest.mark.slow
def test_first_layer_leaves_the_lower_layers_without_lora(loaded_model):
    trainer = loaded_model.trainer
    n_layers = trainer.causal_lm.config.num_hidden_layers
    config = loaded_model.config.replace(first_layer=n_layers - 4)
    with fresh_adapter(trainer, "upper", config):
        modules = trainer.lora_layers("upper")
    layers = {int(part) for module in modules for part in module.split(".") if part.isdigit()}
    assert layers == set(range(n_layers - 4, n_layers))
    assert "lm_head" in modules  # the head has no layer number: always adapted when targeted
    assert len(modules) == 4 * 3 + 1  # gate, up and down in each of the top four layers


@pytest.mark.slow
def test_below_attention_backward_from_the_attention_is_out_of_the_backward_pass(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:640]
    layers = trainer.causal_lm.model.layers
    seen = {}

    def watch(layer):  # whether the attention's output of the step's forward with gradients takes part
        return lambda module, args, output: seen.__setitem__(layer, output[0].requires_grad)

    hooks = [layers[i].self_attn.register_forward_hook(watch(i)) for i in (5, 20)]
    try:
        for below, expected in ((0, {5: True, 20: True}), (15, {5: False, 20: True})):
            config = loaded_model.config.replace(attention_backward_from=below)
            with fresh_adapter(trainer, f"attention-{below}", config):
                trainer.train_step(f"attention-{below}", tokens[:128], tokens[128:])
                assert seen == expected  # the last forward: the chunk's (the context's has no gradients)
    finally:
        for hook in hooks:
            hook.remove()
    assert trainer.attention_detached_below == 0  # only during a step


@pytest.mark.slow
def test_skipping_peft_input_casts_changes_no_loss(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:768]
    losses = []
    for cast in (False, True):
        with fresh_adapter(trainer, f"cast-{cast}", loaded_model.config.replace(seed=5)):
            trainer.set_input_casts(cast)  # True: PEFT's own fp32 copy of each input
            losses.append([trainer.train_step(f"cast-{cast}", tokens[:512], tokens[512:]) for _ in range(2)])
    assert losses[0] == losses[1]


@pytest.mark.slow
def test_the_base_model_still_scores_after_the_active_adapter_was_removed(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:600]
    trainer.add_adapter("kept")
    trainer.add_adapter("gone")
    trainer.train_chunk("gone", tokens[:256], tokens[256:512])  # "gone" is the active adapter now
    trainer.remove_adapter("gone")
    nll, n = trainer.window_nll(tokens, 0, len(tokens), 512, adapter=None)
    assert n > 0 and nll > 0
    trainer.remove_adapter("kept")


def _chunk_losses(trainer, tokens, config, name: str) -> list[float]:
    """Each chunk's mean NLL through `_chunk_nll` in text order, nothing trained (no optimiser step)."""
    with fresh_adapter(trainer, name, config) as adapter, torch.no_grad():
        losses = []
        for start in range(256, len(tokens) - 255, 256):
            context = tokens[max(0, start - config.context_tokens) : start]
            losses.append(trainer._chunk_nll(adapter, context, tokens[start : start + 256]).mean().item())
            adapter.steps += 1  # as a training step counts itself: a carry serves the next step only
        return losses, adapter.carried


@pytest.mark.slow
def test_a_carried_context_scores_each_chunk_as_a_context_run_afresh(loaded_model, sample_text):
    """Carried keys and values stand in for the context run again: every chunk within 5% of the fresh
    score and their sum within 2% (without attention sinks one chunk scored 25% worse), and the carry
    keeps its sinks."""
    from engine.training import SINK_TOKENS

    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[: 256 * 7]
    # L_T 512: the second chunk's context is the text from its start, the later ones drop tokens for sinks.
    config = TempLoraConfig(frozen_context=True, opening_tokens=0, context_tokens=512)
    fresh, _ = _chunk_losses(trainer, tokens, config.replace(carry_context=False), "fresh")
    carried, kept = _chunk_losses(trainer, tokens, config.replace(carry_context=True), "carried")
    # The next context, the last L_T tokens, stands where they stand in the text.
    assert (
        kept is not None
        and kept.sinks == SINK_TOKENS
        and kept.position == len(tokens) - config.context_tokens
    )
    assert carried[0] == pytest.approx(fresh[0], rel=1e-4)  # the first context is run afresh either way
    assert carried[1] == pytest.approx(fresh[1], rel=2e-3)  # the text from its start: no token dropped yet
    # Layer 0's keys depend on a token and its position alone: the cache must hold the sinks (the text's
    # first tokens) turned to stand just before the context, then the context but its last token.
    from transformers.cache_utils import DynamicCache

    ids = torch.cat([tokens[:SINK_TOKENS], kept.expects[:-1]])
    at = torch.arange(kept.position - SINK_TOKENS, kept.position + len(kept.expects) - 1)[None]
    with torch.no_grad(), trainer._autocast():
        expected = DynamicCache()
        trainer._model().model(input_ids=ids[None], past_key_values=expected, position_ids=at, use_cache=True)
    got, want = kept.cache.layers[0].keys.float(), expected.layers[0].keys.float()
    assert got.shape == want.shape
    assert (got - want).norm() / want.norm() < 0.02
    for a, b in zip(carried[1:], fresh[1:], strict=True):
        assert a == pytest.approx(b, rel=0.05)
    assert sum(carried) == pytest.approx(sum(fresh), rel=0.02)


@pytest.mark.slow
def test_a_chunk_that_does_not_follow_on_runs_its_context_afresh(loaded_model, sample_text):
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:2048]
    config = TempLoraConfig(frozen_context=True, carry_context=True, opening_tokens=0)
    with fresh_adapter(trainer, "jump", config) as adapter, torch.no_grad():
        trainer._chunk_nll(adapter, tokens[:512], tokens[512:768])
        adapter.steps += 1
        assert adapter.carried is not None and adapter.carried.step == adapter.steps
        jumped = trainer._chunk_nll(adapter, tokens[1024:1536], tokens[1536:1792]).mean().item()
        adapter.carried = None
        fresh = trainer._chunk_nll(adapter, tokens[1024:1536], tokens[1536:1792]).mean().item()
        # Nor does a chunk that follows on after another step of the adapter (a replay, say).
        trainer._chunk_nll(adapter, tokens[1024:1536], tokens[1536:1792])
        adapter.steps += 2
        late = trainer._chunk_nll(adapter, tokens[1280:1792], tokens[1792:2048]).mean().item()
        adapter.carried = None
        afresh = trainer._chunk_nll(adapter, tokens[1280:1792], tokens[1792:2048]).mean().item()
    assert jumped == pytest.approx(fresh, rel=1e-5)
    assert late == pytest.approx(afresh, rel=1e-5)


@pytest.mark.slow
def test_turning_cached_keys_moves_them_to_a_later_position(loaded_model):
    """Rotary embeddings compose: keys at position p turned by s are the keys at position p + s."""
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    trainer = loaded_model.trainer
    added = trainer.peft is None
    if added:
        trainer.add_adapter("rotary-probe")
    try:
        rotary = trainer._model().model.rotary_emb
        keys = torch.randn(1, 3, 4, 64)

        def at(positions):
            cos, sin = rotary(keys, position_ids=torch.tensor([positions]))
            return apply_rotary_pos_emb(keys, keys, cos, sin)[1]

        moved = trainer._turn(250, keys)(at([3, 4, 5, 6]))
        assert torch.allclose(moved, at([253, 254, 255, 256]), atol=1e-4)
        assert not torch.allclose(at([3, 4, 5, 6]), at([253, 254, 255, 256]), atol=1e-2)
    finally:
        if added:
            trainer.remove_adapter("rotary-probe")


def test_chunks_and_contexts_come_in_a_few_shapes():
    """Padded chunks and shortened contexts stay a whole number of steps from Δ and L_T; full ones and
    contexts shorter than a step stay as they are."""
    config = TempLoraConfig(context_tokens=512)  # Δ 256, steps of 32
    text = torch.arange(1, 1001)
    for n_context, n_chunk, kept, padded in ((512, 256, 512, 256), (500, 200, 480, 224), (20, 1, 20, 32)):
        context, chunk, pad = in_shape(config, text[:n_context], text[n_context : n_context + n_chunk])
        assert (len(context), len(chunk), pad) == (kept, padded, padded - n_chunk)
        assert torch.equal(context, text[n_context - kept : n_context])  # the oldest tokens go
        assert (
            torch.equal(chunk[:n_chunk], text[n_context : n_context + n_chunk]) and not chunk[n_chunk:].any()
        )
    for off, carried in ((config.replace(shape_step_tokens=0), False), (config, True)):
        context, chunk, pad = in_shape(off, text[:500], text[500:700], carried)
        assert (len(context), len(chunk), pad) == (500, 200, 0)


def test_a_padded_chunk_learns_as_the_chunk_itself(loaded_model, sample_text):
    """Padding ends a chunk, where causal attention keeps it from the chunk's tokens and no loss counts it:
    the step's loss, and what the adapter it leaves makes of the next chunk, are those of the chunk alone
    (the products' shapes differ, so bf16 rounds them a little apart)."""
    trainer = loaded_model.trainer
    tokens = loaded_model.tokens(sample_text)[:712]
    results = []
    for step in (32, 0):
        name = f"pad-{step}"
        with fresh_adapter(trainer, name, loaded_model.config.replace(shape_step_tokens=step, seed=3)):
            loss = trainer.train_chunk(name, tokens[:256], tokens[256:456])  # 200 tokens: 24 of padding
            with torch.no_grad(), trainer._adapter_context(name):
                after, n = trainer._nll(tokens[200:712], 256)
            results.append((loss, after.item() / n))
    (padded, next_padded), (alone, next_alone) = results
    assert padded == pytest.approx(alone, rel=3e-3)
    assert next_padded == pytest.approx(next_alone, rel=3e-3)
    with torch.no_grad(), trainer._adapter_context(None):
        base, n = trainer._nll(tokens[200:712], 256)
    assert next_alone < base.item() / n  # the step taught the adapter something the comparison can see
