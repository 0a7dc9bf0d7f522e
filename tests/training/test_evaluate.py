"""`affectkit evaluate`: the stable contract."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
