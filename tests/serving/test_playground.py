"""The playground page in a real headless Chromium (Debian's, driven by Playwright)."""

import os
import shutil

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make test` installs Debian's chromium package")
        pytest.skip("chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_analyse_a_sentence_and_see_label_scores_and_highlighted_evidence(
    browser, make_server, tmp_path
):
    url, _ = make_server(preload=("lexicon-en", "lexicon-zh"))
    page = browser.new_page()
    page.goto(url + "/")
    assert page.title() == "affectkit playground"
    page.wait_for_selector("#model option[value='lexicon-en']", state="attached")
    page.select_option("#model", "lexicon-en")
    page.fill("#input", "I absolutely love this phone, the screen is wonderful!")
    page.click("#go")
    page.wait_for_selector(".result")
    label = page.inner_text(".result .label")
    assert label.startswith("positive")
    marks = page.locator(".result mark").all_inner_texts()
    assert "love" in marks and "wonderful" in marks  # the words behind the decision
    assert page.locator(".result .bar").count() == 3  # negative / neutral / positive
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    assert (tmp_path / "playground.png").stat().st_size > 5000


@pytest.mark.slow
def test_the_default_analysis_shows_polarity_and_emotions_in_both_languages(
    browser, make_server, tmp_path
):
    url, _ = make_server(preload=("auto",))
    page = browser.new_page()
    page.goto(url + "/")
    page.fill("#input", "I'm furious.\n这家酒店服务很好，很满意！")
    page.click("#go")
    page.wait_for_function("document.querySelectorAll('.result').length == 2", timeout=120_000)
    en, zh = page.locator(".result").all()
    assert en.inner_text().startswith("negative") and "· en" in en.inner_text()
    assert en.locator(".emotion").get_attribute("data-emotion") == "anger"
    assert zh.inner_text().startswith("positive") and "· zh" in zh.inner_text()
    for card in (en, zh):
        assert card.locator(".emotions .bar").count() == 7  # the canonical emotions
    shot = os.environ.get("AFFECTKIT_SCREENSHOT") or str(tmp_path / "default.png")
    page.screenshot(path=shot, full_page=True)


def test_upload_a_csv_and_download_the_results(browser, make_server, tmp_path):
    url, _ = make_server()
    src = tmp_path / "small.csv"
    src.write_text('text\ngreat hotel\nterrible food\n""\n', encoding="utf-8")
    page = browser.new_page()
    page.goto(url + "/")
    page.wait_for_selector("#model option[value='lexicon-en']", state="attached")
    page.select_option("#model", "lexicon-en")  # the upload is analysed by the chosen model
    page.set_input_files("#file", str(src))
    page.click("#upload")
    page.wait_for_selector("#download", timeout=30_000)
    assert "done: 3 rows" in page.inner_text("#jobstatus")
    with page.expect_download() as dl:
        page.click("#download")
    lines = open(dl.value.path(), encoding="utf-8").read().splitlines()
    assert len(lines) == 3


@pytest.mark.slow
def test_analyse_a_recording_and_see_its_speech_timeline(
    browser, make_server, shared_data, tmp_path
):
    sf = pytest.importorskip("soundfile")
    from affectkit.speech.catalog import MODEL_DIR
    from tests.speech import media

    if not (MODEL_DIR / "config.json").is_file():
        pytest.skip("the speech-emotion model is not shipped")
    url, _ = make_server(preload=("lexicon-en",))  # the speech models load on first use
    # two RAVDESS sentences ("Kids are talking by the door", "Dogs are sitting by the door")
    call = tmp_path / "call.wav"
    sf.write(str(call), media.call(shared_data, [(1, "angry"), (2, "happy")], pause=1.0), 16_000)
    page = browser.new_page()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(url + "/")
    assert "--max-body-bytes" in page.inner_text("#audiohint")
    assert page.inner_text("#audiolimit") == "1.4 MB"  # of the default 2,000,000-byte body
    page.wait_for_selector("#audiomodel option[value='speech-affect']", state="attached")
    # auto is the fused timeline (fused-affect, its own test); the segment view is speech-affect's
    assert "fused-affect" in page.inner_text("#audiomodel option[value='auto']")
    page.select_option("#audiomodel", "speech-affect")
    page.set_input_files("#audiofile", str(call))
    page.click("#goaudio")
    page.wait_for_selector("#segments tbody tr", timeout=120_000)
    rows = page.locator("#segments tbody tr")
    assert rows.count() == 2
    for row in rows.all():
        assert "door" in row.locator(".transcript").inner_text().lower()
        assert row.locator(".speaker").inner_text().startswith("S")
    blocks = page.locator("#timeline .segment")
    assert blocks.count() == 2
    labels = [b.get_attribute("data-label") for b in blocks.all()]
    assert labels == [r.get_attribute("data-label") for r in rows.all()]
    assert all(label in {"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}
               for label in labels)  # fmt: skip
    assert page.locator("#timeline .words-block").count() == 2  # the words' polarity row
    summary = page.inner_text("#summary")
    assert "duration " in summary and " s" in summary and "2 segments" in summary
    assert "door" in summary.lower()  # the whole transcript
    page.screenshot(path="/tmp/dashboard_audio.png", full_page=True)

    # an unreadable file: the service's one-line reason, on the page
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    page.set_input_files("#audiofile", str(bad))
    page.click("#goaudio")
    page.wait_for_selector("#audioerror", timeout=120_000)
    assert "not a readable audio" in page.inner_text("#audioerror")
    assert page.locator("#timeline").count() == 0

    # too large to send: refused in the browser, before a byte goes to the service
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * 1_600_000)
    sent = len(posts)
    page.set_input_files("#audiofile", str(big))
    page.click("#goaudio")
    page.wait_for_function("document.getElementById('audiostatus').textContent.includes('large')")
    status = page.inner_text("#audiostatus")
    assert "too large" in status and "1.6 MB" in status and "--max-body-bytes" in status
    assert len(posts) == sent


@pytest.mark.slow  # a real face model (the session's `face_model`) in a real browser
def test_faces_in_a_photo_and_a_video(browser, make_server, face_model, shared_data, tmp_path):
    from PIL import Image

    from affectkit import registry
    from affectkit.labels import EMOTIONS
    from affectkit.registry import ModelSpec
    from tests.vision import scenes

    registry.register(ModelSpec("face-test", 1, "face", "emotion", ("*",), tuple(EMOTIONS),
                                folder=face_model, backend="onnx"))  # fmt: skip
    try:
        url, _ = make_server(preload=("lexicon-en",))
        faces = scenes.dev_faces(shared_data)
        photo = np.full((480, 640, 3), 120, np.uint8)
        scenes.place(photo, faces[scenes.FOUND[0]], 60, 100, 150)
        scenes.place(photo, faces[scenes.FOUND[1]], 380, 150, 150)
        Image.fromarray(photo).save(tmp_path / "two.jpg", quality=92)
        page = browser.new_page()
        page.goto(url + "/")
        page.wait_for_selector("#facemodel option[value='face-test']", state="attached")
        page.select_option("#facemodel", "face-test")
        page.set_input_files("#facefile", str(tmp_path / "two.jpg"))
        page.click("#goface")
        page.wait_for_selector("#facetable tbody tr", timeout=60_000)
        boxes = page.locator("#photo .facebox")
        assert boxes.count() == 2 and page.locator("#facetable tbody tr").count() == 2
        assert all(b.get_attribute("data-label") in EMOTIONS for b in boxes.all())
        # the boxes sit over the faces: one in each half of the picture, inside it
        img = page.locator("#photo img").bounding_box()
        middle = img["x"] + img["width"] / 2
        centres = sorted(
            b["x"] + b["width"] / 2 for b in map(lambda x: x.bounding_box(), boxes.all())
        )
        assert img["x"] < centres[0] < middle < centres[1] < img["x"] + img["width"]
        assert "640×480 px" in page.inner_text("#facesummary")
        page.screenshot(path="/tmp/dashboard_faces.png", full_page=True)

        clip = scenes.write_video(tmp_path / "clip.mp4", faces, seconds=3.0)
        page.set_input_files("#facefile", str(clip))
        page.click("#goface")
        page.wait_for_selector("#facetimeline", timeout=60_000)
        rows = page.locator("#facetable tbody tr")
        assert rows.count() == 2
        assert {r.get_attribute("data-face") for r in rows.all()} == {"F1", "F2"}
        assert page.locator("#facetimeline .face-second").count() >= 4
        assert "frames looked at" in page.inner_text("#facesummary")
        page.screenshot(path="/tmp/dashboard_video.png", full_page=True)

        (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
        page.set_input_files("#facefile", str(tmp_path / "bad.png"))
        page.click("#goface")
        page.wait_for_selector("#faceerror", timeout=60_000)
        assert "not a readable image" in page.inner_text("#faceerror")
    finally:
        registry._REGISTRY.pop("face-test", None)
