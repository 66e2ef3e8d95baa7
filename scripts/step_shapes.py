"""Training steps' memory and speed by their shapes, on this CPU (what docs/BENCHMARKS.md, "Steps in a few
shapes", measured).

    python scripts/step_shapes.py memory --steps 60                 # random lengths; RSS every 10 steps
    python scripts/step_shapes.py memory --steps 60 --any-length    # as before in_shape: exact lengths
    python scripts/step_shapes.py speed                              # one 512 + 256 step, 12 after 3

Set ONEDNN_PRIMITIVE_CACHE_CAPACITY to compare oneDNN's cache sizes (64 here when unset, as
`longform-engine` sets it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")  # before torch loads oneDNN


def rss_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=("memory", "speed"))
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--any-length", action="store_true", help="steps at their exact lengths")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    from engine.config import TempLoraConfig
    from engine.freed_memory import release_freed_memory
    from engine.model_names import default_model_path
    from engine.models import inspect_model
    from engine.torch_model import load_torch_model
    from engine.training import TempLoraTrainer, set_threads

    set_threads(2)
    config = TempLoraConfig(shape_step_tokens=0 if args.any_length else 32)
    trainer = TempLoraTrainer(load_torch_model(inspect_model(default_model_path())), config)
    trainer.add_adapter("probe")
    cache = os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"]
    print(f"bf16 {trainer.bf16}, oneDNN cache {cache}, shape step {config.shape_step_tokens}")
    if args.part == "speed":
        context, chunk = torch.randint(0, 40_000, (512,)), torch.randint(0, 40_000, (256,))
        for _ in range(3):
            trainer.train_chunk("probe", context, chunk)
        start = time.perf_counter()
        for _ in range(12):
            trainer.train_chunk("probe", context, chunk)
        print(f"{(time.perf_counter() - start) / 12:.3f} s a step (512 + 256 tokens)")
        return
    rng = random.Random(args.seed)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        context = torch.randint(0, 40_000, (rng.randint(1, 512),))
        chunk = torch.randint(0, 40_000, (rng.randint(8, 256),))
        trainer.train_chunk("probe", context, chunk)
        release_freed_memory()  # as the engine's absorber does after each chunk
        if step == 1 or step % 10 == 0:
            print(f"step {step}: {rss_mib()} MiB, {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
