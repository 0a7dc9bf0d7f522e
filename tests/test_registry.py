"""Registry: names, versions, folders, errors."""

import json

import pytest

from affectkit import registry
from affectkit.errors import ModelLoadError, ModelNotFoundError


def test_builtins_are_registered():
    names = {s.full_name for s in registry.list_models()}
    assert {"lexicon-en@1", "lexicon-zh@1"} <= names
    for spec in registry.list_models():
        assert spec.labels and spec.languages and spec.modality == "text"
        assert spec.size_bytes() > 0


def test_name_without_version_is_newest():
    spec = registry.get_spec("lexicon-en")
    assert spec.full_name == "lexicon-en@1"
    assert registry.get_spec("lexicon-en@1") is spec


def test_unknown_names_and_versions():
    with pytest.raises(ModelNotFoundError, match=r"Registered models: .*lexicon-en@1"):
        registry.get_spec("text-nope")
    with pytest.raises(ModelNotFoundError, match="no version '7'"):
        registry.get_spec("lexicon-en@7")
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        registry.load("./no/such/folder")


def test_folder_with_unknown_kind(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"affectkit_kind": "toaster"}))
    with pytest.raises(ModelLoadError, match="affectkit_kind='toaster'"):
        registry.load(str(tmp_path))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="Cannot read"):
        registry.load(str(tmp_path))


def test_reregistering_a_different_spec_is_an_error():
    spec = registry.get_spec("lexicon-en@1")
    import dataclasses

    with pytest.raises(ValueError, match="already registered"):
        registry.register(dataclasses.replace(spec, description="other"))
