"""One loaded model, twice over: llama.cpp for generation, torch for training, sharing one tokenizer.

The text is tokenized once, by llama.cpp, and the same ids go to torch, so training, scoring and
generation all see identical tokens.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from engine.config import TempLoraConfig
from engine.export import gguf_tensor_names, write_gguf_lora
from engine.generate import Generator
from engine.models import ModelInfo, inspect_model, resolve_model
from engine.torch_model import load_torch_model
from engine.training import TempLoraTrainer
from engine.untie import generation_model_path

log = logging.getLogger(__name__)


class LoadedModel:
    """A GGUF model ready to absorb, export and continue."""

    def __init__(self, spec: str | None, config: TempLoraConfig, threads: int | None = None) -> None:
        self.info: ModelInfo = inspect_model(resolve_model(spec))
        gguf_tensor_names(self.info)  # refuse unexportable architectures before any slow work
        self.config = config
        self.generation_path = generation_model_path(self.info)  # untied when the head is tied
        self.generator = Generator(self.generation_path, window=config.window, threads=threads)
        self._trainer: TempLoraTrainer | None = None

    @property
    def trainer(self) -> TempLoraTrainer:
        """The torch side, loaded on first use (generation alone never pays for it)."""
        if self._trainer is None:
            self._trainer = TempLoraTrainer(load_torch_model(self.info), self.config)
        return self._trainer

    @property
    def loaded_trainer(self) -> TempLoraTrainer | None:
        """The torch side if it is loaded (forgetting an adapter must not load it)."""
        return self._trainer

    def tokens(self, text: str) -> torch.Tensor:
        """The text's token ids as the trainer wants them."""
        return torch.tensor(self.generator.tokenize(text), dtype=torch.long)

    def export(self, adapter: str, path: Path) -> Path:
        """Write `adapter` as a GGUF LoRA at `path`."""
        trainer = self.trainer
        return write_gguf_lora(
            self.info, trainer.lora_layers(adapter), trainer.adapters[adapter].config.alpha, path
        )

    def close(self) -> None:
        """Free llama.cpp's model."""
        self.generator.close()
