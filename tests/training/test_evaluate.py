"""`affectkit evaluate`: the stable contract."""

import json
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from affectkit.errors import InvalidInputError
from affectkit.training.evaluate import evaluate

EXE = Path(sys.executable).with_name("affectkit")


def test_contract_fields_label_map_and_exclusions(fixtures):
    r = evaluate(
        "lexicon-en",
        fixtures / "eval_reviews.csv",
        label_map={"pos": "positive", "neg": "negative"},
    )
    assert r["n"] == 4  # 'mixed' is excluded, the empty input skipped
    assert r["excluded"] == {"mixed": 1}
    assert r["skipped"] == {"empty": 1}
    assert r["accuracy"] == 1.0 and r["macro_f1"] == 1.0
    # binary data on a 3-class model: predictions restricted to the data's labels
    assert set(r["per_class"]) == {"negative", "positive"}
    assert r["model"] == "lexicon-en@1"


def test_synonyms_map_and_unmapped_labels_are_excluded_not_guessed(fixtures, tmp_path):
    r = evaluate("lexicon-en", fixtures / "eval_reviews.csv")  # pos/neg are known synonyms
    assert r["n"] == 4 and r["excluded"] == {"mixed": 1}
    p = tmp_path / "u.csv"
    p.write_text("input,label\ngreat,thumbs_up\nawful,thumbs_down\nawful,negative\n")
    r = evaluate("lexicon-en", p)
    assert r["n"] == 1 and r["excluded"] == {"thumbs_up": 1, "thumbs_down": 1}


def test_emotion_labels_use_the_emotion_space(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("text,label\n我太生气了，气死我了,angry\n今天好开心,happy\n", encoding="utf-8")
    r = evaluate("lexicon-zh", p, input_col="text")
    assert r["n"] == 2 and set(r["per_class"]) <= {"anger", "joy"}


def test_cli_json_is_exactly_one_object(fixtures):
    p = subprocess.run(
        [
            str(EXE),
            "evaluate",
            "--model",
            "lexicon-en",
            "--data",
            str(fixtures / "eval_reviews.csv"),
            "--label-map",
            "pos=positive,neg=negative",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    obj = json.loads(p.stdout)
    assert set(obj) >= {
        "n",
        "accuracy",
        "macro_f1",
        "macro_recall",
        "micro_f1",
        "per_class",
        "excluded",
        "model",
        "seconds",
    }
    assert p.stdout.count("\n") == 1


def test_missing_column_is_a_clear_error(fixtures):
    p = subprocess.run(
        [str(EXE), "evaluate", "--model", "lexicon-en", "--data", str(fixtures / "reviews.csv")],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "no column 'input'" in p.stderr


def test_excel_csv_with_byte_order_mark_and_a_bad_row(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes(
        b"\xef\xbb\xbfinput,label\r\nI love it,positive\r\ncaf\xe9 awful,negative\r\n"
        b"terrible,negative\r\n"
    )
    r = evaluate("lexicon-en", p)
    assert r["n"] == 2 and r["accuracy"] == 1.0
    assert r["skipped"] == {"not valid UTF-8": 1}


def test_nothing_to_evaluate_fails_and_says_why(tmp_path):
    p = tmp_path / "none.csv"
    p.write_text("input,label\nhello,\n,positive\n")
    r = subprocess.run([str(EXE), "evaluate", "-m", "lexicon-en", "-d", str(p), "--json"],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 1 and "nothing to evaluate" in r.stderr and "missing label" in r.stderr
    assert json.loads(r.stdout)["n"] == 0  # --json still prints its one object


def test_confusion_png(tmp_path, fixtures):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cm.png"
    subprocess.run(
        [
            str(EXE),
            "evaluate",
            "-m",
            "lexicon-en",
            "-d",
            str(fixtures / "eval_reviews.csv"),
            "--label-map",
            "pos=positive,neg=negative",
            "--confusion-png",
            str(out),
            "-q",
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_single_label_data_is_not_a_perfect_score_by_restriction(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text(
        "input,label\nThis is terrible and awful.,positive\nI hate it so much.,positive\n"
        "Worst purchase ever. Horrible.,positive\n"
    )
    r = evaluate("lexicon-en", p)
    assert r["n"] == 3 and r["accuracy"] == 0.0 and r["macro_f1"] == 0.0 and r["ece"] > 0.5
    assert "negative" in r["per_class"] and "single label ('positive')" in r["warnings"][0]
    cli = subprocess.run([str(EXE), "evaluate", "-m", "lexicon-en", "-d", str(p), "--json"],
                         capture_output=True, text=True)  # fmt: skip
    obj = json.loads(cli.stdout)
    assert obj["accuracy"] == 0.0 and "warnings" not in obj and cli.stdout.count("\n") == 1
    assert {"n", "accuracy", "macro_f1", "macro_recall", "micro_f1", "per_class", "excluded",
            "model", "seconds"} <= set(obj)  # fmt: skip
    assert "warning: the data has a single label" in cli.stderr
    # two labels: restricted to them as before, no warning
    p.write_text("input,label\nI love it,positive\nawful,negative\n")
    r = evaluate("lexicon-en", p)
    assert r["accuracy"] == 1.0 and set(r["per_class"]) == {"positive", "negative"}
    assert r["warnings"] == []


def test_unreadable_rows_are_skipped_not_run_together(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text(
        'input,label\nI love it,positive\n"bad" quote,negative\nawful\rreally,negative\n'
        '"never closed,negative\nterrible,negative\n'
    )
    r = evaluate("lexicon-en", p)
    assert r["n"] == 3 and r["accuracy"] == 1.0
    assert r["skipped"] == {"unreadable row (quoting or number of fields)": 2}


def test_a_plot_that_cannot_be_written_is_a_clean_error(tmp_path, fixtures):
    pytest.importorskip("matplotlib")
    data = str(fixtures / "eval_reviews.csv")
    for png, message in (
        ("/proc/affectkit-cm.png", "Cannot write '/proc/affectkit-cm.png'"),
        (str(tmp_path / "cm.nope"), "Name it .png"),
    ):
        for flag in ("--confusion-png", "--reliability-png"):
            r = subprocess.run([str(EXE), "evaluate", "-m", "lexicon-en", "-d", data, "--label-map",
                                "pos=positive,neg=negative", flag, png, "-q"],
                               capture_output=True, text=True)  # fmt: skip
            assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


ROUTED = (
    "input,label\n"
    "What a wonderful day,positive\n"
    "This is a terrible mess,negative\n"
    "这家酒店太差了,negative\n"
    "发表在 Nature Communications 和 Journal of Applied Psychology 上的研究表明，这个方法非常好,"
    "positive\n"
    "今日はとても楽しかったです,positive\n"
)


def test_without_a_model_each_row_goes_to_its_languages_default(lexicon_defaults, tmp_path):
    import affectkit
    from affectkit.cli.main import main

    p = tmp_path / "mixed.csv"
    p.write_text(ROUTED, encoding="utf-8")
    r = evaluate("auto", p)
    # as `affectkit analyze` routes them: by language, the Chinese post with English titles
    # to Chinese, Japanese flagged and counted, not dropped unseen
    routed = affectkit.analyze([line.rpartition(",")[0] for line in ROUTED.splitlines()[1:]])
    assert [x.model for x in routed] == ["lexicon-en@1"] * 2 + ["lexicon-zh@1"] * 2 + ["auto"]
    assert r["model"] == "auto" and r["models"] == {"lexicon-en@1": 2, "lexicon-zh@1": 2}
    assert r["n"] == 4 and r["skipped"] == {"unsupported language: ja": 1}
    assert r["accuracy"] == 1.0
    assert main(["evaluate", "-d", str(p), "--json"]) == 0  # --model left out: the same run
    with pytest.raises(SystemExit):  # no model named "auto" to clash with a registry name
        main(["evaluate", "-d", str(p), "--model"])


def test_cli_without_a_model_prints_the_routes(lexicon_defaults, tmp_path, capsys):
    from affectkit.cli.main import main

    p = tmp_path / "mixed.csv"
    p.write_text(ROUTED, encoding="utf-8")
    assert main(["evaluate", "-d", str(p), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["model"] == "auto" and obj["models"] == {"lexicon-en@1": 2, "lexicon-zh@1": 2}
    assert obj["skipped"] == {"unsupported language: ja": 1} and obj["n"] == 4
    assert main(["evaluate", "-d", str(p), "-q"]) == 0
    out = capsys.readouterr().out
    assert "routed: lexicon-en@1 2 rows, lexicon-zh@1 2 rows" in out
    assert "unsupported language: ja" in out


class _Grouped:
    """A tiny real analyzer whose own labels are finer than the canonical groups: GoEmotions'
    amusement counts towards joy, annoyance towards anger (the rules of `summarise`)."""

    name = "grouped-test@1"
    modality = "text"
    languages = ("en",)
    labels = ("amusement", "joy", "annoyance", "anger")
    canonical: ClassVar = {"amusement": "joy", "annoyance": "anger"}
    multi_label = False
    thresholds = None
    uncertain_below = 0.0
    # own-label probabilities: the top own label of the two data labels is the other group's
    PROBS: ClassVar = {"haha": (0.6, 0.05, 0.05, 0.3), "grr": (0.05, 0.3, 0.6, 0.05)}

    def analyze(self, batch, *, explain=False):
        from affectkit.results import AffectResult
        from affectkit.text.classifier.outputs import LabelPlan, summarise

        plan = LabelPlan.from_config(self)
        return [AffectResult(model=self.name, language="en", **summarise(self.PROBS[t], plan))
                for t in batch]  # fmt: skip


@pytest.fixture
def grouped_model(monkeypatch):
    from affectkit import registry
    from affectkit.labels import EMOTIONS
    from affectkit.registry import ModelSpec

    registry.list_models()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register(ModelSpec("grouped-test", 1, "text", "emotion", ("en",), EMOTIONS,
                                loader=_Grouped))  # fmt: skip
    return "grouped-test"


def test_match_own_names_or_canonical_groups(grouped_model, tmp_path, capsys):
    from affectkit.cli.main import main

    p = tmp_path / "ekman.csv"
    p.write_text("input,label\nhaha,joy\ngrr,anger\nhaha,happy\n")
    own = evaluate(grouped_model, p, match="own")
    canonical = evaluate(grouped_model, p, match="canonical")
    assert (own["label_space"], own["n"], own["accuracy"]) == ("own", 2, 0.0)
    assert own["excluded"] == {"happy": 1}  # own names are matched by name only
    assert (canonical["label_space"], canonical["n"], canonical["accuracy"]) == ("emotions", 3, 1.0)
    # auto (the default, as before the flag): the space that covers more data labels ...
    assert evaluate(grouped_model, p)["label_space"] == "emotions"  # 'happy' is only canonical
    # ... own names on a tie
    p.write_text("input,label\nhaha,joy\ngrr,anger\n")
    auto = evaluate(grouped_model, p)
    assert (auto["label_space"], auto["accuracy"]) == ("own", 0.0)
    assert main(["evaluate", "-m", grouped_model, "-d", str(p), "--match", "canonical",
                 "--json"]) == 0  # fmt: skip
    obj = json.loads(capsys.readouterr().out)
    assert obj["label_space"] == "emotions" and obj["accuracy"] == 1.0


def test_match_own_on_a_model_without_own_labels_says_what_to_do(tmp_path, fixtures):
    data = fixtures / "eval_reviews.csv"
    with pytest.raises(InvalidInputError, match=r"--match own: the results of lexicon-en@1 have no "
                       r"own labels .* Use --match canonical"):  # fmt: skip
        evaluate("lexicon-en", data, match="own")
    r = evaluate("lexicon-en", data, match="canonical")
    assert r["label_space"] == "polarity" and r["n"] == 4
    with pytest.raises(InvalidInputError, match=r"match must be one of \['auto', 'own', "):
        evaluate("lexicon-en", data, match="ekman")
    p = subprocess.run([str(EXE), "evaluate", "-m", "lexicon-en", "-d", str(data), "--match",
                        "own"], capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 2 and "Use --match canonical" in p.stderr and "Traceback" not in p.stderr
