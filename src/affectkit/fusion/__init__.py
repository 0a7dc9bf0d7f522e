"""Fusion: results of several modalities on one time axis, combined into one judgement.

- `align`: observations (voice, words, face) from analyzers' results, and windows over time;
- `late`: `LateFusion`, confidence- and reliability-weighted (defaults, or fitted);
- `learned`: `LearnedFusion`, a small network trained with modality dropout;
- `fuse`: results → one `AffectResult` of modality ``fused`` with a part per window.
"""

from affectkit.fusion.fuse import fuse
from affectkit.fusion.late import LateFusion
from affectkit.fusion.learned import LearnedFusion

__all__ = ["LateFusion", "LearnedFusion", "fuse"]
