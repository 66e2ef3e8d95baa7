"""`longform-engine bench`: matmul peak, Temp-LoRA step time, export, swap and generation speed.

Run it alone: other work on the machine skews every figure (llama.cpp's threads wait on each other at
every token, so a busy core slows decoding far more than its share).
"""

from __future__ import annotations

import importlib.resources
import logging
import platform
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch

from engine.config import TempLoraConfig
from engine.flops import train_flops
from engine.generate import Sampling
from engine.runtime import LoadedModel
from engine.training import cpu_has_fast_bf16

log = logging.getLogger(__name__)
ADAPTER = "bench"
STEP_TOKENS = 1024  # the headline training step: 1024 manuscript tokens
ABSORB_AFTER_OPENING = 8192  # tokens absorbed after the opening, for the rate: 16 chunks of Δ 512
NOVEL_TOKENS = 130_000  # a novel of about 100k words


def matmul_peak(dtype: torch.dtype, n: int = 2048, repeats: int = 6) -> float:
    """Best observed GFLOP/s of an n×n matrix product in `dtype`."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b  # warm up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def products_seconds(causal_lm: torch.nn.Module, tokens: int, dtype: torch.dtype) -> float:
    """Time of a LoRA step's large matrix products alone, at this model's own shapes, for `tokens` tokens.

    Each frozen linear layer (and the output head) multiplies twice a step: forward, and backward for the
    gradient of its input (4 × parameters × tokens FLOPs in all). Timed as bare `torch.mm` calls, these
    give the fastest a step could be with these matrix kernels and nothing else: the honest ceiling for
    the step's fraction of the square-matrix peak.
    """
    shapes = Counter(
        tuple(m.weight.shape)
        for name, m in causal_lm.named_modules()
        if isinstance(m, torch.nn.Linear) and "lora_" not in name
    )
    total = 0.0
    for (n_out, n_in), count in shapes.items():
        w = torch.randn(n_out, n_in, dtype=dtype)
        x, grad = torch.randn(tokens, n_in, dtype=dtype), torch.randn(tokens, n_out, dtype=dtype)
        forward = _median_seconds(lambda x=x, w=w: x @ w.T, 3)
        backward = _median_seconds(lambda grad=grad, w=w: grad @ w, 3)
        total += count * (forward + backward)
    return total


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _fp32_step_seconds(model: LoadedModel, context: torch.Tensor, chunk: torch.Tensor) -> float:
    """The same training step with the base weights in fp32 and no autocast, for comparison."""
    from engine.torch_model import load_torch_model
    from engine.training import TempLoraTrainer

    fp32 = TempLoraTrainer(load_torch_model(model.info), model.config.replace(bf16=False, epochs=1))
    fp32.add_adapter(ADAPTER)
    chunk = torch.cat([context, chunk])[-STEP_TOKENS:]  # 1024 tokens, as the headline step
    fp32.train_chunk(ADAPTER, chunk[:0], chunk)
    seconds = _median_seconds(lambda: fp32.train_chunk(ADAPTER, chunk[:0], chunk), 3)
    fp32.remove_adapter(ADAPTER)
    return seconds


def _decode_rate(model: LoadedModel, text: str, tokens: int) -> tuple[float, float]:
    """(seconds to first token, tokens/s after it) for a prompt that fills the window."""
    gen = model.generator
    gen.llm.reset()
    stamps = []
    start = time.perf_counter()
    for _ in gen.stream(text, tokens, Sampling(seed=1, temperature=0.8)):
        stamps.append(time.perf_counter())
    if len(stamps) < 2:
        return float("nan"), float("nan")
    return stamps[0] - start, (len(stamps) - 1) / (stamps[-1] - stamps[0])


def run_writer_bench(
    model_spec: str = "default", threads: int | None = None, corpus: Path | None = None
) -> dict:
    """What the writer feels (engine/latency.py, engine/repetition.py), in one run."""
    from engine.latency import writer_latency
    from engine.repetition import default_corpus, repetition

    result = writer_latency(bench_text(), threads=threads, model=model_spec)
    corpus = corpus or default_corpus()
    if corpus is not None:
        result.update(repetition(corpus, threads=threads, model=model_spec))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def run_edit_bench(model_spec: str = "default", threads: int | None = None) -> dict:
    """What an edit costs (engine/relearn_bench.py): a sentence typed mid-way in a learned 30k-token text."""
    from engine.relearn_bench import edit_relearn

    return edit_relearn(bench_text() * 3, model_spec, threads)  # the sample, twelve times: ~36k tokens


def _absorb_pace(trainer, tokens: torch.Tensor, config: TempLoraConfig) -> tuple[float, float]:
    """Seconds absorbing the opening, and manuscript tokens a second after it."""
    from engine.absorb import absorb

    reports = absorb(trainer, ADAPTER, tokens)
    opening = [r for r in reports if r.start < config.opening_tokens]
    rest = [r for r in reports if r.start >= config.opening_tokens]
    return sum(r.seconds for r in opening), sum(r.end - r.start for r in rest) / sum(r.seconds for r in rest)


def _novel_minutes(opening_seconds: float, tokens_per_second: float, config: TempLoraConfig) -> float:
    return (opening_seconds + (NOVEL_TOKENS - config.opening_tokens) / tokens_per_second) / 60


def run_bench(
    model_spec: str = "default",
    threads: int | None = None,
    text: str | None = None,
    corpus: Path | None = None,
) -> dict:
    """Measure everything in one run and return it as plain values."""
    if threads:
        torch.set_num_threads(threads)
    config = TempLoraConfig()
    result: dict = {
        "machine": platform.processor() or platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "cpu_bf16": cpu_has_fast_bf16(),
        "config": config.to_dict(),
    }
    result["fp32_peak_gflops"] = matmul_peak(torch.float32)
    result["bf16_peak_gflops"] = matmul_peak(torch.bfloat16)

    t = time.perf_counter()
    model = LoadedModel(model_spec, config, threads=threads)
    trainer = model.trainer
    result["model"] = str(model.info.path)
    result["load_seconds"] = time.perf_counter() - t
    if text is None:
        text = bench_text()
    tokens = model.tokens(text)
    step_tokens = STEP_TOKENS + config.context_tokens
    absorb_tokens = config.opening_tokens + ABSORB_AFTER_OPENING
    if len(tokens) < max(step_tokens, absorb_tokens):
        raise ValueError("bench text too short")

    # One optimiser step on a 1024-token chunk (plus the default training context), whatever Δ is.
    trainer.add_adapter(ADAPTER, config.replace(epochs=1))
    chunk = tokens[config.context_tokens : step_tokens]
    context = tokens[: config.context_tokens]
    trainer.train_chunk(ADAPTER, context, chunk)  # warm-up
    step = _median_seconds(lambda: trainer.train_chunk(ADAPTER, context, chunk), 3)
    flops = train_flops(trainer.n_params, step_tokens)
    peak = result["bf16_peak_gflops"] if trainer.bf16 else result["fp32_peak_gflops"]
    result.update(
        train_bf16=trainer.bf16,
        train_step_tokens=step_tokens,
        train_step_seconds=step,
        train_gflops=flops / step / 1e9,
        train_flops_fraction=flops / step / 1e9 / peak,
        train_flops_fraction_of_fp32_peak=flops / step / 1e9 / result["fp32_peak_gflops"],
    )
    bare = tokens[:STEP_TOKENS]  # no training context
    result["train_step_seconds_1024_tokens"] = _median_seconds(
        lambda: trainer.train_chunk(ADAPTER, bare[:0], bare), 3
    )
    result["train_flops_fraction_1024_tokens"] = (
        train_flops(trainer.n_params, len(bare)) / result["train_step_seconds_1024_tokens"] / 1e9 / peak
    )
    dtype = torch.bfloat16 if trainer.bf16 else torch.float32
    products = products_seconds(trainer.causal_lm, STEP_TOKENS, dtype)
    result["products_seconds_1024_tokens"] = products
    result["products_flops_fraction_1024_tokens"] = (
        train_flops(trainer.n_params, STEP_TOKENS) / products / 1e9 / peak
    )
    trainer.remove_adapter(ADAPTER)
    if trainer.bf16:
        result["train_step_seconds_1024_tokens_fp32"] = _fp32_step_seconds(model, context, chunk)

    # Absorbing a text's start with the defaults (test-then-train, E steps a chunk). The opening's smaller
    # chunks cost more per token, so its time is kept apart from the rate of the Δ-token chunks after it.

    # The same with the steps' other ways of running the context (engine/config.py), for comparison.
    for suffix, changes in (
        ("_context_gradients", {"frozen_context": False}),
        ("_carried", {"carry_context": True}),
    ):
        trainer.add_adapter(ADAPTER, config.replace(**changes))
        opening_seconds, rate = _absorb_pace(trainer, tokens[:absorb_tokens], config)
        result[f"absorb_novel_minutes{suffix}"] = _novel_minutes(opening_seconds, rate, config)
        trainer.remove_adapter(ADAPTER)
    trainer.add_adapter(ADAPTER, config)
    result["absorb_opening_seconds"], result["absorb_tokens_per_second"] = _absorb_pace(
        trainer, tokens[:absorb_tokens], config
    )
    result["absorb_novel_minutes"] = _novel_minutes(
        result["absorb_opening_seconds"], result["absorb_tokens_per_second"], config
    )

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.gguf"
        result["export_seconds"] = _median_seconds(lambda: model.export(ADAPTER, path), 3)
        prompt = model.generator.detokenize(tokens[: config.window].tolist())
        gen_tokens = 128
        model.generator.set_adapter(None)
        result["first_token_seconds"], result["gen_tokens_per_second"] = _decode_rate(
            model, prompt, gen_tokens
        )
        result["swap_seconds"] = _median_seconds(lambda: model.generator.set_adapter(path), 5)
        ttft, rate = _decode_rate(model, prompt, gen_tokens)
        result["first_token_seconds_with_adapter"], result["gen_tokens_per_second_with_adapter"] = ttft, rate
        result["gen_window"] = config.window
        result["gen_speed_ratio_with_adapter"] = rate / result["gen_tokens_per_second"]
        model.generator.set_adapter(None)
    long_window = 4 * config.window
    result.update(long_window_latency(model, text, long_window, gen_tokens, threads))
    # The paper's trade: Temp-LoRA at the short window against the base model at the long one.
    for name, ttft, rate in (
        (
            f"temp_lora_{config.window}",
            "first_token_seconds_with_adapter",
            "gen_tokens_per_second_with_adapter",
        ),
        (
            f"base_{long_window}",
            f"first_token_seconds_window_{long_window}",
            f"gen_tokens_per_second_window_{long_window}",
        ),
    ):
        result[f"continuation_200_seconds_{name}"] = result[ttft] + 199 / result[rate]
    result["continuation_latency_ratio"] = (
        result[f"continuation_200_seconds_temp_lora_{config.window}"]
        / result[f"continuation_200_seconds_base_{long_window}"]
    )
    model.close()
    result["peak_memory_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.update(first_token_while_absorbing(text, model_spec, threads))
    result.update(run_writer_bench(model_spec, threads, corpus))
    result.update(run_edit_bench(model_spec, threads))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def long_window_latency(model: LoadedModel, text: str, window: int, tokens: int, threads: int | None) -> dict:
    """Prompt time and decoding speed of the base model with a `window`-token window, filled."""
    from engine.generate import Generator

    long = Generator(model.generation_path, window=window, threads=threads)
    try:
        ids = long.tokenize(text)
        if len(ids) < window:
            return {}
        stamps, start = [], time.perf_counter()
        for _ in long.stream(long.detokenize(ids[:window]), tokens, Sampling(seed=1, temperature=0.8)):
            stamps.append(time.perf_counter())
    finally:
        long.close()
    return {
        f"first_token_seconds_window_{window}": stamps[0] - start,
        f"gen_tokens_per_second_window_{window}": (len(stamps) - 1) / (stamps[-1] - stamps[0]),
    }


def first_token_while_absorbing(text: str, model_spec: str = "default", threads: int | None = None) -> dict:
    """Time to first token of a `continue` in the real engine process, idle and while a novel absorbs.

    The difference is what training costs a waiting writer; the idle figure is the model's own prompt time
    (with the document's adapter attached in both cases, since an adapter slows llama.cpp a little).
    Each prompt is a different window-long stretch of text, so no round reuses another's cached prefix.
    """
    from engine.serve_client import EngineProcess

    engine = EngineProcess(threads=threads, model=model_spec)
    rounds, idle, busy = 3, [], []

    def first_token(doc: str, i: int) -> float:
        prompt = text[: len(text) - 3000 * i][-5000:]
        sent = engine.send(id=f"{doc}{i}", type="continue", doc=doc, text=prompt, max_tokens=4, seed=i)
        arrived, _ = engine.wait_for_timed(lambda e: e["id"] == f"{doc}{i}")
        engine.finished(f"{doc}{i}")
        return arrived - sent

    def absorbed(e: dict) -> bool:
        return e["type"] == "absorption"

    try:
        engine.request(id="hello", type="hello")
        # Idle: the novel's first chunks absorbed, so generation runs with its adapter as it will below.
        engine.request(id="open", type="open_document", doc="novel", text=text[:9000])
        engine.wait_for(lambda e: absorbed(e) and e["chunks_absorbed"] == e["chunks_total"])
        first_token("novel", rounds)  # warm-up
        idle = [first_token("novel", i) for i in range(rounds)]
        engine.request(id="update", type="update_document", doc="novel", text=text)
        engine.wait_for(absorbed)  # training again
        resumed = 0
        for i in range(rounds):
            time.sleep(0.5 + i)  # land at different points of a training step
            busy.append(first_token("novel", rounds + 1 + i))
            engine.wait_for(absorbed)  # training resumes after the generation
            resumed += 1
    finally:
        engine.stop()
    return {
        "first_token_seconds_idle": statistics.median(idle),
        "first_token_seconds_while_absorbing": statistics.median(busy),
        "first_token_delay_while_absorbing": max(b - statistics.median(idle) for b in busy),
        "absorption_resumed_after_generation": resumed == rounds,
    }


def bench_text() -> str:
    """Real prose for the benchmark: the opening of Persuasion, shipped with the engine as package data,
    repeated (the content hardly matters for speed)."""
    sample = importlib.resources.files("engine") / "data" / "persuasion_opening.txt"
    return sample.read_text(encoding="utf-8") * 4
