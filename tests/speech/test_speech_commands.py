"""Speech through the command line: analyze, batch, evaluate, train (HTTP: tests/serving)."""

import csv
import json

import pytest
import soundfile as sf

from affectkit.speech.catalog import MODEL_DIR
from tests.speech import media
from tests.test_cli import cli

# each command starts a process that loads PyTorch and the speech models: the slow suite
pytestmark = [
    pytest.mark.skipif(
        not (MODEL_DIR / "config.json").is_file(), reason="the speech-emotion model is not shipped"
    ),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def call_wav(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("speech") / "call.wav"
    x = media.call(shared_data, [(12, "angry"), (13, "sad"), (12, "happy")], pause=1.0)
    sf.write(str(path), x, 16_000)
    return path


@pytest.fixture(scope="module")
def clips_csv(shared_data, tmp_path_factory):
    """A CSV of 8 clips of actor 10 with RAVDESS's label names, paths relative to it."""
    folder = tmp_path_factory.mktemp("eval")
    rows = [r for r in media.rows(shared_data) if r["actor"] == "10"][::7][:8]
    for r in rows:
        (folder / "clips").mkdir(exist_ok=True)
        (folder / "clips" / r["file"].split("/")[-1]).symlink_to(
            media.ravdess(shared_data) / r["file"]
        )
    path = folder / "eval.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["input", "label"])
        for r in rows:
            w.writerow([f"clips/{r['file'].split('/')[-1]}", r["label"]])
        w.writerow(["clips/missing.wav", "angry"])
    return path


def test_analyze_audio_json_plot_and_speakers(call_wav, tmp_path):
    png = tmp_path / "t.png"
    p = cli("analyze", "--model", "speech-emotion", "--audio", str(call_wav), "--json",
            "--plot", str(png), "--speakers", "2")  # fmt: skip
    (line,) = p.stdout.splitlines()
    row = json.loads(line)
    assert row["modality"] == "speech" and row["span_unit"] == "seconds"
    assert len(row["parts"]) == 3 and {q["raw"]["speaker"] for q in row["parts"]} == {"S1", "S2"}
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    table = cli("analyze", "--model", "speech-emotion", "--audio", str(call_wav)).stdout
    assert table.count(" voice ") == 3


def test_bad_audio_is_a_row_error_not_a_crash(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    p = cli("analyze", "--model", "speech-emotion", "--audio", str(tmp_path / "bad.wav"),
            "--audio", str(tmp_path / "missing.wav"))  # fmt: skip
    assert p.stdout.count("ERROR") == 2 and "Traceback" not in p.stderr
    assert "not a readable audio" in p.stdout and "not found" in p.stdout


def test_evaluate_on_a_csv_of_audio_paths(clips_csv):
    p = cli("evaluate", "--model", "speech-emotion", "--data", str(clips_csv), "--json")
    out = json.loads(p.stdout)
    assert out["n"] == 8 and set(out["per_class"]) <= {
        "angry",
        "calm",
        "disgust",
        "fearful",
        "happy",
        "neutral",
        "sad",
        "surprised",
    }
    assert out["skipped"] == {"error": 1}
    assert 0 <= out["accuracy"] <= 1 and "ece" in out


def test_batch_over_a_csv_of_audio_paths(clips_csv, tmp_path):
    out = tmp_path / "out.jsonl"
    cli("batch", str(clips_csv), "-o", str(out), "--input-col", "input", "--input-kind",
        "audio", "--model", "speech-emotion", "--quiet")  # fmt: skip
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 9
    assert all(r["parts"] for r in rows[:8]) and rows[8]["error"]


@pytest.mark.slow
def test_train_a_speech_model_and_use_it(shared_data, tmp_path):
    rows = [r for r in media.rows(shared_data) if int(r["actor"]) <= 4][::8]  # 30 clips
    data = tmp_path / "train.csv"
    with data.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["file", "label", "actor"])
        w.writeheader()
        for r in rows:
            w.writerow({"file": str(media.ravdess(shared_data) / r["file"]), "label": r["label"],
                        "actor": r["actor"]})  # fmt: skip
    out = tmp_path / "model"
    cli("train", "--modality", "audio", "--data", str(data), "--input-col", "file",
        "--group-col", "actor", "--folds", "2", "--augment-copies", "0",
        "-o", str(out))  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["single_clip"]["n"] == len(rows)
    assert 0.2 < metrics["single_clip"]["uar"] <= 1 and "speaker_adapted" in metrics
    p = cli("analyze", "--model", str(out), "--audio", str(media.clip(shared_data, 9, "angry")),
            "--json")  # fmt: skip
    assert json.loads(p.stdout)["model"] == "speech-emotion@1"


def test_two_labels_train_and_predict(shared_data, tmp_path):
    """A binary CSV (one decision value per clip in scikit-learn) trains and predicts both."""
    rows = [r for r in media.rows(shared_data)
            if int(r["actor"]) <= 4 and r["label"] in ("angry", "calm")][::2]  # fmt: skip
    data = tmp_path / "two.csv"
    with data.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["file", "label", "actor"])
        w.writeheader()
        for r in rows:
            w.writerow({"file": str(media.ravdess(shared_data) / r["file"]), "label": r["label"],
                        "actor": r["actor"]})  # fmt: skip
    out = tmp_path / "two"
    cli("train", "--modality", "audio", "--data", str(data), "--input-col", "file",
        "--group-col", "actor", "--folds", "2", "-o", str(out))  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["single_clip"]["uar"] > 0.7  # angry vs calm is easy
