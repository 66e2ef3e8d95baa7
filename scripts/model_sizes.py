"""What a bigger model costs: Temp-LoRA training speed, absorbing a novel, and llama.cpp generation with an
adapter, for random llama-shaped models of about 1B and 3B parameters, on a CUDA GPU or on this CPU.

No weights can reach a machine without network, so the models are random (engine/random_model.py; speed
does not depend on the weights). Training runs the engine's own trainer with the engine's defaults
(engine/config.py); FLOP/s count 4 × parameters × tokens a step (forward plus the backward to the
activations: a LoRA step trains no base weight; attention's own products are left out). Each part prints
one JSON line and a short table at the end:

    python scripts/model_sizes.py train --sizes llama-1b,llama-3b [--absorb-tokens 130000] [--variants ...]
    python scripts/model_sizes.py gguf --sizes llama-1b --folder /tmp/models     # random GGUF + adapter
    python scripts/model_sizes.py generate --sizes llama-1b --folder /tmp/models # needs llama-cpp-python

Variants of the training step (`--variants`, comma-separated): `graphs` (the engine as it is: on a GPU each
step's shape recorded once as a CUDA graph, engine/cuda_graphs.py), `eager` (the same without graphs),
`fused` (eager with AdamW's fused CUDA kernel), `compile` (eager with torch.compile of each decoder layer),
`chunk1024` (Δ 1024: fewer, longer steps; speed only, says nothing of what the adapter learns).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOVEL_TOKENS = 130_000
BF16_PEAK_TFLOPS = {"cuda": 790.0}  # H200, measured on the lent machine (8192³ bf16 product)


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_peak_tflops(device, n: int = 8192, repeats: int = 10) -> float:
    """The bf16 matrix-product rate of this device, measured (random data, after warm-ups)."""
    import torch

    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(2):
        a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e12


def median_step(trainer, name: str, tokens, context: int, chunk: int, steps: int, warmup: int) -> float:
    """Median seconds of one training step on `context` + `chunk` tokens (synchronised each step)."""
    ctx, ch = tokens[:context], tokens[context : context + chunk]
    for _ in range(warmup):
        trainer.train_step(name, ctx, ch)
    times = []
    for _ in range(steps):
        sync(trainer.device)
        t = time.perf_counter()
        trainer.train_step(name, ctx, ch)  # .item() inside: the step has finished on the device
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def absorb_seconds(trainer, name: str, n_tokens: int, vocab: int) -> dict:
    """Absorb `n_tokens` random tokens with the engine's loop (engine/absorb.py); seconds in all and per
    manuscript token after the opening (for extrapolating to a whole novel)."""
    import torch

    from engine.absorb import absorb

    tokens = torch.randint(0, vocab, (n_tokens,))
    sync(trainer.device)
    start = time.perf_counter()
    reports = absorb(trainer, name, tokens)
    sync(trainer.device)
    total = time.perf_counter() - start
    config = trainer.adapters[name].config
    late = [r for r in reports if r.start >= config.opening_tokens and r.end - r.start == config.chunk_tokens]
    per_token = sum(r.seconds for r in late) / max(1, sum(r.end - r.start for r in late))
    opening = sum(r.seconds for r in reports if r.start < config.opening_tokens)
    return {
        "tokens": n_tokens,
        "chunks": len(reports),
        "seconds": total,
        "late_s_per_token": per_token,
        "opening_seconds": opening,
    }


def report_absorb(variant: str, trainer, args, vocab: int, context: int, chunk: int, report, config) -> None:
    """Absorb `args.absorb_tokens` for real with a fresh adapter of `config` (the real loop: shorter
    contexts at the start, a short last chunk) and report it as `variant`, with the novel's seconds."""
    trainer.add_adapter("book", config)
    measured = absorb_seconds(trainer, "book", args.absorb_tokens, vocab)
    trainer.remove_adapter("book")
    novel = measured["seconds"] if args.absorb_tokens >= NOVEL_TOKENS else novel_estimate(measured)
    report(
        variant,
        measured["late_s_per_token"] * chunk,
        context + chunk,
        chunk,
        absorb=measured,
        novel_seconds=round(novel, 1),
        novel_extrapolated=args.absorb_tokens < NOVEL_TOKENS,
    )


def novel_estimate(measured: dict) -> float:
    """Seconds for a NOVEL_TOKENS novel from a shorter absorb: its opening as measured, the rest at the
    measured rate of full chunks after the opening."""
    from engine.config import TempLoraConfig

    opening = TempLoraConfig().opening_tokens
    return measured["opening_seconds"] + (NOVEL_TOKENS - opening) * measured["late_s_per_token"]


def train_part(args) -> list[dict]:
    import torch

    from engine.config import TempLoraConfig
    from engine.flops import train_flops
    from engine.random_model import SIZES, random_causal_lm
    from engine.training import TempLoraTrainer, training_device

    device = training_device()
    # On a CPU the step's share of a peak is left out: docs/BENCHMARKS.md gives this machine's measured rates.
    peak = matmul_peak_tflops(device) if device.type == "cuda" else None
    variants = args.variants.split(",")
    rows = []
    for size in args.sizes.split(","):
        shape = SIZES[size]
        config = TempLoraConfig()
        dtype = torch.bfloat16 if device.type == "cuda" or config.bf16 else torch.float32
        began = time.perf_counter()
        trainer = TempLoraTrainer(random_causal_lm(shape, device=device, dtype=dtype), config)
        build = time.perf_counter() - began
        tokens = torch.randint(0, shape.vocab, (4096,))
        base = {
            "size": size,
            "parameters": trainer.n_params,
            "device": str(device),
            "device_name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
            "threads": torch.get_num_threads(),
            "bf16": trainer.bf16,
            "peak_tflops": peak and round(peak, 1),
            "build_seconds": round(build, 1),
        }

        def report(variant: str, step: float, step_tokens: int, chunk: int, base=base, **extra) -> None:
            flops = train_flops(base["parameters"], step_tokens)
            row = {
                **base,
                "variant": variant,
                "step_tokens": step_tokens,
                "step_seconds": round(step, 4),
                "tflops": round(flops / step / 1e12, 1),
                "of_peak": round(flops / step / 1e12 / peak, 4) if peak else None,
                "manuscript_tokens_per_second": round(chunk / step),
                **extra,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)

        c, d = config.context_tokens, config.chunk_tokens
        for variant in ("graphs", "eager"):
            if variant not in variants or (variant == "graphs" and device.type != "cuda"):
                continue
            own = config.replace(cuda_graphs=variant == "graphs")
            trainer.add_adapter(variant, own)
            report(variant, median_step(trainer, variant, tokens, c, d, args.steps, args.warmup), c + d, d)
            step = median_step(trainer, variant, tokens, c, config.opening_chunk_tokens, args.steps, 2)
            report(f"{variant} opening", step, c + config.opening_chunk_tokens, config.opening_chunk_tokens)
            trainer.remove_adapter(variant)
            if args.absorb_tokens:
                report_absorb(f"{variant} absorb", trainer, args, shape.vocab, c, d, report, own)
        # The other variants change the eager step.
        eager = config.replace(cuda_graphs=False)
        trainer.add_adapter("steps", eager)
        if "chunk1024" in variants:
            step = median_step(trainer, "steps", tokens, c, 1024, args.steps, args.warmup)
            report("eager Δ1024", step, c + 1024, 1024)
        if "fused" in variants and device.type == "cuda":
            adapter = trainer.adapters["steps"]
            groups = [g["params"] for g in adapter.optimizer.param_groups]
            adapter.optimizer = torch.optim.AdamW(
                [{"params": p} for p in groups],
                betas=(config.beta1, config.beta2),
                weight_decay=0.0,
                fused=True,
            )
            trainer.set_learning_rate("steps", config.lr)
            report(
                "fused AdamW", median_step(trainer, "steps", tokens, c, d, args.steps, args.warmup), c + d, d
            )
        if "compile" in variants:
            torch._dynamo.config.cache_size_limit = 256  # one compiled graph per layer instance and shape
            began = time.perf_counter()
            for layer in trainer.peft.base_model.model.model.layers:
                layer.compile()
            trainer.train_step("steps", tokens[:c], tokens[c : c + d])
            sync(device)
            first = time.perf_counter() - began
            step = median_step(trainer, "steps", tokens, c, d, args.steps, args.warmup)
            report("compiled", step, c + d, d, compile_and_first_step_seconds=round(first, 1))
            if "chunk1024" in variants:
                step = median_step(trainer, "steps", tokens, c, 1024, args.steps, args.warmup)
                report("compiled Δ1024", step, c + 1024, 1024)
            if args.absorb_tokens:
                report_absorb("compiled absorb", trainer, args, shape.vocab, c, d, report, eager)
        if device.type == "cuda":
            base["peak_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
        del trainer
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch._dynamo.reset()
    return rows


def gguf_part(args) -> list[dict]:
    """A random GGUF of each size and an adapter trained one step on it, exported as the engine does."""
    import torch

    from engine.config import TempLoraConfig
    from engine.export import write_gguf_lora
    from engine.models import inspect_model
    from engine.random_model import SIZES, random_causal_lm, write_gguf
    from engine.training import TempLoraTrainer

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes.split(","):
        shape = SIZES[size]
        began = time.perf_counter()
        device = "cuda" if torch.cuda.is_available() else "cpu"  # random initialisation is quicker there
        model = random_causal_lm(shape, device=device, dtype=torch.bfloat16)
        path = write_gguf(model, shape, folder / f"{size}.gguf", quantized=args.type == "q8_0", name=size)
        written = time.perf_counter() - began
        trainer = TempLoraTrainer(model, TempLoraConfig())
        trainer.add_adapter("book")
        tokens = torch.randint(0, shape.vocab, (768,))
        trainer.train_step("book", tokens[:512], tokens[512:])
        info = inspect_model(path)
        adapter = write_gguf_lora(
            info, trainer.lora_layers("book"), trainer.config.alpha, folder / f"{size}.adapter.gguf"
        )
        row = {
            "size": size,
            "gguf": str(path),
            "type": args.type,
            "gguf_bytes": path.stat().st_size,
            "adapter_bytes": adapter.stat().st_size,
            "write_seconds": round(written, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        del trainer, model
    return rows


def untied_copy(path: Path) -> Path:
    """The GGUF llama.cpp loads for `path` (engine/untie.py), made in a child process: on the GPU machine a
    process that holds both CUDA torch and a CUDA llama.cpp crashes (docs/BENCHMARKS.md), and untie.py
    imports torch."""
    import subprocess

    code = (
        "import sys; from pathlib import Path; from engine.models import inspect_model; "
        "from engine.untie import generation_model_path; "
        "print(generation_model_path(inspect_model(Path(sys.argv[1]))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


def last_argmax(llm) -> int:
    """The most likely next token after the last evaluated one (greedy: speed does not depend on it)."""
    import llama_cpp
    import numpy as np

    logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return int(np.argmax(np.ctypeslib.as_array(logits, shape=(llm.n_vocab(),))))


def generate_part(args) -> list[dict]:
    """Time to first token after a full window, and decoding speed, with the adapter attached."""
    import llama_cpp
    import numpy as np

    from engine.generate import attach_adapter, load_llama

    folder = Path(args.folder)
    rows = []
    for size in args.sizes.split(","):
        began = time.perf_counter()
        model = untied_copy(folder / f"{size}.gguf")
        llm = load_llama(model, args.window + args.tokens, args.threads, n_gpu_layers=-1)
        load = time.perf_counter() - began
        adapter = attach_adapter(llm, folder / f"{size}.adapter.gguf")
        rng = np.random.default_rng(0)
        window = rng.integers(300, llm.n_vocab(), args.window).tolist()
        ttfts, rates = [], []
        for _ in range(args.repeats):
            llm.reset()
            start = time.perf_counter()
            llm.eval(window)
            token = last_argmax(llm)
            first = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(args.tokens):
                llm.eval([token])
                token = last_argmax(llm)
            rates.append(args.tokens / (time.perf_counter() - start))
            ttfts.append(first)
        attach_adapter(llm, None)
        llama_cpp.llama_adapter_lora_free(adapter)
        offloaded = llama_cpp.llama_supports_gpu_offload()
        llm.close()
        row = {
            "size": size,
            "window": args.window,
            "load_seconds": round(load, 1),
            "gpu_offload": bool(offloaded),
            "first_token_seconds": round(statistics.median(ttfts), 3),
            "decode_tokens_per_second": round(statistics.median(rates), 1),
            "threads": args.threads,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("train", "gguf", "generate"))
    parser.add_argument("--sizes", default="llama-1b,llama-3b", help="names in engine/random_model.py SIZES")
    parser.add_argument("--variants", default="graphs,eager", help="graphs,eager,fused,compile,chunk1024")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps (the median is kept)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--absorb-tokens", type=int, default=0, help="absorb this many tokens for real")
    parser.add_argument("--folder", default="out/model_sizes", help="where gguf writes and generate reads")
    parser.add_argument("--type", default="q8_0", choices=("q8_0", "f16"), help="the GGUF's matrices")
    parser.add_argument("--window", type=int, default=1024, help="prompt tokens before the first token")
    parser.add_argument("--tokens", type=int, default=128, help="tokens decoded")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    args = parser.parse_args()
    rows = {"train": train_part, "gguf": gguf_part, "generate": generate_part}[args.part](args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    for row in rows:
        keys = (
            "size",
            "variant",
            "step_seconds",
            "of_peak",
            "novel_seconds",
            "first_token_seconds",
            "decode_tokens_per_second",
            "gguf_bytes",
        )
        print("  ".join(f"{k}={row[k]}" for k in keys if k in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
