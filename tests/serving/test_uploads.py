"""`check_upload` on its own: rows, limits, encodings, damaged files."""

import gzip

import pytest

from affectkit.errors import DataFormatError, LimitExceededError
from affectkit.records import ReadLimits
from affectkit.serving.uploads import check_upload

NONE = ReadLimits(max_bytes=None, max_rows=None, max_line_chars=None)


def test_rows_of_text_files_gzip_and_utf16(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("text\ngood\nbad", encoding="utf-8")  # no line break at the end
    assert check_upload(p, NONE) == 2
    p = tmp_path / "a.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"text": "a"}\n{"text": "b"}\n{"text": "c"}\n'))
    assert check_upload(p, NONE) == 3
    p = tmp_path / "u.txt"
    p.write_text("eins\nzwei\n" + "\u0a0a\n", encoding="utf-16")  # 0x0A bytes inside a char
    assert check_upload(p, NONE) == 3


def test_each_limit_names_its_flag_and_the_file(tmp_path):
    p = tmp_path / "j.csv"
    p.write_text("text\n" + "short\n" * 3 + "x" * 20 + "\n", encoding="utf-8")
    with pytest.raises(LimitExceededError, match=r"longer than 10 characters.*--max-upload-line"):
        check_upload(p, ReadLimits(None, None, 10), "mine.csv")
    with pytest.raises(LimitExceededError, match=r"mine\.csv has more than 3 rows"):
        check_upload(p, ReadLimits(None, 3, None), "mine.csv")
    assert check_upload(p, ReadLimits(None, 4, 20)) == 4  # at the limits is fine
    with pytest.raises(LimitExceededError, match="more than 30 bytes once decompressed"):
        check_upload(p, ReadLimits(30, None, None))


def test_a_damaged_gzip_is_bad_data(tmp_path):
    p = tmp_path / "cut.csv.gz"
    data = gzip.compress(b"text\n" + b"".join(b"%d good\n" % i for i in range(10_000)))
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFormatError, match="damaged"):
        check_upload(p, NONE)
