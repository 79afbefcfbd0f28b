"""Prometheus text for ``GET /v1/metrics``: requests, latencies, actors, materialisation,
timers, the outbox, and the background workers' failures."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

#: Latency histogram bounds, in seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self._buckets: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self._sums: defaultdict[tuple[str, str], float] = defaultdict(float)
        #: Change streams open now (``/v1/changes/stream``), counted on the event loop.
        self.streams = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, route, status)] += 1
            counts = self._buckets[(method, route)]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
                    break
            else:
                counts[-1] += 1
            self._sums[(method, route)] += seconds

    def render(
        self,
        stats: dict[str, Any],
        *,
        groups: int,
        grouped_calls: int,
        workers: Mapping[str, tuple[int, str | None]],
    ) -> str:
        lines = [
            "# HELP statekeep_http_requests_total HTTP requests by method, route and status.",
            "# TYPE statekeep_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self._requests.items()):
                lines.append(
                    f'statekeep_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP statekeep_http_request_seconds Time to answer, by method and route.",
                "# TYPE statekeep_http_request_seconds histogram",
            ]
            for (method, route), counts in sorted(self._buckets.items()):
                labels = f'method="{method}",route="{route}"'
                running = 0
                for bound, n in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                    running += n
                    lines.append(f'statekeep_http_request_seconds_bucket{{{labels},le="{bound}"}} {running}')
                lines.append(f"statekeep_http_request_seconds_sum{{{labels}}} {self._sums[(method, route)]:.6f}")
                lines.append(f"statekeep_http_request_seconds_count{{{labels}}} {running}")
        lines += ["# HELP statekeep_actors Actors materialised on each version.", "# TYPE statekeep_actors gauge"]
        lines += [f'statekeep_actors{{version="{_label(v)}"}} {n}' for v, n in stats["actors"].items()]
        lines += [
            "# HELP statekeep_materialisation_scanned Actors a deployment's scan has visited.",
            "# TYPE statekeep_materialisation_scanned gauge",
        ]
        for v, scan in stats["scans"].items():
            lines.append(f'statekeep_materialisation_scanned{{deployment="{_label(v)}"}} {scan["scanned"]}')
        lines += [
            "# HELP statekeep_materialisation_total Actors on a deployment's parent at its commit.",
            "# TYPE statekeep_materialisation_total gauge",
        ]
        for v, scan in stats["scans"].items():
            lines.append(f'statekeep_materialisation_total{{deployment="{_label(v)}"}} {scan["total"]}')
        lines += [
            "# HELP statekeep_materialisation_done Whether a deployment's records are all written.",
            "# TYPE statekeep_materialisation_done gauge",
        ]
        for v, scan in stats["scans"].items():
            lines.append(f'statekeep_materialisation_done{{deployment="{_label(v)}"}} {int(scan["done"])}')
        timers = stats["timers"]
        lines += [
            "# HELP statekeep_timers_pending Timers set and not fired (delayed transitions, scheduled events).",
            "# TYPE statekeep_timers_pending gauge",
            f"statekeep_timers_pending {timers['pending']}",
            "# HELP statekeep_timers_overdue Pending timers whose due time has passed.",
            "# TYPE statekeep_timers_overdue gauge",
            f"statekeep_timers_overdue {timers['overdue']}",
            "# HELP statekeep_timers_fired_total Timers this process fired since it started.",
            "# TYPE statekeep_timers_fired_total counter",
            f"statekeep_timers_fired_total {timers['fired']}",
            "# HELP statekeep_timer_lateness_seconds How late this process's last 1,000 firings were once durable.",
            "# TYPE statekeep_timer_lateness_seconds summary",
        ]
        if timers["lateness"] is not None:
            for quantile, name in (("0.5", "p50"), ("0.99", "p99"), ("1", "max")):
                lines.append(
                    f'statekeep_timer_lateness_seconds{{quantile="{quantile}"}} {timers["lateness"][name]:.6f}'
                )
        changes = stats["changes"]
        lines += [
            "# HELP statekeep_changes_last The number of the last change committed to the outbox.",
            "# TYPE statekeep_changes_last gauge",
            f"statekeep_changes_last {changes['last']}",
            "# HELP statekeep_changes_oldest The number of the oldest change the outbox keeps (0: none).",
            "# TYPE statekeep_changes_oldest gauge",
            f"statekeep_changes_oldest {changes['oldest'] or 0}",
            "# HELP statekeep_change_streams Change streams this server has open.",
            "# TYPE statekeep_change_streams gauge",
            f"statekeep_change_streams {self.streams}",
        ]
        lines += _webhook_lines(stats.get("webhooks"))
        lines += [
            "# HELP statekeep_commit_groups_total Synced group commits of write requests.",
            "# TYPE statekeep_commit_groups_total counter",
            f"statekeep_commit_groups_total {groups}",
            "# HELP statekeep_grouped_calls_total Write requests committed in groups.",
            "# TYPE statekeep_grouped_calls_total counter",
            f"statekeep_grouped_calls_total {grouped_calls}",
            "# HELP statekeep_worker_failures_total Failed attempts of a background worker since the process started.",
            "# TYPE statekeep_worker_failures_total counter",
        ]
        lines += [f'statekeep_worker_failures_total{{worker="{_label(w)}"}} {n}' for w, (n, _) in workers.items()]
        lines += [
            "# HELP statekeep_worker_failing Whether a background worker's last attempt failed (its error is logged).",
            "# TYPE statekeep_worker_failing gauge",
        ]
        lines += [
            f'statekeep_worker_failing{{worker="{_label(w)}"}} {int(error is not None)}'
            for w, (_, error) in workers.items()
        ]
        return "\n".join(lines) + "\n"


def _webhook_lines(figures: Mapping[str, Any] | None) -> list[str]:
    """Webhooks: each endpoint's backlog and dead letters (from the store), this process's
    attempts, deliveries and failures, and the lag from commit to a delivery's first attempt."""
    if figures is None:
        return []
    lines = []
    gauges = (
        ("pending", "statekeep_webhook_pending", "Deliveries waiting or being tried, by endpoint."),
        ("behind", "statekeep_webhook_behind", "Changes an enabled endpoint has not looked at yet."),
        ("dead", "statekeep_webhook_dead_letters", "Deliveries given up on after every attempt, by endpoint."),
        ("enabled", "statekeep_webhook_enabled", "Whether an endpoint is enabled (0: disabled, by 410 or 5 days)."),
    )
    for field, name, meaning in gauges:
        lines += [f"# HELP {name} {meaning}", f"# TYPE {name} gauge"]
        for w, e in sorted(figures["endpoints"].items()):
            lines.append(f'{name}{{webhook="{_label(w)}"}} {int(e[field])}')
    counters = (
        ("attempts", "statekeep_webhook_attempts_total", "Delivery attempts this process made, by endpoint."),
        ("delivered", "statekeep_webhook_deliveries_total", "Deliveries that succeeded (a 2xx), by endpoint."),
        ("failed", "statekeep_webhook_failures_total", "Attempts that failed, by endpoint."),
        ("dead", "statekeep_webhook_dead_lettered_total", "Deliveries this process gave up on, by endpoint."),
    )
    for field, name, meaning in counters:
        lines += [f"# HELP {name} {meaning}", f"# TYPE {name} counter"]
        for w, n in sorted(figures["counts"][field].items()):
            lines.append(f'{name}{{webhook="{_label(w)}"}} {n}')
    lines += [
        "# HELP statekeep_webhook_lag_seconds From a change's commit to its delivery's first attempt "
        "(this process's last 1,000).",
        "# TYPE statekeep_webhook_lag_seconds summary",
    ]
    if figures["lag"] is not None:
        for quantile, name in (("0.5", "p50"), ("0.99", "p99"), ("1", "max")):
            lines.append(f'statekeep_webhook_lag_seconds{{quantile="{quantile}"}} {figures["lag"][name]:.6f}')
    return lines


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
