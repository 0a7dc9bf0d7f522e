"""`affectkit batch --engine ray` on a local Ray instance: the same rows as the local engine."""

import csv
import json

import pytest

from affectkit.batch import BatchJob, run_batch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def write(path, texts):
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i, t in enumerate(texts):
            w.writerow([f"r{i}", t])
    return path


def quiet(_):
    pass


def test_ray_engine_writes_the_same_bytes_as_the_local_engine(ray_local, tmp_path):
    from affectkit.batch.ray_engine import run_batch_ray

    texts = [f"{w} number {i}" for i, w in enumerate(["great", "awful", "", "meh"] * 75)]
    src = write(tmp_path / "in.csv", texts)
    local, remote = tmp_path / "local.csv", tmp_path / "ray.csv"
    run_batch(
        BatchJob(str(src), str(local), model="lexicon-en", id_col="id"), progress=False, log=quiet
    )
    s = run_batch_ray(
        BatchJob(str(src), str(remote), model="lexicon-en", id_col="id", chunk_size=100),
        progress=False,
        workers=2,
        log=quiet,
    )
    assert s.rows == 300
    assert remote.read_bytes() == local.read_bytes()


def test_ray_engine_matches_the_local_engine_on_the_shipped_model(ray_local, tmp_path, shared_data):
    pytest.importorskip("torch")
    from affectkit.batch.ray_engine import run_batch_ray

    with (shared_data / "text/sst2/dev.csv").open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)][:60]
    src = write(tmp_path / "in.csv", [*texts, "", "今天真开心"])
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    opts = {"threads": 1}
    run_batch(
        BatchJob(str(src), str(local), model="text-sentiment-en", id_col="id", model_options=opts),
        progress=False,
        log=quiet,
    )
    run_batch_ray(
        BatchJob(str(src), str(remote), model="text-sentiment-en", id_col="id", model_options=opts),
        progress=False,
        workers=1,
        log=quiet,
    )
    a = [json.loads(x) for x in local.read_text().splitlines()]
    b = [json.loads(x) for x in remote.read_text().splitlines()]
    assert [r["id"] for r in b] == [r["id"] for r in a] and len(a) == 62
    assert [r["label"] for r in b] == [r["label"] for r in a]
    for x, y in zip(a, b, strict=True):
        if x["score"] is not None:
            assert abs(x["score"] - y["score"]) <= 1e-4
            assert abs(x["confidence"] - y["confidence"]) <= 1e-4
