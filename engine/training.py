"""Temp-LoRA training in torch: one shared base model, one temporary LoRA adapter per document.

The base weights are frozen (kept in bf16 when the CPU multiplies bf16 fast); each document's adapter is a
named PEFT adapter with its own AdamW state. Losses and scores never build a chunk's full fp32 logits at
once: the output head runs over slices of the sequence.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import TempLoraConfig
from engine.cuda_graphs import StepGraphs

log = logging.getLogger(__name__)


def cpu_has_fast_bf16() -> bool:
    """True when this CPU has native bf16 matrix instructions (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def layer_number(module_name: str) -> int | None:
    """The decoder layer a module belongs to ("model.layers.12.mlp.up_proj": 12), None outside the layers."""
    return next((int(p) for p in module_name.split(".") if p.isdigit()), None)


def training_device() -> torch.device:
    """CUDA when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class DocumentAdapter:
    """One document's temporary adapter: its PEFT name, optimiser and progress."""

    name: str  # the document's own id, any string
    peft_name: str  # a safe module key for PEFT ("temp_lora_<n>")
    config: TempLoraConfig
    optimizer: torch.optim.Optimizer
    steps: int = 0
    chunks_trained: int = 0
    # Tokens run through the model for training, and for measuring what the adapter learned (the base
    # model's forward passes of engine/known_words.py): the second is kept a small share of the first.
    trained_tokens: int = 0
    measured_tokens: int = 0
    carried: CarriedContext | None = None
    graphs: StepGraphs | None = None  # on a GPU, its steps replayed as CUDA graphs


@dataclass
class CarriedContext:
    """The keys and values a step computed for the last tokens it ran through, kept for the next step.

    With a frozen context (no gradients through it), the context of the next chunk in text order is the
    end of the text this step just ran: its keys and values are already computed, one adapter step ago,
    so the next step runs only its chunk. `expects` is the context they serve (the tokens must match);
    the cache holds all of it but its last token, which the step runs with gradients to predict the chunk's
    first. Before those come `sinks` entries of the text's first tokens, from when the context was last
    run afresh: a model puts much of its attention on the first tokens it saw (attention sinks,
    arXiv 2309.17453), and keys of mid-text tokens cannot stand in for them (without them the next chunk's
    loss rose from 3.74 to 4.66). `position` is the rotary position of `expects[0]`: positions keep
    counting from the fresh run, so cached keys never need rotating, until `max_positions` starts afresh.
    """

    expects: torch.Tensor
    cache: object  # transformers' DynamicCache
    position: int
    step: int  # the adapter's step that computed it: it serves the very next step only
    sinks: int = 0
    # The sinks' keys as first computed, in fp32, and the position of the first: each carry turns these
    # afresh, so rounding never builds up from one turn to the next.
    sink_keys: list[torch.Tensor] = field(default_factory=list)
    sink_position: int = 0


# Leading tokens a carried cache keeps as attention sinks (StreamingLLM's 4).
SINK_TOKENS = 4


def in_shape(
    config: TempLoraConfig, context: torch.Tensor, chunk: torch.Tensor, carried: bool = False
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Context and chunk at lengths a few shapes cover, and how many padding tokens end the chunk.

    A bf16 CPU's oneDNN compiles each new product shape and keeps memory for it (config.py,
    shape_step_tokens). So a chunk is padded at its end, where causal attention keeps the padding from
    every real token and its loss is dropped, and a context loses up to a step's worth of its oldest
    tokens; lengths stay a whole number of steps from Δ and L_T, so full chunks and contexts (and the
    opening's with the defaults, 128 tokens apart) run exactly as they are. A context shorter than a step
    stays whole. A `carried` context keeps its exact text (its cache has shapes of its own).
    """
    step = config.shape_step_tokens
    if not step or carried:
        return context, chunk, 0
    trim = (len(context) - config.context_tokens) % step
    if len(context) - trim >= step:
        context = context[trim:]
    pad = (config.chunk_tokens - len(chunk)) % step
    return context, torch.cat([chunk, chunk.new_zeros(pad)]), pad


class TempLoraTrainer:
    """Trains and scores temporary adapters on one frozen base model."""

    def __init__(self, causal_lm, config: TempLoraConfig) -> None:
        self.device = training_device()
        self.bf16 = config.bf16 and (self.device.type == "cuda" or cpu_has_fast_bf16())
        dtype = torch.bfloat16 if self.bf16 else torch.float32
        causal_lm = causal_lm.to(device=self.device, dtype=dtype)
        for p in causal_lm.parameters():
            p.requires_grad_(False)
        self.causal_lm = causal_lm
        self.config = config
        self.peft = None  # created with the first adapter: PEFT wraps the model in place
        self.adapters: dict[str, DocumentAdapter] = {}
        self._created = 0
        # A carried context is a cache of full-attention layers at explicit positions; models with sliding
        # windows (Gemma 3) cache their local layers differently and run each context afresh.
        text_config = getattr(causal_lm.config, "text_config", causal_lm.config)
        rotary = getattr(getattr(causal_lm, "model", None), "rotary_emb", None)
        self.can_carry = getattr(rotary, "attention_scaling", None) == 1.0 and all(
            t == "full_attention" for t in getattr(text_config, "layer_types", None) or []
        )
        self.max_positions = getattr(text_config, "max_position_embeddings", 2048)
        # During a step, the attention layers below this one are cut from the backward pass (config.py,
        # attention_backward_from); 0 outside a step.
        self.attention_detached_below = 0
        for module_name, module in causal_lm.named_modules():
            layer = layer_number(module_name)
            if module_name.endswith("self_attn") and layer is not None:
                module.register_forward_pre_hook(partial(self._attention_input, layer), with_kwargs=True)
        n = sum(p.numel() for p in causal_lm.parameters())
        self.n_params = n
        log.info("trainer on %s, %s, %.1fM parameters", self.device, dtype, n / 1e6)

    # -- adapters ------------------------------------------------------------------------------------------
    def add_adapter(self, name: str, config: TempLoraConfig | None = None) -> DocumentAdapter:
        """A fresh adapter (B = 0, so it starts as the base model)."""
        from peft import LoraConfig, get_peft_model

        config = config or self.config
        if name in self.adapters:
            raise ValueError(f"adapter {name!r} exists")
        self._created += 1
        peft_name = f"temp_lora_{self._created}"
        torch.manual_seed(config.seed)
        lora = LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=config.dropout,
            target_modules=self._target_names(config),
            bias="none",
        )
        if self.peft is None:
            self.peft = get_peft_model(self.causal_lm, lora, adapter_name=peft_name)
        else:
            self.peft.add_adapter(peft_name, lora)
        if self.bf16:
            # PEFT casts a LoRA layer's input to its weights' dtype (fp32 masters here), then autocast casts
            # it back to bf16 for the product: two copies of every adapted layer's input, for nothing.
            self.set_input_casts(False)
        groups = {"lora_A": [], "lora_B": []}
        for n, p in self._adapter_parameters(peft_name):
            p.data = p.data.float()  # master weights in fp32 even when the base is bf16
            if "lora_A" in n:
                p.data *= config.a_init_scale
            p.requires_grad_(True)
            groups["lora_B" if "lora_B" in n else "lora_A"].append(p)
        graphed = self.device.type == "cuda" and config.cuda_graphs
        # A CUDA graph replays the optimiser's step as recorded: its state and its rates must be tensors
        # on the GPU that the graph reads (engine/cuda_graphs.py).
        rate = (lambda: {"lr": torch.tensor(config.lr, device=self.device)}) if graphed else dict
        optimizer = torch.optim.AdamW(
            [{"params": groups["lora_A"], **rate()}, {"params": groups["lora_B"], **rate()}],
            weight_decay=config.weight_decay,
            betas=(config.beta1, config.beta2),
            capturable=graphed,
        )
        adapter = DocumentAdapter(name, peft_name, config, optimizer)
        if graphed:
            adapter.graphs = StepGraphs(lambda: self._adapter_state(adapter))
        self.adapters[name] = adapter
        self.set_learning_rate(name, config.lr)  # the one place that applies B's ratio
        return self.adapters[name]

    def set_learning_rate(self, name: str, lr: float) -> None:
        """The learning rate of this adapter's next steps (B's is lr times `lr_b_ratio`)."""
        adapter = self.adapters[name]
        a_group, b_group = adapter.optimizer.param_groups
        for group, value in ((a_group, lr), (b_group, lr * adapter.config.lr_b_ratio)):
            if torch.is_tensor(group["lr"]):
                group["lr"].fill_(value)  # in place: a recorded graph reads this tensor
            else:
                group["lr"] = value

    def _adapter_state(self, adapter: DocumentAdapter) -> list[torch.Tensor]:
        """Every tensor an optimiser step of this adapter changes or reads as a setting: its weights,
        AdamW's moments and step counts, the rates."""
        groups = adapter.optimizer.param_groups
        params = [p for group in groups for p in group["params"]]
        moments = [
            value
            for p in params
            for _, value in sorted(adapter.optimizer.state.get(p, {}).items())
            if torch.is_tensor(value)
        ]
        return params + moments + [g["lr"] for g in groups if torch.is_tensor(g["lr"])]

    def set_input_casts(self, enabled: bool) -> None:
        """Whether PEFT copies each adapted layer's input to the adapter weights' dtype (fp32)."""
        for module in self.peft.modules():
            if hasattr(module, "cast_input_dtype_enabled"):
                module.cast_input_dtype_enabled = enabled

    def _target_names(self, config: TempLoraConfig) -> list[str]:
        """Full names of the modules this adapter adapts: the targets, in layers from `first_layer` up.

        A target matches a module's name, or its end after a dot, as PEFT matches `target_modules`.
        """
        names = []
        for name, _ in self.causal_lm.named_modules():
            if not any(name == t or name.endswith(f".{t}") for t in config.target_modules):
                continue
            layer = layer_number(name)
            if layer is None or layer >= config.first_layer:
                names.append(name)
        if not names:
            raise ValueError(f"no module of the model matches {list(config.target_modules)}")
        return names

    def remove_adapter(self, name: str) -> None:
        """Forget a document's adapter and optimiser state."""
        adapter = self.adapters.pop(name, None)
        if adapter is None:
            return
        adapter.graphs = None  # their memory with them
        if len(self.peft.peft_config) > 1:
            self.peft.delete_adapter(adapter.peft_name)
            # Deleting the active adapter moves PEFT's layers to another one but can leave the PeftModel's
            # own active name on the deleted one, which disable_adapter() (the base model's scores) reads.
            if self.peft.active_adapter not in self.peft.peft_config:
                self.peft.set_adapter(next(iter(self.peft.peft_config)))
        else:  # PEFT keeps at least one adapter: leave it in place, unused and frozen
            for _, p in self._adapter_parameters(adapter.peft_name):
                p.requires_grad_(False)

    def _adapter_parameters(self, peft_name: str) -> list[tuple[str, torch.nn.Parameter]]:
        """(name, parameter) of every LoRA A and B matrix of one adapter."""
        return [(n, p) for n, p in self.peft.named_parameters() if f".{peft_name}." in n and "lora_" in n]

    def lora_layers(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Hugging Face module name → (A, B) of this adapter, for export."""
        from peft.tuners.lora import LoraLayer

        name = self.adapters[name].peft_name
        layers = {}
        for module_name, module in self.peft.base_model.model.named_modules():
            if isinstance(module, LoraLayer) and name in module.lora_A:
                a = module.lora_A[name].weight.detach().float().cpu().numpy()
                b = module.lora_B[name].weight.detach().float().cpu().numpy()
                layers[module_name] = (a, b)
        return layers

    # -- losses --------------------------------------------------------------------------------------------
    def _autocast(self):
        # No cast cache on a GPU: a graph's capture must not keep casts made outside it (PyTorch's CUDA
        # graphs notes); the casts are of the small adapter matrices only.
        return torch.autocast(
            self.device.type,
            dtype=torch.bfloat16,
            enabled=self.bf16,
            cache_enabled=self.device.type != "cuda",
        )

    def _token_nll(self, ids: torch.Tensor, first_label: int, frozen_prefix: int = 0) -> torch.Tensor:
        """NLL of each of ids[first_label:], each token predicted from all tokens before it in `ids`.

        The first `frozen_prefix` tokens (at most first_label - 1) run without gradients, as a key/value
        cache the rest attends to: training then back-propagates through the labelled tokens only.
        """
        first_label = max(first_label, 1)
        frozen_prefix = min(frozen_prefix, first_label - 1)
        model = self._model()
        ids = ids.to(self.device)
        past = None
        if frozen_prefix:
            with torch.no_grad(), self._autocast():
                past = model.model(input_ids=ids[None, :frozen_prefix], use_cache=True).past_key_values
        with self._autocast():
            hidden = model.model(
                input_ids=ids[None, frozen_prefix:], past_key_values=past, use_cache=past is not None
            ).last_hidden_state[0]
        hidden = hidden[first_label - 1 - frozen_prefix : len(ids) - 1 - frozen_prefix]
        return self._head_nll(hidden, ids[first_label:])

    def _attention_input(self, layer: int, module, args: tuple, kwargs: dict):
        """An attention layer's input, cut from the backward pass below `attention_detached_below`."""
        if layer >= self.attention_detached_below:
            return None
        if args:
            return (args[0].detach(), *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": kwargs["hidden_states"].detach()}

    def _carries(self, config: TempLoraConfig) -> bool:
        """Whether steps of `config` carry their context (a sliding-window model never does)."""
        return config.carry_context and self.can_carry

    def _model(self):
        """The causal LM with this trainer's LoRA layers in it (PEFT wraps the model in place)."""
        return self.peft.base_model.model if self.peft is not None else self.causal_lm

    def _chunk_nll(
        self, adapter: DocumentAdapter, context: torch.Tensor, chunk: torch.Tensor
    ) -> torch.Tensor:
        """NLL of each chunk token after a frozen context, keeping this step's keys and values for the next.

        The context but its last token comes from the carried cache when the last step ran through it, else
        from a forward without gradients; its last token and the chunk run with gradients.
        """
        from transformers.cache_utils import DynamicCache

        model = self._model()
        context, chunk = context.to(self.device), chunk.to(self.device)
        carried = adapter.carried if adapter.config.carry_context else None
        adapter.carried = None
        if carried is not None and not (
            carried.step == adapter.steps
            and torch.equal(carried.expects, context)
            and carried.position + len(context) + len(chunk) <= self.max_positions
        ):
            carried = None
        if carried is None:
            cache, position = DynamicCache(), 0
            if len(context) > 1:
                with torch.no_grad(), self._autocast():
                    model.model(input_ids=context[None, :-1], past_key_values=cache, use_cache=True)
        else:
            cache, position = carried.cache, carried.position
        ids = torch.cat([context[-1:], chunk])
        first = position + len(context) - 1
        positions = torch.arange(first, first + len(ids), device=self.device)[None]
        with self._autocast():
            hidden = model.model(
                input_ids=ids[None], past_key_values=cache, position_ids=positions, use_cache=True
            ).last_hidden_state[0]
        if adapter.config.carry_context:
            text = torch.cat([context, chunk])
            adapter.carried = self._carry(cache, text, position, carried, adapter)
        return self._head_nll(hidden[:-1], chunk)

    def _carry(self, cache, text, position: int, before: CarriedContext | None, adapter) -> CarriedContext:
        """What the next chunk in text order needs of this step's cache (the sinks of `before`, if it
        was carried, then `text` from `position` on): the sinks, and the keys and values of the next
        context but its last token, detached.

        The sinks are moved (their keys turned) to stand just before the next context, as the first tokens
        of a context run afresh do; left where they were, they drift ever further from it."""
        from transformers.cache_utils import DynamicCache

        sinks = before.sinks if before else 0
        keep = min(adapter.config.context_tokens, len(text))
        start, end = sinks + len(text) - keep, sinks + len(text) - 1  # the next context in the cache
        kept_sinks = min(
            sinks or SINK_TOKENS, start
        )  # the first entries stay, as sinks, once text is dropped
        if before and before.sinks:
            sink_keys, sink_position = before.sink_keys, before.sink_position
        else:  # a fresh run: its first tokens become the sinks
            sink_keys = [layer.keys[:, :, :kept_sinks].detach().float() for layer in cache.layers]
            sink_position = position
        next_position = position + len(text) - keep
        turn = self._turn(next_position - kept_sinks - sink_position, sink_keys[0])
        kept = DynamicCache()
        for i, layer in enumerate(cache.layers):
            keys = torch.cat([turn(sink_keys[i]).to(layer.keys.dtype), layer.keys[:, :, start:end]], dim=2)
            values = torch.cat([layer.values[:, :, :kept_sinks], layer.values[:, :, start:end]], dim=2)
            kept.update(keys.detach(), values.detach(), i)
        return CarriedContext(
            text[-keep:], kept, next_position, adapter.steps + 1, kept_sinks, sink_keys, sink_position
        )

    def _turn(self, shift: int, like: torch.Tensor):
        """A function turning fp32 cached keys as if they stood `shift` positions later: rotary
        embeddings compose, so one more rotation by `shift` moves them (llama.cpp's K-shift does the
        same). cos and sin in fp32: the model's rotary module returns them in its input's dtype."""
        if not shift or not like.shape[2]:
            return lambda keys: keys
        rotary = self._model().model.rotary_emb
        at = torch.tensor([[shift]], device=like.device)
        cos, sin = (t[:, None] for t in rotary(like.float(), position_ids=at))
        half = like.shape[-1] // 2

        def turn(keys: torch.Tensor) -> torch.Tensor:
            turned = torch.cat([-keys[..., half:], keys[..., :half]], dim=-1)  # HF's rotate_half
            return keys * cos + turned * sin

        return turn

    def _head_nll(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """NLL of each target from the hidden state before it, the output head run over slices."""
        head = self._model().get_output_embeddings()
        step = self.config.loss_slice_tokens
        parts = []
        for s in range(0, len(targets), step):
            with self._autocast():
                logits = head(hidden[s : s + step])
            parts.append(F.cross_entropy(logits.float(), targets[s : s + step], reduction="none"))
        return torch.cat(parts)

    def _nll(self, ids: torch.Tensor, first_label: int) -> tuple[torch.Tensor, int]:
        """Summed NLL of ids[first_label:] and how many tokens that is."""
        nll = self._token_nll(ids, first_label)
        return nll.sum(), len(nll)

    def train_step(self, name: str, context: torch.Tensor, chunk: torch.Tensor) -> float:
        """One optimiser step on `chunk` after `context`; returns the chunk's mean loss.

        The context's own tokens carry `context_loss` times a chunk token's weight (0: no loss on them).
        """
        return self._step(name, context, chunk).mean().item()

    def _step(self, name: str, context: torch.Tensor, chunk: torch.Tensor) -> torch.Tensor:
        """One optimiser step; the NLL of each of the chunk's tokens before it (detached)."""
        adapter = self.adapters[name]
        tokens = len(context) + len(chunk)  # the work done, as counted, is the manuscript's
        carries = self._carries(adapter.config)
        context, chunk, pad = in_shape(adapter.config, context, chunk, carries)

        def step(context: torch.Tensor, chunk: torch.Tensor) -> torch.Tensor:
            self.peft.set_adapter(adapter.peft_name)
            self.peft.train()
            self.attention_detached_below = adapter.config.attention_backward_from
            try:
                return self._optimizer_step(adapter, context, chunk, pad)
            finally:
                self.peft.eval()
                self.attention_detached_below = 0

        if adapter.graphs is not None and not carries:
            # A replay needs none of the model's Python state (the active adapter, train mode), so it skips
            # setting it: PEFT walks every module to do so, milliseconds the GPU would wait.
            shape = (len(context), len(chunk), pad)
            nll = adapter.graphs.run(shape, step, context.to(self.device), chunk.to(self.device))
        else:
            nll = step(context, chunk)
        adapter.steps += 1
        adapter.trained_tokens += tokens
        return nll

    def _optimizer_step(
        self, adapter: DocumentAdapter, context: torch.Tensor, chunk: torch.Tensor, pad: int
    ) -> torch.Tensor:
        """The loss, its backward pass and AdamW's step: tensors only, so a CUDA graph can record it.
        Returns the NLL of each of the chunk's tokens but its last `pad` (padding)."""
        weight = adapter.config.context_loss
        if adapter.config.frozen_context and weight == 0 and len(context) and self.can_carry:
            nll = self._chunk_nll(adapter, context, chunk)
        else:
            first_label = 1 if weight > 0 else len(context)
            frozen = len(context) if adapter.config.frozen_context else 0
            nll = self._token_nll(torch.cat([context, chunk]), first_label, frozen)
        nll = nll[: len(nll) - pad]
        n_context = max(0, len(nll) - (len(chunk) - pad))  # a text's first token has no label
        weights = torch.ones_like(nll)
        weights[:n_context] = weight
        loss = (weights * nll).sum() / weights.sum()
        loss.backward()
        adapter.optimizer.step()
        adapter.optimizer.zero_grad(set_to_none=True)
        return nll[n_context:].detach()

    def train_chunk(self, name: str, context: torch.Tensor, chunk: torch.Tensor) -> float:
        """E optimiser steps on `chunk` after `context`.

        Returns the chunk's mean loss at the first step, i.e. before this chunk changed the adapter: the
        "test" half of test-then-train, for free (exact when dropout is 0).
        """
        return self._train_chunk(name, context, chunk).mean().item()

    def train_chunk_with_gains(
        self, name: str, context: torch.Tensor, chunk: torch.Tensor
    ) -> tuple[float, torch.Tensor]:
        """As train_chunk, and what the adapter had learned of each chunk token before this chunk.

        The gain of a token is its log-probability with the adapter minus with the base model alone, both
        after the same `context`: the first step's forward gives the first, one more forward without the
        adapter (no gradients) the second. The first token of a text has no prediction and no gain.
        """
        base = self.base_nll(context, chunk, self.adapters[name].config)
        self.adapters[name].carried = None  # both scores after the context run afresh, the same context
        nll = self._train_chunk(name, context, chunk)
        self.adapters[name].measured_tokens += len(context) + len(chunk)
        return nll.mean().item(), base - nll

    def _train_chunk(self, name: str, context: torch.Tensor, chunk: torch.Tensor) -> torch.Tensor:
        """E steps; each chunk token's NLL at the first."""
        adapter = self.adapters[name]
        config = adapter.config
        early = config.early_epochs and adapter.chunks_trained < config.early_chunks
        first = None
        for _ in range(config.early_epochs if early else config.epochs):
            nll = self._step(name, context, chunk)
            first = nll if first is None else first
        adapter.chunks_trained += 1
        return first

    @torch.no_grad()
    def base_nll(
        self, context: torch.Tensor, chunk: torch.Tensor, config: TempLoraConfig | None = None
    ) -> torch.Tensor:
        """The base model's NLL of each of the chunk's tokens after `context` (no adapter), the context in
        the shape an adapter of `config` trains it in."""
        config = config or self.config
        context, chunk, pad = in_shape(config, context, chunk, self._carries(config))
        with self._adapter_context(None):
            nll = self._token_nll(torch.cat([context, chunk]), len(context))
        return nll[: len(nll) - pad]

    @torch.no_grad()
    def window_nll(self, tokens: torch.Tensor, start: int, end: int, window: int, adapter: str | None):
        """Summed NLL and count of tokens[start:end], scored as the generator sees text.

        The span is cut into segments of `min(window // 2, end - start)` tokens; each segment is fed with the
        tokens before it, so the whole input is at most `window` tokens. Every scored token is thus
        predicted from between window - segment and window - 1 earlier tokens (fewer at the start of the
        book).
        Token 0 of the book has nothing to be predicted from and is not scored.
        """
        stride = max(1, min(window // 2, end - start))
        total, count = 0.0, 0
        ctx = self._adapter_context(adapter)
        with ctx:
            for a in range(start, end, stride):
                b = min(a + stride, end)
                lo = max(0, b - window)
                nll, n = self._nll(tokens[lo:b], a - lo)
                total += nll.item()
                count += n
        return total, count

    def _adapter_context(self, adapter: str | None):
        """Within it, the model runs with `adapter` (None: the base model alone)."""
        if self.peft is None:
            return contextlib.nullcontext()
        if adapter is None:
            return self.peft.disable_adapter()
        self.peft.set_adapter(self.adapters[adapter].peft_name)
        self.peft.eval()
        return contextlib.nullcontext()


def set_threads(n: int | None) -> None:
    """Torch's intra-op threads (default: every core this process may use)."""
    torch.set_num_threads(n or len(os.sched_getaffinity(0)))
