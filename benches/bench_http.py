"""Durable sends over HTTP: throughput under load, and latency at a fixed rate.

    python benches/bench_http.py [--actors 10000] [--seconds 10] [--rate 1000]

Builds a store of loan actors, starts `statekeep serve` on it (a real uvicorn server on
loopback, in one process and then in two), then
- runs `wrk` (Debian's package) with 64 connections sending `POST /v1/actors/{id}/events`
  to random actors: durable sends per second and wrk's latency percentiles;
- runs an open-loop generator (asyncio, raw HTTP/1.1 on keep-alive connections) that starts
  one send every 1/rate seconds whatever the server does, and reports p50/p99/max latency
  measured from each request's scheduled start, so a stall counts in full.

Every send is acknowledged only after its group's commit is synced (LMDB sync=True).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import statekeep

LOAN = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"on": {"SUBMIT_INFO": "fee", "NOTE": {"actions": "note"}}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting", "NOTE": {"actions": "note"}}},
        "underwriting": {"on": {"NOTE": {"actions": "note"}, "APPROVE": "approved"}},
        "approved": {"type": "final"},
    },
}

WRK_SCRIPT = """
math.randomseed(os.time())
request = function()
  local id = string.format("a%06d", math.random(0, {last}))
  return wrk.format("POST", "/v1/actors/" .. id .. "/events",
    {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}},
    '{body}')
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(data: Path, actors: int, definition: dict[str, object] = LOAN, delays: dict[str, int] | None = None) -> str:
    """A store of ``actors`` actors (``a000000``...) on ``definition`` (version ``<id>-v1``), and
    a token that may write to it."""
    version = f"{definition['id']}-v1"
    with statekeep.Keep(data, scan=False) as keep:
        keep.deploy(version, definition, delays=delays)
        for first in range(0, actors, 10_000):
            ids = [f"a{i:06d}" for i in range(first, min(actors, first + 10_000))]
            keep.spawn_many(version, [None] * len(ids), actor_ids=ids)
        token = keep.create_api_key("write", name="bench").token
        assert token is not None
        return token


def start_server(
    data: Path, port: int, workers: int, *, allow_private_webhooks: bool = False
) -> subprocess.Popen[bytes]:
    """`statekeep serve` on ``data`` (webhooks may reach loopback with ``allow_private_webhooks``),
    once it answers on ``port``."""
    code = (
        f"from statekeep.service import serve; serve({str(data)!r}, port={port}, workers={workers}, "
        f"allow_private_webhooks={allow_private_webhooks})"
    )
    server = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def run_wrk(
    port: int,
    token: str,
    actors: int,
    seconds: int,
    connections: int,
    body: str = '{"type": "NOTE", "note": "from wrk"}',
) -> dict[str, object]:
    """wrk sending ``body`` (an event, JSON) to random actors of the ``actors`` for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT.format(last=actors - 1, token=token, body=body))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out))
    return {
        "connections": connections,
        "sends_per_second": round(rps),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "p50": latency.get("50"),
        "p90": latency.get("90"),
        "p99": latency.get("99"),
    }


async def send_event(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str, actor: str, body: bytes
) -> bytes:
    """POST an event on a kept-alive connection and read the whole answer: its status."""
    writer.write(
        f"POST /v1/actors/{actor}/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    status: bytes = (await reader.readline()).split()[1]
    length = 0
    while (line := await reader.readline()) != b"\r\n":
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return status


async def open_loop(port: int, token: str, actors: int, seconds: int, rate: int) -> dict[str, object]:
    """One request every 1/rate s on a pool of keep-alive connections; latency from the
    scheduled start."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    failures = 0

    async def one(scheduled: float, actor: str) -> None:
        nonlocal failures
        reader, writer = await pool.get()
        status = await send_event(reader, writer, token, actor, b'{"type":"NOTE","note":"open loop"}')
        latencies.append(time.perf_counter() - scheduled)
        failures += status != b"200"
        pool.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter()
    for n in range(rate * seconds):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, f"a{random.randrange(actors):06d}")))
    await asyncio.gather(*tasks)
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3, 2)  # noqa: E731
    return {
        "rate": rate,
        "requests": len(latencies),
        "failures": failures,
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": round(latencies[-1] * 1e3, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--workers", default="1,2", help="server processes to try, comma-separated")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        data = Path(tmp) / "data"
        token = build(data, args.actors)
        report: dict[str, object] = {"actors": args.actors}
        for workers in map(int, args.workers.split(",")):
            port = free_port()
            server = start_server(data, port, workers)
            try:
                time.sleep(1.0 * workers)  # every worker up before the load starts
                report[f"workers={workers}"] = {
                    "wrk": [run_wrk(port, token, args.actors, args.seconds, c) for c in (16, 64)],
                    "open_loop": asyncio.run(open_loop(port, token, args.actors, args.seconds, args.rate)),
                }
            finally:
                server.terminate()
                server.wait()
        with statekeep.Keep(data, scan=False) as keep:
            # Every acknowledged send is in the store (wrk's count includes the ones in flight at its end).
            report["events_stored"] = sum(keep.get(f"a{i:06d}").seq for i in range(args.actors))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
