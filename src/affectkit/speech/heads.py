"""Classifier heads over the Whisper encoder's hidden states (PyTorch).

A head is given the hidden states of the layers it reads, ``x`` [batch, frames, layers, hidden],
with ``mask`` [batch, frames] marking real frames, and returns logits.

- `AttentiveHead`: a learned softmax mix of the layers, a per-frame projection, attentive
  statistics pooling (attention-weighted mean and standard deviation) and a linear layer.
- `PooledLinearHead`: mean and standard deviation of each layer over the frames, standardised
  with statistics from the training data, and a linear layer (multinomial logistic regression).
"""

from __future__ import annotations

import torch
from torch import nn


def masked_stats(h: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor | None = None):
    """Mean and standard deviation over frames (dim 1) of `h` [B, T, ...], padding excluded."""
    w = mask.to(h.dtype)
    if weights is not None:
        w = w * weights
    w = w / w.sum(1, keepdim=True).clamp_min(1e-8)
    w = w.view(*w.shape, *([1] * (h.dim() - 2)))
    mean = (w * h).sum(1)
    std = ((w * (h - mean[:, None]) ** 2).sum(1) + 1e-5).sqrt()
    return mean, std


class AttentiveHead(nn.Module):
    def __init__(
        self, layers: int, hidden: int, labels: int, width: int = 256, dropout: float = 0.3
    ) -> None:
        super().__init__()
        self.mix = nn.Parameter(torch.zeros(layers))
        self.norm = nn.LayerNorm(hidden)
        self.proj = nn.Sequential(nn.Linear(hidden, width), nn.GELU(), nn.Dropout(dropout))
        self.attend = nn.Linear(width, 1)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, labels))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = (x * torch.softmax(self.mix, 0)[None, None, :, None]).sum(2)
        h = self.proj(self.norm(x))
        score = self.attend(h).squeeze(-1).masked_fill(~mask, -1e9)
        mean, std = masked_stats(h, mask, torch.softmax(score, 1))
        return self.out(torch.cat([mean, std], 1))


class PooledLinearHead(nn.Module):
    def __init__(self, layers: int, hidden: int, labels: int) -> None:
        super().__init__()
        dim = 2 * layers * hidden
        self.register_buffer("center", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))
        self.linear = nn.Linear(dim, labels)

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, T, L, H] → [B, 2·L·H]: every layer's mean, then every layer's std."""
        mean, std = masked_stats(x, mask)
        return torch.cat([mean.flatten(1), std.flatten(1)], 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, pooled: bool = False) -> torch.Tensor:
        z = x if pooled else self.pool(x, mask)
        return self.linear((z - self.center) / self.scale)
