"""TextModelConfig: the JSON form round-trips and bad values fail with messages that say why."""

from __future__ import annotations

import pytest

from affectkit.errors import InvalidInputError
from affectkit.text import classifier as tm


def test_config_round_trip_keeps_extra_keys():
    d = {
        "affectkit_kind": "text-classifier",
        "name": "x@2",
        "labels": ["a", "b", "c"],
        "multi_label": True,
        "thresholds": [0.3, 0.5, 0.7],
        "metrics": {"macro_f1": 0.8},
    }
    config = tm.TextModelConfig.from_dict(d)
    assert config.thresholds == {"a": 0.3, "b": 0.5, "c": 0.7}
    again = tm.TextModelConfig.from_dict(config.to_dict())
    assert again == config
    assert again.to_dict()["metrics"] == {"macro_f1": 0.8}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": []}, "labels must be a non-empty list"),
        ({"labels": ["a", "a"]}, "labels must be unique"),
        ({"task": "regression"}, "task must be one of"),
        ({"canonical": {"a": "happy"}}, "must be a canonical emotion or polarity"),
        ({"temperature": 0}, "temperature must be > 0"),
        ({"class_bias": [0.0]}, "class_bias must be null or one finite number per label"),
        ({"class_bias": [0.0, 1.0], "multi_label": True}, "class_bias must be null"),
        ({"class_bias": [0.0, float("nan")]}, "class_bias must be null"),
        ({"thresholds": [0.5]}, "thresholds has 1 values for 2 labels"),
        ({"preprocess": "emoji"}, "preprocess must be null or one of"),
        ({"encoder": {"pooling": "cls", "layers": 2}}, "unknown encoder/head/aggregation setting"),
    ],
)
def test_config_validation_messages(change, message):
    d = {"name": "x@1", "labels": ["a", "b"], **change}
    with pytest.raises(InvalidInputError, match=message):
        tm.TextModelConfig.from_dict(d)
