"""The fitted review model (`reviews.model_dir`) loaded once per session, torch and ONNX."""

import pytest

from affectkit import registry


@pytest.fixture(scope="session")
def analyzer(model_dir):
    return registry.load(str(model_dir)).load()


@pytest.fixture(scope="session")
def onnx_analyzer(model_dir, tmp_path_factory):
    pytest.importorskip("onnxruntime")
    cache = tmp_path_factory.mktemp("cache")
    return registry.load(str(model_dir), backend="onnx", cache_dir=cache).load()
