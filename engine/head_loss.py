"""The output head and the loss as one step, for a head with a LoRA adapter on it.

Through PEFT and `F.cross_entropy`, a LoRA head's loss makes five vocabulary-wide tensors per token slice:
the base logits, the adapter's logits, their sum, a float copy, its log-softmax; and in the backward pass
a one-hot zero tensor, the log-softmax's gradient and the casts back. For a 512-token step of the default
model (49,152 words) that was 29% of the step's time on a 2-core CPU (docs/BENCHMARKS.md, session 19).
Here the adapter's product is added into the base logits in place, the softmax runs once, and its
probabilities (bf16, the precision the gradient is used in anyway) are kept for the backward pass, whose
gradient is then `probs × g` with `g` taken off at each target: no exp, no zero tensor, no cast of logits.
"""

from __future__ import annotations

import torch


class HeadNLL(torch.autograd.Function):
    """NLL of each target from `hidden`, through the head `weight` (frozen) plus `scale · B A`."""

    @staticmethod
    def forward(ctx, hidden, weight, lora_a, lora_b, scale: float, targets):
        with torch.autocast(hidden.device.type, enabled=False):
            dtype = weight.dtype
            hidden = hidden.to(dtype)
            down = (hidden @ lora_a.to(dtype).t()) * scale  # [n, r]: the adapter's way in
            b = lora_b.to(dtype)
            logits = hidden @ weight.t()
            logits.addmm_(down, b.t())
            log_probs = torch.log_softmax(logits.float(), dim=-1)
            del logits
            nll = -log_probs.gather(1, targets[:, None])[:, 0]
            probs = log_probs.exp_().to(dtype)
        ctx.save_for_backward(hidden, weight, lora_a, b, down, probs, targets, nll)
        ctx.scale = scale
        return nll

    @staticmethod
    def backward(ctx, grad_nll):
        hidden, weight, lora_a, b, down, probs, targets, nll = ctx.saved_tensors
        with torch.autocast(hidden.device.type, enabled=False):
            # d nll / d logits = softmax - one_hot(target), times each token's weight in the loss; at the
            # target from the fp32 probability, as p - 1 in bf16 would lose what p is close to 1 keeps
            grad_logits = probs.mul_(grad_nll.to(probs.dtype)[:, None])
            at_target = (torch.exp(-nll) - 1) * grad_nll
            grad_logits[torch.arange(len(targets), device=targets.device), targets] = at_target.to(
                probs.dtype
            )
            grad_down = grad_logits @ b  # [n, r]
            grad_hidden = grad_logits @ weight
            grad_b = (grad_logits.t() @ down).float()
            grad_down = grad_down.float() * ctx.scale
            grad_a = grad_down.t() @ hidden.float()
            grad_hidden += (grad_down @ lora_a).to(grad_hidden.dtype)
        return grad_hidden, None, grad_a, grad_b, None, None


def lora_head(head, peft_name: str):
    """(weight, A, B, scale) of `head` when it is a PEFT LoRA layer training adapter `peft_name` as a plain
    product (no dropout, not merged, no DoRA), else None: the caller then runs the head as it is."""
    from peft.tuners.lora import LoraLayer

    if not isinstance(head, LoraLayer) or head.disable_adapters or head.merged:
        return None
    if list(head.active_adapters) != [peft_name] or peft_name not in head.lora_A:
        return None
    if not isinstance(head.lora_dropout[peft_name], torch.nn.Identity) or peft_name in head.lora_variant:
        return None
    if head.get_base_layer().bias is not None:
        return None
    a, b = head.lora_A[peft_name].weight, head.lora_B[peft_name].weight
    if not (a.requires_grad and b.requires_grad):
        return None
    return head.get_base_layer().weight, a, b, head.scaling[peft_name]


def head_nll(parts, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """NLL of each target from the hidden state before it, through the LoRA head `parts` (lora_head)."""
    weight, a, b, scale = parts
    return HeadNLL.apply(hidden, weight, a, b, scale, targets)
