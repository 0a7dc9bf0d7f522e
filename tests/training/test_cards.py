"""Model cards written from a model folder's own files."""

import json

import pytest

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


def test_model_card_is_written_from_the_folders_own_figures(trained):
    from affectkit.training.cards import write_card

    metrics = json.loads((trained.path / "metrics.json").read_text())
    metrics["dev"] = {"toy dev": {"n": 3, "accuracy": 0.6667, "macro_f1": 0.5,
                                  "macro_recall": 0.5, "ece": 0.1}}  # fmt: skip
    (trained.path / "metrics.json").write_text(json.dumps(metrics))
    card = write_card(trained.path, summary="A toy.", data_terms={"toy": "CC0"},
                      rebuild="affectkit train toy.toml", evaluate_cmd="affectkit evaluate ...",
                      limitations=["tiny"]).read_text()  # fmt: skip
    assert (
        "# tiny-reviews@1" in card and "| toy dev | 3 | 0.6667 | 0.5000 | 0.5000 | 0.1000 |" in card
    )
    assert "**toy**: CC0" in card and "affectkit train toy.toml" in card
    assert f"{trained.metrics['macro_f1']:.4f}" in card
    assert "after calibration (temperature)" in card and '`preprocess = "social"`' in card
