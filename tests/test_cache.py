"""Folders built once under the home: atomic, rebuilt when stale, nothing left by a failure."""

import pytest

from affectkit.cache import cached_folder, is_current, write_folder


def test_built_once_and_rebuilt_when_its_version_changes(tmp_path):
    builds = []

    def build(target):
        builds.append(target)
        return write_folder(target, lambda tmp: (tmp / "weights").write_text(str(len(builds))), "2")

    folder = cached_folder("encoders", "demo", "2", build, tmp_path)
    assert folder == tmp_path / "encoders" / "demo" and (folder / "weights").read_text() == "1"
    assert cached_folder("encoders", "demo", "2", build, tmp_path) == folder and len(builds) == 1
    (folder / "VERSION").write_text("1\n")  # written by an older release
    assert not is_current(folder, "2")
    cached_folder("encoders", "demo", "2", build, tmp_path)
    assert (folder / "weights").read_text() == "2" and is_current(folder, "2")
    missing = cached_folder("encoders", "other", "2", build, tmp_path, build_missing=False)
    assert not missing.exists() and len(builds) == 2


def test_a_failed_build_leaves_nothing_and_keeps_what_was_there(tmp_path):
    target = tmp_path / "encoders" / "demo"
    write_folder(target, lambda tmp: (tmp / "weights").write_text("good"), "1")

    def broken(tmp):
        (tmp / "weights").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_folder(target, broken, "1")
    assert (target / "weights").read_text() == "good"
    assert [p.name for p in target.parent.iterdir()] == ["demo"]  # no temporary folder left
