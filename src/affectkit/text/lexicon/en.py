"""English rule/lexicon sentiment analyzer (`lexicon-en@1`) with per-word evidence.

Word valences start from the VADER lexicon (``vader_lexicon.txt`` and ``emoji_utf8_lexicon.txt``
of the `vaderSentiment` package, MIT licence, (c) C.J. Hutto; Hutto & Gilbert, "VADER: A
Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014). The
rule engine is our own. On top of the VADER valences we apply a table of corrections and
additional words, ``data/en_lexicon_tuned.tsv``, fitted on *training* splits only (SST-2 train,
SST-5 train, GoEmotions train, TweetEval-emotion train) by `tools/tune_lexicon_en.py`: a logistic
regression over the rule-modified word contributions, regularised towards the VADER valences.

Rules, applied in one left-to-right pass over the tokens:
- negation (``not``, ``never``, ``n't`` ...): sentiment words in the next `NEG_SCOPE` words
  of the same clause are multiplied by `neg_factor` (flipped and damped);
- intensifiers / dampeners (``very``, ``extremely`` / ``slightly``, ``kind of``): multiply the
  next sentiment word within two words;
- contrast: words before ``but``/``however``/``yet`` in the same sentence weigh `before`, words
  after it weigh `after`; ``although``/``though``/``even if`` weigh their own clause `before`
  and the clause after the comma `after`;
- idioms (`en_rules.IDIOMS`: "can't complain", "never a dull moment", "can't recommend it
  enough", "leaves a lot to be desired" ...) are found before the word pass and scored as one
  word with their own valence; their words are skipped. "anything but" and "far from" negate;
- ALL-CAPS sentiment words in otherwise mixed-case text are emphasised; ``!`` amplifies the
  whole text (up to four), ``?`` damps it; a yes/no question (a sentence that opens with an
  auxiliary, `en_rules.AUXILIARIES`, and ends in ``?``: "Is the room clean?") asks rather
  than says, and its words count at ``yes_no`` (0.25, set by hand, not tuned);
- emoticons (``:)``, ``<3``) and emoji carry their own valence (an emoji's valence is the
  valence of its CLDR description words, e.g. 😊 "smiling face with smiling eyes").

The raw sum is squashed into a score in [-1, 1] and mapped to negative/neutral/positive
probabilities by `scoring.polarity_probs` with constants fitted on training splits; an
emoji-only text ("👍", ":(") is labelled by the sign of its emoji valences instead
(`scoring.EMOJI_ONLY`).

The pieces: `en_rules` (the word lists, `RuleParams` and the rule pass `scan`, pure),
`en_lexicon` (loading the VADER valences, the tuned table and constants), and this module (the
analyzer: evidence and the result).
"""

from __future__ import annotations

from collections.abc import Sequence

from affectkit.results import AffectResult, Evidence
from affectkit.text.lexicon.en_lexicon import build_lexicon, lexicon_regex, tuned_constants
from affectkit.text.lexicon.en_rules import RuleParams, scan
from affectkit.text.preprocess import clean_text, is_blank, is_emoji_only
from affectkit.text.scoring import (
    EMOJI_ONLY,
    PolarityCalibration,
    empty_result,
    sentiment_result,
    squash,
)

NAME = "lexicon-en@1"


class EnglishLexiconAnalyzer:
    """Rule/lexicon sentiment for English with per-word evidence. See the module docstring."""

    name = NAME
    modality = "text"
    languages = ("en",)

    def __init__(
        self,
        params: RuleParams | None = None,
        calibration: PolarityCalibration | None = None,
        tuned: bool = True,
    ):
        self.params = params  # None: the tuned constants (or the defaults when tuned=False)
        self.calibration = calibration
        self.tuned = tuned
        self._words: dict[str, float] | None = None

    def load(self) -> EnglishLexiconAnalyzer:
        params, cal = tuned_constants() if self.tuned else (RuleParams(), PolarityCalibration())
        self.params_ = self.params or params
        self.calibration_ = self.calibration or cal
        self._words, self._symbols = build_lexicon(self.tuned)
        self._regex = lexicon_regex(self.tuned)
        return self

    def analyze(self, batch: Sequence[str], *, explain: bool = False) -> list[AffectResult]:
        if self._words is None:
            self.load()
        return [self._one(clean_text(t, i)) for i, t in enumerate(batch)]

    def analyze_one(self, text: str) -> AffectResult:
        return self.analyze([text])[0]

    def _one(self, text: str) -> AffectResult:
        if is_blank(text):
            return empty_result(self.name, "en")
        words, symbols = self._words, self._symbols
        hits, g = scan(text, words, symbols, self._regex, self.params_)
        evidence = []
        total = pos = neg = 0.0
        for key, mult, start, end, note in hits:
            w = (words.get(key) or symbols.get(key, 0.0)) * mult * g
            if w == 0.0:
                continue
            total += w
            if w > 0:
                pos += w
            else:
                neg += w
            kind = "lexicon" if key[0].isalpha() else "emoji"
            evidence.append(Evidence(text[start:end], w, start, end, kind, None, note))
        score = squash(total, self.params_.alpha)
        return sentiment_result(
            score,
            EMOJI_ONLY if is_emoji_only(text) else self.calibration_,
            model=self.name,
            language="en",
            evidence=tuple(evidence),
            raw={"sum": total, "positive": pos, "negative": neg, "emphasis": g},
        )


def load(**kwargs) -> EnglishLexiconAnalyzer:
    """Registry loader."""
    return EnglishLexiconAnalyzer(**kwargs).load()
