"""Property-based API test: schemathesis generates requests from the service's own OpenAPI
description (valid and invalid ones) against a real server on a loopback port, and checks that
no answer is a 5xx and that every answer is documented: its status, content type and schema.

Bounded: `MAX_EXAMPLES` requests per operation, derandomized (the same requests every run),
the lexicons behind ``model: "auto"`` (no transformer loads).
"""

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode, checks  # noqa: E402

MAX_EXAMPLES = 100
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from affectkit import registry
    from affectkit.serving.settings import ServeSettings
    from tests.serving.conftest import free_port, running

    registry.list_models()  # the catalogs first: they set the defaults restored below
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "_DEFAULTS", dict(registry._DEFAULTS))
        registry.set_defaults("text", "en", ("lexicon-en",))
        registry.set_defaults("text", "zh", ("lexicon-zh",))
        conf = ServeSettings(
            port=free_port(),
            data_dir=tmp_path_factory.mktemp("schema-data"),
            preload=("lexicon-en",),
            max_text_chars=2_000,
        )
        with running(conf) as url:
            yield schemathesis.openapi.from_url(url + "/openapi.json")


OPERATIONS = [
    "POST /v1/analyze", "POST /v1/jobs", "GET /v1/jobs", "GET /v1/jobs/{job_id}",
    "GET /v1/jobs/{job_id}/results", "DELETE /v1/jobs/{job_id}", "GET /v1/items",
    "DELETE /v1/items/{item_id}", "GET /v1/models", "GET /v1/models/{name}/card", "GET /healthz",
    "GET /metrics",
    "POST /v1/streams/{name}/events", "GET /v1/streams", "GET /v1/streams/{name}/windows",
    "GET /v1/streams/{name}/events", "PUT /v1/streams/{name}/rules", "GET /v1/alerts",
    "POST /v1/mood/entries", "GET /v1/mood/people", "GET /v1/mood/people/{person}",
    "DELETE /v1/mood/people/{person}", "POST /v1/conversations", "POST /v1/aspects",
    "POST /v1/reviews/report",
]  # fmt: skip
# the operations whose inputs can be invalid (the others take no input or any string)
INVALID = ["POST /v1/analyze", "POST /v1/jobs", "GET /v1/items", "POST /v1/streams/{name}/events",
           "GET /v1/streams/{name}/windows", "PUT /v1/streams/{name}/rules",
           "POST /v1/conversations", "POST /v1/aspects", "POST /v1/reviews/report"]  # fmt: skip
# described, not generated: a live answer never ends (tests/serving/test_dashboard.py)
STREAMING = ["GET /v1/live"]
# their answers run the aspect model (a transformer): slow
MODEL_OPERATIONS = {"POST /v1/aspects", "POST /v1/reviews/report"}
CASES = [
    pytest.param(label, mode, marks=[pytest.mark.slow] if label in MODEL_OPERATIONS else [])
    for label, mode in [(label, "positive") for label in OPERATIONS]
    + [(label, "negative") for label in INVALID]
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_every_answer_is_documented_and_none_is_a_server_error(api_schema, label, mode):
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the OpenAPI description"
    strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(checks=CHECKS, timeout=30)

    run()


def test_the_description_lists_every_route(api_schema):
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS) | set(STREAMING)
