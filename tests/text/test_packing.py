"""int8 and delta4 storage of fine-tuned encoder layers: rounding bounds and stored formats."""

import pytest

from affectkit.text.packing import (
    DELTA_SCALE_SUFFIX,
    GROUP,
    MIN_INT8,
    SCALE_SUFFIX,
    pack,
    stored_dtype,
    unpack,
)

torch = pytest.importorskip("torch")


def test_int8_round_trip_is_within_half_a_step_per_row():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(64, 128, generator=g) * torch.linspace(0.01, 3.0, 64)[:, None]
    state = {"layer.weight": w, "layer.bias": torch.randn(64, generator=g)}
    stored = pack(state, "int8")
    assert stored["layer.weight"].dtype == torch.int8
    assert stored["layer.weight" + SCALE_SUFFIX].shape == (64,)
    assert stored["layer.bias"].dtype == torch.float16  # small tensors stay fp16
    back = unpack(stored)
    assert set(back) == set(state) and stored_dtype(stored) == "int8"
    step = w.abs().amax(dim=1) / 127  # one int8 step of each row
    err = (back["layer.weight"] - w).abs().amax(dim=1)
    assert torch.all(err <= step / 2 + 1e-6)
    assert torch.all(err > 0)  # it really is rounded: a test of the int8 path, not a copy


def test_float16_packing_and_small_matrices():
    small = torch.ones(2, MIN_INT8 // 4)  # below MIN_INT8 values: not worth an int8 scale
    stored = pack({"a": small, "b": torch.zeros(3)}, "float16")
    assert {t.dtype for t in stored.values()} == {torch.float16}
    assert stored_dtype(stored) == "float16"
    assert pack({"a": small}, "int8")["a"].dtype == torch.float16
    with pytest.raises(ValueError, match="dtype must be one of"):
        pack({}, "int3")
    with pytest.raises(ValueError, match="is missing"):
        unpack({"w": torch.zeros(2, 2, dtype=torch.int8)})


def _tuned(g):
    """A source matrix and a fine-tuned copy of it (moved by ~2 % of its norm)."""
    base = torch.randn(96, 2 * GROUP, generator=g)
    return base, base + 0.02 * torch.randn(96, 2 * GROUP, generator=g)


def test_delta4_round_trip_is_within_half_a_step_per_group():
    g = torch.Generator().manual_seed(1)
    base, tuned = _tuned(g)
    source = {"layer.weight": base, "other.weight": torch.randn(96, 2 * GROUP, generator=g)}
    state = {"layer.weight": tuned, "layer.bias": torch.randn(96, generator=g)}
    stored = pack(state, "delta4", source)
    assert stored["layer.weight"].dtype == torch.uint8
    assert stored["layer.weight"].shape == (96, GROUP)  # two 4-bit values a byte
    assert stored["layer.weight" + DELTA_SCALE_SUFFIX].shape == (96, 2)  # one scale a group
    assert stored_dtype(stored) == "delta4"
    back = unpack(stored, source)
    assert set(back) == set(state)
    d = (tuned - base).reshape(96, 2, GROUP)
    step = d.abs().amax(dim=2, keepdim=True) / 7
    err = (back["layer.weight"] - tuned).reshape(96, 2, GROUP).abs()
    assert torch.all(err <= step / 2 * 1.01 + 1e-6)  # the scale itself is fp16: 0.1 % slack
    assert err.max() > 0  # rounded, not copied
    # the difference is what is rounded: far finer than int8 of the weights themselves
    int8_err = (unpack(pack(state, "int8"))["layer.weight"] - tuned).norm()
    assert (back["layer.weight"] - tuned).norm() < int8_err / 2


def test_delta4_refuses_another_source_and_falls_back_to_int8():
    g = torch.Generator().manual_seed(2)
    base, tuned = _tuned(g)
    stored = pack({"w": tuned, "new": torch.randn(64, 2 * GROUP, generator=g)}, "delta4",
                  {"w": base})  # fmt: skip
    assert stored["new"].dtype == torch.int8  # not in the source: stored in int8
    with pytest.raises(ValueError, match="not given"):
        unpack(stored)
    with pytest.raises(ValueError, match="not the one these weights were stored against"):
        unpack(stored, {"w": base * 1.01})
    with pytest.raises(ValueError, match="pass its state"):
        pack({"w": tuned}, "delta4")
    # an all-zero difference (an untouched matrix) stores zero scales and comes back exact
    same = unpack(pack({"w": base}, "delta4", {"w": base}), {"w": base})["w"]
    assert torch.equal(same, base)
