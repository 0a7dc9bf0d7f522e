"""MicroBatcher on its own: batches under concurrency, no window delay for a lone client,
each request's deadline."""

import asyncio
import time

import pytest

from affectkit import api
from affectkit.errors import DeadlineExceeded
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


def _slow(seconds: float, seen: list):
    """An analysis that takes `seconds` in steps of 20 ms, checking the deadline between them."""
    from affectkit import deadline

    def run(key, texts):
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                deadline.check()
                time.sleep(0.02)
        except Exception as exc:
            seen.append(("stopped", time.monotonic()))
            raise exc
        seen.append(("done", time.monotonic()))
        return api.analyze(texts, model=key[0], language=key[1])

    return run


def test_one_clients_timeout_does_not_fail_the_others_in_its_batch():
    seen: list = []

    async def scenario():
        b = MicroBatcher(_slow(0.6, seen), window_ms=50)
        try:
            now = time.monotonic()
            short = asyncio.wait_for(b.submit(KEY, ["good"], now + 0.2), 0.2)
            long = b.submit(KEY, ["awful"], now + 10)
            return await asyncio.gather(short, long, return_exceptions=True)
        finally:
            await b.close()

    short, long = asyncio.run(scenario())
    assert isinstance(short, TimeoutError)
    assert [r.label for r in long] == ["negative"]
    assert [s for s, _ in seen] == ["done"]


def test_a_batch_whose_requests_all_timed_out_stops_within_a_step():
    seen: list = []

    async def scenario():
        b = MicroBatcher(_slow(5.0, seen), window_ms=20)
        try:
            until = time.monotonic() + 0.3
            results = await asyncio.gather(
                *[asyncio.wait_for(b.submit(KEY, [t], until), 0.3) for t in ("a", "b")],
                return_exceptions=True,
            )
            await asyncio.sleep(0.3)  # the inference thread notices within a step
            return until, results
        finally:
            await b.close()

    until, results = asyncio.run(scenario())
    assert all(isinstance(r, TimeoutError) for r in results)
    [(what, when)] = seen
    assert what == "stopped" and when - until < 0.2


def test_a_request_whose_deadline_passed_in_the_queue_is_not_analysed():
    calls: list = []

    def run(key, texts):
        calls.append(texts)
        return api.analyze(texts, model=key[0])

    async def scenario():
        b = MicroBatcher(run, enabled=False)
        try:
            return await b.submit(KEY, ["late"], time.monotonic() - 1)
        finally:
            await b.close()

    with pytest.raises(DeadlineExceeded):
        asyncio.run(scenario())
    assert calls == []
