"""Audio over HTTP: an upload analysed by the speech model, the service's duration limit."""

import base64
import io

import httpx
import numpy as np
import pytest
import soundfile as sf

from affectkit.speech.catalog import MODEL_DIR
from tests.speech import media

# each command starts a process that loads PyTorch and the speech models: the slow suite
pytestmark = [
    pytest.mark.skipif(
        not (MODEL_DIR / "config.json").is_file(), reason="the speech-emotion model is not shipped"
    ),
    pytest.mark.slow,
]


def test_audio_over_http(make_server, shared_data):
    url, _ = make_server(max_audio_seconds=2.0)
    short = media.read(media.clip(shared_data, 14, "fearful"))[: 16_000 * 2 - 800]
    long = np.concatenate([short, short])
    inputs = []
    for x in (short, long):
        buf = io.BytesIO()
        sf.write(buf, x, 16_000, format="FLAC")
        inputs.append({"kind": "audio", "data": base64.b64encode(buf.getvalue()).decode()})
    r = httpx.post(url + "/v1/analyze", json={"inputs": inputs, "model": "speech-emotion"},
                   timeout=120)  # fmt: skip
    assert r.status_code == 200, r.text
    ok, refused = r.json()["results"]
    assert ok["modality"] == "speech" and ok["parts"] and ok["label"] != "error"
    assert refused["label"] == "error" and "limit of 2 s" in refused["raw"]["error"]
