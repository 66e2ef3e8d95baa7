"""Where one Temp-LoRA training step spends its time: torch's profiler over one step, by operator.

usage: python scripts/profile_step.py [CHUNK_TOKENS] [CONTEXT_TOKENS] [ROWS]
(default 1024 0 25: the bench's headline step; `256 512` is the step absorption runs with the defaults)

The bench times the step's large matrix products alone; this shows what else the step does (attention,
element-wise work, the loss), which is why the whole step reaches a smaller share of the matrix peak.
"""

from __future__ import annotations

import sys
import time

from torch.profiler import ProfilerActivity, profile

from engine.bench import bench_text
from engine.config import TempLoraConfig
from engine.runtime import LoadedModel


def main() -> None:
    defaults = ["1024", "0", "25"]
    chunk_tokens, context_tokens, rows = (int(a) for a in [*sys.argv[1:4], *defaults[len(sys.argv[1:4]) :]])
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
    main()
