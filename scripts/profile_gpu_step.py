"""Where a GPU training step's time goes: the kernels of one step of a random model, by GPU time.

    python scripts/profile_gpu_step.py [--size llama-1b] [--rows 20]

With CUDA graphs a step is no longer launch-bound, so what is left is the kernels' own time: their sum for
one eager step (the same kernels a graph replays) against the graphed step's wall time says how much of the
step is still waiting, and the table says which kernels to make cheaper next. CUDA only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="llama-1b", help="a name in engine/random_model.py SIZES")
    parser.add_argument("--rows", type=int, default=20)
    args = parser.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    from engine.config import TempLoraConfig
    from engine.random_model import SIZES, random_causal_lm
    from engine.training import TempLoraTrainer

    shape = SIZES[args.size]
    config = TempLoraConfig()
    trainer = TempLoraTrainer(random_causal_lm(shape, device="cuda", dtype=torch.bfloat16), config)
    tokens = torch.randint(0, shape.vocab, (config.context_tokens + config.chunk_tokens,))
    context, chunk = tokens[: config.context_tokens], tokens[config.context_tokens :]
    for name, graphs in (("graphed", True), ("eager", False)):
        trainer.add_adapter(name, config.replace(cuda_graphs=graphs))
        for _ in range(4):
            trainer.train_step(name, context, chunk)
        torch.cuda.synchronize()
        began = time.perf_counter()
        for _ in range(10):
            trainer.train_step(name, context, chunk)
        print(f"{name} step: {(time.perf_counter() - began) / 10 * 1e3:.1f} ms")
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        trainer.train_step("eager", context, chunk)
        torch.cuda.synchronize()
    events = prof.key_averages()
    kernels = sum(e.self_device_time_total for e in events) / 1e3
    print(f"one eager step's kernels: {kernels:.1f} ms of GPU time")
    print(events.table(sort_by="self_cuda_time_total", row_limit=args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
