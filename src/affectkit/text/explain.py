"""Word perturbations and evidence ranking for token explanations (occlusion): pure functions.

`explain=True` on the transformer and ensemble analyzers weighs each word by how much the
reported label's confidence drops when the word is removed (leave-one-word-out occlusion).
Two things made that evidence less faithful than it looks, both measured in
``bench/faithfulness.py`` (docs/benchmarks.md, "Faithfulness of evidence"):

- Removing a capitalised first word leaves the sentence starting in lower case ("The staff
  were lovely..." -> " staff were lovely..."), and the cased encoders read a lower-case start
  as a different text: "The" came out as the strongest word although "Staff were lovely..."
  reads like the original. Capitalising the next word errs the other way ("I'm furious." ->
  "Furious." reads neutral, so "I'm" would weigh +0.52). `word_deletions` reads both, and the
  word weighs the smaller drop (`least_drops`): a sentence start counts only when removing it
  matters however the rest is cased.
- A function word ("the", "of", "的") moves the confidence a little whenever the model sits near
  a decision boundary; such noise should not outrank the content words. `rank_evidence` puts a
  function word whose drop is below `FUNCTION_WORD_MIN_DROP` after the other words (its weight
  stays the measured drop, with a note). Negations ("not", "不") are not function words here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from affectkit.results import Evidence

FUNCTION_WORD_MIN_DROP = 0.05  # confidence a function word must move to rank among the words
FUNCTION_WORD_NOTE = "function word, small effect"
_SENTENCE_END = ".!?。！？…\n"

# Small stop lists: articles, pronouns, auxiliaries, prepositions, conjunctions, particles.
# Negators and degree words that carry sentiment ("not", "no", "never", "very", "不", "没", "很")
# are left out on purpose: removing them often flips a prediction.
FUNCTION_WORDS_EN = frozenset(
    """a an the this that these those it its it's i me my we us our you your he him his she her
    they them their is am are was were be been being has have had do does did will would shall
    should can could may might must of to in on at by for with from as into onto about over
    under than then so and or but if because while also just there here what which who whom
    whose when where how s t 's 're 've 'd 'll m""".split()
)
FUNCTION_WORDS_ZH = frozenset(
    "的了是在和与及而且也就都着或一个这那我你他她它们之把被让给从对向于吧呢啊吗嘛啦呀得地还又"
)


def is_function_word(word: str) -> bool:
    """True for a word of the English or Chinese stop list (case-insensitive)."""
    w = word.lower().replace("’", "'")
    return w in FUNCTION_WORDS_EN or w in FUNCTION_WORDS_ZH


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in _SENTENCE_END


def delete_words(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` without the words at `spans` (character offsets); where a removed word began a
    sentence capitalised, the next kept word is capitalised in its place."""
    drop = sorted(spans)
    out, pos, capitalise = [], 0, False
    for s, e in drop:
        piece = text[pos:s]
        if capitalise and piece.strip():
            piece, capitalise = _capitalise_first(piece), False
        out.append(piece)
        if text[s:e][:1].isupper() and _starts_sentence(text, s):
            capitalise = True
        pos = max(pos, e)
    tail = text[pos:]
    if capitalise:
        tail = _capitalise_first(tail)
    out.append(tail)
    return "".join(out)


def word_deletions(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Occlusion's variants of `text`: per word span, the text without it (`delete_words`)
    and, where that capitalised the next word, the plain deletion too; ``(start, end, text)``.
    The two readings of a removed sentence start differ for a cased encoder in either
    direction ("staff were lovely" reads negative; "Furious." reads neutral), so the word's
    weight is the smaller of the two drops (`least_drops`)."""
    out = []
    for s, e in spans:
        cased, plain = delete_words(text, [(s, e)]), text[:s] + text[e:]
        out.append((s, e, cased))
        if plain != cased:
            out.append((s, e, plain))
    return out


def least_drops(
    keys: Sequence[tuple[int, int, int]], drops: Iterable[float]
) -> dict[tuple[int, int, int], float]:
    """Per key (text index, start, end), in first-seen order, the drop of smallest magnitude
    among its variants (`word_deletions`)."""
    out: dict[tuple[int, int, int], float] = {}
    for key, drop in zip(keys, drops, strict=True):
        if key not in out or abs(drop) < abs(out[key]):
            out[key] = drop
    return out


def _capitalise_first(piece: str) -> str:
    for i, ch in enumerate(piece):
        if ch.isalpha():
            return piece[:i] + ch.upper() + piece[i + 1 :] if ch.islower() else piece
        if not ch.isspace():
            return piece
    return piece


def keep_words(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Only the words at `spans`, in text order: joined by a space where the text had
    whitespace between them, else directly (Chinese)."""
    out, prev = [], None
    for s, e in sorted(spans):
        if prev is not None:
            out.append(" " if any(c.isspace() for c in text[prev:s]) else "")
        out.append(text[s:e])
        prev = e
    return "".join(out)


def rank_evidence(evidence: Sequence[Evidence], top_k: int | None = None) -> tuple[Evidence, ...]:
    """Evidence by decreasing |weight|, except that a function word whose |weight| is below
    `FUNCTION_WORD_MIN_DROP` follows every other word (noted `FUNCTION_WORD_NOTE`); the first
    `top_k` (all when None)."""
    ranked = []
    for ev in evidence:
        quiet = abs(ev.weight) < FUNCTION_WORD_MIN_DROP and is_function_word(ev.text)
        if quiet and ev.note is None:
            ev = replace(ev, note=FUNCTION_WORD_NOTE)
        ranked.append((quiet, -abs(ev.weight), ev))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return tuple(ev for _, _, ev in ranked[:top_k])
