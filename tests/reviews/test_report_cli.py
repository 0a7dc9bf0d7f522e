"""`affectkit report` end to end with the real aspect model (`aspect-sentiment`): six short
reviews, three English and three Chinese, in one file; skipped where the model is not there."""

import json
from pathlib import Path

import pytest

import affectkit
from affectkit.cli.main import main
from affectkit.reviews.report import term_key

MODEL = Path(affectkit.__file__).parent / "models" / "aspect-sentiment" / "config.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not MODEL.is_file(), reason="the aspect-sentiment model is not here"),
]

CSV = """date,product,review
2024-03-01,phone,The battery life is excellent and it charges quickly.
2024-03-02,phone,"The screen is beautiful, but the speakers sound terrible."
2024-03-20,hotel,The staff were rude and the room was dirty.
2024-03-03,phone,电池续航非常好，充电也很快。
2024-03-15,hotel,服务员态度很差，房间也不干净。
2024-04-02,hotel,早餐很丰富，位置也很方便。
"""


def test_a_mixed_language_file_gives_a_report(tmp_path, capsys):
    src = tmp_path / "reviews.csv"
    src.write_text(CSV, encoding="utf-8")
    html, js = tmp_path / "report.html", tmp_path / "report.json"
    code = main(["report", str(src), "--text-col", "review", "--time-col", "date",
                 "--group-col", "product", "-o", str(html), "--json", str(js)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    rep = json.loads(js.read_text(encoding="utf-8"))
    s = rep["summary"]
    assert s["reviews"] == s["analysed"] == 6 and s["skipped"] == 0
    assert s["languages"] == {"en": 3, "zh": 3}
    assert s["with_aspects"] >= 5 and s["model"].startswith("aspect-sentiment")
    assert sorted(g["name"] for g in rep["groups"]) == ["hotel", "phone"]
    terms = {term_key(a["term"]): a for g in rep["groups"] for a in g["aspects"]}
    found = " ".join(terms)
    assert "battery" in found and "staff" in found and "服务" in found
    staff = next(a for k, a in terms.items() if "staff" in k)
    assert staff["negative"] >= 1
    battery = next(a for k, a in terms.items() if "battery" in k)
    assert battery["positive"] >= 1
    for a in terms.values():
        for e in a["examples"]:
            assert term_key(e["text"][e["from"] : e["to"]]) == term_key(a["term"])
    assert rep["over_time"]["freq"] == "D" and rep["over_time"]["points"]
    page = html.read_text(encoding="utf-8")
    assert "<mark>" in page and "http://" not in page and "https://" not in page
    assert 'lang="zh"' in page
