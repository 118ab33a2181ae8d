"""Bounded load test: the real server on 127.0.0.1, N concurrent clients asking real questions.

    python benchmarks/load.py [--seconds 30] [--levels 10,50,100] [--json out.json]

Starts ``app.py`` in a subprocess on a free local port, against a temporary copy of the default
policy with its own index and feedback folders and no rate limit (every client is 127.0.0.1).
Each level runs ``--seconds``: N clients (asyncio, one keep-alive connection each) post PrivacyQA's
user questions to ``POST /api/answer`` back to back, while one more client polls ``GET /healthz``
every 100 ms. Per level: answers/s, latency percentiles, errors (any non-200 or exception) and
the /healthz p99. The clients run on the same machine and compete with the server for its cores,
so the CPU each side used is reported too (the server's includes its encoder process). Only
127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIVACYQA = ROOT.parent / "shared" / "data" / "privacyqa"
HOST = "127.0.0.1"
TIMEOUT = 30.0  # seconds for one request; slower counts as an error
HEALTH_EVERY = 0.1  # seconds between /healthz polls
START_TIMEOUT = 300.0  # seconds for the server to build its index, load the model and say "ready"
TICK = os.sysconf("SC_CLK_TCK")
APP = ROOT / "app.py"


def questions() -> list[str]:
    """All of PrivacyQA's user questions (train and test): realistic phrasing, 1,750 of them."""
    out = []
    for name in ("questions_test.jsonl", "questions_train.jsonl"):
        out += [json.loads(line)["question"] for line in (PRIVACYQA / name).read_text().splitlines() if line]
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), from /proc."""
    fields = Path(f"/proc/{pid or os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def server_cpu_seconds(pid: int) -> float:
    """CPU time of the server and the processes it started (its encoder process), from /proc."""
    total, todo = 0.0, [pid]
    while todo:
        one = todo.pop()
        try:
            total += cpu_seconds(one)
            for task in Path(f"/proc/{one}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):  # exited meanwhile
            pass
    return total


def machine_cpu() -> float:
    """CPU seconds all processes of the machine spent busy so far (for what else was running)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def server(work: Path, app: Path = APP) -> Iterator[tuple[str, int]]:
    """``app`` (``app.py``) serving a copy of the default policy; yields (base URL, pid) once it is ready."""
    policies = work / "policies"
    policies.mkdir()
    shutil.copy(ROOT / "policy_text" / "bellacor.md", policies)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICYBOT_POLICY_DIR": str(policies),
           "POLICYBOT_INDEX_DIR": str(work / "index"), "POLICYBOT_DATA_DIR": str(work / "data"),
           "POLICYBOT_RATE_LIMIT": "off", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = (work / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, str(app), "--host", HOST, "--port", str(port)],
                            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://{HOST}:{port}"
        wait_ready(url, proc, work / "server.log")
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if json.loads(r.read()).get("status") == "ready":
                    return
        except (OSError, ValueError):  # refused while starting, 503 "starting"
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server was not ready within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, written by hand: httpx costs the client
    2.3 ms of CPU per request here against 0.16 ms for this (measured against a trivial server), and
    at 100 answers/s that difference is a tenth of the machine taken from the server."""

    def __init__(self, url: str) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """(status, body) of one request; a response without Content-Length is an error."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: "
                     f"application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        data = await reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(lines[0].split(" ", 2)[1]), data

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def call(conn: Connection, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """(status, body) of one request; status 0 when it failed or took over TIMEOUT (the connection
    is then dropped, so a late response is never read as the next one's)."""
    try:
        return await asyncio.wait_for(conn.request(method, path, body), TIMEOUT)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, KeyError, ValueError):
        conn.close()
        return 0, b""


async def asker(url: str, asked: list[str], deadline: float, seed: int) -> tuple[list[float], int]:
    """One client: questions back to back until the deadline; (latencies in ms of 200s, errors)."""
    pick, conn = random.Random(seed), Connection(url)
    latencies, errors = [], 0
    while time.monotonic() < deadline:
        body = json.dumps({"question": pick.choice(asked)}).encode()
        t0 = time.perf_counter()
        status, answer = await call(conn, "POST", "/api/answer", body)
        if status == 200 and b'"answered":' in answer:
            latencies.append((time.perf_counter() - t0) * 1000)
        else:
            errors += 1
    conn.close()
    return latencies, errors


async def health(url: str, stop: asyncio.Event) -> tuple[list[float], int]:
    """Poll /healthz every HEALTH_EVERY seconds until told to stop; (latencies in ms, errors)."""
    conn, latencies, errors = Connection(url), [], 0
    while not stop.is_set():
        t0 = time.perf_counter()
        ok = (await call(conn, "GET", "/healthz"))[0] == 200
        latencies.append((time.perf_counter() - t0) * 1000)
        errors += not ok
        await asyncio.sleep(HEALTH_EVERY)
    conn.close()
    return latencies, errors


async def level(url: str, clients: int, seconds: float, asked: list[str], pid: int) -> dict:
    """One load level: ``clients`` askers for ``seconds``, the health poller beside them."""
    stop = asyncio.Event()
    poller = asyncio.create_task(health(url, stop))
    server_cpu, own_cpu, all_cpu, started = server_cpu_seconds(pid), cpu_seconds(), machine_cpu(), time.monotonic()
    deadline = started + seconds
    results = await asyncio.gather(*(asker(url, asked, deadline, seed) for seed in range(clients)))
    wall = time.monotonic() - started  # requests in flight at the deadline are waited for and counted
    stop.set()
    health_ms, health_errors = await poller
    latencies = [ms for lat, _ in results for ms in lat]
    return {
        "clients": clients, "seconds": round(wall, 2), "answers": len(latencies),
        "answers_per_s": len(latencies) / wall, "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95),
        "p99_ms": pct(latencies, 99), "max_ms": max(latencies, default=float("nan")),
        "errors": sum(e for _, e in results), "healthz_p99_ms": pct(health_ms, 99),
        "healthz_max_ms": max(health_ms, default=float("nan")), "healthz_errors": health_errors,
        "server_cpu": (server_cpu_seconds(pid) - server_cpu) / wall, "client_cpu": (cpu_seconds() - own_cpu) / wall,
        "other_cpu": (machine_cpu() - all_cpu - server_cpu_seconds(pid) + server_cpu - cpu_seconds() + own_cpu) / wall,
    }


async def drive(url: str, pid: int, levels: list[int], seconds: float) -> list[dict]:
    asked = questions()
    await level(url, 4, min(5.0, seconds), asked, pid)  # warm-up: first-use costs, not counted
    out = []
    for n in levels:
        out.append(await level(url, n, seconds, asked, pid))
        print(table_row(out[-1]), file=sys.stderr, flush=True)
        await asyncio.sleep(2)  # let the previous level's stragglers drain
    return out


def run(levels: tuple[int, ...] = (10, 50, 100), seconds: float = 30.0) -> dict:
    """Start the server, run every level, stop the server; the figures as a dict."""
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp)) as (url, pid):
        rows = asyncio.run(drive(url, pid, list(levels), seconds))
    return {"seconds_per_level": seconds, "cores": os.cpu_count(), "levels": rows}


TABLE_HEADER = ("| clients | answers/s | p50 ms | p95 ms | p99 ms | errors | /healthz p99 ms | server CPU | "
                "client CPU | other CPU |\n|---|---|---|---|---|---|---|---|---|---|")


def table_row(r: dict) -> str:
    return (f"| {r['clients']} | {r['answers_per_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['errors']} | {r['healthz_p99_ms']:.1f} | {r['server_cpu']:.2f} | "
            f"{r['client_cpu']:.2f} | {r['other_cpu']:.2f} |")


def table(result: dict) -> list[str]:
    """The markdown table, one row per level (CPU in cores: 1.00 = one core busy all the time)."""
    return [TABLE_HEADER, *[table_row(r) for r in result["levels"]]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per level (default 30)")
    parser.add_argument("--levels", default="10,50,100", help="concurrent clients per level (default 10,50,100)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    result = run(tuple(int(n) for n in args.levels.split(",")), args.seconds)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print("\n".join(table(result)))


if __name__ == "__main__":
    main()
