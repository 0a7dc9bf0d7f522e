"""The command line, run as a real process."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from affectkit.cli.main import main

EXE = Path(sys.executable).with_name("affectkit")


def cli(*args, check=True):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr}")
    return p


def test_lexicon_cli_is_fast_and_torch_free():
    t = time.perf_counter()
    p = cli("analyze", "--model", "lexicon-en", "--json", "I love this")
    elapsed = time.perf_counter() - t
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    row = json.loads(p.stdout)
    assert row["label"] == "positive" and row["evidence"][0]["text"] == "love"


def test_table_output_shows_label_and_evidence():
    p = cli("analyze", "--model", "lexicon-en", "The staff were rude")
    assert "negative" in p.stdout and "rude(" in p.stdout
    p = cli("analyze", "--model", "lexicon-zh", "服务非常好")
    assert "positive" in p.stdout and "好(" in p.stdout


@pytest.mark.slow
def test_default_models_show_polarity_and_emotion():
    p = cli("analyze", "The staff were rude", "服务非常好", "I'm furious.")  # the defaults
    heads = [line for line in p.stdout.splitlines() if line[:4].strip().isdigit()]
    assert " en  negative" in heads[0] and " zh  positive" in heads[1]
    assert " en  negative" in heads[2] and "emotion anger" in heads[2]


@pytest.mark.slow
def test_file_in_jsonl_out_one_row_per_input(tmp_path, fixtures):
    out = tmp_path / "out.jsonl"
    cli(
        "analyze", "--file", str(fixtures / "reviews.csv"), "--text-col", "review",
        "--id-col", "review_id", "-o", str(out), "--quiet",
    )  # fmt: skip
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert [r["label"] for r in rows] == [
        "positive", "negative", "positive", "empty", "positive", "negative",
    ]  # fmt: skip
    assert rows[2]["language"] == "zh"


def test_bad_jsonl_lines_keep_their_rows(tmp_path, fixtures):
    out = tmp_path / "out.csv"
    p = cli(
        "analyze", "--file", str(fixtures / "mixed.jsonl"), "--model", "lexicon-en", "-o", str(out)
    )
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "2", "c", "d", "6"]
    assert [bool(r["error"]) for r in rows] == [False, True, False, True, True]
    assert "3 with errors" in p.stderr


def test_missing_column_is_a_clear_error(fixtures):
    p = cli("analyze", "--file", str(fixtures / "reviews.csv"), check=False)
    assert p.returncode == 2
    assert "no column 'text'" in p.stderr and "Traceback" not in p.stderr


def test_unknown_model_and_no_input(capsys):
    assert main(["analyze", "--model", "nope", "hi"]) == 2
    assert "No model named 'nope'" in capsys.readouterr().err
    assert main(["analyze"]) == 2


def test_models_lists_the_registry():
    p = cli("models", "--json")
    names = {m["name"] for m in json.loads(p.stdout)["models"]}
    assert {"lexicon-en@1", "lexicon-zh@1"} <= names
    assert "lexicon-en@1" in cli("models").stdout


@pytest.mark.parametrize("fmt", ["parquet"])
def test_parquet_output(tmp_path, fixtures, fmt):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / f"o.{fmt}"
    cli("analyze", "-f", str(fixtures / "reviews.csv"), "--text-col", "review", "-m", "lexicon-en",
        "-o", str(out))  # fmt: skip
    assert pq.read_table(out).num_rows == 6


@pytest.mark.slow
def test_model_folder_with_onnx_backend_caches_under_affectkit_home(tmp_path, model_dir):
    home = tmp_path / "home"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "AFFECTKIT_HOME": str(home)}
    p = subprocess.run(
        [str(EXE), "analyze", "--model", str(model_dir), "--backend", "onnx", "--json",
         "An absolutely wonderful stay, the staff were lovely.",
         "Dirty room, rude staff, never again."],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert rows[0]["model"] == "test-reviews@1"
    assert list((home / "cache").rglob("*.onnx")), "the ONNX export is cached in AFFECTKIT_HOME"


@pytest.mark.slow
def test_embed_writes_one_vector_per_text(tmp_path):
    np = pytest.importorskip("numpy")
    out = tmp_path / "v.npy"
    cli("embed", "--model", "text-emotion-en", "so happy today", "this is awful", "-o", str(out))
    v = np.load(out)
    assert v.shape == (2, 384) and np.isfinite(v).all()
    p = cli("embed", "--model", "lexicon-en", "x", check=False)
    assert p.returncode == 2 and "has no embeddings" in p.stderr


@pytest.mark.slow
def test_embed_gives_null_for_an_empty_text_and_says_so():
    p = cli("embed", "--model", "text-emotion-en", "", "thank you so much!")
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert rows[0] == {"id": "1", "embedding": None} and len(rows[1]["embedding"]) == 384
    assert "no embedding for empty texts" in p.stderr  # .npy output: NaN rows (test_model.py)


def test_keys_create_list_revoke(tmp_path, capsys):
    d = str(tmp_path)
    assert main(["keys", "create", "dashboard", "--rate-per-min", "60", "--data-dir", d]) == 0
    out = capsys.readouterr().out
    key_id = out.split()[0]
    assert "60/min" in out and "key (shown once" in out
    assert main(["keys", "list", "--data-dir", d]) == 0
    assert f"{key_id}  dashboard" in capsys.readouterr().out
    assert main(["keys", "revoke", key_id, "--data-dir", d]) == 0
    assert main(["keys", "list", "--data-dir", d]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", key_id, "--data-dir", d]) == 2  # already revoked
    assert "No active key" in capsys.readouterr().err
    assert main(["keys", "create", "--data-dir", d]) == 2
    assert "Give the key a name" in capsys.readouterr().err
    assert (tmp_path / "affectkit.sqlite3").is_file()


def test_bad_thread_setting_is_a_clear_error():
    p = subprocess.run([str(EXE), "analyze", "--model", "lexicon-en", "hi"], capture_output=True,
                       text=True, env={**os.environ, "AFFECTKIT_THREADS": "abc"})  # fmt: skip
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "AFFECTKIT_THREADS must be a positive integer" in p.stderr


def test_media_paths_as_arguments(tmp_path):
    clip = tmp_path / "call.wav"
    clip.write_bytes(b"RIFF")
    p = cli("analyze", "--json", "--input-kind", "audio", str(clip), str(tmp_path / "gone.wav"))
    first, second = (json.loads(line) for line in p.stdout.splitlines())
    assert first["label"] == "unsupported" and first["text"] == str(clip)
    assert second["label"] == "error" and "not found" in second["error"]
    p = cli("analyze", "--input-kind", "smell", "x", check=False)
    assert p.returncode == 2 and "invalid choice" in p.stderr
