"""Security defaults: private files, what answers without a key, serving beyond loopback."""

import stat

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from affectkit.client import Client  # noqa: E402
from affectkit.storage import Store  # noqa: E402


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_database_uploads_and_results_are_private(make_server, tmp_path):
    url, settings = make_server(data_dir=tmp_path / "fresh" / "data")
    src = tmp_path / "r.csv"
    src.write_text("text\ngood\n", encoding="utf-8")
    with Client(url) as c:
        job = c.wait_job(c.submit_job(src, model="lexicon-en")["id"], timeout=30)
    data = settings.data_dir
    assert _mode(data) == 0o700
    assert _mode(data / "uploads") == _mode(data / "results") == 0o700
    assert _mode(settings.db_path) == 0o600
    assert _mode(data / "uploads" / f"{job['id']}.csv") == 0o600
    assert _mode(data / "results" / f"{job['id']}.jsonl") == 0o600


def test_with_keys_required_only_liveness_and_the_page_are_public(make_server):
    url, settings = make_server(require_keys=True)
    store = Store(settings.db_path)
    token, _ = store.create_key("ops", rate_per_min=None)
    store.close()
    assert httpx.get(url + "/healthz").json() == {"status": "ok"}  # no version, no models
    assert httpx.head(url + "/healthz").status_code == 200
    assert httpx.get(url + "/").status_code == 200  # the playground asks for a key itself
    for path in ("/openapi.json", "/docs", "/redoc", "/metrics", "/v1/models", "/v1/jobs"):
        r = httpx.get(url + path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "key_required", path
    auth = {"Authorization": f"Bearer {token}"}
    health = httpx.get(url + "/healthz", headers=auth).json()
    assert health["models_loaded"] == ["lexicon-en@1"] and health["version"]
    assert "/v1/analyze" in httpx.get(url + "/openapi.json", headers=auth).json()["paths"]
    assert httpx.get(url + "/healthz", headers={"X-API-Key": "ak_wrong"}).json() == {"status": "ok"}


def test_serving_beyond_loopback_without_keys_needs_a_second_flag(monkeypatch, capsys, tmp_path):
    from affectkit.cli.main import main
    from affectkit.serving.server import Server

    started = []

    def run(server):  # instead of serving
        started.append(server.config.host)
        server.started = True

    monkeypatch.setattr(Server, "run", run)
    args = ["serve", "--host", "0.0.0.0", "--no-require-keys", "--data-dir", str(tmp_path / "d")]
    args += ["--preload", "lexicon-en"]
    assert main(args) == 2 and started == []
    err = capsys.readouterr().err
    assert "without API keys" in err and "--insecure-no-keys" in err
    monkeypatch.setattr("os.umask", lambda mask: 0o022)  # not the test process's
    assert main([*args, "--insecure-no-keys"]) == 0 and started == ["0.0.0.0"]
    assert "warning: serving on 0.0.0.0 without API keys" in capsys.readouterr().err


def test_serve_flags_set_the_upload_limits():
    import argparse

    from affectkit.cli.serve import add_arguments, settings_from_args

    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(
        ["--max-upload-rows", "7", "--max-upload-line-chars", "9",
         "--max-upload-decompressed-bytes", "11", "--request-timeout", "3"]
    )  # fmt: skip
    s = settings_from_args(args)
    assert (s.upload_limits.max_rows, s.upload_limits.max_line_chars) == (7, 9)
    assert s.upload_limits.max_bytes == 11 and s.request_timeout_s == 3.0
    defaults = settings_from_args(p.parse_args([]))
    assert defaults.max_upload_rows == 5_000_000 and defaults.max_upload_line_chars == 1_000_000
    assert defaults.max_upload_decompressed_bytes == 2**30


def test_an_existing_data_folder_others_can_read_is_named_on_start(monkeypatch, capsys, tmp_path):
    from affectkit.cli.main import main
    from affectkit.serving.server import Server

    monkeypatch.setattr(Server, "run", lambda server: setattr(server, "started", True))
    monkeypatch.setattr("os.umask", lambda mask: 0o022)  # not the test process's
    data = tmp_path / "shared-data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    args = ["serve", "--data-dir", str(data), "--preload", "lexicon-en"]
    assert main(args) == 0
    assert f"chmod 700 {data}" in capsys.readouterr().err
    data.chmod(0o700)
    assert main(args) == 0
    assert "chmod" not in capsys.readouterr().err
