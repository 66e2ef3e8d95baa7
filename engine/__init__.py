"""Longform's engine: Temp-LoRA absorption in torch, generation in llama.cpp, adapters as GGUF LoRA."""

__version__ = "0.1.0"
