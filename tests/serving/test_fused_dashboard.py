"""The Analyse view shows `fused-affect`'s timeline (issue 27): a video with real faces
(FER2013) and real speech (RAVDESS) uploaded through the page in real headless Chromium becomes a
card with a row per modality, the fused row and a table of windows, the same windows the API
gives for the same request; a recording in the Recording panel gets the voice and the words."""

import base64
import os
import shutil

import httpx
import numpy as np
import pytest

from tests.serving.test_playground import browser  # noqa: F401  (the Chromium fixture)


def speech_only(audio: np.ndarray, rate: int = 16_000, margin: float = 0.2) -> np.ndarray:
    """A RAVDESS clip without most of its silence (about 1 s before and after the sentence)."""
    loud = np.flatnonzero(np.abs(audio) > 0.05 * np.abs(audio).max())
    return audio[max(0, loud[0] - int(margin * rate)) : loud[-1] + int(margin * rate)]


@pytest.fixture
def fused_models():
    from affectkit.speech.catalog import MODEL_DIR as SPEECH
    from affectkit.vision.catalog import MODEL_DIR as FACE

    for folder in (SPEECH, FACE):
        if not (folder / "config.json").is_file():
            pytest.skip(f"fused-affect needs the shipped model in {folder}")


@pytest.mark.slow  # the first fused request loads Whisper and the English text models
def test_a_video_analysed_with_fused_affect_shows_its_fused_timeline(
    browser,  # noqa: F811
    make_server,
    fused_models,
    shared_data,
    tmp_path,
):
    sf = pytest.importorskip("soundfile")
    from tests.speech import media
    from tests.vision import scenes

    # about 5 s: an angry then a happy sentence (one actor), two faces (one leaves after 2 s)
    sentences = [speech_only(media.read(media.clip(shared_data, 3, "angry", 0))),
                 speech_only(media.read(media.clip(shared_data, 3, "happy", 1)))]  # fmt: skip
    gap = np.zeros(int(0.4 * media.RATE), np.float32)
    audio = np.concatenate([sentences[0], gap, sentences[1]])
    # a name with markup: shown as text, never as HTML
    video = scenes.write_video(tmp_path / "<b>interview&.mp4", scenes.dev_faces(shared_data),
                               fps=5, audio=audio)  # fmt: skip
    assert video.stat().st_size < 500_000  # well inside the default 2 MB request

    url, _ = make_server(preload=("lexicon-en",), request_timeout_s=300.0)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(url + "/")
    page.wait_for_selector("#facemodel option[value='fused-affect']", state="attached")
    assert page.input_value("#facemodel") == "auto"  # a photo's model or a video's fusion
    auto = page.inner_text("#facemodel option[value='auto']")
    assert "photos: face-expression" in auto and "videos: fused-affect" in auto, auto

    # a photo is not for a video model: refused on the page, nothing sent
    photo = tmp_path / "face.png"
    photo.write_bytes(scenes.png(np.full((64, 64), 128, np.uint8)))
    page.select_option("#facemodel", "fused-affect")
    page.set_input_files("#facefile", str(photo))
    page.click("#goface")
    assert "not a photo" in page.inner_text("#facestatus")

    page.select_option("#facemodel", "auto")  # a video's default is the fused timeline
    page.set_input_files("#facefile", str(video))
    page.click("#goface")
    page.wait_for_selector("#facefused", timeout=300_000)

    # the API's default for a video is fused-affect too
    payload = {"inputs": [{"kind": "video", "data": base64.b64encode(video.read_bytes()).decode()}]}
    got = httpx.post(url + "/v1/analyze", json=payload, timeout=300).json()["results"][0]
    assert got["modality"] == "fused" and got["model"] == "fused-affect@1", got
    windows = got["parts"]
    present = [m for m in ("voice", "words", "face")
               if any(m in w["raw"]["modalities"] for w in windows)]  # fmt: skip
    assert {"voice", "face"} <= set(present), got["raw"]["missing"]

    svg = page.locator("#facefused")
    rows = [g.get_attribute("data-modality") for g in svg.locator(".fused-row").all()]
    assert rows == [*present, "fused"]
    fused = svg.locator(".fused-row[data-modality='fused'] .fused-window")
    assert fused.count() == len(windows) >= 4
    assert [b.get_attribute("data-label") for b in fused.all()] == [w["label"] for w in windows]
    assert [float(b.get_attribute("data-start")) for b in fused.all()] == [
        w["span"][0] for w in windows
    ]
    for m in present:  # a block wherever the modality was seen, in its own label's colour
        seen = [w["raw"]["modalities"][m]["label"] for w in windows if m in w["raw"]["modalities"]]
        blocks = svg.locator(f".fused-row[data-modality='{m}'] .window")
        assert [b.get_attribute("data-label") for b in blocks.all()] == seen
    disagree = [w for w in windows if "disagree" in w["flags"]]
    assert svg.locator(".disagree-mark").count() == len(disagree)
    assert svg.locator(".tick").count() >= 3  # the seconds axis

    table = page.locator("#faceresult .fused-windows tbody tr")
    assert table.count() == len(windows)
    assert table.first.get_attribute("data-label") == windows[0]["label"]
    summary = page.locator("#facefused-summary")
    assert summary.get_attribute("data-label") == got["label"]
    assert summary.locator(".modality-row").count() == len(got["raw"]["modalities"])
    text = summary.inner_text()
    assert "<b>interview&.mp4" in text and summary.locator("b").count() == 0
    assert f"fused: {got['label']}" in text and "mean contribution" in text
    assert "window" in page.inner_text("#facestatus")

    shot = tmp_path / "dashboard_fused.png"
    page.locator("#faces").screenshot(path=str(shot))
    print(f"\nscreenshot: {shot}")

    # a video without sound: the faces alone, and the reason the voice and the words are missing
    silent = scenes.write_video(tmp_path / "silent.mp4", scenes.dev_faces(shared_data),
                                seconds=2.0, fps=5)  # fmt: skip
    page.set_input_files("#facefile", str(silent))
    page.click("#goface")
    page.wait_for_function("document.querySelector('#facefused-summary .fused-missing')",
                           timeout=120_000)  # fmt: skip
    rows = [g.get_attribute("data-modality") for g in page.locator("#facefused .fused-row").all()]
    assert rows == ["face", "fused"]
    missing = page.locator("#facefused-summary .fused-missing li")
    assert [li.get_attribute("data-modality") for li in missing.all()] == ["voice", "words"]

    # the Recording panel: the same sound as an audio file is the voice and the words
    call = tmp_path / "call.wav"
    sf.write(str(call), audio, media.RATE)
    page.select_option("#audiomodel", "fused-affect")
    page.set_input_files("#audiofile", str(call))
    page.click("#goaudio")
    page.wait_for_selector("#audiofused", timeout=120_000)
    rows = [g.get_attribute("data-modality") for g in page.locator("#audiofused .fused-row").all()]
    assert rows[0] == "voice" and rows[-1] == "fused" and "face" not in rows
    assert "an audio file has no faces" in page.inner_text("#audiofused-summary")
    audio_shot = tmp_path / "dashboard_fused_audio.png"
    page.locator("#recording").screenshot(path=str(audio_shot))
    print(f"screenshot: {audio_shot}")
    copy = os.environ.get("AFFECTKIT_DASHBOARD_SCREENSHOTS")  # a folder to keep them in
    if copy:
        os.makedirs(copy, exist_ok=True)
        for f in (shot, audio_shot):
            shutil.copy(f, copy)
    assert shot.stat().st_size > 10_000


def test_a_long_fused_table_starts_folded_and_text_is_escaped(browser, make_server):  # noqa: F811
    """The card drawn from a made-up result (no model): labels and sources are shown as text."""
    url, _ = make_server()
    page = browser.new_page()
    page.goto(url + "/")
    odd = "<img src=x onerror=alert(1)>"
    html = page.evaluate(
        """(odd) => {
      const w = (i) => ({label: i % 2 ? "joy" : odd, confidence: 0.6, span: [i, i + 1],
        valence: 0.1, flags: i % 3 ? [] : ["disagree"], raw: {modalities: {
          voice: {label: "joy", confidence: 0.9, coverage: 1, contribution: 0.7, sources: [odd]},
          face: {label: odd, confidence: 0.5, coverage: 1, contribution: 0.3, sources: []}}}});
      const r = {label: odd, confidence: 0.5, span: [0, 20], model: "fused-affect@1",
        modality: "fused", flags: [], emotions: {joy: 0.5},
        parts: Array.from({length: 20}, (_, i) => w(i)),
        raw: {windows: 20, disagreements: 7, window_seconds: 1, method: odd,
          modalities: {voice: {windows: 20, agreement: 0.5, mean_contribution: 0.7}},
          missing: {speech: odd}, inputs: {speech: {label: "joy", raw: {transcript: odd}}}}};
      document.getElementById("faceresult").innerHTML = fusedCard(r, odd, "facefused", "video");
      return document.getElementById("faceresult").innerHTML;
    }""",
        odd,
    )
    assert "<img" not in html and page.locator("#faceresult img").count() == 0
    assert page.locator("#facefused .fused-window").count() == 20
    assert page.locator("#facefused .disagree-mark").count() == 7
    assert page.locator("#faceresult details.fused-windows").get_attribute("open") is None
    assert not page.locator("#faceresult .fused-windows table").is_visible()
    assert odd in page.inner_text("#facefused-summary")  # the method, the reason, the transcript
