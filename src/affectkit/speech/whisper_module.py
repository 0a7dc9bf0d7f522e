"""The Whisper encoder (pre-norm Transformer over two 1-D convolutions) in plain PyTorch.

Written here instead of taken from `transformers` so the speech package loads in a fraction of a
second and its parameter names are ours (`affectkit.speech.encoder` maps CTranslate2's onto them).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class _Layer(nn.Module):
    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.attn_norm = nn.LayerNorm(hidden)
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ffn_norm = nn.LayerNorm(hidden)
        self.fc1 = nn.Linear(hidden, 4 * hidden)
        self.fc2 = nn.Linear(4 * hidden, hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, t, h = x.shape
        y = self.attn_norm(x)
        q, k, v = (
            p(y).view(b, t, self.heads, h // self.heads).transpose(1, 2)
            for p in (self.q, self.k, self.v)
        )
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.out(y.transpose(1, 2).reshape(b, t, h))
        return x + self.fc2(F.gelu(self.fc1(self.ffn_norm(x))))


class WhisperEncoder(nn.Module):
    """Log-mel [B, mels, frames] → the output of every layer, each [B, frames // 2, hidden].

    ``hidden_states[0]`` is the input to the first layer (convolutions + positions), the last
    one has the final layer norm applied, as in Whisper. `lengths` (in mel frames) masks padding
    when clips of several lengths share a batch.
    """

    def __init__(
        self, hidden: int, layers: int, heads: int, mels: int = 80, positions: int = 1500
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(mels, hidden, 3, padding=1)
        self.conv2 = nn.Conv1d(hidden, hidden, 3, stride=2, padding=1)
        self.register_buffer("positions", torch.zeros(positions, hidden))
        self.layers = nn.ModuleList(_Layer(hidden, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden)

    def forward(
        self, mel: torch.Tensor, lengths: torch.Tensor | None = None, upto: int | None = None
    ) -> list[torch.Tensor]:
        """Hidden states 0..`upto` (default: all, the last one normalised)."""
        x = F.gelu(self.conv1(mel))
        x = F.gelu(self.conv2(x)).transpose(1, 2)
        t = x.shape[1]
        if t > self.positions.shape[0]:
            raise ValueError(
                f"At most {self.positions.shape[0]} positions (30 s) per pass; got {t}."
            )
        x = x + self.positions[:t]
        mask = None
        if lengths is not None:
            keep = torch.arange(t)[None, :] < ((lengths + 1) // 2)[:, None]
            mask = keep[:, None, None, :]
        upto = len(self.layers) if upto is None else upto
        states = [x]
        for i, layer in enumerate(self.layers[:upto]):
            x = layer(x, mask)
            states.append(self.norm(x) if i == len(self.layers) - 1 else x)
        return states
