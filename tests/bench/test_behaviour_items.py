"""bench/behaviour_items.py is well-formed and bench/behaviour.py counts MFT/INV/DIR right.

No model runs here: the scorer is checked on a fake system.
"""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    # by name from bench/, as behaviour.py imports behaviour_items: one module, one set of classes
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def items():
    return _load("behaviour_items")


@pytest.fixture(scope="module")
def behaviour():
    return _load("behaviour")


def _all_tests(items):
    for lang, suite in items.SUITES.items():
        for cap, tests in suite.items():
            for t in tests:
                yield lang, cap, t


def test_both_languages_have_about_ten_capabilities_each_with_items(items):
    assert set(items.SUITES) == {"en", "zh"}
    for lang, suite in items.SUITES.items():
        assert len(suite) >= 10, lang
        for cap, tests in suite.items():
            assert tests, f"{lang}/{cap} has no tests"
            assert sum(len(t.items) for t in tests) >= 30, f"{lang}/{cap} has under 30 items"


def test_items_are_well_formed(items):
    kinds = {"MFT": items.MFT, "INV": items.INV, "DIR": items.DIR}
    for lang, cap, t in _all_tests(items):
        where = f"{lang}/{cap}/{t.name}"
        assert t.kind in kinds, where
        assert t.items, where
        for it in t.items:
            assert isinstance(it, kinds[t.kind]), where
            if isinstance(it, items.MFT):
                assert it.text.strip(), where
                assert it.expect and set(it.expect) <= set(items.POLARITIES), (where, it)
            else:
                assert it.a.strip() and it.b.strip(), where
                assert it.a != it.b, f"{where}: a pair that does not differ: {it.a!r}"
            if isinstance(it, items.DIR):
                assert it.direction in ("up", "down"), (where, it)


def test_no_duplicate_items_within_a_test_and_no_contradicting_labels(items):
    for lang, _, t in _all_tests(items):
        assert len(set(t.items)) == len(t.items), f"{lang}/{t.name} repeats an item"
    for lang, suite in items.SUITES.items():
        expected: dict[str, tuple] = {}
        for tests in suite.values():
            for t in tests:
                for it in t.items:
                    if isinstance(it, items.MFT):
                        prev = expected.setdefault(it.text, it.expect)
                        assert set(prev) & set(it.expect), (
                            f"{lang}: {it.text!r} {prev} vs {it.expect}"
                        )


def test_the_issues_known_failures_are_items(items):
    texts = {it.text for _, _, t in _all_tests(items) for it in t.items if hasattr(it, "text")}
    for known in (
        "Not a single boring moment.",
        "I can't complain about the service.",
        "质量不差",
        "味道不难吃",
        "这本书不无聊，值得一读",
        "Wow, I just love waiting two hours for cold food.",
        "terible service",
        "👍",
        "😊",
    ):
        assert known in texts, known


def test_items_are_the_same_in_every_process(items):
    """Templates are subsampled with string seeds: the items must not depend on hash seeds."""
    code = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); import behaviour_items as b; "
        "print(repr(b.SUITES))"
    )
    digests = set()
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8"},
        ).stdout
        digests.add(hashlib.sha256(out).hexdigest())
    digests.add(hashlib.sha256((repr(items.SUITES) + "\n").encode()).hexdigest())
    assert len(digests) == 1


# --- the scorer, on a fake system --------------------------------------------------------------


def test_mft_inv_dir_are_counted_on_a_fake_system(behaviour, items):
    MFT, INV, DIR, Test = items.MFT, items.INV, items.DIR, items.Test
    pred = {
        "good": ("positive", 0.6),
        "very good": ("positive", 0.5),  # an intensifier that weakens: DIR up fails
        "bad": ("negative", -0.6),
        "very bad": ("negative", -0.595),  # within the tolerance: DIR down passes
        "not bad": ("neutral", 0.0),
        "fact": ("positive", 0.2),
        "gud": ("neutral", 0.0),  # a typo that changes the label: INV fails
    }
    tests = [
        Test(
            "mft",
            "MFT",
            (
                MFT("good", ("positive",)),
                MFT("not bad", ("positive", "neutral")),
                MFT("bad", ("positive",)),
                MFT("fact", ("neutral",)),
            ),
        ),
        Test("inv", "INV", (INV("good", "very good"), INV("good", "gud"))),
        Test("dir", "DIR", (DIR("good", "very good", "up"), DIR("bad", "very bad", "down"))),
    ]
    r = behaviour.score_capability(tests, pred, neutral=True)
    assert r["tests"]["mft"] == {"kind": "MFT", "n": 4, "pass_rate": 0.5}
    assert r["tests"]["inv"] == {"kind": "INV", "n": 2, "pass_rate": 0.5}
    assert r["tests"]["dir"] == {"kind": "DIR", "n": 2, "pass_rate": 0.5}
    assert (r["n"], r["pass_rate"]) == (8, 0.5)
    # failures: the first of each test in turn
    assert [f["test"] for f in r["failures"]] == ["mft", "inv", "dir", "mft"]
    assert r["failures"][0] == {
        "test": "mft",
        "kind": "MFT",
        "text": "bad",
        "expected": "positive",
        "got": "negative",
        "score": -0.6,
    }

    # a system with no neutral class is not scored on neutral-only items
    binary = behaviour.score_capability(tests, pred, neutral=False)
    assert binary["tests"]["mft"]["n"] == 3
    assert binary["n"] == 7


def test_evaluate_runs_each_system_once_over_the_unique_texts(behaviour, items):
    calls = []

    def fake(texts):
        calls.append(list(texts))
        return [("positive", 1.0) for _ in texts]

    suite = {
        "cap": [
            items.Test("t", "MFT", (items.MFT("a", ("positive",)), items.MFT("b", ("negative",)))),
            items.Test("u", "INV", (items.INV("a", "b"),)),
        ]
    }
    out = behaviour.evaluate(suite, [behaviour.System("fake", fake, neutral=True)])
    assert calls == [["a", "b"]]
    assert out["cap"]["fake"]["pass_rate"] == pytest.approx(2 / 3)


def test_unknown_dir_direction_or_item_type_is_refused(behaviour, items):
    with pytest.raises(ValueError, match=r"'up' or 'down'\. Got 'sideways'"):
        items.DIR("good", "very good", "sideways")
    with pytest.raises(TypeError, match="MFT, INV or DIR"):
        behaviour.check(object(), {}, neutral=True)
