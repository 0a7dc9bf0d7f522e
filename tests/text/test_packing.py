"""int8 storage of fine-tuned encoder layers: rounding bounds and the stored format."""

import pytest

from affectkit.text.packing import MIN_INT8, SCALE_SUFFIX, pack, stored_dtype, unpack

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
        pack({}, "int4")
    with pytest.raises(ValueError, match="is missing"):
        unpack({"w": torch.zeros(2, 2, dtype=torch.int8)})
