"""The fused head and loss (engine/head_loss.py) against PEFT's LoRA head and torch's cross-entropy."""

import pytest
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model

from engine.head_loss import head_nll, lora_head


class Head(torch.nn.Module):
    def __init__(self, dim: int, vocab: int) -> None:
        super().__init__()
        self.lm_head = torch.nn.Linear(dim, vocab, bias=False)

    def forward(self, x):
        return self.lm_head(x)


def adapted_head(dim=24, vocab=300, rank=4, dropout=0.0, dtype=torch.float32):
    torch.manual_seed(0)
    model = Head(dim, vocab).to(dtype)
    model.lm_head.weight.requires_grad_(False)
    config = LoraConfig(r=rank, lora_alpha=8, lora_dropout=dropout, target_modules=["lm_head"])
    peft = get_peft_model(model, config, adapter_name="doc")
    head = peft.base_model.model.lm_head
    torch.nn.init.normal_(head.lora_B["doc"].weight, std=0.1)  # B starts at 0: give it something to carry
    for p in (head.lora_A["doc"].weight, head.lora_B["doc"].weight):
        p.data = p.data.float()
    return peft, head


def grads(loss, tensors):
    return torch.autograd.grad(loss, tensors)


def test_the_fused_loss_and_its_gradients_are_peft_and_cross_entropy_s():
    _, head = adapted_head()
    parts = lora_head(head, "doc")
    assert parts is not None
    hidden = torch.randn(40, 24, requires_grad=True)
    targets = torch.randint(0, 300, (40,))
    weights = torch.rand(40)  # each token's weight in the loss, as a step's context tokens have
    a, b = head.lora_A["doc"].weight, head.lora_B["doc"].weight

    reference = F.cross_entropy(head(hidden), targets, reduction="none")
    fused = head_nll(parts, hidden, targets)
    torch.testing.assert_close(fused, reference, rtol=1e-5, atol=1e-5)
    for got, want in zip(
        grads((weights * fused).sum(), [hidden, a, b]),
        grads((weights * reference).sum(), [hidden, a, b]),
        strict=True,
    ):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)


def test_in_bf16_the_gradients_stay_within_bf16_rounding():
    _, head = adapted_head(dtype=torch.bfloat16)
    parts = lora_head(head, "doc")
    hidden = torch.randn(64, 24, dtype=torch.bfloat16, requires_grad=True)
    targets = torch.randint(0, 300, (64,))
    a, b = head.lora_A["doc"].weight, head.lora_B["doc"].weight
    with torch.autocast("cpu", dtype=torch.bfloat16):
        reference = F.cross_entropy(head(hidden).float(), targets, reduction="none")
    fused = head_nll(parts, hidden, targets)
    torch.testing.assert_close(fused, reference, rtol=0.02, atol=0.02)
    for got, want in zip(grads(fused.sum(), [a, b]), grads(reference.sum(), [a, b]), strict=True):
        assert (got - want).norm() / want.norm() < 0.03


@pytest.mark.parametrize("case", ["disabled", "dropout", "other adapter", "frozen"])
def test_a_head_it_cannot_stand_in_for_runs_as_it_is(case):
    peft, head = adapted_head(dropout=0.1 if case == "dropout" else 0.0)
    if case == "disabled":
        with peft.disable_adapter():
            assert lora_head(head, "doc") is None
        return
    if case == "frozen":
        head.lora_B["doc"].weight.requires_grad_(False)
    name = "another" if case == "other adapter" else "doc"
    assert lora_head(head, name) is None
