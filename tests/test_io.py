"""Record readers and writers: every input row gives one output row, errors included."""

import json

import pytest

from affectkit.errors import DataFormatError
from affectkit.io import RecordWriter, detect_format, read_records
from affectkit.types import AffectResult


def test_csv_reads_every_row_with_its_id(fixtures):
    recs = list(read_records(fixtures / "reviews.csv", text_col="review", id_col="review_id"))
    assert [r.id for r in recs] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert recs[3].text == "" and recs[3].error is None


def test_csv_missing_column_names_the_columns(fixtures):
    with pytest.raises(DataFormatError, match=r"no column 'text'.*'review'"):
        read_records(fixtures / "reviews.csv")


def test_csv_bad_utf8_row_is_reported_not_dropped(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes(b"text\nfine day\ncaf\xe9 terrible\nok\n")
    recs = list(read_records(p))
    assert len(recs) == 3
    assert recs[1].text is None and "UTF-8" in recs[1].error
    assert recs[2].text == "ok"


def test_jsonl_bad_lines_become_error_records(fixtures):
    recs = list(read_records(fixtures / "mixed.jsonl"))
    assert [r.id for r in recs] == ["a", "2", "c", "d", "6"]
    assert "not valid JSON" in recs[1].error
    assert "must be a string (no such field)" in recs[3].error
    assert "expected a JSON object" in recs[4].error
    assert recs[2].text == "糟糕透了"


def test_txt_keeps_blank_lines(tmp_path):
    p = tmp_path / "in.txt"
    p.write_bytes("good\n\nbad\n\xff\n".encode("latin-1"))
    recs = list(read_records(p))
    assert [r.text for r in recs] == ["good", "", "bad", None]


def test_format_detection_and_errors(tmp_path):
    assert detect_format("a.csv") == "csv"
    assert detect_format("a.JSONL") == "jsonl"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("a.csv.gz", None) == "csv"
    with pytest.raises(DataFormatError, match="Cannot tell the format"):
        detect_format("a.xlsx")
    with pytest.raises(DataFormatError, match="does not exist"):
        read_records(tmp_path / "missing.csv")


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_writers_round_trip(tmp_path, fixtures, suffix):
    recs = list(read_records(fixtures / "reviews.csv", text_col="review", id_col="review_id"))
    results = [AffectResult(label="positive", confidence=0.9, model="m@1") for _ in recs]
    out = tmp_path / f"out.{suffix}"
    with RecordWriter(out) as w:
        w.write(recs, results)
    if suffix == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif suffix == "csv":
        import csv

        rows = list(csv.DictReader(out.open()))
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert rows[2]["text"] == "房间很干净，服务也非常好"
