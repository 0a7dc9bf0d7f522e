"""Augmentation of 16 kHz mono speech for training: gain, noise, speed, room reverb.

Each transform takes and returns float32 audio and draws from the `numpy.random.Generator`
given, so a training run is reproducible from its seed. The reverb is a synthetic room: an
impulse response of exponentially decaying noise with a chosen RT60 (no recorded rooms ship).
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000


def gain(audio: np.ndarray, rng: np.random.Generator, db: float = 6.0) -> np.ndarray:
    return (audio * 10 ** (rng.uniform(-db, db) / 20)).astype(np.float32)


def noise(
    audio: np.ndarray, rng: np.random.Generator, snr: tuple[float, float] = (10, 30)
) -> np.ndarray:
    """White or pink noise at a signal-to-noise ratio drawn from `snr` (dB)."""
    n = rng.standard_normal(len(audio)).astype(np.float32)
    if rng.random() < 0.5:  # pink: 1/f power
        spec = np.fft.rfft(n)
        spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1))
        n = np.fft.irfft(spec, len(audio)).astype(np.float32)
    p_sig = float(np.mean(audio**2)) or 1e-8
    p_noise = float(np.mean(n**2)) or 1e-8
    scale = np.sqrt(p_sig / (p_noise * 10 ** (rng.uniform(*snr) / 10)))
    return (audio + scale * n).astype(np.float32)


def speed(
    audio: np.ndarray, rng: np.random.Generator, low: float = 0.9, high: float = 1.1
) -> np.ndarray:
    """Play faster or slower (pitch moves with it), by resampling."""
    import soxr

    factor = rng.uniform(low, high)
    return soxr.resample(audio, SAMPLE_RATE * factor, SAMPLE_RATE).astype(np.float32)


def reverb(
    audio: np.ndarray, rng: np.random.Generator, rt60: tuple[float, float] = (0.15, 0.6)
) -> np.ndarray:
    """Convolve with a synthetic room impulse response (decaying noise, RT60 from `rt60`)."""
    from scipy.signal import fftconvolve

    t60 = rng.uniform(*rt60)
    length = int(t60 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    ir = rng.standard_normal(length) * np.exp(-6.9 * t / t60)  # -60 dB at t60
    ir[0] = 1.0
    ir /= np.sqrt(np.sum(ir**2))
    wet = fftconvolve(audio, ir)[: len(audio)]
    peak = np.max(np.abs(wet)) or 1.0
    return (wet * min(1.0, np.max(np.abs(audio)) / peak)).astype(np.float32)


def augment(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random chain: speed (p=0.5), reverb (0.3), noise (0.5), gain (always)."""
    if rng.random() < 0.5:
        audio = speed(audio, rng)
    if rng.random() < 0.3:
        audio = reverb(audio, rng)
    if rng.random() < 0.5:
        audio = noise(audio, rng)
    return gain(audio, rng)
