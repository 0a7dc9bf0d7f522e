"""Shared fixtures. The real datasets live in ../shared/data beside the repository."""

import os
import uuid
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


@pytest.fixture
def lexicon_defaults(monkeypatch):
    """Route text by language to the lexicons (no transformer), as a checkout without the
    trained models does."""
    from affectkit import registry

    registry.list_models()  # read the catalogs first: the copy below must hold their defaults
    monkeypatch.setattr(registry, "_DEFAULTS", dict(registry._DEFAULTS))
    registry.set_defaults("text", "en", ("lexicon-en",))
    registry.set_defaults("text", "zh", ("lexicon-zh",))


@pytest.fixture(autouse=True)
def _slow_means_a_transformer_loads(request, monkeypatch):
    """A test that loads a transformer model in this process must be marked slow (so that
    `make test-fast` stays fast): here, loading one in a test without the mark is an error."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse(*_args, **_kwargs):
        raise AssertionError(
            f"{request.node.nodeid} loads a transformer model: mark it @pytest.mark.slow"
        )

    from affectkit.text.classifier import analyzer, encoder
    from affectkit.training import fewshot, loop

    for module in (encoder, loop, fewshot):
        monkeypatch.setattr(module, "load_encoder", refuse)
    monkeypatch.setattr(analyzer.TextModelAnalyzer, "_load_onnx", refuse)


@pytest.fixture(scope="session")
def face_model(shared_data, tmp_path_factory) -> Path:
    """A face-expression model folder for the face tests and the dashboard's: the shipped one
    (`src/affectkit/models/face-expression`), or, where it is not shipped, one trained here on
    1,500 real FER2013 faces (one epoch, about 30 s). Training itself is tested in
    tests/training/test_vision.py."""
    from affectkit.vision.catalog import MODEL_DIR

    if (MODEL_DIR / "config.json").is_file():
        return MODEL_DIR
    from affectkit.training.vision import VisionTrainConfig, train_vision

    face = shared_data / "face" / "fer2013"
    out = tmp_path_factory.mktemp("face-run")
    return train_vision(VisionTrainConfig(str(face / "train.npz"), str(out), epochs=1,
                                          batch_size=64, max_rows=1500))  # fmt: skip


PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_server():
    """An engine on the PostgreSQL server the store tests use: AFFECTKIT_TEST_PG (default a
    trust-auth server on 127.0.0.1:5432, database `test`). When none answers the tests that
    need it are skipped, saying so; under CI=true that is a failure instead."""
    pytest.importorskip("sqlalchemy")
    import sqlalchemy as sa

    from affectkit.storage.engine import database_url, redact

    url = os.environ.get("AFFECTKIT_TEST_PG") or PG_DEFAULT
    engine = sa.create_engine(database_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        why = " ".join(str(getattr(exc, "orig", exc)).split())
        message = (
            f"no PostgreSQL server answers at {redact(url)} ({why}): set AFFECTKIT_TEST_PG to "
            f"the URL of one (any database the user may create schemas in) to run these tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a schema of this test's own on that server (its search_path), dropped after
    the test with everything in it."""
    schema = f"affectkit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with postgres_server.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = postgres_server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with postgres_server.begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


# A model folder with a linear head fitted on MiniLM embeddings of hand-written reviews,
# shared by the model tests and the CLI tests.
from tests.text.classifier.reviews import model_dir  # noqa: E402, F401
