"""Where one Temp-LoRA training step spends its time: torch's profiler over one step, by operator.

    python scripts/profile_step.py [CHUNK_TOKENS] [CONTEXT_TOKENS] [ROWS]

(default 1024 0 25: the bench's headline step; `256 512` is the step absorption runs with the defaults)

The bench times the step's large matrix products alone; this shows what else the step does (attention,
element-wise work, the loss), which is why the whole step reaches a smaller share of the matrix peak.
"""

from __future__ import annotations

import argparse
import time

from engine.config import TempLoraConfig


def main(chunk_tokens: int, context_tokens: int, rows: int) -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from torch.profiler import ProfilerActivity, profile

    from engine.bench import bench_text
    from engine.runtime import LoadedModel

    config = TempLoraConfig()
    model = LoadedModel(None, config, threads=2)
    trainer = model.trainer
    tokens = model.tokens(bench_text())
    context, chunk = tokens[:context_tokens], tokens[context_tokens : context_tokens + chunk_tokens]
    trainer.add_adapter("profile", config)
    for _ in range(2):  # warm-up: the first steps allocate and pick kernels
        trainer.train_chunk("profile", context, chunk)
    began = time.perf_counter()
    trainer.train_chunk("profile", context, chunk)
    print(f"one step, {context_tokens} + {chunk_tokens} tokens: {time.perf_counter() - began:.3f} s")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        trainer.train_chunk("profile", context, chunk)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows))
    model.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chunk_tokens", nargs="?", type=int, default=1024, help="default 1024")
    parser.add_argument("context_tokens", nargs="?", type=int, default=0, help="default 0")
    parser.add_argument("rows", nargs="?", type=int, default=25, help="operators listed (default 25)")
    args = parser.parse_args()
    main(args.chunk_tokens, args.context_tokens, args.rows)
