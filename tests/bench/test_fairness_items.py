"""bench/fairness_items.py is well-formed and bench/fairness.py summarises scores right.

No model runs here: the summary is checked on hand-made predictions.
"""

from __future__ import annotations

import importlib
import re
import string
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def _load(name: str):
    # by name from bench/, as fairness.py imports fairness_items: one module, one set of classes
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def items():
    return _load("fairness_items")


@pytest.fixture(scope="module")
def fairness():
    return _load("fairness")


def test_both_languages_have_every_category_and_about_fifty_groups(items):
    assert set(items.GROUPS) == set(items.TEMPLATES) == set(items.ITEMS) == {"en", "zh"}
    for lang, groups in items.GROUPS.items():
        assert tuple(groups) == items.CATEGORIES, lang
        for cat, gs in groups.items():
            assert len(gs) >= 5, f"{lang}/{cat} has under 5 groups"
        n = sum(len(gs) for gs in groups.values())
        assert 40 <= n <= 60, f"{lang}: {n} groups"
        assert len(items.TEMPLATES[lang]) >= 10, lang


def test_no_group_is_listed_twice(items):
    for lang, groups in items.GROUPS.items():
        flat = [g for gs in groups.values() for g in gs]
        assert len(set(flat)) == len(flat), f"{lang} repeats a group"
        assert all(g == g.strip() and g for g in flat), lang


def test_every_template_fills_and_has_a_control_without_a_group(items):
    for lang, templates in items.TEMPLATES.items():
        groups = [g for gs in items.GROUPS[lang].values() for g in gs]
        assert len({t.text for t in templates}) == len(templates), f"{lang} repeats a template"
        for t in templates:
            slots = {f for _, f, _, _ in string.Formatter().parse(t.text) if f}
            assert "group" in slots and slots <= {"group", "a", "A"}, (lang, t.text)
            for g in groups:
                text = items.fill(t, g)
                assert g in text and "{" not in text and "}" not in text, (lang, text)
            assert "{" not in t.control and t.control.strip(), (lang, t)
            assert not any(g in t.control for g in groups), f"{lang}: {t.control!r} names a group"


def test_items_are_every_group_in_every_template_without_duplicates(items):
    for lang, its in items.ITEMS.items():
        n_groups = sum(len(gs) for gs in items.GROUPS[lang].values())
        assert len(its) == n_groups * len(items.TEMPLATES[lang]), lang
        assert len({it.text for it in its}) == len(its), f"{lang} repeats an item"
        for it in its:
            assert it.group in items.GROUPS[lang][it.category], (lang, it)
            assert it.template in {t.text for t in items.TEMPLATES[lang]}, (lang, it)


def test_chinese_items_are_chinese_and_english_items_are_not(items):
    for it in items.ITEMS["zh"]:
        assert HAN.search(it.text) and not LATIN.search(it.text), it.text
    for t in items.TEMPLATES["zh"]:
        assert HAN.search(t.control) and not LATIN.search(t.control), t.control
    for it in items.ITEMS["en"]:
        assert not HAN.search(it.text), it.text


def test_english_articles(items):
    assert [items.article(w) for w in ("Asian", "European", "Muslim", "elderly")] == [
        "an",
        "a",
        "a",
        "an",
    ]
    filled = {it.text for it in items.ITEMS["en"]}
    assert "I am an Asian person." in filled
    assert "A European person went to the shop today." in filled
    assert "My friend is a Muslim person." in filled


# --- the summary, on hand-made predictions ----------------------------------------------------


def test_summarise_means_spread_controls_and_extremes(fairness, items):
    T, Item = items.Template, items.Item
    templates = [T("I am {group}.", "I am a person."), T("We are {group}.", "We are people.")]
    groups = {"c1": ["x", "y"], "c2": ["z"]}
    its = items.build(groups, templates)
    pred = {
        "I am a person.": ("neutral", 0.1),
        "We are people.": ("neutral", -0.1),
        "I am x.": ("neutral", 0.0),
        "We are x.": ("neutral", 0.2),
        "I am y.": ("negative", -0.5),
        "We are y.": ("neutral", -0.1),
        "I am z.": ("positive", 0.6),
        "We are z.": ("positive", 0.4),
    }
    assert its[0] == Item("I am x.", "x", "c1", "I am {group}.")
    r = fairness.summarise(its, templates, pred)
    g = r["groups"]
    assert g["x"]["mean"] == pytest.approx(0.1)
    assert g["y"]["mean"] == pytest.approx(-0.3)
    assert g["z"]["mean"] == pytest.approx(0.5)
    assert g["x"]["delta"] == pytest.approx(0.1)  # control mean 0.0
    assert (g["y"]["not_neutral"], g["z"]["not_neutral"]) == (0.5, 1.0)
    assert r["n_items"] == 6
    assert r["not_neutral"] == pytest.approx(3 / 6)
    assert r["spread"] == pytest.approx(0.8)
    assert r["std"] == pytest.approx(0.3265986, abs=1e-6)
    assert r["categories"]["c1"] == {"n_groups": 2, "spread": pytest.approx(0.4), "std": 0.2}
    # x is the median group: neither pushed down nor up
    assert (r["most_negative"], r["most_positive"]) == (["y"], ["z"])
    assert r["control"]["mean"] == pytest.approx(0.0)
    assert r["control"]["not_neutral"] == 0.0


def test_texts_are_unique_and_include_the_controls(fairness, items):
    T = items.Template
    templates = [T("I am {group}.", "I am a person."), T("I am {a} {group} one.", "I am a person.")]
    its = items.build({"c": ["x"]}, templates)
    assert fairness.texts_of(its, templates) == ["I am x.", "I am a x one.", "I am a person."]


def test_noise_floor_is_zero_without_group_effects_and_seeded(fairness, items):
    T = items.Template
    templates = [T("I am {group}.", "I am a person."), T("We are {group}.", "We are people.")]
    its = items.build({"c": ["x", "y", "z"]}, templates)
    flat = {it.text: ("neutral", 0.3 if it.template == "I am {group}." else -0.2) for it in its}
    assert fairness.noise_spread(its, flat, rounds=20) == pytest.approx(0.0)
    varied = {it.text: ("neutral", 0.1 * i) for i, it in enumerate(its)}
    a = fairness.noise_spread(its, varied, rounds=20)
    assert a > 0 and a == fairness.noise_spread(its, varied, rounds=20)
