"""The facial-expression network: a small residual CNN for 48x48 grayscale face crops.

Four stages of two pre-activation residual blocks (widths `width` x 1, 2, 4, 8; stride 2 from the
second stage on), global average pooling, dropout and a linear layer: about 2.8M parameters at
width 32. Written here because torchvision does not import beside the pinned CPU torch.
`ExpressionEnsemble` averages the logits of several such networks (one model folder, one ONNX
graph); `build` makes whichever a model folder's config describes.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.skip = None
        if stride != 1 or cin != cout:
            self.skip = nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(x))
        skip = x if self.skip is None else self.skip(y)
        y = self.conv1(y)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + skip


class ExpressionNet(nn.Module):
    """[B, 1, 48, 48] float images in [0, 1] → logits [B, labels]."""

    def __init__(self, labels: int = 7, width: int = 32, dropout: float = 0.3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, width, 3, 1, 1, bias=False)
        widths = [width, 2 * width, 4 * width, 8 * width]
        blocks, cin = [], width
        for i, w in enumerate(widths):
            for j in range(2):
                blocks.append(_Block(cin, w, 2 if (i > 0 and j == 0) else 1))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.norm = nn.BatchNorm2d(cin)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(cin, labels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 0.5) / 0.25
        x = self.blocks(self.stem(x))
        x = F.relu(self.norm(x)).mean((2, 3))
        return self.head(self.drop(x))


class ExpressionEnsemble(nn.Module):
    """Several `ExpressionNet`s (trained apart, on one split) whose logits are averaged."""

    def __init__(self, members: list[ExpressionNet]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)


def build(labels: int, config: dict) -> nn.Module:
    """The network a model folder's config describes: one net (``width``) or an ensemble
    (``members``: a width per member)."""
    if config.get("members"):
        return ExpressionEnsemble([ExpressionNet(labels, int(w)) for w in config["members"]])
    return ExpressionNet(labels, int(config.get("width", 24)))
