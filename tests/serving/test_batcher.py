"""MicroBatcher on its own: batches under concurrency, no window delay for a lone client."""

import asyncio
import time

from affectkit import api
from affectkit.serving.batcher import MicroBatcher

KEY = ("lexicon-en", "en", False)


def _run(key, texts):
    return api.analyze(texts, model=key[0], language=key[1])


def test_concurrent_requests_share_a_batch_and_a_lone_one_does_not_wait():
    sizes: list[int] = []

    async def scenario():
        b = MicroBatcher(_run, window_ms=400, on_batch=sizes.append)
        try:
            # a lone request: nothing to wait for, so it must not sit out the 400 ms window
            t0 = time.perf_counter()
            (r,) = await b.submit(KEY, ["a wonderful day"])
            lone = time.perf_counter() - t0
            assert r.label == "positive"
            # a burst: the first runs at once, the rest queue behind it and share batches
            texts = [f"terrible {i}" for i in range(12)]
            out = await asyncio.gather(*[b.submit(KEY, [t]) for t in texts])
            assert [o[0].label for o in out] == ["negative"] * 12
            return lone
        finally:
            await b.close()

    lone = asyncio.run(scenario())
    assert lone < 0.3, f"a lone request waited {lone:.3f}s"
    assert sizes[0] == 1 and len(sizes) < 1 + 12 and sum(sizes) == 13


def test_off_runs_one_request_per_call():
    sizes: list[int] = []

    async def scenario():
        b = MicroBatcher(_run, enabled=False, on_batch=sizes.append)
        try:
            await asyncio.gather(*[b.submit(KEY, ["good"]) for _ in range(5)])
        finally:
            await b.close()

    asyncio.run(scenario())
    assert sizes == [1] * 5
