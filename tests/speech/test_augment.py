"""Training augmentation of speech: each transform keeps the audio usable and is reproducible."""

import numpy as np

from affectkit.speech import augment
from tests.speech import media


def test_transforms_on_real_speech(shared_data):
    x = media.read(media.clip(shared_data, 5, "happy"))
    rms = float(np.sqrt(np.mean(x**2)))
    for name in ("gain", "noise", "speed", "reverb", "augment"):
        fn = getattr(augment, name)
        a, b = fn(x, np.random.default_rng(3)), fn(x, np.random.default_rng(3))
        assert a.dtype == np.float32 and np.array_equal(a, b), name
        assert np.isfinite(a).all() and 0.2 * rms < float(np.sqrt(np.mean(a**2))) < 5 * rms, name
    slow = augment.speed(x, np.random.default_rng(0), 0.9, 0.9)
    assert abs(len(slow) - len(x) / 0.9) < 200
    noisy = augment.noise(x, np.random.default_rng(0), snr=(10, 10))
    snr = 10 * np.log10(np.mean(x**2) / np.mean((noisy - x) ** 2))
    assert abs(snr - 10) < 0.5
