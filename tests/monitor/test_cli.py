"""`affectkit monitor`: a file, stdin, a growing file (--follow), rules from TOML."""

import io
import json
import threading
import time

import pytest

from affectkit.cli.main import main
from affectkit.storage import Store
from tests.monitor.conftest import T0, mixed, window_of

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def lines(events):
    return "".join(json.dumps(e) + "\n" for e in events)


def test_a_file_with_a_spike_prints_one_alert_and_replays_idempotently(tmp_path, capsys, tweets):
    events = []
    for i in range(12):
        events += window_of(T0 + 300 * i, mixed(tweets, 10, 30, 40 * i), f"w{i}")
    events += window_of(T0 + 3600, mixed(tweets, 30, 10, 500), "spike")
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        lines(events[:100]) + "{not json\n" + lines(events[100:]) + lines([{"id": "x", "text": ""}])
    )
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "negative_spike"\nz = 3.5\n')
    argv = [
        "monitor",
        "brand",
        "--file",
        str(posts),
        "--data-dir",
        str(tmp_path / "data"),
        "--rules",
        str(rules),
        "--batch-size",
        "64",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    alerts = [json.loads(line) for line in out.splitlines()]
    assert [a["rule"] for a in alerts] == ["negative_spike"]
    assert alerts[0]["window_start"] == T0 + 3600
    assert "line 101: rejected: not a JSON object" in err
    assert "line 522 (id x): rejected: no text" in err
    assert "brand: 520 stored, 0 duplicates, 2 rejected, 1 alerts" in err
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == "" and "brand: 0 stored, 520 duplicates, 2 rejected, 0 alerts" in err


def test_stdin_and_a_growing_file(tmp_path, capsys, monkeypatch, tweets):
    data = str(tmp_path / "data")
    first = window_of(T0, tweets["calm"][:5], "a")
    monkeypatch.setattr("sys.stdin", io.StringIO(lines(first)))
    assert main(["monitor", "s", "--file", "-", "--data-dir", data]) == 0
    assert "s: 5 stored" in capsys.readouterr().err

    posts = tmp_path / "grow.jsonl"
    posts.write_text(lines(window_of(T0 + 300, tweets["calm"][5:8], "b")))
    argv = [
        "monitor",
        "s",
        "--file",
        str(posts),
        "--data-dir",
        data,
        "--follow",
        "--idle-exit",
        "1.5",
    ]
    done = []
    worker = threading.Thread(target=lambda: done.append(main(argv)))
    worker.start()
    time.sleep(0.5)
    more = lines(window_of(T0 + 600, tweets["negative"][:4], "c"))
    with posts.open("a") as f:
        f.write(more[:30])  # half a line: held back until it is whole
        f.flush()
        time.sleep(0.4)
        f.write(more[30:])
    worker.join(20)
    assert done == [0]
    assert "s: 7 stored, 0 duplicates, 0 rejected" in capsys.readouterr().err
    store = Store(tmp_path / "data" / "affectkit.sqlite3")
    assert store.streams.count_events("s") == 12
    assert [w["n"] for w in store.streams.windows("s", 300)] == [5, 3, 4]
    store.close()


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rules]]\nkind = "sparkle"\n')
    argv = ["monitor", "s", "--file", str(tmp_path / "none.jsonl"), "--data-dir", str(tmp_path)]
    assert main([*argv, "--rules", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("affectkit monitor: error: A rule's kind must be one of") and "\n" not in err
    )
    assert main(argv) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_serve_takes_webhooks():
    from affectkit.cli.main import build_parser
    from affectkit.cli.serve import settings_from_args

    args = build_parser().parse_args(
        ["serve", "--webhook", "http://127.0.0.1:9/a", "--webhook", "http://127.0.0.1:9/b"]
    )
    assert settings_from_args(args).webhooks == ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b")
