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
    assert [(r.id, r.text) for r in recs] == [
        ("1", None),
        ("2", "fine"),
        ("3", None),
        ("4", "later"),
    ]
    assert "double the quotes" in recs[0].error
    assert recs[2].error.startswith("row 3 (line 4): a quote opened in this row is never closed")
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


# --- row accounting: one row per record of the file, with that record's id -------------------


def test_a_bare_cr_inside_an_unquoted_field_is_text_not_a_record_end(tmp_path):
    p = tmp_path / "cr.csv"
    p.write_bytes(b'id,text\r\nr1,one\rtwo\r\nr2,fine\nr3,"quoted\rcr"\n')
    recs = list(read_records(p, id_col="id"))
    assert [(r.id, r.text) for r in recs] == [
        ("r1", "one\rtwo"), ("r2", "fine"), ("r3", "quoted\rcr"),
    ]  # fmt: skip
    txt = tmp_path / "cr.txt"
    txt.write_bytes(b"a\rb\r\nc\n")
    assert [(r.id, r.text) for r in read_records(txt)] == [("1", "a\rb"), ("2", "c")]


def test_ids_and_rows_follow_the_records_after_bad_and_unclosed_quotes(tmp_path):
    lines = ["id,text"]
    for i in range(1, 13):
        if i == 3:
            lines.append(f'r{i},"bad" quote')  # a quote closed too early
        elif i == 6:
            lines.append(f'r{i},"a text over\ntwo lines" then junk')  # bad, over two lines
        elif i == 9:
            lines.append(f'r{i},"never closed')
        else:
            lines.append(f"r{i},text {i}")
    p = tmp_path / "mixed.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recs = list(read_records(p, id_col="id"))
    assert [r.id for r in recs] == [f"r{i}" for i in range(1, 13)]  # each id once, in order
    bad = {r.id: r.error for r in recs if r.error}
    assert set(bad) == {"r3", "r6", "r9"}
    assert bad["r3"].startswith("row 3 (line 4): bad quoting")
    assert bad["r6"].startswith("row 6 (line 7): bad quoting")
    assert bad["r9"].startswith("row 9 (line 11): a quote opened in this row is never closed")
    assert [r.text for r in recs if not r.error] == [
        f"text {i}" for i in range(1, 13) if i not in (3, 6, 9)
    ]
    # without an id column the id is the record's number
    assert [r.id for r in read_records(p)] == [str(i) for i in range(1, 13)]


def test_an_error_row_whose_id_cannot_be_made_out_is_named_by_its_row(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text('text,id\n"ok",a\n"x" "y" "z,b\nan, unquoted comma,c\nmore,d\n', encoding="utf-8")
    recs = list(read_records(p, id_col="id"))
    assert [r.id for r in recs] == ["a", "b", "row 3", "d"]  # "b": a lenient reading finds it
    assert recs[1].error and "wrong number of fields (3; the header has 2)" in recs[2].error


# --- bounded inputs: ReadLimits -------------------------------------------------------------


def _write(path, body: bytes):
    path.write_bytes(gzip.compress(body) if path.name.endswith(".gz") else body)
    return path


def _body(name: str, n: int, text: str = "hello") -> bytes:
    if ".csv" in name:
        return ("text\n" + "".join(f"{text} {i}\n" for i in range(n))).encode()
    if ".jsonl" in name:
        return "".join(json.dumps({"text": f"{text} {i}"}) + "\n" for i in range(n)).encode()
    return "".join(f"{text} {i}\n" for i in range(n)).encode()


NAMES = ["in.csv", "in.csv.gz", "in.jsonl", "in.jsonl.gz", "in.txt", "in.txt.gz"]


@pytest.mark.parametrize("name", NAMES)
def test_more_rows_than_max_rows_stops_with_the_limit_where_and_flag(tmp_path, name):
    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    p = _write(tmp_path / name, _body(name, 10))
    assert len(list(read_records(p, limits=ReadLimits(max_rows=10)))) == 10
    recs = read_records(p, limits=ReadLimits(max_rows=7))
    with pytest.raises(LimitExceededError) as exc:
        list(recs)
    msg = str(exc.value)
    assert "more than 7 rows" in msg and "max_rows" in msg and "--max-rows" in msg
    assert "row 8 (line" in msg and "\n" not in msg


@pytest.mark.parametrize("name", NAMES)
def test_a_line_longer_than_max_line_chars_stops_with_the_limit(tmp_path, name):
    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    p = _write(
        tmp_path / name, _body(name, 3) + _body(name, 1, "x" * 500)[5 if ".csv" in name else 0 :]
    )
    with pytest.raises(
        LimitExceededError, match=r"line longer than 100 characters.*line [45]\b.*--max-line-chars"
    ):
        list(read_records(p, limits=ReadLimits(max_line_chars=100)))
    assert len(list(read_records(p, limits=ReadLimits(max_line_chars=600)))) == 4


def test_a_quoted_csv_record_over_many_lines_counts_as_one_line(tmp_path):
    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    p = tmp_path / "multi.csv"
    p.write_text('text\n"' + "ten chars\n" * 20 + '"\nok\n', encoding="utf-8")
    assert len(list(read_records(p, limits=ReadLimits(max_line_chars=300)))) == 2
    with pytest.raises(LimitExceededError, match="record that starts on line 2"):
        list(read_records(p, limits=ReadLimits(max_line_chars=100)))


@pytest.mark.parametrize("name", NAMES)
def test_more_decompressed_bytes_than_max_bytes_stops_with_the_limit(tmp_path, name):
    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    body = _body(name, 5000)
    p = _write(tmp_path / name, body)
    assert len(list(read_records(p, limits=ReadLimits(max_bytes=len(body))))) == 5000
    with pytest.raises(
        LimitExceededError, match=r"more than 10,000 bytes once decompressed.*--max-input-bytes"
    ):
        list(read_records(p, limits=ReadLimits(max_bytes=10_000)))


def test_a_gzip_bomb_without_line_breaks_is_refused_fast_in_little_memory(tmp_path):
    import time
    import tracemalloc
    import zlib

    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    # 256 MiB of NULs in about 250 kB, written without holding them in memory
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    block = b"\x00" * 2**20
    p = tmp_path / "bomb.txt.gz"
    with p.open("wb") as f:
        for _ in range(256):
            f.write(z.compress(block))
        f.write(z.flush())
    limits = ReadLimits(max_line_chars=2_000_000)
    for name in ("bomb.txt.gz", "bomb.csv.gz", "bomb.jsonl.gz"):
        if name != p.name:
            (tmp_path / name).write_bytes(p.read_bytes())
        tracemalloc.start()
        t = time.perf_counter()
        with pytest.raises(LimitExceededError, match="line longer than 2,000,000 characters"):
            list(read_records(tmp_path / name, limits=limits))
        seconds = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert seconds < 2.0 and peak < 40 * 2**20, (name, seconds, peak)


def test_parquet_limits_are_checked_before_the_texts_are_read(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from affectkit.errors import LimitExceededError
    from affectkit.records import ReadLimits

    p = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": [f"text {i}" for i in range(100)] + ["x" * 5000]}), p)
    assert len(list(read_records(p))) == 101
    with pytest.raises(LimitExceededError, match=r"more than 50 rows.*--max-rows"):
        read_records(p, limits=ReadLimits(max_rows=50))
    with pytest.raises(LimitExceededError, match=r"bytes once decompressed.*--max-input-bytes"):
        read_records(p, limits=ReadLimits(max_bytes=1000))
    with pytest.raises(LimitExceededError, match=r"longer than 1,000 characters.*row 101"):
        list(read_records(p, limits=ReadLimits(max_line_chars=1000)))
    # one huge text repeated by a dictionary-encoded column is refused before it is expanded
    pq.write_table(pa.table({"text": ["y" * 100_000] * 1000}), p)
    with pytest.raises(LimitExceededError, match="bytes once decompressed"):
        list(read_records(p, limits=ReadLimits(max_bytes=10_000_000)))


def test_read_limits_check_their_values():
    from affectkit.errors import InvalidInputError
    from affectkit.records import ReadLimits

    assert ReadLimits(None, None, None).max_rows is None
    with pytest.raises(InvalidInputError, match="max_rows must be a positive integer or None"):
        ReadLimits(max_rows=0)


def test_a_folder_given_as_input_is_named_a_folder(tmp_path):
    with pytest.raises(DataFormatError, match="is a folder, not a file"):
        read_records(tmp_path)


# --- outputs ----------------------------------------------------------------------------------


def test_check_output_refuses_the_input_by_any_name_or_link(tmp_path):
    import os

    from affectkit.errors import InvalidInputError
    from affectkit.records import check_output

    src = tmp_path / "in.csv"
    src.write_text("text\nhi\n")
    os.link(src, tmp_path / "hard.csv")
    (tmp_path / "sym.csv").symlink_to(src)
    (tmp_path / "sub").mkdir()
    for out in (
        src,
        tmp_path / "hard.csv",
        tmp_path / "sym.csv",
        tmp_path / "sub" / ".." / "in.csv",
    ):
        with pytest.raises(InvalidInputError, match="would destroy the input"):
            check_output(out, None, src)
    check_output(tmp_path / "new.csv", src)  # another file, existing or not
    check_output(tmp_path / "in.csv", None)


def test_an_output_that_cannot_be_written_is_a_storage_error():
    from affectkit.errors import StorageError

    for name in ("/proc/affectkit-test.jsonl", "/proc/affectkit-test.parquet"):
        with pytest.raises(StorageError, match="Cannot write '/proc/affectkit-test"):
            RecordWriter(name).__enter__()


def test_a_json_escaped_half_surrogate_is_that_rows_error_not_the_runs(tmp_path):
    from affectkit.records.writers import encode_rows
    from affectkit.results import error_result

    src = tmp_path / "s.jsonl"
    src.write_text('{"text": "ok \\ud83d cut", "id": "\\udc00"}\n{"text": "fine"}\n')
    bad, good = read_records(src)
    assert bad.value is None and "half of a UTF-16 pair" in bad.error and bad.id == "1"
    assert good.text == "fine"
    # and a writer never fails on one that gets through: it is written escaped
    from affectkit.records import Record

    row = encode_rows("jsonl", [Record("x", "a \ud83d b")], [error_result("e", "m@1")])
    assert b"\\ud83d" in row


def test_a_tsv_output_is_refused_rather_than_written_with_commas(tmp_path):
    from affectkit.errors import DataFormatError
    from affectkit.records import output_format

    with pytest.raises(DataFormatError, match="comma-separated"):
        output_format(tmp_path / "out.tsv")
    assert output_format(tmp_path / "out.csv") == "csv"
