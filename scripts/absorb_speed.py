"""Absorption throughput (manuscript tokens per second) of several Temp-LoRA configurations, in one process.

    python scripts/absorb_speed.py '[{"chunk_tokens": 256, "context_tokens": 512, "epochs": 1}]'

The defaults are always measured first. Each configuration absorbs tokens 1,024–8,192 of Emma after a
1,024-token warm-up, with a fresh adapter. Run it alone on the machine.
"""

from __future__ import annotations

import json
import sys
import time

from engine.absorb import absorb
from engine.cli import read_manuscript
from engine.config import TempLoraConfig
from engine.runtime import LoadedModel

BOOK = "../shared/corpus/austen/emma.txt"


def main(configs: list[dict]) -> None:
    model = LoadedModel("default", TempLoraConfig())
    tokens = model.tokens(read_manuscript(BOOK))[:8192]
    trainer = model.trainer
    try:
        for i, changes in enumerate([{}, *configs]):
            name = f"speed{i}"
            trainer.add_adapter(name, TempLoraConfig().replace(**changes))
            absorb(trainer, name, tokens[:1024])  # warm-up
            began = time.perf_counter()
            absorb(trainer, name, tokens[1024:])
            seconds = time.perf_counter() - began
            print(f"{changes or 'defaults'}: {(len(tokens) - 1024) / seconds:.1f} tokens/s", flush=True)
            trainer.remove_adapter(name)
    finally:
        model.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]) if len(sys.argv) > 1 else [])
