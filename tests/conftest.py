"""Shared fixtures. The real datasets live in ../shared/data beside the repository."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return path


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


# A model folder with a linear head fitted on MiniLM embeddings of hand-written reviews,
# shared by the model tests and the CLI tests.
from tests.text.classifier.reviews import model_dir  # noqa: E402, F401
