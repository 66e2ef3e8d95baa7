"""Training steps replayed as CUDA graphs learn exactly as eager steps (engine/cuda_graphs.py).

Needs a CUDA GPU (the lent H200 in development: `python -m pytest tests/engine/test_cuda_graphs.py`);
skipped elsewhere, where no graph is ever recorded.
"""

from __future__ import annotations

import copy
import gc
import weakref

import pytest
import torch

from engine.absorb import absorb
from engine.config import TempLoraConfig
from engine.random_model import TINY, random_causal_lm
from engine.training import TempLoraTrainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA GPU")

# Small enough to run in seconds, with an opening and the lr's decay inside the text.
CONFIG = TempLoraConfig(
    chunk_tokens=128, context_tokens=64, opening_tokens=512, opening_chunk_tokens=64, lr_decay_tokens=1024
)


def absorbed(graphs: bool, tokens: torch.Tensor):
    trainer = TempLoraTrainer(random_causal_lm(TINY["llama"], device="cuda"), CONFIG)
    trainer.add_adapter("book", CONFIG.replace(cuda_graphs=graphs))
    return trainer, [r.loss for r in absorb(trainer, "book", tokens)]


def test_an_absorbed_text_learns_the_same_with_graphs_as_without():
    tokens = torch.randint(0, TINY["llama"].vocab, (4000,), generator=torch.Generator().manual_seed(1))
    eager, eager_losses = absorbed(False, tokens)
    graphed, graphed_losses = absorbed(True, tokens)
    graphs = graphed.adapters["book"].graphs
    assert eager.adapters["book"].graphs is None
    assert graphs.recorded == 2  # the opening's shape and the rest's; the first and last chunks stay eager
    assert len(graphed_losses) == len(eager_losses) > 30
    # Each chunk's loss before it was learned: the same steps at the same rates, to bf16's rounding.
    assert graphed_losses == pytest.approx(eager_losses, rel=2e-3)
    # (The weights themselves part further: AdamW divides by each gradient's size, so where a gradient is
    # near 0 bf16's rounding turns into whole steps; seen at 5% of a small B's norm after 36 steps.)


def trained(steps: int):
    trainer = TempLoraTrainer(random_causal_lm(TINY["llama"], device="cuda"), CONFIG)
    trainer.add_adapter("book")
    tokens = torch.randint(0, TINY["llama"].vocab, (192,), generator=torch.Generator().manual_seed(2)).cuda()
    for _ in range(steps):
        trainer.train_step("book", tokens[:64], tokens[64:])
    return trainer, tokens


def weights(trainer) -> list[torch.Tensor]:
    return [p.detach().clone() for _, p in trainer._adapter_parameters("temp_lora_1")]


def test_a_recorded_step_reads_the_learning_rate_it_is_given():
    """The rate decays along a book (config.lr_at): a graph must read the rate of each step, not the one it
    was recorded with."""
    trainer, tokens = trained(3)
    assert trainer.adapters["book"].graphs.recorded == 1
    before = weights(trainer)
    trainer.set_learning_rate("book", 0.0)
    trainer.train_step("book", tokens[:64], tokens[64:])
    assert all(torch.equal(a, b) for a, b in zip(weights(trainer), before, strict=True))
    trainer.set_learning_rate("book", CONFIG.lr)
    trainer.train_step("book", tokens[:64], tokens[64:])
    assert not all(torch.equal(a, b) for a, b in zip(weights(trainer), before, strict=True))
    assert trainer.adapters["book"].graphs.recorded == 1


def test_a_reloaded_optimiser_state_is_recorded_again():
    """revision.py puts an adapter back by loading its optimiser's saved state: new tensors, which a
    graph recorded before does not read, so the step is recorded afresh."""
    trainer, tokens = trained(3)
    adapter = trainer.adapters["book"]
    adapter.optimizer.load_state_dict(copy.deepcopy(adapter.optimizer.state_dict()))
    before = trainer.train_step("book", tokens[:64], tokens[64:])
    assert adapter.graphs.recorded == 2
    assert trainer.train_step("book", tokens[:64], tokens[64:]) < before  # it still learns the chunk


def test_closing_a_document_frees_its_graphs():
    """Each graph holds memory of its own for a step's activations: it goes with the adapter."""
    trainer, _ = trained(3)
    graphs = weakref.ref(trainer.adapters["book"].graphs)
    assert graphs().graphs
    trainer.remove_adapter("book")
    gc.collect()
    assert graphs() is None
