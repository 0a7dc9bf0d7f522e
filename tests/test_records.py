"""Record readers and writers: every input row gives one output row, errors included."""

import codecs
import gzip
import json

import pytest

from affectkit.errors import DataFormatError
from affectkit.records import RecordWriter, detect_format, read_records
from affectkit.results import AffectResult


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


def test_csv_bad_quoting_is_an_error_row_not_text_run_together(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('text,n\n"quoted" then more,1\nfine,2\n"never closed,3\nlater,4\n')
    recs = list(read_records(p))
    assert [(r.id, r.text) for r in recs] == [("1", None), ("2", "fine"), ("3", None)]
    assert "double the quotes" in recs[0].error
    assert recs[2].error.startswith("row 3: a quote opened in this row is never closed")
    p.write_text('text,n\n"a ""quoted"" word, and a\nline break",1\n')  # well-formed
    assert [r.text for r in read_records(p)] == ['a "quoted" word, and a\nline break']


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


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8-sig"),  # Excel's "CSV UTF-8"
        lambda s: s.encode("utf-16"),  # "Unicode text", with its byte-order mark
        lambda s: gzip.compress(s.encode("utf-8")),
        lambda s: gzip.compress(s.encode("utf-8-sig")),
    ],
    ids=["utf8-bom", "utf16", "gzip", "gzip-utf8-bom"],
)
@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz", "in.jsonl", "in.txt"])
def test_spreadsheet_encodings_and_gzip_read_like_plain_utf8(tmp_path, encode, name):
    texts = ["très bien", "房间很干净", "awful\r\nreally"]
    if name.startswith("in.csv"):
        body = "text,id\r\n" + "".join(f'"{t}",{i}\r\n' for i, t in enumerate(texts))
    elif name == "in.jsonl":
        body = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    else:
        texts = texts[:2]
        body = "\n".join(texts) + "\n"
    (tmp_path / name).write_bytes(encode(body))
    recs = list(read_records(tmp_path / name))
    assert [r.text for r in recs] == texts and all(r.error is None for r in recs)


def test_binary_or_foreign_file_gets_a_clear_error(tmp_path):
    p = tmp_path / "photo.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8")
    with pytest.raises(DataFormatError, match=r"does not read as text.*CSV UTF-8"):
        read_records(p)
    p = tmp_path / "broken.csv.gz"
    p.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DataFormatError, match="not a readable gzip file"):
        read_records(p)


@pytest.mark.parametrize("name", ["cut.csv.gz", "cut.jsonl.gz", "cut.txt.gz"])
def test_a_damaged_gzip_is_bad_data_after_the_rows_it_read(tmp_path, name):
    whole = gzip.compress(("text\n" + "".join(f"row {i}\n" for i in range(20000))).encode())
    p = tmp_path / name
    p.write_bytes(whole[: len(whole) // 2])  # cut short, as an interrupted copy leaves it
    recs = read_records(p)
    with pytest.raises(DataFormatError, match=r"damaged after (row|line) \d+ \(EOFError"):
        for _ in recs:
            pass
    bad_crc = bytearray(whole)
    bad_crc[-8] ^= 0xFF  # the trailer's checksum no longer matches
    p.write_bytes(bytes(bad_crc))
    with pytest.raises(DataFormatError, match="damaged after"):
        list(read_records(p))


def test_garbage_parquet_is_bad_data(tmp_path):
    pytest.importorskip("pyarrow")
    p = tmp_path / "x.parquet"
    p.write_bytes(b"junk")
    with pytest.raises(DataFormatError, match="not a readable Parquet file"):
        read_records(p)


def test_a_csv_reader_not_read_yet_holds_no_open_file(fixtures):
    import os

    def open_files():
        return len(os.listdir("/proc/self/fd"))

    before = open_files()
    records = read_records(fixtures / "reviews.csv", text_col="review")  # header checked
    assert open_files() == before  # a batch job that is already complete never reads the rows
    assert len(list(records)) == 6 and open_files() == before


def test_utf16_row_with_a_lone_surrogate_is_reported_not_dropped(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + "ok\n".encode("utf-16-le") + b"\x00\xd8\n\x00")
    recs = list(read_records(p))
    assert recs[0].text == "ok" and recs[1].text is None and "UTF-8" in recs[1].error


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
