"""Prometheus metrics in the text exposition format (no client library needed)."""

from __future__ import annotations

import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class _Histogram:
    def __init__(self, buckets) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, v: float) -> None:
        for i, b in enumerate(self.buckets):
            if v <= b:
                self.counts[i] += 1
        self.total += 1
        self.sum += v


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(d: dict[str, str]) -> str:
    if not d:
        return ""
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(d.items()))
    return "{" + inner + "}"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple, int] = defaultdict(int)  # (route, method, status)
        self.latency: dict[str, _Histogram] = {}
        self.batch = _Histogram(BATCH_BUCKETS)
        self.model_load: dict[str, float] = {}
        self.texts = 0

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, str(status))] += 1
            self.latency.setdefault(route, _Histogram(LATENCY_BUCKETS)).observe(seconds)

    def batch_size(self, n: int) -> None:
        with self._lock:
            self.batch.observe(n)
            self.texts += n

    def loaded(self, model: str, seconds: float) -> None:
        with self._lock:
            self.model_load[model] = seconds

    def render(self) -> str:
        out = []
        with self._lock:
            out += [
                "# HELP affectkit_requests_total HTTP requests by route, method and status.",
                "# TYPE affectkit_requests_total counter",
            ]
            for (route, method, status), n in sorted(self.requests.items()):
                lab = _labels({"route": route, "method": method, "status": status})
                out.append(f"affectkit_requests_total{lab} {n}")
            out += [
                "# HELP affectkit_request_seconds Request latency.",
                "# TYPE affectkit_request_seconds histogram",
            ]
            for route, h in sorted(self.latency.items()):
                out += _hist_lines("affectkit_request_seconds", h, {"route": route})
            out += [
                "# HELP affectkit_batch_size Texts per model call (micro-batches).",
                "# TYPE affectkit_batch_size histogram",
            ]
            out += _hist_lines("affectkit_batch_size", self.batch, {})
            out += [
                "# HELP affectkit_texts_total Texts analysed.",
                "# TYPE affectkit_texts_total counter",
                f"affectkit_texts_total {self.texts}",
            ]
            out += [
                "# HELP affectkit_model_load_seconds Time to load each model at start-up.",
                "# TYPE affectkit_model_load_seconds gauge",
            ]
            for model, s in sorted(self.model_load.items()):
                out.append(f"affectkit_model_load_seconds{_labels({'model': model})} {s:.4f}")
        return "\n".join(out) + "\n"


def _hist_lines(name: str, h: _Histogram, labels: dict[str, str]) -> list[str]:
    lines = []
    for b, c in zip(h.buckets, h.counts, strict=True):
        lines.append(f"{name}_bucket{_labels({**labels, 'le': str(b)})} {c}")
    lines.append(f"{name}_bucket{_labels({**labels, 'le': '+Inf'})} {h.total}")
    lines.append(f"{name}_sum{_labels(labels)} {h.sum:.6f}")
    lines.append(f"{name}_count{_labels(labels)} {h.total}")
    return lines
