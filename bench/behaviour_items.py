"""Items of the behavioural (CheckList-style) sentiment suite run by `bench/behaviour.py`.

Every item is ours, written for affectkit (templates filled from the word lists below, plus
hand-written sentences). Three kinds of test, after Ribeiro et al. (ACL 2020):

- `MFT` (minimum functionality): a text and the polarities that count as right. Most items
  accept one label; a negated negative ("The food was not bad.") accepts positive or neutral.
- `INV` (invariance): two texts that differ by a perturbation that must not change the
  predicted label (a typo, a name, neutral filler).
- `DIR` (directional): two texts where the second must not move the score the wrong way
  (``"up"``: score(b) >= score(a) - tolerance, e.g. "good" -> "very good"; ``"down"``: the
  mirror image, e.g. "bad" -> "very bad").

`SUITES[language][capability]` is a list of `Test`s. Templates are expanded in a fixed order and
subsampled with a seeded generator, so the items are the same on every run.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

POLARITIES = ("negative", "neutral", "positive")
POS, NEG, NEU = ("positive",), ("negative",), ("neutral",)
NOT_NEG = ("positive", "neutral")  # a negated negative: anything but negative passes


@dataclass(frozen=True)
class MFT:
    text: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class INV:
    a: str
    b: str


@dataclass(frozen=True)
class DIR:
    a: str
    b: str
    direction: str  # "up": score(b) must not fall below score(a); "down": must not rise above

    def __post_init__(self) -> None:
        if self.direction not in ("up", "down"):
            raise ValueError(f"A DIR direction is 'up' or 'down'. Got {self.direction!r}.")


@dataclass(frozen=True)
class Test:
    name: str
    kind: str  # "MFT", "INV" or "DIR"
    items: tuple


def _fill(template: str, limit: int | None = None, seed: int = 0, **slots) -> list[dict]:
    """Every combination of the slot values (in order), or `limit` of them drawn with `seed`."""
    keys = list(slots)
    combos = [dict(zip(keys, vals)) for vals in itertools.product(*(slots[k] for k in keys))]
    if limit is not None and limit < len(combos):
        combos = random.Random(f"{template}|{seed}").sample(combos, limit)
    return [dict(c, _text=template.format(**c)) for c in combos]


def mft(template: str, expect: tuple[str, ...], limit: int | None = None, **slots) -> list[MFT]:
    return [MFT(c["_text"], expect) for c in _fill(template, limit, **slots)]


def mft_hand(expect: tuple[str, ...], texts: list[str]) -> list[MFT]:
    return [MFT(t, expect) for t in texts]


def _dedupe(items: list) -> tuple:
    return tuple(dict.fromkeys(items))


# =============================================================================================
# English
# =============================================================================================

EN_NOUNS = [
    "food",
    "service",
    "movie",
    "hotel",
    "book",
    "flight",
    "app",
    "phone",
    "concert",
    "meal",
    "room",
    "game",
    "show",
    "delivery",
    "staff",
]
EN_POS = [
    "good",
    "great",
    "excellent",
    "amazing",
    "wonderful",
    "fantastic",
    "lovely",
    "brilliant",
    "superb",
    "delightful",
    "pleasant",
    "enjoyable",
    "impressive",
    "perfect",
    "outstanding",
]
EN_NEG = [
    "bad",
    "terrible",
    "awful",
    "horrible",
    "disappointing",
    "poor",
    "dreadful",
    "boring",
    "unpleasant",
    "mediocre",
    "frustrating",
    "disgusting",
    "lousy",
    "annoying",
    "unacceptable",
]
# gradable adjectives: the ones an intensifier or a dampener reads naturally with
EN_POS_GRAD = ["good", "nice", "pleasant", "enjoyable", "impressive", "satisfying", "fun"]
EN_NEG_GRAD = ["bad", "boring", "disappointing", "unpleasant", "annoying", "frustrating", "dull"]
EN_INTENS = ["very", "really", "extremely", "incredibly", "so", "truly", "remarkably"]
EN_DAMP = ["somewhat", "fairly", "slightly", "a little", "a bit", "moderately"]
EN_NAMES = [
    "John",
    "Maria",
    "Wei",
    "Aisha",
    "Dmitri",
    "Priya",
    "Kenji",
    "Fatima",
    "Carlos",
    "Olga",
    "Kwame",
    "Emma",
]

# common real misspellings (dropped/doubled/swapped letters), clean -> typo
EN_TYPOS = {
    "terrible": "terible",
    "excellent": "excelent",
    "horrible": "horible",
    "amazing": "amazng",
    "disappointing": "dissapointing",
    "awful": "awfull",
    "wonderful": "wonderfull",
    "boring": "borring",
    "fantastic": "fantastc",
    "disgusting": "disgustng",
    "perfect": "perfct",
    "pleasant": "plesant",
    "unpleasant": "unplesant",
    "mediocre": "mediocer",
    "impressive": "impresive",
    "frustrating": "frustating",
    "brilliant": "briliant",
    "annoying": "anoying",
    "lovely": "lovley",
    "great": "graet",
    "good": "godo",
    "bad": "bda",
    "delightful": "delighful",
    "dreadful": "dredful",
    "outstanding": "outstandng",
    "lousy": "lousey",
    "superb": "superbb",
    "unacceptable": "unaceptable",
    "enjoyable": "enjoyabel",
    "poor": "poore",
}
EN_TYPO_POS = [w for w in EN_TYPOS if w in EN_POS]
EN_TYPO_NEG = [w for w in EN_TYPOS if w in EN_NEG]

EN_FILLER = [
    "We arrived at around seven in the evening.",
    "The place is on the second floor of a shopping centre.",
    "We ordered three dishes and a pot of tea.",
    "My sister had the fish and I had the noodles.",
    "Parking is available behind the building.",
    "The menu has about forty items on it.",
    "We paid by card at the counter.",
    "It took us twenty minutes to get there by bus.",
    "There were about fifteen other people there.",
    "The booking was made through their website a week earlier.",
    "The building used to be a post office.",
    "They open every day except Monday.",
    "We were given a table near the window.",
    "The prices are listed in euros and dollars.",
    "My brother joined us about half an hour later.",
    "The walls are painted light grey.",
    "We left at a quarter past nine.",
    "There is a bus stop right across the street.",
    "The receipt listed five items.",
    "I had read about the place in a local guide.",
]


def _long(verdict: str, n_filler: int, seed: int, at_end: bool = True) -> str:
    filler = random.Random(seed).sample(EN_FILLER, n_filler)
    return " ".join([*filler, verdict] if at_end else [verdict, *filler])


def _en_vocabulary() -> list[Test]:
    return [
        Test(
            "positive adjectives",
            "MFT",
            _dedupe(
                mft("The {noun} was {adj}.", POS, 25, noun=EN_NOUNS, adj=EN_POS)
                + mft("I found the {noun} {adj}.", POS, 15, noun=EN_NOUNS, adj=EN_POS)
            ),
        ),
        Test(
            "negative adjectives",
            "MFT",
            _dedupe(
                mft("The {noun} was {adj}.", NEG, 25, noun=EN_NOUNS, adj=EN_NEG)
                + mft("I found the {noun} {adj}.", NEG, 15, noun=EN_NOUNS, adj=EN_NEG)
            ),
        ),
    ]


def _en_negation() -> list[Test]:
    pos = ["good", "great", "nice", "pleasant", "enjoyable", "worth it"]
    neg = ["bad", "terrible", "awful", "boring", "disappointing", "horrible"]
    return [
        Test(
            "negated positive -> negative",
            "MFT",
            _dedupe(
                mft("The {noun} was not {adj}.", NEG, 15, noun=EN_NOUNS, adj=pos)
                + mft("The {noun} wasn't {adj} at all.", NEG, 15, noun=EN_NOUNS, adj=pos)
                + mft("I don't think the {noun} was {adj}.", NEG, 10, noun=EN_NOUNS, adj=pos)
            ),
        ),
        Test(
            "negated negative -> not negative",
            "MFT",
            _dedupe(
                mft("The {noun} was not {adj}.", NOT_NEG, 15, noun=EN_NOUNS, adj=neg)
                + mft("The {noun} wasn't {adj} at all.", NOT_NEG, 15, noun=EN_NOUNS, adj=neg)
                + mft("I don't think the {noun} was {adj}.", NOT_NEG, 10, noun=EN_NOUNS, adj=neg)
            ),
        ),
        Test(
            "negated negatives and double negation (hand-written) -> positive",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "Not a single boring moment.",
                        "I can't complain about the service.",
                        "I have no complaints at all.",
                        "Nothing to complain about.",
                        "Never a dull moment.",
                        "I was never disappointed.",
                        "It never fails to impress me.",
                        "I can't say I didn't enjoy it.",
                        "There wasn't anything I didn't like about this hotel.",
                        "I couldn't find a single flaw.",
                        "Not once did the staff let us down.",
                        "You can't go wrong with this phone.",
                        "No regrets buying this.",
                        "The movie was anything but boring.",
                        "It wasn't a waste of money at all.",
                        "I can't fault the staff.",
                        "I couldn't be happier.",
                        "It couldn't have gone better.",
                        "I couldn't ask for more.",
                        "I can't recommend it enough.",
                        "Nobody left the table unhappy.",
                        "I am not unhappy with the result, quite the opposite.",
                        "Not one problem in two years of daily use.",
                        "I have nothing bad to say about it.",
                        "The food never disappoints.",
                        "It is impossible not to like this place.",
                        "There was never a moment I wasn't smiling.",
                        "No complaints from me, it does everything I need.",
                        "I would not hesitate to book again.",
                        "Not bad at all, I'd happily go back.",
                    ],
                )
            ),
        ),
        Test(
            "negated positives (hand-written) -> negative",
            "MFT",
            _dedupe(
                mft_hand(
                    NEG,
                    [
                        "I can't recommend it.",
                        "I would never come back.",
                        "Nothing about this was enjoyable.",
                        "Not worth the money.",
                        "I don't like it.",
                        "Not once did they answer my calls.",
                        "No one should have to eat this.",
                        "I wouldn't wish this hotel on anyone.",
                        "The staff never smiled once.",
                        "Never again.",
                        "I didn't enjoy a single minute of it.",
                        "There was nothing good about the meal.",
                        "It didn't work the way it was supposed to.",
                        "Not what I paid for.",
                        "I could not have been more disappointed.",
                    ],
                )
            ),
        ),
    ]


def _en_contrast() -> list[Test]:
    neg = ["bad", "boring", "disappointing", "terrible", "awful"]
    pos = ["great", "wonderful", "excellent", "amazing", "fantastic"]
    return [
        Test(
            "the clause after 'but' decides",
            "MFT",
            _dedupe(
                mft(
                    "I thought the {noun} would be {neg}, but it was {pos}.",
                    POS,
                    15,
                    noun=EN_NOUNS,
                    neg=neg,
                    pos=pos,
                )
                + mft(
                    "I expected the {noun} to be {pos}, but it was {neg}.",
                    NEG,
                    15,
                    noun=EN_NOUNS,
                    neg=neg,
                    pos=pos,
                )
                + mft(
                    "The {noun} seemed {pos} at first, but in the end it was {neg}.",
                    NEG,
                    10,
                    noun=EN_NOUNS,
                    neg=neg,
                    pos=pos,
                )
                + mft(
                    "Despite the {neg} reviews, the {noun} was {pos}.",
                    POS,
                    10,
                    noun=EN_NOUNS,
                    neg=neg,
                    pos=pos,
                )
            ),
        ),
        Test(
            "contrast (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "The price is high, but it's worth every penny.",
                        "Not cheap, but absolutely worth it.",
                        "The queue was long, but the food made up for it.",
                        "It started slow, but the second half was brilliant.",
                        "The room was small, yet spotless and very comfortable.",
                        "I was sceptical at first, but now I use it every day.",
                        "The reviews were harsh, but I loved every minute.",
                        "Delivery took a while, but the product is excellent.",
                    ],
                )
                + mft_hand(
                    NEG,
                    [
                        "Great location, but the room was filthy and I won't be back.",
                        "The staff were friendly, but the food was inedible.",
                        "It looks beautiful, but it broke after two days.",
                        "The first episode was fun, but the rest of the season was a mess.",
                        "Nice screen, but the battery barely lasts a morning.",
                        "Cheap, but you get what you pay for: it stopped working in a week.",
                        "The trailer was amazing, but the film itself was a chore.",
                        "Friendly people, but they lost our booking twice.",
                    ],
                )
            ),
        ),
    ]


def _en_intensifiers() -> list[Test]:
    return [
        Test(
            "intensified adjectives keep their polarity",
            "MFT",
            _dedupe(
                mft(
                    "The {noun} was {i} {adj}.",
                    POS,
                    20,
                    noun=EN_NOUNS,
                    i=EN_INTENS,
                    adj=EN_POS_GRAD,
                )
                + mft(
                    "The {noun} was {i} {adj}.",
                    NEG,
                    20,
                    noun=EN_NOUNS,
                    i=EN_INTENS,
                    adj=EN_NEG_GRAD,
                )
            ),
        ),
        Test(
            "an intensifier does not weaken",
            "DIR",
            _dedupe(
                [
                    DIR(f"The {n} was {a}.", f"The {n} was {i} {a}.", "up")
                    for n, a, i in _pick(30, EN_NOUNS, EN_POS_GRAD, EN_INTENS)
                ]
                + [
                    DIR(f"The {n} was {a}.", f"The {n} was {i} {a}.", "down")
                    for n, a, i in _pick(30, EN_NOUNS, EN_NEG_GRAD, EN_INTENS)
                ]
            ),
        ),
        Test(
            "a dampener does not strengthen",
            "DIR",
            _dedupe(
                [
                    DIR(f"The {n} was {a}.", f"The {n} was {d} {a}.", "down")
                    for n, a, d in _pick(30, EN_NOUNS, EN_POS_GRAD, EN_DAMP)
                ]
                + [
                    DIR(f"The {n} was {a}.", f"The {n} was {d} {a}.", "up")
                    for n, a, d in _pick(30, EN_NOUNS, EN_NEG_GRAD, EN_DAMP)
                ]
            ),
        ),
    ]


def _pick(n: int, *lists: list[str], seed: int = 0) -> list[tuple[str, ...]]:
    combos = list(itertools.product(*lists))
    return random.Random(f"{lists}|{seed}").sample(combos, min(n, len(combos)))


def _en_sarcasm() -> list[Test]:
    events = [
        "my flight is delayed again",
        "the app crashed and deleted my notes",
        "the package arrived broken",
        "another hour on hold",
        "the wifi is down again",
        "the train is cancelled",
        "my order is wrong again",
        "the heating is broken in January",
    ]
    gerunds = [
        "waiting two hours for cold food",
        "being put on hold for an hour",
        "paying extra for a broken product",
        "getting charged twice",
        "sitting in traffic all morning",
        "having my flight cancelled",
        "losing my luggage",
        "reinstalling the app every day",
    ]
    return [
        Test(
            "sarcasm markers over a bad event -> negative",
            "MFT",
            _dedupe(
                mft("Oh great, {e}.", NEG, e=events)
                + mft("Wow, I just love {g}.", NEG, g=gerunds)
                + mft(
                    "Fantastic. {E}. Exactly how I wanted to spend my day.",
                    NEG,
                    E=[e[0].upper() + e[1:] for e in events],
                )
                + mft("Thanks a lot for {g}, really appreciate it.", NEG, g=gerunds)
            ),
        ),
        Test(
            "sarcasm (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    NEG,
                    [
                        "Wow, I just love waiting two hours for cold food.",
                        "Yeah, because paying $20 for a soggy sandwich is my idea of fun.",
                        "Great job breaking the only feature I actually used.",
                        "What a treat, the elevator is out of order again.",
                        "Brilliant customer service: nobody ever answers the phone.",
                        "Best. Purchase. Ever. It broke on day two.",
                        "Ten out of ten, would get food poisoning again.",
                        "Love how the update made everything slower.",
                        "So nice of them to lose my reservation.",
                        "I'm just thrilled my package is now three weeks late.",
                        "Oh sure, the premium seats were worth it, if you like broken recliners.",
                        "Five stars for teaching me patience: the soup took an hour.",
                    ],
                )
            ),
        ),
    ]


def _en_typos() -> list[Test]:
    clean = mft("The {noun} was {adj}.", POS, 20, noun=EN_NOUNS, adj=EN_TYPO_POS) + mft(
        "The {noun} was {adj}.", NEG, 20, noun=EN_NOUNS, adj=EN_TYPO_NEG
    )
    typoed = [MFT(_typo_en(m.text), m.expect) for m in clean]
    return [
        Test(
            "misspelled adjective keeps its polarity",
            "MFT",
            _dedupe(
                typoed
                + mft_hand(
                    NEG,
                    [
                        "terible service",
                        "Horible food, never agian.",
                        "Wrost experience ever.",
                        "Absolutly discusting.",
                    ],
                )
                + mft_hand(
                    POS,
                    [
                        "The staff were super frendly and helpfull.",
                        "Exellent value, definately recomend.",
                    ],
                )
            ),
        ),
        Test(
            "a typo does not change the label",
            "INV",
            _dedupe([INV(c.text, t.text) for c, t in zip(clean, typoed)]),
        ),
    ]


def _typo_en(text: str) -> str:
    words = text.rstrip(".").split()
    return " ".join(EN_TYPOS.get(w, w) for w in words) + "."


EN_POS_EMOJI = ["👍", "😊", "😍", "❤️", "🥰", "😀", "🎉", "👏", "💯", "🙌"]
EN_NEG_EMOJI = ["👎", "😡", "😠", "😢", "😭", "🤮", "😞", "😤", "💔", "😩"]
POS_EMOTICONS = [":)", ":-)", ":D", "^_^", "<3", "=)"]
NEG_EMOTICONS = [":(", ":-(", ":'(", "D:", ">:(", "=("]


def _en_emoji() -> list[Test]:
    facts = [
        "My order arrived today",
        "Just got back from the dentist",
        "First day at the new job",
        "The results came out this morning",
        "Finished the book last night",
        "Saw the new film at the weekend",
    ]
    return [
        Test(
            "a single emoji or emoticon",
            "MFT",
            _dedupe(
                mft_hand(POS, EN_POS_EMOJI + POS_EMOTICONS)
                + mft_hand(NEG, EN_NEG_EMOJI + NEG_EMOTICONS)
            ),
        ),
        Test(
            "an emoji after a neutral statement carries the polarity",
            "MFT",
            _dedupe(
                mft("{f} {e}", POS, 20, f=facts, e=EN_POS_EMOJI + POS_EMOTICONS)
                + mft("{f} {e}", NEG, 20, f=facts, e=EN_NEG_EMOJI + NEG_EMOTICONS)
            ),
        ),
        Test(
            "a matching emoji does not weaken",
            "DIR",
            _dedupe(
                [
                    DIR(f"The {n} was {a}.", f"The {n} was {a} {e}", "up")
                    for n, a, e in _pick(20, EN_NOUNS, EN_POS_GRAD, EN_POS_EMOJI)
                ]
                + [
                    DIR(f"The {n} was {a}.", f"The {n} was {a} {e}", "down")
                    for n, a, e in _pick(20, EN_NOUNS, EN_NEG_GRAD, EN_NEG_EMOJI)
                ]
            ),
        ),
    ]


def _en_code_switching() -> list[Test]:
    zh_pos, zh_neg = (
        ["很棒", "太好了", "超赞", "完美", "非常满意"],
        ["很差", "太糟糕了", "垃圾", "很失望"],
    )
    es_pos, es_neg = ["muy bueno", "increíble", "perfecto"], ["muy malo", "horrible", "fatal"]
    return [
        Test(
            "a sentiment word in another language",
            "MFT",
            _dedupe(
                mft("The {noun} was {w}!", POS, 20, noun=EN_NOUNS, w=zh_pos)
                + mft("The {noun} was {w}!", NEG, 20, noun=EN_NOUNS, w=zh_neg)
                + mft("Honestly the {noun} was {w}.", POS, 10, noun=EN_NOUNS, w=es_pos)
                + mft("Honestly the {noun} was {w}.", NEG, 10, noun=EN_NOUNS, w=es_neg)
            ),
        ),
        Test(
            "code-switching (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "This phone is 太棒了, best purchase this year.",
                        "The hotel staff were so 贴心, we'll come back.",
                        "Dinner was muy rico, loved it.",
                        "C'est magnifique, the view from the room is stunning.",
                    ],
                )
                + mft_hand(
                    NEG,
                    [
                        "The hotel was so 差劲, never again.",
                        "Delivery took two weeks, 真的无语.",
                        "The service was una pesadilla, avoid.",
                        "Quel désastre, the flight was cancelled twice.",
                    ],
                )
            ),
        ),
    ]


def _en_questions() -> list[Test]:
    return [
        Test(
            "a question about quality -> neutral",
            "MFT",
            _dedupe(
                mft("Is the {noun} {adj}?", NEU, 15, noun=EN_NOUNS, adj=EN_POS + EN_NEG)
                + mft("Does anyone know if the {noun} is any good?", NEU, noun=EN_NOUNS)
                + mft(
                    "Was the {noun} {adj} when you tried it?",
                    NEU,
                    10,
                    noun=EN_NOUNS,
                    adj=["good", "bad", "worth it", "any better"],
                )
            ),
        ),
        Test(
            "a complaining question -> negative",
            "MFT",
            _dedupe(
                mft("Why is the {noun} always so {adj}?", NEG, 15, noun=EN_NOUNS, adj=EN_NEG_GRAD)
                + mft("How can a {noun} be this {adj}?", NEG, 15, noun=EN_NOUNS, adj=EN_NEG)
                + mft_hand(
                    NEG,
                    [
                        "Why does nobody answer the phone?",
                        "Who thought this update was a good idea?",
                        "Is it too much to ask for a clean room?",
                    ],
                )
            ),
        ),
    ]


def _en_long() -> list[Test]:
    verdicts_pos = [
        f"Overall, the {n} was {a} and I would go back." for n, a in _pick(15, EN_NOUNS, EN_POS)
    ]
    verdicts_neg = [
        f"Overall, the {n} was {a} and I would not go back." for n, a in _pick(15, EN_NOUNS, EN_NEG)
    ]
    long_mft = (
        [MFT(_long(v, 12 + i % 8, i), POS) for i, v in enumerate(verdicts_pos)]
        + [MFT(_long(v, 12 + i % 8, 100 + i), NEG) for i, v in enumerate(verdicts_neg)]
        + [MFT(_long(v, 16, 200 + i, at_end=False), POS) for i, v in enumerate(verdicts_pos)]
        + [MFT(_long(v, 16, 300 + i, at_end=False), NEG) for i, v in enumerate(verdicts_neg)]
    )
    return [
        Test("one verdict among 12-20 neutral sentences", "MFT", _dedupe(long_mft)),
        Test(
            "neutral filler does not change the label",
            "INV",
            _dedupe(
                [INV(v, _long(v, 18, 400 + i)) for i, v in enumerate(verdicts_pos + verdicts_neg)]
            ),
        ),
    ]


def _en_neutral() -> list[Test]:
    places = ["library", "post office", "museum", "pharmacy", "swimming pool", "bank"]
    times = ["8 am", "9:30", "noon", "6 pm"]
    days = ["Monday", "Tuesday", "Thursday", "Friday"]
    return [
        Test(
            "statements of fact -> neutral",
            "MFT",
            _dedupe(
                mft("The {place} opens at {time}.", NEU, 10, place=places, time=times)
                + mft(
                    "The meeting has been moved to {day} at {time}.", NEU, 10, day=days, time=times
                )
                + mft("The {place} is closed on {day}s.", NEU, 8, place=places, day=days)
                + mft_hand(
                    NEU,
                    [
                        "Water boils at 100 degrees Celsius at sea level.",
                        "The train to Leeds leaves from platform 4.",
                        "The report is twelve pages long.",
                        "She moved to Berlin in 2019.",
                        "The package weighs two kilograms.",
                        "The film is two hours and ten minutes long.",
                        "Our office is on the third floor.",
                        "The hotel has 120 rooms.",
                        "The phone comes in black and silver.",
                        "Tickets can be bought online or at the station.",
                        "The book has fourteen chapters.",
                        "The store accepts cash and cards.",
                    ],
                )
            ),
        ),
    ]


def _en_names() -> list[Test]:
    pairs = list(itertools.permutations(EN_NAMES[:6], 2))
    base = mft(
        "{name} said the {noun} was {adj}.", POS, 20, name=["Anna"], noun=EN_NOUNS, adj=EN_POS
    ) + mft("{name} said the {noun} was {adj}.", NEG, 20, name=["Anna"], noun=EN_NOUNS, adj=EN_NEG)
    rng = random.Random("en-names")
    items = []
    for m in base:
        x, y = rng.choice(pairs)
        items.append(INV(m.text.replace("Anna", x), m.text.replace("Anna", y)))
    return [Test("changing a person's name does not change the label", "INV", _dedupe(items))]


SUITE_EN: dict[str, list[Test]] = {
    "vocabulary": _en_vocabulary(),
    "negation": _en_negation(),
    "contrast": _en_contrast(),
    "intensifiers and dampeners": _en_intensifiers(),
    "sarcasm and irony": _en_sarcasm(),
    "typos": _en_typos(),
    "emoji and emoticons": _en_emoji(),
    "code-switching": _en_code_switching(),
    "questions": _en_questions(),
    "long inputs": _en_long(),
    "neutral statements of fact": _en_neutral(),
    "names": _en_names(),
}


# =============================================================================================
# Chinese
# =============================================================================================

ZH_NOUNS = [
    "服务",
    "质量",
    "环境",
    "效果",
    "体验",
    "态度",
    "味道",
    "电影",
    "酒店",
    "物流",
    "包装",
    "做工",
]
ZH_POS = ["好", "棒", "出色", "优秀", "完美", "令人满意", "让人惊喜", "赞", "不错", "到位"]
ZH_NEG = ["差", "糟糕", "差劲", "烂", "令人失望", "垃圾", "恶心", "敷衍", "离谱", "不行"]
ZH_INTENS = ["非常", "特别", "十分", "超级", "极其", "相当", "真的非常"]
ZH_NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "阿里木", "卓玛", "Mike"]

# homophone slips of pinyin input (and two common internet spellings), word -> typo
ZH_TYPOS = {
    "垃圾": "拉圾",
    "糟糕": "遭糕",
    "失望": "失忘",
    "满意": "瞒意",
    "推荐": "推见",
    "喜欢": "喜换",
    "漂亮": "飘亮",
    "舒服": "书服",
    "好吃": "好次",
    "恶心": "恶星",
    "划算": "化算",
    "实惠": "实会",
    "精彩": "经彩",
    "难吃": "难痴",
    "差劲": "差尽",
    "敷衍": "敷延",
    "后悔": "后毁",
    "耐用": "耐拥",
    "方便": "方变",
    "热情": "热请",
}


def _zh_vocabulary() -> list[Test]:
    return [
        Test(
            "positive words",
            "MFT",
            _dedupe(
                mft("{noun}很{adj}。", POS, 20, noun=ZH_NOUNS, adj=ZH_POS)
                + mft("我觉得这次的{noun}很{adj}。", POS, 20, noun=ZH_NOUNS, adj=ZH_POS)
            ),
        ),
        Test(
            "negative words",
            "MFT",
            _dedupe(
                mft("{noun}很{adj}。", NEG, 20, noun=ZH_NOUNS, adj=ZH_NEG)
                + mft("我觉得这次的{noun}很{adj}。", NEG, 20, noun=ZH_NOUNS, adj=ZH_NEG)
            ),
        ),
    ]


def _zh_negation() -> list[Test]:
    pos = ["好", "满意", "出色", "理想", "怎么样", "到位"]
    neg = ["差", "糟糕", "差劲", "烂", "敷衍", "离谱"]
    return [
        Test(
            "negated positive -> negative",
            "MFT",
            _dedupe(
                mft("{noun}不{adj}。", NEG, 15, noun=ZH_NOUNS, adj=pos)
                + mft("{noun}一点也不{adj}。", NEG, 15, noun=ZH_NOUNS, adj=pos)
                + mft("说实话，{noun}并不{adj}。", NEG, 10, noun=ZH_NOUNS, adj=pos)
            ),
        ),
        Test(
            "negated negative -> not negative",
            "MFT",
            _dedupe(
                mft("{noun}不{adj}。", NOT_NEG, 15, noun=ZH_NOUNS, adj=neg)
                + mft("{noun}一点也不{adj}。", NOT_NEG, 15, noun=ZH_NOUNS, adj=neg)
                + mft("说实话，{noun}并不{adj}。", NOT_NEG, 10, noun=ZH_NOUNS, adj=neg)
                + mft_hand(NOT_NEG, ["质量不差", "味道不难吃", "价格不贵", "屏幕不小", "速度不慢"])
            ),
        ),
        Test(
            "double negation and negated negatives (hand-written) -> positive",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "这本书不无聊，值得一读",
                        "不得不说，这家店真的很好吃。",
                        "没有人不喜欢这部电影。",
                        "我不能不推荐这款手机。",
                        "这家酒店没有一点让人不满意的地方。",
                        "用了两年，从来没有失望过。",
                        "挑不出任何毛病。",
                        "没什么可抱怨的，下次还来。",
                        "做工无可挑剔。",
                        "买了一点都不后悔。",
                        "这趟旅行不虚此行。",
                        "不枉我排了一个小时的队。",
                        "没有一道菜不好吃。",
                        "服务态度没得说。",
                        "不是不好吃，是太好吃了。",
                        "完全没有踩雷，每道菜都好吃。",
                        "不失为一个好选择。",
                        "一点都不无聊，两个小时很快就过去了。",
                        "这个价格不可能不满意。",
                        "说不喜欢是假的，真的很喜欢。",
                        "客服没有让我失望，问题很快解决了。",
                        "没有比这更好的了。",
                        "不差钱也不差品味，这家店值得。",
                        "绝不是浪费钱。",
                        "谁用谁知道，不会后悔的。",
                        "从来没吃过这么好吃的。",
                        "找不到比这更舒服的酒店了。",
                        "一次都没出过问题。",
                        "没得挑，五星。",
                        "不夸张地说，这是今年最好看的电影。",
                    ],
                )
            ),
        ),
        Test(
            "negated positives (hand-written) -> negative",
            "MFT",
            _dedupe(
                mft_hand(
                    NEG,
                    [
                        "不推荐。",
                        "再也不会来了。",
                        "没有一样菜好吃。",
                        "不值这个价。",
                        "一点也不值得。",
                        "根本不能用。",
                        "从来没这么失望过。",
                        "没见过这么差的服务。",
                        "客服从来不回消息。",
                        "一点都不好玩。",
                        "不会再买第二次了。",
                        "完全没有描述的那么好。",
                        "别买，不值。",
                        "说好的包邮也没有。",
                        "我不喜欢。",
                    ],
                )
            ),
        ),
    ]


def _zh_contrast() -> list[Test]:
    pos, neg = ["好", "出色", "棒", "不错", "到位"], ["差", "糟糕", "差劲", "一般", "敷衍"]
    return [
        Test(
            "the clause after 但是/没想到/结果 decides",
            "MFT",
            _dedupe(
                mft(
                    "虽然{noun}有点{neg}，但是总体很{pos}。",
                    POS,
                    12,
                    noun=ZH_NOUNS,
                    neg=neg,
                    pos=pos,
                )
                + mft(
                    "本以为{noun}会很{neg}，没想到非常{pos}。",
                    POS,
                    12,
                    noun=ZH_NOUNS,
                    neg=neg,
                    pos=pos,
                )
                + mft(
                    "本以为{noun}会很{pos}，结果很{neg}。", NEG, 12, noun=ZH_NOUNS, neg=neg, pos=pos
                )
                + mft(
                    "{noun}一开始还挺{pos}，后来越来越{neg}。",
                    NEG,
                    12,
                    noun=ZH_NOUNS,
                    neg=neg,
                    pos=pos,
                )
            ),
        ),
        Test(
            "contrast (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "价格有点贵，但是物有所值。",
                        "排队排了很久，不过菜真的好吃。",
                        "房间不大，但是很干净很舒服。",
                        "开头有点慢，后半段非常精彩。",
                        "快递慢了点，东西还是很好的。",
                        "一开始不太习惯，现在离不开了。",
                    ],
                )
                + mft_hand(
                    NEG,
                    [
                        "位置很好，但是房间太脏了，不会再住。",
                        "服务员很热情，可是菜太难吃了。",
                        "外观很漂亮，可惜用了两天就坏了。",
                        "屏幕不错，就是电池太不耐用了。",
                        "便宜是便宜，但是一周就坏了。",
                        "预告片很精彩，正片却很无聊。",
                    ],
                )
            ),
        ),
    ]


def _zh_intensifiers() -> list[Test]:
    pos, neg = ["好", "出色", "不错", "到位", "棒"], ["差", "糟糕", "差劲", "敷衍", "烂"]
    damp_neg = ["有点", "稍微有点", "略微", "有些"]
    return [
        Test(
            "intensified words keep their polarity",
            "MFT",
            _dedupe(
                mft("{noun}{i}{adj}。", POS, 20, noun=ZH_NOUNS, i=ZH_INTENS, adj=pos)
                + mft("{noun}{i}{adj}。", NEG, 20, noun=ZH_NOUNS, i=ZH_INTENS, adj=neg)
            ),
        ),
        Test(
            "an intensifier does not weaken",
            "DIR",
            _dedupe(
                [
                    DIR(f"{n}很{a}。", f"{n}{i}{a}！", "up")
                    for n, a, i in _pick(30, ZH_NOUNS, pos, ZH_INTENS)
                ]
                + [
                    DIR(f"{n}很{a}。", f"{n}{i}{a}！", "down")
                    for n, a, i in _pick(30, ZH_NOUNS, neg, ZH_INTENS)
                ]
            ),
        ),
        Test(
            "a dampener does not strengthen",
            "DIR",
            _dedupe(
                [DIR(f"{n}很{a}。", f"{n}还算{a}。", "down") for n, a in _pick(30, ZH_NOUNS, pos)]
                + [
                    DIR(f"{n}很{a}。", f"{n}{d}{a}。", "up")
                    for n, a, d in _pick(30, ZH_NOUNS, neg, damp_neg)
                ]
            ),
        ),
    ]


def _zh_sarcasm() -> list[Test]:
    events = [
        "又晚点了两个小时",
        "快递又丢了",
        "等了一个小时才上菜",
        "手机用了三天就坏了",
        "客服电话一直打不通",
        "房间里还有蟑螂",
        "充电器第一天就烧了",
        "退款申请被拒了五次",
    ]
    return [
        Test(
            "sarcasm markers over a bad event -> negative",
            "MFT",
            _dedupe(
                mft("真是太好了，{e}。", NEG, e=events)
                + mft("谢谢你们啊，{e}。", NEG, e=events)
                + mft("好评！{e}。", NEG, e=events)
                + mft("厉害了，{e}，真是服了。", NEG, e=events)
            ),
        ),
        Test(
            "sarcasm (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    NEG,
                    [
                        "真是太棒了，排了两个小时队就吃到一盘冷菜。",
                        "呵呵，服务可真好啊。",
                        "五星好评，好到我再也不想来了。",
                        "呵呵，真是好样的。",
                        "这手机真耐用，用了一周就黑屏了。",
                        "这服务态度，真是让人宾至如归啊。",
                        "感谢物流，让我体验了一把望穿秋水。",
                        "这么贵的菜，分量可真是精致啊，一口就没了。",
                        "不愧是网红店，排队三小时，难吃五分钟。",
                        "真是良心商家，卖个二手货当新品。",
                        "太贴心了，连发票都给我弄丢了。",
                        "这酒店隔音真好，隔壁说话我都听得一清二楚。",
                    ],
                )
            ),
        ),
    ]


def _zh_typos() -> list[Test]:
    pos_w = [
        "满意",
        "推荐",
        "喜欢",
        "漂亮",
        "舒服",
        "好吃",
        "划算",
        "实惠",
        "精彩",
        "耐用",
        "方便",
        "热情",
    ]
    neg_w = ["垃圾", "糟糕", "失望", "恶心", "难吃", "差劲", "敷衍", "后悔"]
    clean = mft(
        "{t}",
        POS,
        t=[
            f"非常{w}，{x}"
            for w, x in zip(pos_w, itertools.cycle(["下次还来。", "会再买的。", "值得一试。"]))
        ]
        + [f"真的很{w}。" for w in pos_w],
    ) + mft(
        "{t}",
        NEG,
        t=[
            f"太{w}了，{x}"
            for w, x in zip(neg_w, itertools.cycle(["再也不来了。", "别买。", "浪费钱。"]))
        ]
        + [f"真的很{w}。" for w in neg_w],
    )
    typoed = [MFT(_typo_zh(m.text), m.expect) for m in clean]
    return [
        Test("a homophone slip keeps the polarity", "MFT", _dedupe(typoed)),
        Test(
            "a homophone slip does not change the label",
            "INV",
            _dedupe([INV(c.text, t.text) for c, t in zip(clean, typoed)]),
        ),
    ]


def _typo_zh(text: str) -> str:
    for w, t in ZH_TYPOS.items():
        text = text.replace(w, t)
    return text


ZH_POS_EMOJI = ["👍", "😊", "😍", "❤️", "🥰", "[赞]", "[哈哈]", "^_^", "(^▽^)", "🎉"]
ZH_NEG_EMOJI = ["👎", "😡", "😭", "🤮", "[怒]", "[泪]", "T_T", "QAQ", "(╬▔皿▔)", "💔"]


def _zh_emoji() -> list[Test]:
    facts = [
        "收到货了",
        "刚从医院回来",
        "今天第一天上班",
        "成绩出来了",
        "看完了这本书",
        "周末去看了电影",
    ]
    return [
        Test(
            "a single emoji or emoticon",
            "MFT",
            _dedupe(mft_hand(POS, ZH_POS_EMOJI) + mft_hand(NEG, ZH_NEG_EMOJI)),
        ),
        Test(
            "an emoji after a neutral statement carries the polarity",
            "MFT",
            _dedupe(
                mft("{f}{e}", POS, 20, f=facts, e=ZH_POS_EMOJI)
                + mft("{f}{e}", NEG, 20, f=facts, e=ZH_NEG_EMOJI)
            ),
        ),
        Test(
            "a matching emoji does not weaken",
            "DIR",
            _dedupe(
                [
                    DIR(f"{n}很{a}。", f"{n}很{a}{e}", "up")
                    for n, a, e in _pick(20, ZH_NOUNS, ["好", "棒", "出色"], ZH_POS_EMOJI)
                ]
                + [
                    DIR(f"{n}很{a}。", f"{n}很{a}{e}", "down")
                    for n, a, e in _pick(20, ZH_NOUNS, ["差", "糟糕", "差劲"], ZH_NEG_EMOJI)
                ]
            ),
        ),
    ]


def _zh_code_switching() -> list[Test]:
    en_pos, en_neg = (
        ["nice", "good", "perfect", "amazing", "great"],
        ["bad", "terrible", "disappointing", "awful"],
    )
    return [
        Test(
            "an English sentiment word in Chinese",
            "MFT",
            _dedupe(
                mft("这次的{noun}真的很{w}。", POS, 20, noun=ZH_NOUNS, w=en_pos)
                + mft("这次的{noun}真的很{w}。", NEG, 20, noun=ZH_NOUNS, w=en_neg)
                + mft(
                    "{noun}简直{w}，{x}",
                    POS,
                    10,
                    noun=ZH_NOUNS,
                    w=["perfect", "amazing"],
                    x=["下次还来。", "强烈推荐。"],
                )
                + mft(
                    "{noun}简直{w}，{x}",
                    NEG,
                    10,
                    noun=ZH_NOUNS,
                    w=["terrible", "a disaster"],
                    x=["再也不来了。", "别买。"],
                )
            ),
        ),
        Test(
            "code-switching (hand-written)",
            "MFT",
            _dedupe(
                mft_hand(
                    POS,
                    [
                        "这家店的 vibe 很 chill，很喜欢。",
                        "今天的 presentation 很成功，老板很满意。",
                        "这个 app 的 design 太赞了。",
                        "整个 trip 都很 enjoy。",
                    ],
                )
                + mft_hand(
                    NEG,
                    [
                        "今天的 meeting 又臭又长，太无聊了。",
                        "这个 update 之后手机卡死了，bug 太多。",
                        "快递 delay 了一周，客服也不 care。",
                        "心情很 down，什么都不想做。",
                    ],
                )
            ),
        ),
    ]


def _zh_questions() -> list[Test]:
    return [
        Test(
            "a question about quality -> neutral",
            "MFT",
            _dedupe(
                mft("{noun}好吗？", NEU, noun=ZH_NOUNS)
                + mft("请问这家的{noun}怎么样？", NEU, noun=ZH_NOUNS)
                + mft(
                    "有人知道{noun}{adj}吗？",
                    NEU,
                    10,
                    noun=ZH_NOUNS,
                    adj=["好不好", "值不值", "靠不靠谱"],
                )
            ),
        ),
        Test(
            "a complaining question -> negative",
            "MFT",
            _dedupe(
                mft("为什么{noun}这么{adj}？", NEG, 15, noun=ZH_NOUNS, adj=ZH_NEG[:6])
                + mft("{noun}怎么能{adj}成这样？", NEG, 15, noun=ZH_NOUNS, adj=ZH_NEG[:6])
                + mft_hand(
                    NEG,
                    [
                        "为什么客服从来不接电话？",
                        "谁想出来的这个更新？",
                        "要一个干净的房间很过分吗？",
                    ],
                )
            ),
        ),
    ]


ZH_FILLER = [
    "我们晚上七点左右到的。",
    "店在商场的二楼。",
    "我们点了三个菜和一壶茶。",
    "我姐姐点了鱼，我点了面。",
    "楼后面有停车场。",
    "菜单上大概有四十道菜。",
    "我们在前台刷卡付的钱。",
    "坐公交过去要二十分钟。",
    "店里大概还有十五个客人。",
    "我们提前一周在网上订的位。",
    "这栋楼以前是邮局。",
    "他们除了周一每天都营业。",
    "我们坐在靠窗的位置。",
    "价格用人民币标注。",
    "我哥哥半小时后也来了。",
    "墙刷成了浅灰色。",
    "我们九点一刻离开的。",
    "街对面就有一个公交站。",
    "小票上一共五样东西。",
    "我是在本地的指南上看到这家店的。",
]


def _long_zh(verdict: str, n_filler: int, seed: int, at_end: bool = True) -> str:
    filler = random.Random(seed).sample(ZH_FILLER, n_filler)
    return "".join([*filler, verdict] if at_end else [verdict, *filler])


def _zh_long() -> list[Test]:
    v_pos = [f"总的来说，{n}很{a}，下次还会再来。" for n, a in _pick(15, ZH_NOUNS, ZH_POS)]
    v_neg = [f"总的来说，{n}很{a}，不会再来了。" for n, a in _pick(15, ZH_NOUNS, ZH_NEG)]
    long_mft = (
        [MFT(_long_zh(v, 12 + i % 8, i), POS) for i, v in enumerate(v_pos)]
        + [MFT(_long_zh(v, 12 + i % 8, 100 + i), NEG) for i, v in enumerate(v_neg)]
        + [MFT(_long_zh(v, 16, 200 + i, at_end=False), POS) for i, v in enumerate(v_pos)]
        + [MFT(_long_zh(v, 16, 300 + i, at_end=False), NEG) for i, v in enumerate(v_neg)]
    )
    return [
        Test("one verdict among 12-20 neutral sentences", "MFT", _dedupe(long_mft)),
        Test(
            "neutral filler does not change the label",
            "INV",
            _dedupe([INV(v, _long_zh(v, 18, 400 + i)) for i, v in enumerate(v_pos + v_neg)]),
        ),
    ]


def _zh_neutral() -> list[Test]:
    places = ["图书馆", "邮局", "博物馆", "药店", "游泳馆", "银行"]
    times = ["早上八点", "九点半", "中午十二点", "下午六点"]
    days = ["周一", "周二", "周四", "周五"]
    return [
        Test(
            "statements of fact -> neutral",
            "MFT",
            _dedupe(
                mft("{place}{time}开门。", NEU, 10, place=places, time=times)
                + mft("会议改到{day}{time}了。", NEU, 10, day=days, time=times)
                + mft("{place}{day}不开放。", NEU, 8, place=places, day=days)
                + mft_hand(
                    NEU,
                    [
                        "水在标准大气压下一百摄氏度沸腾。",
                        "去上海的高铁从四号站台出发。",
                        "这份报告有十二页。",
                        "她二零一九年搬到了北京。",
                        "这个包裹重两公斤。",
                        "这部电影时长两小时十分钟。",
                        "我们的办公室在三楼。",
                        "这家酒店有一百二十个房间。",
                        "这款手机有黑色和银色两种颜色。",
                        "车票可以在网上或者车站购买。",
                        "这本书一共十四章。",
                        "商店可以用现金和手机支付。",
                    ],
                )
            ),
        ),
    ]


def _zh_names() -> list[Test]:
    pairs = list(itertools.permutations(ZH_NAMES, 2))
    base = mft("{name}说{noun}很{adj}。", POS, 20, name=["小明"], noun=ZH_NOUNS, adj=ZH_POS) + mft(
        "{name}说{noun}很{adj}。", NEG, 20, name=["小明"], noun=ZH_NOUNS, adj=ZH_NEG
    )
    rng = random.Random("zh-names")
    items = []
    for m in base:
        x, y = rng.choice(pairs)
        items.append(INV(m.text.replace("小明", x), m.text.replace("小明", y)))
    return [Test("changing a person's name does not change the label", "INV", _dedupe(items))]


SUITE_ZH: dict[str, list[Test]] = {
    "vocabulary": _zh_vocabulary(),
    "negation": _zh_negation(),
    "contrast": _zh_contrast(),
    "intensifiers and dampeners": _zh_intensifiers(),
    "sarcasm and irony": _zh_sarcasm(),
    "typos": _zh_typos(),
    "emoji and emoticons": _zh_emoji(),
    "code-switching": _zh_code_switching(),
    "questions": _zh_questions(),
    "long inputs": _zh_long(),
    "neutral statements of fact": _zh_neutral(),
    "names": _zh_names(),
}

SUITES: dict[str, dict[str, list[Test]]] = {"en": SUITE_EN, "zh": SUITE_ZH}
