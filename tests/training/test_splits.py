"""`load_splits`: the examples a run trains and early-stops on, and what it leaves out."""

import json
from dataclasses import replace

import pytest

from affectkit.errors import InvalidInputError
from affectkit.training import data as D
from affectkit.training.config import TrainingConfig
from affectkit.training.splits import load_splits


def test_label_cols_name_a_column_per_file(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("text,label\n" + "".join(f"good {i},pos\nbad {i},neg\n" for i in range(5)))
    b.write_text("text,stars\n" + "".join(f"great {i},pos\nawful {i},neg\n" for i in range(5)))
    cfg = TrainingConfig(data=[str(a), str(b)], label_cols={str(b): "stars"}, val_ratio=0.2)
    train, val, labels, _ = load_splits(cfg, log=lambda m: None)
    assert labels == ["neg", "pos"] and len(train) + len(val) == 20
    with pytest.raises(InvalidInputError, match="label_cols names files that are not in `data`"):
        TrainingConfig(data=[str(a)], label_cols={"c.csv": "stars"})


def test_preprocess_masks_training_and_validation_texts(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(
        "text,label\n"
        + "".join(f"@fan{i} so good #yes,pos\nmeh {i} &amp; bad,neg\n" for i in range(5))
    )
    cfg = TrainingConfig(data=[str(a)], val_ratio=0.2, preprocess="social")
    train, val, _, _ = load_splits(cfg, log=lambda m: None)
    texts = [e.text for e in train + val]
    assert len(texts) == 10 and not any("@" in t or "#" in t or "&amp;" in t for t in texts)
    assert any("so good  yes" in t for t in texts) and any("&     bad" in t for t in texts)


def test_a_subsample_keeps_every_label_and_the_log_counts_what_it_removed(tmp_path):
    f = tmp_path / "many.csv"  # 10 labels x 4 rows, at most 5 rows asked for
    f.write_text(
        "text,label\n" + "".join(f"text {i} {k},l{k}\n" for i in range(4) for k in range(10))
    )
    cfg = TrainingConfig(data=[str(f)], max_rows_per_file=5, val_ratio=0.3, backbone="tfidf")
    train, val, labels, skipped = load_splits(cfg, log=lambda m: None)
    assert len(labels) == 10  # one row of each label is kept, so 10 rows, not 5
    assert skipped[f"{tmp_path.name}/many.csv: subsampled away"] == 40 - 10
    assert len(train) + len(val) == 10


def _overlapping_files(tmp_path):
    """a.csv (20 positive sentences) and b.csv (the same 20, spaced and cased differently, plus
    20 negative ones)."""
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("text,label\n" + "".join(f"Sentence {i},pos\n" for i in range(20)))
    b.write_text("text,label\n" + "".join(f"sentence  {i},pos\nother {i},neg\n" for i in range(20)))
    return a, b


def test_validation_never_holds_a_training_text(tmp_path):
    # the same sentence in two files (as SST-5 sentences recur among SST-2's phrases)
    a, b = _overlapping_files(tmp_path)
    cfg = TrainingConfig(data=[str(a), str(b)], val_ratio=0.3, seed=3)
    train, val, _, skipped = load_splits(cfg, log=lambda m: None)
    seen = {" ".join(e.text.lower().split()) for e in train}
    assert val and not any(" ".join(e.text.lower().split()) in seen for e in val)
    assert skipped["validation: text also in training data"] > 0
    assert len(train) == 60 - round(20 * 0.3) - round(40 * 0.3)  # training keeps every row

    # validation given as a file that repeats the training data: nothing left, a clear error
    cfg = TrainingConfig(data=[str(a)], validation_data=str(a))
    with pytest.raises(InvalidInputError, match="also appear in the training data"):
        load_splits(cfg, log=lambda m: None)


def test_validation_never_holds_a_piece_of_a_training_text(tmp_path):
    # SST-2's training file is every phrase of each sentence: a phrase of a training sentence
    # is not new text; a phrase merely sharing words with one ("good" in "goodness") is
    texts = ["a  Charming film", "charming", "good", "film that", "new words", "", "很好"]
    held = [D.Example(t, ("pos",), "f") for t in texts]
    train = [D.Example(t, ("pos",), "f") for t in ["It is a charming film .", "goodness", "很好看"]]
    kept, dropped = D.drop_contained(held, train)
    assert [e.text for e in kept] == ["good", "film that", "new words", "", "很好"]
    assert dropped == 2

    f = tmp_path / "phrases.csv"
    sentences = [f"the film number {i} is {'great' if i % 2 else 'awful'} ." for i in range(30)]
    phrases = [p for s in sentences for p in (s, s.split(" is ")[1], s.split(" is ")[0])]
    f.write_text("text,label\n" + "".join(
        f"{p},{'pos' if 'great' in p else 'neg'}\n" for p in phrases))  # fmt: skip
    train, val, _, skipped = load_splits(
        TrainingConfig(data=[str(f)], val_ratio=0.3, seed=3), log=lambda m: None
    )
    padded = [f" {' '.join(e.text.lower().split())} " for e in train]
    assert val and not any(
        f" {' '.join(e.text.lower().split())} " in t for e in val for t in padded
    )
    assert skipped["validation: text inside a training text"] > 0
    assert len(train) + len(val) + sum(skipped.values()) == len(phrases)  # each row counted
    # under the other overlap rule too; a validation file given as such is kept as it is
    cfg = TrainingConfig(data=[str(f)], val_ratio=0.3, seed=3, drop_overlap_from="training")
    _, val, _, skipped = load_splits(cfg, log=lambda m: None)
    assert skipped["validation: text inside a training text"] > 0
    given = tmp_path / "given.csv"
    given.write_text("text,label\nfilm number 3,pos\nfilm number 4,neg\nsomething new,pos\n")
    cfg = TrainingConfig(data=[str(f)], validation_data=str(given))
    _, val, _, skipped = load_splits(cfg, log=lambda m: None)
    assert len(val) == 3 and not skipped


def test_drop_overlap_from_training_keeps_each_files_validation_sample(tmp_path):
    # b repeats a's sentences: left out of validation by default, b's validation rows would be
    # its "other" rows only; leaving the copies out of training keeps b's sample stratified
    a, b = _overlapping_files(tmp_path)
    cfg = TrainingConfig(data=[str(a), str(b)], val_ratio=0.3, seed=3)
    _, default_val, _, _ = load_splits(cfg, log=lambda m: None)
    cfg = TrainingConfig(data=[str(a), str(b)], val_ratio=0.3, seed=3, drop_overlap_from="training")
    train, val, _, skipped = load_splits(cfg, log=lambda m: None)
    norm = {" ".join(e.text.lower().split()) for e in val}
    assert not any(" ".join(e.text.lower().split()) in norm for e in train)
    assert len(val) == round(20 * 0.3) + round(40 * 0.3) > len(default_val)  # nothing dropped
    b_val = [e for e in val if e.source.endswith("b.csv")]
    assert {e.labels[0] for e in b_val} == {"pos", "neg"}  # b keeps both of its labels
    assert skipped["training: text also in validation data"] == 60 - len(val) - len(train)

    with pytest.raises(InvalidInputError, match="drop_overlap_from must be one of"):
        TrainingConfig(data=["a.csv"], drop_overlap_from="both")


def test_train_seed_repeats_a_run_on_the_same_split(tmp_path):
    a, b = _overlapping_files(tmp_path)
    base = TrainingConfig(data=[str(a), str(b)], val_ratio=0.3, seed=3)
    again = TrainingConfig(data=[str(a), str(b)], val_ratio=0.3, seed=3, train_seed=4)
    assert (base.run_seed, again.run_seed) == (3, 4)
    splits = [load_splits(c, log=lambda m: None)[:2] for c in (base, again)]
    assert [[e.text for e in part] for part in splits[0]] == [
        [e.text for e in part] for part in splits[1]
    ]
    assert base.fingerprint_dict() != again.fingerprint_dict()  # no resuming across seeds
    assert base.resumes(base.fingerprint()) and not base.resumes(again.fingerprint())
    assert not base.resumes(None) and not base.resumes("{not json") and not base.resumes("[]")
    # a checkpoint written before a setting existed resumes while the run leaves it at default
    older = json.loads(base.fingerprint())
    del older["focal_gamma"]
    assert base.resumes(json.dumps(older))
    assert not replace(base, focal_gamma=2.0).resumes(json.dumps(older))
    with pytest.raises(InvalidInputError, match="train_seed"):
        TrainingConfig(data=["a.csv"], train_seed="4")
    with pytest.raises(InvalidInputError, match="no effect on the tfidf"):
        TrainingConfig(data=["a.csv"], train_seed=4, backbone="tfidf")


def test_nested_groups_keep_a_sentence_and_its_phrases_together(tmp_path):
    ex = [D.Example(t, (lab,), "f") for t, lab in [
        ("A charming , funny film .", "pos"), ("charming , funny", "pos"), ("funny", "pos"),
        ("A dull , tired film .", "neg"), ("dull , tired", "neg"), ("film .", "neg"),
        ("a charming , FUNNY film .", "pos"), ("unrelated words", "neg"),
    ]]  # fmt: skip
    assert D.nested_groups(ex) == [
        "a charming , funny film .", "a charming , funny film .", "a charming , funny film .",
        "a dull , tired film .", "a dull , tired film .", None,  # "film ." is in both
        "a charming , funny film .", "unrelated words",
    ]  # fmt: skip

    # a treebank-like file: every sentence with its phrases; the split never divides a tree
    f = tmp_path / "phrases.csv"
    rows = []
    for i in range(40):
        s = f"movie {i} was {'great' if i % 2 else 'awful'} for sure"
        rows += [(s, "pos" if i % 2 else "neg"), (s.split(" for ")[0], "pos" if i % 2 else "neg")]
    f.write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows))
    cfg = TrainingConfig(data=[str(f)], val_ratio=0.25, seed=3, group_nested=True)
    train, val, _, skipped = load_splits(cfg, log=lambda m: None)
    assert len(val) == 2 * 10 and len(train) == 60  # 5 sentences of each label, whole
    assert {e.labels[0] for e in val} == {"pos", "neg"}
    assert not skipped  # nothing to drop: no validation text is in or inside a training text
    val_roots = {e.text for e in val if "for sure" in e.text}
    assert all(any(e.text in r for r in val_roots) for e in val)
    # the default split divides trees, so pieces of validation sentences are left out of it
    _, _, _, skipped = load_splits(replace(cfg, group_nested=False), log=lambda m: None)
    assert skipped["validation: text inside a training text"] > 0

    with pytest.raises(InvalidInputError, match="group_nested"):
        TrainingConfig(data=[str(f)], validation_data=str(f), group_nested=True)
    with pytest.raises(InvalidInputError, match=r"heads\.b: group_nested"):
        TrainingConfig(group_nested=True, heads={"a": {"data": [str(f)]},
                       "b": {"data": [str(f)], "validation_data": str(f)}})  # fmt: skip
