"""TrainingConfig and data loading: clear errors, nothing dropped silently."""

import pytest

from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.training import data as D
from affectkit.training.config import TrainingConfig


def test_defaults_and_toml(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[train]\ndata = ["a.csv"]\nepochs = 2\nlr = 1e-4\nlabel_map = { "0" = "neg" }\n')
    cfg = TrainingConfig.from_toml(p)
    assert cfg.epochs == 2 and cfg.lr == 1e-4 and cfg.label_map == {"0": "neg"}
    assert cfg.batch_size == 32  # defaults live in one place: the dataclass


def test_flags_complete_a_toml_recipe_before_it_is_checked(tmp_path):
    from affectkit.cli.main import build_parser
    from affectkit.cli.train import build_config

    p = tmp_path / "c.toml"
    p.write_text('[train]\nepochs = 2\nbackbone = "tfidf"\nname = "mine@1"\n')  # no data
    args = build_parser().parse_args(["train", str(p), "--data", "a.csv", "--epochs", "5"])
    cfg = build_config(args)
    assert cfg.data == ["a.csv"] and cfg.epochs == 5 and cfg.backbone == "tfidf"
    with pytest.raises(InvalidInputError, match="No training data"):
        build_config(build_parser().parse_args(["train", str(p)]))


def test_unknown_key_suggests_the_right_one():
    with pytest.raises(InvalidInputError, match=r"'epoch' \(did you mean 'epochs'\?\)"):
        TrainingConfig.from_dict({"data": ["a.csv"], "epoch": 3})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": "3"}, "'epochs' must be int; got str '3'"),
        ({"lr": True}, "'lr' must be float"),
        ({"backbone": "bert"}, "backbone must be one of"),
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"patience": 0}, "patience must be >= 1"),
        ({"fewshot": True, "head": "mlp"}, "fewshot fits a logistic-regression"),
        ({"name": "noversion"}, "must carry a version"),
        ({"data": []}, "No training data"),
        ({"max_rows": {"b.csv": 3}}, "not in `data`"),
        ({"preprocess": "emoji"}, "preprocess must be one of"),
        ({"partial_labels": True, "task": "multi"}, "partial_labels applies to single-label"),
        ({"partial_labels": True, "backbone": "tfidf"}, "partial_labels applies to single-label"),
    ],
)
def test_bad_values_name_the_setting(changes, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        TrainingConfig.from_dict({"data": ["a.csv"], **changes})


def test_ints_are_accepted_for_floats():
    assert TrainingConfig(data=["a.csv"], lr=1).lr == 1.0


def test_read_file_counts_what_it_leaves_out(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("text,label\ngood,pos\n,pos\nbad,\nmeh,skip\nfine,pos\n")
    ds = D.read_file(
        p, "text", "label", multi_label=False, label_map={"pos": "positive"}, drop_labels=["skip"]
    )
    assert [e.labels for e in ds.examples] == [("positive",), ("positive",)]
    assert ds.skipped == {"empty text": 1, "missing label": 1, "label 'skip' left out": 1}


def test_read_file_decodes_escapes_as_inference_does(tmp_path):
    p = tmp_path / "tweets.csv"  # a tweet dump encoded twice
    p.write_text("text,label\nI don\\u2019t like it,neg\n")
    (e,) = D.read_file(p, "text", "label", multi_label=False, label_map={}).examples
    assert e.text == "I don\u2019t      like it"


def test_read_file_takes_excel_csv_and_counts_undecodable_rows(tmp_path):
    p = tmp_path / "excel.csv"  # "CSV UTF-8" from a spreadsheet: a byte-order mark, CRLF
    p.write_bytes(b"\xef\xbb\xbftext,label\r\ngood,pos\r\ncaf\xe9 bad,neg\r\n")
    ds = D.read_file(p, "text", "label", multi_label=False, label_map={})
    assert [(e.text, e.labels) for e in ds.examples] == [("good", ("pos",))]
    assert ds.skipped == {"not valid UTF-8": 1}
    q = tmp_path / "u16.csv"
    q.write_bytes("text,label\nsehr gut,pos\n".encode("utf-16"))
    assert D.read_file(q, "text", "label", multi_label=False, label_map={}).examples[0].text == (
        "sehr gut"
    )
    b = tmp_path / "binary.csv"
    b.write_bytes(b"\x00\x01\xff\xfetext\n")
    with pytest.raises(DataFormatError, match="does not read as text"):
        D.read_file(b, "text", "label", multi_label=False, label_map={})


def test_read_file_errors(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("review,stars\ngood,5\n")
    with pytest.raises(DataFormatError, match=r"no column 'text'; its columns are \['review'"):
        D.read_file(p, "text", "stars", multi_label=False, label_map={})
    with pytest.raises(DataFormatError, match="does not exist"):
        D.read_file(tmp_path / "nope.csv", "text", "label", multi_label=False, label_map={})
    q = tmp_path / "bad.jsonl"
    q.write_text('{"text": "a", "label": "x"}\n{oops\n')
    with pytest.raises(DataFormatError, match="line 2 is not valid JSON"):
        D.read_file(q, "text", "label", multi_label=False, label_map={})


def test_multi_label_and_single_class(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text('text,label\na,"joy,love"\nb,anger\n')
    ds = D.read_file(p, "text", "label", multi_label=True, label_map={})
    assert ds.examples[0].labels == ("joy", "love")
    one = [D.Example("a", ("x",), "f")] * 3
    with pytest.raises(InvalidInputError, match="at least two labels"):
        D.label_set(one, None)


def test_label_map_folds_a_multi_label_column_into_classes(tmp_path):
    p = tmp_path / "go.csv"
    p.write_text(
        'text,label_names\na,"joy,love"\nb,"joy,anger"\nc,neutral\nd,"surprise,joy"\n'
        'e,surprise\nf,"joy,neutral"\n'
    )
    fold = {"joy": "positive", "love": "positive", "anger": "negative", "surprise": "ambiguous"}
    ds = D.read_file(
        p, "text", "label_names", multi_label=False, label_map=fold, drop_labels=["ambiguous"]
    )
    assert [(e.text, e.labels) for e in ds.examples] == [
        ("a", ("positive",)),  # both map to positive
        ("c", ("neutral",)),  # unmapped labels stay as they are
        ("d", ("positive",)),  # a label mapped into drop_labels is ignored while others remain
    ]
    assert ds.skipped == {"labels map to different classes": 2, "label 'ambiguous' left out": 1}


def test_stratified_split_keeps_every_class_and_is_seeded():
    ex = [D.Example(str(i), ("a" if i % 4 else "b",), "f") for i in range(100)]
    rest, held = D.stratified_split(ex, 0.2, seed=1)
    assert len(held) == 20 and len(rest) == 80
    assert sum(e.labels == ("b",) for e in held) == 5
    assert [e.text for e in D.stratified_split(ex, 0.2, seed=1)[1]] == [e.text for e in held]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_training_files_are_read_within_the_limits(tmp_path, suffix):
    import json

    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    rows = [{"text": "x" * 50, "label": "positive"}, {"text": "fine", "label": "negative"}] * 3
    p = tmp_path / f"train{suffix}"
    if suffix == ".jsonl":
        p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif suffix == ".csv":
        p.write_text("text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in rows))
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), p)
    args = dict(multi_label=False, label_map={})
    assert len(D.read_file(p, "text", "label", **args).examples) == 6
    with pytest.raises(LimitExceededError, match="max_rows"):
        D.read_file(p, "text", "label", **args, limits=ReadLimits(max_rows=4))
    if suffix != ".parquet":  # a line longer than allowed: one clear error, not a MemoryError
        with pytest.raises(LimitExceededError, match="max_line_chars"):
            D.read_file(p, "text", "label", **args, limits=ReadLimits(max_line_chars=40))
