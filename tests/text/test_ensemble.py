"""Ensemble folders: members are sub-folders, and nothing else is loaded."""

import json
import shutil

import pytest

from affectkit import registry
from affectkit.errors import ModelLoadError

SHIPPED = registry.get_spec("text-sentiment-zh").folder


@pytest.mark.parametrize("member", [".", "..", "../other", "ngram/../../other", "/tmp"])
def test_a_member_folder_outside_the_ensemble_is_refused(tmp_path, member):
    other = tmp_path / "other"
    shutil.copytree(SHIPPED / "ngram", other)  # a real model folder, just not a member
    folder = tmp_path / "blend"
    folder.mkdir()
    config = json.loads((SHIPPED / "config.json").read_text(encoding="utf-8"))
    config["members"] = [{"folder": member, "weight": 0.5}, {"folder": "ngram", "weight": 0.5}]
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="is not a sub-folder of the ensemble folder"):
        registry.load(str(folder))
