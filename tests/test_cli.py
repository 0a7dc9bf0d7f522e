"""The command line, run as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from affectkit.cli.main import main

EXE = Path(sys.executable).with_name("affectkit")
ROOT = Path(__file__).resolve().parents[1]


def cli(*args, check=True):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr}")
    return p


def test_lexicon_cli_is_torch_free():
    """The lexicon path imports no model runtime (what keeps it fast; its speed is measured in
    bench/text_lexicon.py, not here)."""
    p = cli("analyze", "--model", "lexicon-en", "--json", "I love this")
    row = json.loads(p.stdout)
    assert row["label"] == "positive" and row["evidence"][0]["text"] == "love"
    code = (
        "import sys, contextlib, io\n"
        "from affectkit.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['analyze', '--model', 'lexicon-en', '--json', 'I love this'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch', 'onnxruntime', 'transformers', 'sklearn'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


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


def test_serve_and_keys_find_their_store_in_db_or_affectkit_db(tmp_path, monkeypatch):
    from affectkit.cli.main import build_parser
    from affectkit.cli.serve import settings_from_args

    def store_of(*args):
        argv = ["serve", "--data-dir", str(tmp_path), *args]
        return settings_from_args(build_parser().parse_args(argv)).database

    monkeypatch.delenv("AFFECTKIT_DB", raising=False)
    assert store_of() == tmp_path / "affectkit.sqlite3"
    monkeypatch.setenv("AFFECTKIT_DB", "postgresql://ak@db/env")
    assert store_of() == "postgresql://ak@db/env"
    assert store_of("--db", "postgresql://ak@db/flag") == "postgresql://ak@db/flag"


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
    assert first["label"] == "error" and first["text"] == str(clip)
    assert "not a readable audio" in first["error"]
    assert second["label"] == "error" and "not found" in second["error"]
    p = cli("analyze", "--input-kind", "smell", "x", check=False)
    assert p.returncode == 2 and "invalid choice" in p.stderr


def _one_clean_error(p, *fragments):
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    for fragment in fragments:
        assert fragment in p.stderr, p.stderr


def test_every_writer_refuses_to_overwrite_its_input(tmp_path):
    import shutil

    data = tmp_path / "same.csv"
    data.write_text("input,label,text\ngreat,positive,great\nawful,negative,awful\n")
    before = data.read_bytes()
    model = tmp_path / "model"  # a model folder's config is enough: the check comes first
    model.mkdir()
    shutil.copy(ROOT / "src/affectkit/models/text-emotion-en/config.json", model)
    hard = tmp_path / "hard.csv"
    os.link(data, hard)
    for args in (
        ["analyze", "--file", str(data), "-o", str(data), "-m", "lexicon-en"],
        ["analyze", "--file", str(data), "-o", str(hard), "-m", "lexicon-en"],
        ["batch", str(data), "-o", str(hard), "-m", "lexicon-en"],
        ["embed", "--file", str(data), "-o", str(hard)],
        ["evaluate", "-m", "lexicon-en", "-d", str(data), "--confusion-png", str(hard)],
        ["evaluate", "-m", "lexicon-en", "-d", str(data), "--reliability-png", str(data)],
        ["export", "-m", str(model), "-o", str(tmp_path), "-d", str(tmp_path / "model.onnx")],
        ["train", "--data", str(tmp_path / "model" / "history.jsonl"), "-o", str(model)],
        ["train", "--data", str(data), "-o", str(model), "--init-from", str(model)],
    ):
        if args[0] == "export":
            os.link(data, tmp_path / "model.onnx")
        if args[0] == "train" and "history.jsonl" in args[2]:
            os.link(data, model / "history.jsonl")
        p = cli(*args, check=False)
        _one_clean_error(p, "affectkit " + args[0])
        assert "would destroy the input" in p.stderr or "would overwrite it" in p.stderr, args
        assert data.read_bytes() == before, args


def test_an_unwritable_output_is_a_storage_error_with_the_fix(tmp_path):
    for args in (
        ["analyze", "-m", "lexicon-en", "fine", "-o", "/proc/affectkit-x.jsonl"],
        ["analyze", "-m", "lexicon-en", "fine", "-o", "/proc/affectkit-x.parquet"],
    ):
        _one_clean_error(cli(*args, check=False), "Cannot write", "folder you can write to")


def test_a_folder_as_input_file_says_it_is_a_folder(tmp_path):
    p = cli("analyze", "--file", str(tmp_path), "-m", "lexicon-en", check=False)
    _one_clean_error(p, "is a folder, not a file")


@pytest.mark.parametrize("name", ["x" * 300, "a/" + "b" * 300, "Bad Name!", "\x1b[2J"])
def test_odd_model_names_are_clean_errors(name):
    p = cli("analyze", "--model", name, "hi", check=False)
    _one_clean_error(p, "A model is a registry name")
    assert "\x1b" not in p.stderr


def test_control_characters_from_the_input_are_escaped_on_the_terminal(tmp_path):
    text = "so bad\x1b[2J\x1b]0;pwned\x07 \x9b31m\r\u202eend"
    p = cli("analyze", "-m", "lexicon-en", text)
    assert not any(c in p.stdout for c in "\x1b\x07\x9b\r\u202e")
    assert "\\x1b[2J" in p.stdout and "\\u202e" in p.stdout
    p = cli("analyze", "-m", "lexicon-en", "--json", text)
    assert json.loads(p.stdout)["text"] == text and "\x1b" not in p.stdout
    src = tmp_path / "in.csv"
    src.write_text('id,text\n"id\x1b[31m","bad \x1b[2J"\n"x",\n', encoding="utf-8")
    p = cli("analyze", "-m", "lexicon-en", "-f", str(src), "--id-col", "id", "-q")
    assert "\x1b" not in p.stdout and "id\\x1b[31m" in p.stdout


def test_key_names_are_listed_escaped(tmp_path, capsys):
    d = str(tmp_path)
    assert main(["keys", "create", "evil\x1b[2Jname", "--data-dir", d]) == 0
    assert main(["keys", "list", "--data-dir", d]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\x1b[2Jname" in out


def test_texts_longer_than_the_service_limit_are_row_errors(tmp_path):
    from affectkit.serving.settings import ServeSettings

    limit = ServeSettings.max_text_chars
    long = "good " * (limit // 5 + 1)
    p = cli("analyze", "-m", "lexicon-en", "--json", "fine", long)
    short, over = (json.loads(line) for line in p.stdout.splitlines())
    assert short["label"] == "positive" or short["error"] is None
    assert over["label"] == "error" and "--max-text-chars" in over["error"]
    assert f"more than the {limit:,} analysed" in over["error"]
    src = tmp_path / "in.txt"
    src.write_text("fine\n" + "x" * 50 + "\n")
    p = cli("analyze", "-m", "lexicon-en", "--json", "-f", str(src), "--max-text-chars", "20")
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert rows[0]["error"] is None and "50 characters" in rows[1]["error"]
    p = cli("analyze", "-m", "lexicon-en", "--json", "--max-text-chars", "none", long)
    assert json.loads(p.stdout)["error"] is None


def test_analyze_file_takes_the_read_limits(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"line {i}\n" for i in range(20)))
    p = cli("analyze", "-m", "lexicon-en", "-f", str(src), "--max-rows", "5", "-q", check=False)
    _one_clean_error(p, "has more than 5 rows", "--max-rows")
