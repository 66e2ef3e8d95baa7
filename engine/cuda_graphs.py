"""A training step recorded once as a CUDA graph and replayed: one launch instead of thousands.

On a GPU a Temp-LoRA step of a 1B model is launch-bound: eager, its kernels kept an H200 at about 4% of its
bf16 peak (docs/BENCHMARKS.md, session 17), because the CPU issues each of a step's thousands of small
kernels one by one. A CUDA graph records those launches once and replays them as one (PyTorch's
whole-network capture: forward, backward and optimiser step in one graph, the optimiser `capturable`, its
learning rate a tensor the graph reads): the 1B step from 131.7 to 19.9 ms, a 130k-token novel from 39.1 to
9.0 s (docs/BENCHMARKS.md, session 20). A graph is fixed to its shape and to the memory of everything it
reads, so:

- a shape is recorded the second time it is seen (a book's steps come in two shapes, the opening's and
  the rest's; a one-off short last chunk stays eager), and a few graphs are kept per adapter;
- recording runs a few warm-up steps (lazy initialisation must not happen inside a capture), which change
  the adapter: its weights and optimiser state are put back before the real step;
- a step that cannot be captured (a library that synchronises inside it) stays eager, with a warning;
- a graph replays only while the adapter's tensors are the ones it recorded (a revision eval reloads the
  optimiser's state, which makes new ones): otherwise it is recorded again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch

log = logging.getLogger(__name__)

# Graphs kept per adapter: each holds its own memory for the step's activations.
KEEP_GRAPHS = 3
# Eager steps on a side stream before a capture (PyTorch's docs use 3; 2 suffice to build the optimiser's
# state and the libraries' workspaces).
WARMUP_STEPS = 2


@dataclass
class RecordedStep:
    graph: torch.cuda.CUDAGraph
    inputs: tuple[torch.Tensor, ...]  # the tensors the graph reads: copy a step's inputs into them
    output: torch.Tensor
    state_pointers: tuple[int, ...]


class StepGraphs:
    """One adapter's training steps as CUDA graphs, one per shape of input."""

    def __init__(self, state: Callable[[], list[torch.Tensor]]) -> None:
        self.state = state  # the adapter's tensors a step changes: weights, optimiser moments, rates
        self.graphs: OrderedDict[tuple, RecordedStep] = OrderedDict()
        self.seen: set[tuple] = set()
        self.eager: set[tuple] = set()  # shapes whose capture failed
        self.recorded = 0  # how many captures, for reports and tests

    def run(self, shape: tuple, step: Callable[..., torch.Tensor], *inputs: torch.Tensor) -> torch.Tensor:
        """`step(*inputs)`, replayed from a graph when this `shape` (all a step's lengths) was recorded;
        its output (a copy).

        The first step of a shape runs eagerly, so the optimiser's state exists before any warm-up."""
        key = (shape, *((tuple(x.shape), x.dtype) for x in inputs))
        if key not in self.seen or key in self.eager:
            self.seen.add(key)
            return step(*inputs)
        recorded = self.graphs.get(key)
        if recorded is None or recorded.state_pointers != self._pointers():
            recorded = self._record(key, step, inputs)
            if recorded is None:
                return step(*inputs)
        self.graphs.move_to_end(key)
        for static, x in zip(recorded.inputs, inputs, strict=True):
            static.copy_(x)
        recorded.graph.replay()
        return recorded.output.clone()

    def _pointers(self) -> tuple[int, ...]:
        return tuple(t.data_ptr() for t in self.state())

    def _record(self, key: tuple, step, inputs) -> RecordedStep | None:
        """A graph of `step` at this shape, the adapter as it was before; None if it cannot be captured
        (the shape then stays eager)."""
        self.graphs.pop(key, None)
        while len(self.graphs) >= KEEP_GRAPHS:
            self.graphs.popitem(last=False)
        static = tuple(x.clone() for x in inputs)
        saved = [t.detach().clone() for t in self.state()]
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(WARMUP_STEPS):
                    step(*static)
            torch.cuda.current_stream().wait_stream(side)
            self._restore(saved)
            graph = torch.cuda.CUDAGraph()
            # thread_local: the engine's other threads (generation, the protocol) may call CUDA meanwhile.
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):
                output = step(*static)
        except RuntimeError:
            log.warning(
                "a training step of shape %s could not be recorded as a CUDA graph", key, exc_info=True
            )
            self.eager.add(key)
            torch.cuda.synchronize()
            self._restore(saved)
            return None
        self.recorded += 1
        recorded = RecordedStep(graph, static, output, self._pointers())
        self.graphs[key] = recorded
        return recorded

    def _restore(self, saved: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for t, value in zip(self.state(), saved, strict=True):
                t.copy_(value)
