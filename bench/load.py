"""Load test of the HTTP service: micro-batching on vs off, several concurrency levels.

    python bench/load.py [--model text-sentiment-en] [--levels 1 8 32] [--duration 60]
                         [--threads 1] [--window-ms 5] [--backend torch|onnx|onnx-int8]

For each mode (micro-batching on, then off) a fresh `affectkit serve` starts as its own process
on 127.0.0.1 with API keys required and one key without a rate limit. An asyncio client (a
second process: this one) keeps N requests in flight, each one text (SST-2 dev sentences, in
turn) to `POST /v1/analyze`, for `--duration` seconds per level, and records every latency and
every non-200 answer (a 429 counts as an error). Reported: requests/s, p50/p95/p99 latency,
errors.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("affectkit")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    model: str, microbatch: bool, threads: int, window_ms: float, data: Path, backend: str | None
):
    env = {**os.environ, "AFFECTKIT_THREADS": str(threads), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [str(EXE), "keys", "create", "load", "--unlimited", "--data-dir", str(data)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    key = re.search(r"(ak_\S+)", out.stdout).group(1)
    port = free_port()
    cmd = [
        str(EXE),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--require-keys",
        "--preload",
        model,
        "--batch-window-ms",
        str(window_ms),
        "--log-level",
        "warning",
    ]
    if not microbatch:
        cmd.append("--no-microbatch")
    if backend:
        cmd += ["--backend", backend]
    proc = subprocess.Popen(cmd, env=env)
    import httpx

    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url, key
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the service did not start")


class _Conn:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams. The load generator shares the
    machine with the service, so it must cost little CPU per request: a general-purpose client
    such as httpx costs several times more CPU per request (`client_cpu_ms` in the results
    shows what this one costs)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /v1/analyze HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        ).encode()
        self.reader = self.writer = None

    async def post(self, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the service closed the connection")
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_level(
    url: str, key: str, model: str, texts: list[str], concurrency: int, duration: float
) -> dict:
    host, port = url.removeprefix("http://").split(":")
    bodies = [json.dumps({"text": t, "model": model}).encode() for t in texts]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop = time.perf_counter() + duration
    counter = iter(range(10**12))

    async def worker():
        conn = _Conn(host, int(port), key)
        while time.perf_counter() < stop:
            body = bodies[next(counter) % len(bodies)]
            t0 = time.perf_counter()
            try:
                status = await asyncio.wait_for(conn.post(body), 60)
                ok, reason = status == 200, str(status)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                conn.close()
                ok, reason = False, type(exc).__name__
            if ok:
                latencies.append(time.perf_counter() - t0)
            else:
                errors[reason] = errors.get(reason, 0) + 1
        conn.close()

    t_start, cpu_start = time.perf_counter(), time.process_time()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    elapsed = time.perf_counter() - t_start
    cpu = time.process_time() - cpu_start
    lat = np.array(latencies) * 1000
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(lat, 50)) if len(lat) else None,
        "p95_ms": float(np.percentile(lat, 95)) if len(lat) else None,
        "p99_ms": float(np.percentile(lat, 99)) if len(lat) else None,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "client_cpu_ms": 1000 * cpu / max(len(latencies), 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--model", default="text-sentiment-en")
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=1, help="model threads in the service")
    ap.add_argument("--window-ms", type=float, default=5.0)
    ap.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"), help="model backend")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    with (args.data / "text/sst2/dev.csv").open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    rows = []
    for microbatch in (True, False):
        data = Path(tempfile.mkdtemp(prefix="affectkit-load-"))
        proc, url, key = start_server(
            args.model, microbatch, args.threads, args.window_ms, data, args.backend
        )
        try:
            for level in args.levels:
                r = asyncio.run(run_level(url, key, args.model, texts, level, args.duration))
                r["microbatch"] = microbatch
                rows.append(r)
                log(
                    f"micro-batching {'on ' if microbatch else 'off'} x{level}: "
                    f"{r['per_second']:.1f} req/s, p50 {r['p50_ms']:.0f} ms, p95 "
                    f"{r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, errors {r['errors']}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lines = [
        f"`{args.model}` ({args.backend or 'torch'}) behind `affectkit serve` on 127.0.0.1 "
        f"({args.threads} model thread(s), "
        f"window {args.window_ms:g} ms), one text per request, {args.duration:g} s per level:",
        "",
        "| micro-batching | concurrent clients | requests/s | p50 ms | p95 ms | p99 ms | errors "
        "| load-generator CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {'on' if r['microbatch'] else 'off'} | {r['concurrency']} | "
            f"{r['per_second']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['errors']} | {r['client_cpu_ms']:.2f} |"
        )
    on = {r["concurrency"]: r["per_second"] for r in rows if r["microbatch"]}
    off = {r["concurrency"]: r["per_second"] for r in rows if not r["microbatch"]}
    top = max(args.levels)
    flags = f" --backend {args.backend}" if args.backend else ""
    if args.levels != [1, 8, 32]:
        flags += " --levels " + " ".join(map(str, args.levels))
    lines.append(
        f"\nAt {top} clients micro-batching serves {on[top] / off[top]:.2f}x the "
        f"requests/s. One run of `python bench/load.py --threads {args.threads}{flags}` on "
        f"{platform.machine()}, {os.cpu_count()} cores."
    )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "load" if args.threads == 1 else f"load_{args.threads}threads"
    if args.backend:
        stem += f"_{args.backend}"
    (args.out / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
