"""Temp-LoRA training speed on a CUDA GPU, with a random llama-shaped model of about 1B parameters.

No model weights can reach the GPU machine, so the base model is random (speed does not depend on the
weights). It runs the engine's own trainer (engine/training.py: bf16 base, MLP LoRA r 16, the default
Δ + L_T step) and prints one JSON object: the GPU's bf16 matrix-product peak, the step time,
training tokens/s, and the fraction of the peak the step reaches (counting 4 × parameters × tokens).

    python scripts/bench_cuda.py [--layers 22] [--steps 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.config import TempLoraConfig
from engine.flops import train_flops


def matmul_peak_tflops(n: int = 8192, repeats: int = 10) -> float:
    import torch

    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e12


def random_llama(layers: int):
    """A TinyLlama-shaped model (hidden 2048, MLP 5632, 32 / 4 KV heads): 1.1B parameters at 22 layers."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=32000,
        hidden_size=2048,
        intermediate_size=5632,
        num_hidden_layers=layers,
        num_attention_heads=32,
        num_key_value_heads=4,
        max_position_embeddings=4096,
    )
    torch.manual_seed(0)
    with torch.device("cuda"):
        return LlamaForCausalLM(config).to(torch.bfloat16)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=22)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument(
        "--chunk", type=int, default=TempLoraConfig.chunk_tokens, help="Δ (default: the engine's)"
    )
    parser.add_argument("--loss-slice", type=int, default=TempLoraConfig.loss_slice_tokens)
    parser.add_argument("--compile", action="store_true", help="torch.compile each decoder layer")
    parser.add_argument("--compile-mode", default=None, help="torch.compile mode")
    args = parser.parse_args()
    # Imported here, not at the top: --help answers without loading torch.
    import torch

    from engine.training import TempLoraTrainer

    if not torch.cuda.is_available():
        print("no CUDA GPU", file=sys.stderr)
        return 2
    peak = matmul_peak_tflops()
    config = TempLoraConfig(chunk_tokens=args.chunk, loss_slice_tokens=args.loss_slice)
    trainer = TempLoraTrainer(random_llama(args.layers), config)
    trainer.add_adapter("novel", config.replace(epochs=1))
    if args.compile:  # after the adapter exists, so its LoRA modules are traced with the layers
        torch._dynamo.config.cache_size_limit = 64  # one compiled graph per layer instance
        for layer in trainer.peft.base_model.model.model.layers:
            layer.compile(mode=args.compile_mode)
    tokens = torch.randint(0, 32000, (config.context_tokens + config.chunk_tokens,))
    context, chunk = tokens[: config.context_tokens], tokens[config.context_tokens :]
    for _ in range(3):  # warm-up (kernel selection, allocator)
        trainer.train_chunk("novel", context, chunk)
    torch.cuda.synchronize()
    start = time.perf_counter()
    losses = [trainer.train_chunk("novel", context, chunk) for _ in range(args.steps)]
    torch.cuda.synchronize()
    step = (time.perf_counter() - start) / args.steps
    step_tokens = len(tokens)
    flops = train_flops(trainer.n_params, step_tokens)
    result = {
        "gpu": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "parameters": trainer.n_params,
        "layers": args.layers,
        "train_bf16": trainer.bf16,
        "device": str(trainer.device),
        "bf16_peak_tflops": round(peak, 1),
        "step_tokens": step_tokens,
        "loss_slice_tokens": config.loss_slice_tokens,
        "train_step_seconds": round(step, 5),
        "train_tokens_per_second": round(step_tokens / step),
        "compiled": args.compile,
        "manuscript_tokens_per_second": round(config.chunk_tokens / (config.epochs * step)),
        "train_tflops": round(flops / step / 1e12, 1),
        "train_flops_fraction": round(flops / step / 1e12 / peak, 3),
        "loss_first_last": [round(losses[0], 3), round(losses[-1], 3)],
        "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
