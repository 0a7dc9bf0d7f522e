"""Registry: names, versions, folders, errors."""

import json

import pytest

from affectkit import registry
from affectkit.errors import ModelLoadError, ModelNotFoundError


def test_builtins_are_registered():
    names = {s.full_name for s in registry.list_models()}
    assert {"lexicon-en@1", "lexicon-zh@1"} <= names
    for spec in registry.list_models():
        assert spec.labels and spec.languages
        assert spec.modality in ("text", "speech", "face", "fused")
        if spec.source == "affectkit":  # built-ins say their size; plug-ins need not
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


def _plugin_installed() -> bool:
    from importlib import metadata

    return any(ep.name == "demo" for ep in metadata.entry_points(group="affectkit.analyzers"))


def test_a_third_party_analyzer_registers_by_entry_point_alone():
    # tests/plugins/affectkit-demo-plugin, installed by `make install`
    assert _plugin_installed(), "run `make install`: it installs the test plug-in package"
    spec = registry.get_spec("demo-exclaim")
    assert spec.source == "affectkit-demo-plugin" and spec.inputs == ("text",)
    (r,) = registry.load("demo-exclaim").analyze(["Wow!!"])
    assert r.label == "surprise" and len(r.evidence) == 2


def test_the_cli_lists_and_runs_the_plugin():
    import subprocess
    import sys

    cli = [sys.executable, "-m", "affectkit.cli.main"]
    out = subprocess.run([*cli, "models"], capture_output=True, text=True, check=True).stdout
    assert "demo-exclaim@1" in out and "[affectkit-demo-plugin]" in out
    out = subprocess.run(
        [*cli, "analyze", "--json", "--model", "demo-exclaim", "Help!!!"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert json.loads(out.splitlines()[0])["label"] == "surprise"


def test_a_broken_plugin_is_left_out_with_its_error(monkeypatch):
    from importlib import metadata

    broken = metadata.EntryPoint("broken", "no_such_module_xyz:catalog", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_discovered", False)
    monkeypatch.setattr(registry, "_PLUGIN_ERRORS", {})
    real = metadata.entry_points
    monkeypatch.setattr(
        registry.metadata,
        "entry_points",
        lambda group: [*real(group=group), broken],
    )
    names = {s.full_name for s in registry.list_models()}
    assert "lexicon-en@1" in names
    errors = registry.plugin_errors()
    assert list(errors) == ["broken (no_such_module_xyz:catalog)"]
    assert "ModuleNotFoundError" in errors["broken (no_such_module_xyz:catalog)"]


def test_one_line_registers_a_model_and_defaults_pick_the_first_registered(monkeypatch):
    monkeypatch.setattr(registry, "_DEFAULTS", dict(registry._DEFAULTS))
    spec = registry.ModelSpec(
        "speech-test", 1, "speech", "emotion", ("*",), ("neutral",), loader=lambda **_: None
    )
    monkeypatch.setitem(registry._REGISTRY, "speech-test", {1: spec})
    assert spec.inputs == ("audio",)
    registry.set_defaults("audio", "*", ("speech-missing", "speech-test"))
    assert registry.default_model("audio", "en") == "speech-test@1"
    assert registry.defaults()["audio"] == {"*": "speech-test@1"}
    with pytest.raises(ValueError, match="no version suffix"):
        registry.ModelSpec("x@1", 1, "text", "t", ("en",), (), loader="a:b")


@pytest.mark.parametrize(
    "name", ["x" * 256, "x" * 5000, "models/" + "y" * 300, "a\x00b", "", "Bad Name!", "n" * 65]
)
def test_names_that_are_neither_a_name_nor_a_usable_path_are_not_found(name):
    assert registry.is_model_folder(name) is False  # never an OSError
    for call in (registry.load, registry.get_spec):
        with pytest.raises(ModelNotFoundError, match="A model is a registry name such as") as exc:
            call(name)
        assert len(str(exc.value)) < 600  # a long name is cut short in the message


@pytest.mark.parametrize("text", ["[]", '"config"', "3", "null"])
def test_a_config_that_is_not_a_json_object_is_a_load_error(tmp_path, text):
    from affectkit.text.classifier import TextModelAnalyzer

    (tmp_path / "config.json").write_text(text)
    with pytest.raises(ModelLoadError, match=r"config\.json holds a JSON .*, not an object"):
        registry.load(str(tmp_path))
    with pytest.raises(ModelLoadError, match=r"config\.json holds a JSON"):
        TextModelAnalyzer.from_pretrained(tmp_path)


def test_threads_looking_up_at_once_never_see_a_half_filled_registry(monkeypatch):
    import threading

    monkeypatch.setattr(registry, "_discovered", False)
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_DEFAULTS", {})
    monkeypatch.setattr(registry, "_FOLDER_KINDS", {})
    import sys

    for name in [m for m in sys.modules if m == "affectkit.text.catalog"]:
        monkeypatch.delitem(sys.modules, name)
    barrier, out = threading.Barrier(4), []

    def look():
        barrier.wait()
        try:
            out.append(registry.get_spec("lexicon-en").full_name)
        except Exception as exc:  # the defect: ModelNotFoundError on an empty registry
            out.append(repr(exc))

    threads = [threading.Thread(target=look) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert out == ["lexicon-en@1"] * 4


def test_a_folder_kind_that_is_not_a_string_is_a_load_error(tmp_path):
    (tmp_path / "config.json").write_text('{"affectkit_kind": ["text-classifier"]}')
    with pytest.raises(ModelLoadError, match="not an affectkit model folder"):
        registry.load(str(tmp_path))


def test_a_registered_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    folder = tmp_path / "lexicon-en"
    folder.mkdir()
    (folder / "config.json").write_text('{"affectkit_kind": "text-ngram-linear"}')
    monkeypatch.chdir(tmp_path)
    assert not registry.is_model_folder("lexicon-en")
    assert registry.load("lexicon-en").name == "lexicon-en@1"
    assert registry.is_model_folder("./lexicon-en")  # the folder, spelled as a path


def test_a_recording_defaults_to_the_fused_timeline_and_a_photo_to_the_face_model():
    from affectkit.fusion.catalog import COMBINES, MODELS

    if not all((MODELS / m / "config.json").is_file() for m in COMBINES):
        pytest.skip("a checkout without the shipped speech and face models")
    assert registry.default_model("video", "en") == "fused-affect@1"
    assert registry.default_model("audio", "zh") == "fused-affect@1"
    assert registry.default_model("image", "en") == "face-expression@1"


def test_a_catalog_imported_first_keeps_the_fused_defaults():
    """`from affectkit.speech.catalog import ...` before any look-up starts discovery from
    inside that import; the defaults must not depend on which catalog finishes last."""
    import subprocess
    import sys

    code = (
        "from affectkit.speech.catalog import MODEL_DIR\n"
        "from affectkit.vision.catalog import MODEL_DIR as FACE\n"
        "from affectkit import registry\n"
        "print(registry.default_model('audio', '*'), registry.default_model('video', '*'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    if "None" in out.stdout:
        pytest.skip("a checkout without the shipped speech and face models")
    assert out.stdout.split() == ["fused-affect@1", "fused-affect@1"], out.stdout + out.stderr
