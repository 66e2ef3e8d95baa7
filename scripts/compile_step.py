"""One Temp-LoRA training step, eager against torch.compile'd decoder layers, in one process (CPU, bf16).

    python scripts/compile_step.py

Measures the median of 5 steps for the bench's headline step (a 1024-token chunk after 512 tokens of
context) and for the default step (Δ 256 after L_T 512), then compiles every decoder layer
(`dynamic=True`, after the adapter is attached so its LoRA modules are traced with the layer), reports the
compile time and measures again. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from engine.config import TempLoraConfig
from engine.text_files import read_text

BOOK = "../shared/corpus/austen/emma.txt"
SHAPES = ((512, 1024), (512, 256))  # (context tokens, chunk tokens)


def main() -> None:
    # Imported here, not at the top: --help answers without loading torch and llama.cpp.
    from engine.runtime import LoadedModel

    model = LoadedModel("default", TempLoraConfig())
    tokens = model.tokens(read_text(BOOK))[:4096]
    trainer = model.trainer
    trainer.add_adapter("compile")

    def step(context: int, chunk: int) -> float:
        t = time.perf_counter()
        trainer.train_step("compile", tokens[2048 - context : 2048], tokens[2048 : 2048 + chunk])
        return time.perf_counter() - t

    def median_step(context: int, chunk: int) -> float:
        step(context, chunk)  # warm-up
        return statistics.median(step(context, chunk) for _ in range(5))

    eager = {shape: median_step(*shape) for shape in SHAPES}
    began = time.perf_counter()
    for layer in trainer.peft.base_model.model.model.layers:
        layer.compile(dynamic=True)
    for shape in (*SHAPES, (300, 256)):  # a third shape: is it recompiled?
        step(*shape)
    print(f"compiling and the first steps: {time.perf_counter() - began:.1f} s")
    for shape in SHAPES:
        compiled = median_step(*shape)
        print(
            f"context {shape[0]} + chunk {shape[1]}: eager {eager[shape]:.2f} s, "
            f"compiled {compiled:.2f} s ({compiled / eager[shape]:.2f}×)"
        )
    model.close()


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # no options: --help only
    main()
