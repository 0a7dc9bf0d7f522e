"""Training the aspect model end to end on a few real sentences: the folder it writes loads and
analyses, and a stopped run is finished from its checkpoint."""

from __future__ import annotations

import itertools
import json

import pytest

pytestmark = pytest.mark.slow


def test_train_writes_a_model_that_loads(shared_data, tmp_path):
    from affectkit.aspects import AspectAnalyzer
    from affectkit.training.aspects import Settings, train, write_card

    lines = []
    for name in ("semeval2014_restaurants_train.jsonl", "zh_phone_train.jsonl"):
        with open(shared_data / "absa" / name, encoding="utf-8") as fh:
            lines += [ln for ln in itertools.islice(fh, 200) if json.loads(ln)["aspects"]][:40]
    data = tmp_path / "mix_train.jsonl"
    data.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "run"
    settings = Settings(epochs=1, batch_size=8, max_steps=2, evals_per_epoch=1, threads=1)
    figures = train([data], out, settings=settings, log=lambda m: None)
    assert figures["steps"] == 2 and set(figures["heldout"]) == {"mix"}
    assert {"config.json", "encoder.safetensors", "heads.safetensors", "checkpoint.pt"} <= {
        p.name for p in out.iterdir()
    }
    write_card(out)
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "mix_train.jsonl`: terms not recorded" in card and "- Base encoder:" in card
    (r,) = AspectAnalyzer.from_folder(out).analyze(["The pizza was cold."])
    assert r.text == "The pizza was cold."  # two steps learn little: the pass runs, spans hold
    assert all(r.text[a.start : a.end] == a.term for a in r.aspects)
    again = train([data], out, settings=Settings(finish_now=True, threads=1), log=lambda m: None)
    assert again["steps"] == 2
