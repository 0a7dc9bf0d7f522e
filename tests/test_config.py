"""Settings from the environment: the one place environment variables are read."""

from pathlib import Path

import pytest

from affectkit.config import DEFAULT_HOME, Settings
from affectkit.errors import InvalidInputError


def test_defaults_and_overrides():
    s = Settings.from_env({})
    assert s.home == DEFAULT_HOME.expanduser() and s.threads is None
    s = Settings.from_env({"AFFECTKIT_HOME": "/tmp/ak", "AFFECTKIT_THREADS": "2"})
    assert s.home == Path("/tmp/ak") and s.threads == 2
    assert s.cache_dir == Path("/tmp/ak/cache") and s.models_dir == Path("/tmp/ak/models")


@pytest.mark.parametrize("bad", ["two", "-1", "0", "1.5", "²", " 2", ""])
def test_bad_thread_counts_are_one_clear_error(bad):
    if bad == "":  # empty means unset
        assert Settings.from_env({"AFFECTKIT_THREADS": bad}).threads is None
        return
    with pytest.raises(InvalidInputError, match="AFFECTKIT_THREADS must be a positive integer"):
        Settings.from_env({"AFFECTKIT_THREADS": bad})
