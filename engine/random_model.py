"""Randomly initialised models of the supported architectures, written as GGUF files as llama.cpp's converter
writes real ones: for tests of the export (tiny models, built in seconds) and for speed measurements on
machines no weights can reach (1B and 3B llama shapes).

The model is built in transformers with random weights, then written tensor by tensor under its GGUF name,
with the changes `convert_hf_to_gguf.py` makes on the way, so that transformers' GGUF loader (which undoes
them) and llama.cpp see the same function:
- llama: the rows of q and k are permuted into GGML's rotary layout (engine/export.py's `permute_rows`);
- gemma3: every RMSNorm weight is stored plus one (Gemma scales by 1 + w, llama.cpp by w);
- qwen2: q, k and v carry biases; nothing is changed.
The vocabulary is a made-up SentencePiece one (byte fallback, so any text tokenizes): real tokenizers
cannot reach a machine without network either, and speed and the export do not depend on which words the
tokens are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from engine.export import permute_rows

# SentencePiece token types, as llama.cpp reads `tokenizer.ggml.token_type`.
_NORMAL, _UNKNOWN, _CONTROL, _BYTE = 1, 2, 3, 6


@dataclass(frozen=True)
class Shape:
    """The sizes of a decoder-only model."""

    architecture: str  # "llama", "qwen2" or "gemma3"
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    head_dim: int | None = None  # None: hidden // heads
    tied_head: bool = False
    context: int = 4096
    sliding_window: int = 512  # gemma3 only

    @property
    def dim(self) -> int:
        return self.head_dim or self.hidden // self.heads


# Tiny models for the tests, each with what makes its architecture differ: Llama 3's grouped-query attention,
# a vocabulary far wider than the model (32k: Llama 3's 128k costs gguf's reader ~8 s a read of the file, a
# load reads it five times) and untied head; Qwen2's q/k/v biases; Gemma 3's 256-wide heads, q/k norms,
# four norms a layer, sliding-window layers and tied head.
TINY = {
    "llama": Shape("llama", 64, 128, 2, 4, 2, vocab=32768),
    "qwen2": Shape("qwen2", 64, 128, 2, 4, 2, vocab=8192, tied_head=True),
    "gemma3": Shape("gemma3", 64, 128, 2, 2, 1, vocab=8192, head_dim=256, tied_head=True),
}
# Llama 3.2's published shapes (1B: 1.24B parameters, 3B: 3.21B), which writers' llama-family models share.
LLAMA_1B = Shape("llama", 2048, 8192, 16, 32, 8, vocab=128256, head_dim=64, tied_head=True)
LLAMA_3B = Shape("llama", 3072, 8192, 28, 24, 8, vocab=128256, head_dim=128, tied_head=True)
# TinyLlama's shape, the one docs/BENCHMARKS.md's earlier GPU figures used (1.10B parameters).
TINYLLAMA_1B = Shape("llama", 2048, 5632, 22, 32, 4, vocab=32000)
SIZES = {"tinyllama-1.1b": TINYLLAMA_1B, "llama-1b": LLAMA_1B, "llama-3b": LLAMA_3B}
SIZES.update({f"tiny-{arch}": shape for arch, shape in TINY.items()})  # for trying the scripts


def hf_config(shape: Shape):
    """The transformers config of a model of this shape."""
    common = dict(
        vocab_size=shape.vocab,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        max_position_embeddings=shape.context,
        tie_word_embeddings=shape.tied_head,
        rms_norm_eps=1e-6,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=None,
    )
    if shape.architecture == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(head_dim=shape.dim, rope_theta=500000.0, **common)
    if shape.architecture == "qwen2":
        from transformers import Qwen2Config

        return Qwen2Config(rope_theta=1000000.0, **common)
    if shape.architecture == "gemma3":
        from transformers import Gemma3TextConfig

        # transformers' GGUF loader reads no query_pre_attn_scalar and keeps its default, 256; llama.cpp
        # scales by 1/sqrt(head_dim): they agree because Gemma 3's heads are 256 wide (270M to 12B).
        return Gemma3TextConfig(
            head_dim=shape.dim, query_pre_attn_scalar=shape.dim, sliding_window=shape.sliding_window, **common
        )
    raise ValueError(f"no random model for architecture {shape.architecture!r}")


def random_causal_lm(shape: Shape, seed: int = 0, device: str | torch.device = "cpu", dtype=torch.float32):
    """A transformers model of this shape with random weights (transformers' own initialisation)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(hf_config(shape), dtype=dtype)
    with torch.no_grad():
        # q and k drawn wider than transformers' 0.02: a model that random attends almost uniformly, so its
        # logits would not depend on q and k, and a wrong export of them (the llama permutation) went unseen.
        for name, p in model.named_parameters():
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                p.normal_(0.0, 0.5)
    if shape.architecture == "gemma3":
        # Gemma's norms start at 0 (a scale of 1); random ones make a mistake in the +1 convention visible.
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("norm.weight"):
                    p.normal_(0.0, 0.1)
    return model.eval()


def vocabulary(size: int) -> tuple[list[str], list[float], list[int]]:
    """A SentencePiece vocabulary of `size` pieces: <unk> <s> </s>, the 256 byte pieces, then made-up
    word pieces; text tokenizes into the word pieces where they match and into bytes elsewhere."""
    tokens = ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(256))]
    types = [_UNKNOWN, _CONTROL, _CONTROL, *([_BYTE] * 256)]
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    words = []

    # Common short English pieces first (so a novel gets multi-byte tokens), then letter pairs and triples.
    for word in [
        "the",
        "and",
        "of",
        "to",
        "a",
        "in",
        "was",
        "her",
        "he",
        "his",
        "that",
        "it",
        "had",
        "she",
        "with",
        "as",
        "for",
        "not",
        "be",
        "you",
        "at",
        "him",
        "said",
        "but",
        "by",
        "on",
        "my",
        "have",
        "all",
        "so",
        "which",
        "were",
        "is",
        "would",
        "been",
        "no",
        "they",
        "me",
        "from",
        "this",
        "an",
        "could",
        "very",
        "what",
        "or",
        "more",
    ]:
        words.append("▁" + word)
    words += ["▁" + a for a in letters] + [a for a in letters]
    words += [a + b for a in letters for b in letters]
    words += [a + b + c for a in letters[:12] for b in letters for c in letters[:12]]
    seen = set(tokens)
    for w in words:
        if len(tokens) >= size:
            break
        if w not in seen:
            seen.add(w)
            tokens.append(w)
            types.append(_NORMAL)
    i = 0
    while len(tokens) < size:  # the rest: reserved control tokens, as Llama 3 and Gemma have
        tokens.append(f"<unused{i}>")
        types.append(_CONTROL)
        i += 1
    scores = [0.0] * 3 + [0.0] * 256
    scores += [-float(i) / size for i in range(len(tokens) - len(scores))]
    return tokens, scores, types


def _gguf_tensors(model, shape: Shape):
    """(GGUF name, float32 array) of every weight, as convert_hf_to_gguf.py changes it."""
    import gguf

    arch = next(a for a, name in gguf.MODEL_ARCH_NAMES.items() if name == shape.architecture)
    names = gguf.get_tensor_name_map(arch, shape.layers)
    for hf_name, tensor in model.state_dict().items():
        if shape.tied_head and hf_name == "lm_head.weight":
            continue  # a tied head is the embeddings; llama.cpp reuses token_embd
        if "rotary_emb" in hf_name:
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ValueError(f"no GGUF name for {hf_name}")
        data = tensor.detach().float().cpu().numpy()
        if shape.architecture == "llama" and re.search(r"\.(q_proj|k_proj)\.weight$", hf_name):
            data = permute_rows(data, shape.heads if ".q_proj." in hf_name else shape.kv_heads)
        if shape.architecture == "gemma3" and hf_name.endswith("norm.weight"):
            data = data + 1.0
        yield name, data


def write_gguf(model, shape: Shape, path: Path, quantized: bool = True, name: str = "random") -> Path:
    """Write `model` (of `shape`) as a GGUF: matrices in Q8_0 (or F16), norms and biases in F32."""
    import gguf

    arch = shape.architecture
    writer = gguf.GGUFWriter(path, arch, use_temp_file=False)
    writer.add_name(name)
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.hidden)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.intermediate)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_vocab_size(shape.vocab)
    if arch == "gemma3":
        writer.add_key_length(shape.dim)
        writer.add_value_length(shape.dim)
        writer.add_sliding_window(shape.sliding_window)
        writer.add_rope_freq_base(model.config.rope_parameters["full_attention"]["rope_theta"])
    else:
        writer.add_rope_dimension_count(shape.dim)
        writer.add_rope_freq_base(model.config.rope_parameters["rope_theta"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if quantized else gguf.LlamaFileType.MOSTLY_F16)
    tokens, scores, types = vocabulary(shape.vocab)
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    for tensor_name, data in _gguf_tensors(model, shape):
        if data.ndim == 2 and data.shape[-1] % 32 == 0:
            if quantized:
                q = gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0)
                writer.add_tensor(tensor_name, q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
            else:
                writer.add_tensor(tensor_name, data.astype(np.float16))
        else:
            writer.add_tensor(tensor_name, data.astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def random_gguf(shape: Shape, path: Path, seed: int = 0, quantized: bool = True) -> Path:
    """Build a random model of `shape` and write it to `path`."""
    return write_gguf(
        random_causal_lm(shape, seed), shape, path, quantized, name=f"random-{shape.architecture}"
    )


def tiny(architecture: str) -> Shape:
    """The tests' tiny shape of an architecture."""
    return replace(TINY[architecture])
