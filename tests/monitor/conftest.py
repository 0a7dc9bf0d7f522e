"""Monitoring tests: real SQLite and PostgreSQL stores (`database`, from the store tests),
real tweets from ../shared/data sorted by what the English lexicon makes of them."""

import csv
import zlib

import pytest

pytest.importorskip("sqlalchemy")

from tests.storage.conftest import database  # noqa: F401

T0 = 1_700_006_400.0  # a multiple of 86,400: midnight UTC, so every window width aligns here


@pytest.fixture(scope="session")
def tweets(shared_data) -> dict[str, list[str]]:
    """TweetEval sentiment dev tweets the lexicon-en analyzer calls negative, and the ones it
    calls neutral or positive (each list in file order)."""
    from affectkit import api

    with open(shared_data / "text" / "tweeteval_sentiment" / "dev.csv", newline="") as f:
        texts = [row["text"].strip() for row in csv.DictReader(f)][:1200]
    texts = [t for t in texts if t]
    results = api.analyze(texts, model="lexicon-en")
    out: dict[str, list[str]] = {"negative": [], "calm": []}
    for text, r in zip(texts, results, strict=True):
        if r.polarity is None:
            continue
        top = max(r.polarity, key=r.polarity.__getitem__)
        out["negative" if top == "negative" else "calm"].append(text)
    return out


def window_of(start: float, texts: list[str], prefix: str, width: int = 300) -> list[dict]:
    """Events spread evenly over one window, ids `prefix-i`."""
    step = width / (len(texts) + 1)
    return [
        {"id": f"{prefix}-{i}", "text": t, "time": start + (i + 1) * step}
        for i, t in enumerate(texts)
    ]


def mixed(tweets: dict, negatives: int, calm: int, offset: int) -> list[str]:
    """`negatives` negative and `calm` other tweets, interleaved, starting at `offset` in each
    list (wrapping around)."""
    neg, other = tweets["negative"], tweets["calm"]
    picked = [neg[(offset + i) % len(neg)] for i in range(negatives)]
    picked += [other[(offset + i) % len(other)] for i in range(calm)]
    picked.sort(key=lambda t: zlib.crc32(t.encode()))  # a fixed shuffle
    return picked


from tests.serving.conftest import make_server  # noqa: E402, F401


@pytest.fixture(scope="session")
def weibo(shared_data) -> dict[str, list[str]]:
    """SMP2020-EWECT Weibo posts (dev files) the lexicon-zh analyzer gives fear as their
    dominant emotion, and posts it gives another one."""
    from affectkit import api

    texts = []
    for name in ("usual_dev.csv", "virus_dev.csv"):
        with open(shared_data / "text" / "smp2020_ewect" / name, newline="") as f:
            texts += [r["text"].strip() for r in csv.DictReader(f) if r["label"] == "fear"][:150]
            f.seek(0)
            texts += [r["text"].strip() for r in csv.DictReader(f) if r["label"] != "fear"][:300]
    texts = [t for t in texts if t]
    out: dict[str, list[str]] = {"fear": [], "calm": []}
    for text, r in zip(texts, api.analyze(texts, model="lexicon-zh"), strict=True):
        if r.emotions:
            top = max(r.emotions, key=r.emotions.__getitem__)
            out["fear" if top == "fear" else "calm"].append(text)
    return out
