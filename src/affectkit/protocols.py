"""The contracts the parts of affectkit meet at, written as `typing.Protocol`s.

Nothing here needs subclassing: a class fits a protocol by having its attributes and methods
(`isinstance(x, Analyzer)` checks the names). Every analyzer, of every modality, is an
`Analyzer`; trained models that give class probabilities are also `ProbabilisticModel`s, which
is what ensembles, calibration and training rely on; the service's stores are `Storage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from affectkit.results import AffectResult


@runtime_checkable
class Analyzer(Protocol):
    """A name, what it covers, and `analyze(batch, *, explain=False)`.

    - `name`: registry name with version (``"lexicon-en@1"``).
    - `modality`: ``"text"``, ``"speech"``, ``"face"``...; `languages`: ISO codes, or ``("*",)``
      for a language-independent model.
    - `analyze` takes a sequence and returns one result per input, in order; an empty sequence
      gives an empty list. A text analyzer is given cleaned strings (`affectkit.text.route`);
      an analyzer of another modality is given `affectkit.inputs.Input`s. An input that cannot be
      analysed gives a flagged result, not an exception, unless the batch is of the wrong type
      altogether. `explain=True` asks for evidence that costs extra (occlusion, saliency); an
      analyzer whose evidence is free returns it either way and may ignore the flag.
    """

    name: str
    modality: str
    languages: tuple[str, ...]

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]: ...


@runtime_checkable
class ProbabilisticModel(Protocol):
    """A trained model with class probabilities, saved to and loaded from a model folder.

    - `labels`: the model's own label names, in the column order of `predict_proba`.
    - `predict_proba(inputs)`: an ``(n, len(labels))`` float array; rows sum to 1 for
      single-label models, each column is an independent probability for multi-label ones.
      Models with a fitted temperature apply it (some take ``calibrated=False`` to skip it).
    - `save_pretrained(path)` writes a folder with ``config.json`` (whose ``affectkit_kind``
      names the loader, see `affectkit.registry.register_folder_kind`); `from_pretrained(path)`
      reads it back to a model giving the same probabilities.
    """

    labels: tuple[str, ...]

    def predict_proba(self, inputs: Sequence[Any]) -> Any: ...

    def save_pretrained(self, path: str | Path) -> Path: ...

    @classmethod
    def from_pretrained(cls, path: str | Path, **options: Any) -> ProbabilisticModel: ...


@runtime_checkable
class Storage(Protocol):
    """Where the service keeps API keys, stored items and batch jobs (one backend per URL).

    Items are stored as ``(kind, reference, result JSON)``: a text item's reference is its text,
    a media item's is its path or ``sha256:`` digest (`affectkit.inputs.Input.reference`).
    """

    def create_key(self, name: str, rate_per_min: int | None) -> tuple[str, Any]: ...

    def find_key(self, token: str) -> Any | None: ...

    def list_keys(self) -> list[Any]: ...

    def revoke_key(self, key_id: str) -> bool: ...

    def add_items(self, key_id: str | None, items: list[tuple[Any, dict]]) -> list[str]: ...

    def list_items(self, key_id: str | None, limit: int, offset: int) -> list[dict[str, Any]]: ...

    def delete_item(self, key_id: str | None, item_id: str) -> bool: ...

    def add_job(self, job: dict[str, Any]) -> None: ...

    def update_job(self, job_id: str, **fields: Any) -> None: ...

    def get_job(self, job_id: str, key_id: str | None = None, any_key: bool = False) -> Any: ...

    def list_jobs(
        self, key_id: str | None = None, status: tuple[str, ...] | None = None
    ) -> Any: ...

    def delete_job(self, job_id: str) -> None: ...

    def close(self) -> None: ...
