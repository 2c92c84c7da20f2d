#!/usr/bin/env python3
"""`dbfed serve` under load, on 127.0.0.1 only, for scripts/reliability (not a test, not in CI).

usage: reliability_serve.py DBFED DBFED_TESTKIT OUT.json [--slowloris N] [--concurrent N]

Starts the testkit binary and `dbfed serve` (env-oidc, a JWT the testkit accepts), then:
1. slowloris: N connections each send the start of a request and then one more header byte
   every second, never ending the headers; counts how many serve closes, and when, while a
   normal request made meanwhile is timed;
2. concurrent: N connections each send one complete request at the same moment; counts the
   statuses, the latencies (p50, p99, max) and the token exchanges the testkit saw;
3. SIGTERM with slowloris connections and idle keep-alive connections open: the time until
   serve exits, and its exit status.
Writes one JSON object to OUT.json. Every wait is bounded; the processes are ended at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any, Optional

CLIENT_ID = "0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a"
SUBJECT = "repo:acme/pipelines:environment:prod"
AUDIENCE = "https://github.com/acme"
#: The longest any phase waits for serve: its header-read timeout is 10 s.
PHASE_BOUND = 40.0


def control(url: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
    """A call to the testkit's control API."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Served:
    """A testkit and a `dbfed serve` for it."""

    def __init__(self, dbfed: str, testkit: str) -> None:
        self.kit = subprocess.Popen([testkit, "serve"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.kit.stdout is not None
        ready = json.loads(self.kit.stdout.readline())
        self.kit_url: str = ready["url"]
        issuer: str = ready["issuer"]
        control(self.kit_url, "/_testkit/policies",
                {"issuer": issuer, "client_id": CLIENT_ID, "audiences": [AUDIENCE], "subject": SUBJECT})
        jwt = control(self.kit_url, "/_testkit/mint", {"sub": SUBJECT, "aud": [AUDIENCE]})["jwt"]
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABRICKS_HOST": self.kit_url,
            "DATABRICKS_CLIENT_ID": CLIENT_ID,
            "DATABRICKS_OIDC_TOKEN": jwt,
        }
        self.serve = subprocess.Popen([dbfed, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.serve.stdout is not None
        url = self.serve.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"dbfed serve printed no URL: {url!r}")
        rest = url.removeprefix("http://")
        address, self.path = rest.split("/", 1)
        host, port = address.split(":")
        self.host, self.port = host, int(port)

    def request(self) -> bytes:
        return (
            f"GET /{self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"X-Databricks-Metadata-Version: 1\r\nX-Databricks-Host: {self.kit_url}\r\n\r\n"
        ).encode()

    def exchanges(self) -> int:
        return int(control(self.kit_url, "/_testkit/counters")["exchanges"])

    def close(self) -> None:
        for process in (self.serve, self.kit):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


async def one_request(served: Served) -> tuple[int, float]:
    """A complete request on a connection of its own: (status, seconds), status 0 on failure."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(served.host, served.port), 10)
        writer.write(served.request())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 20)
        headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        length = next(
            (int(line.split(b":", 1)[1]) for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        body = await asyncio.wait_for(reader.readexactly(length), 20)
        writer.close()
        status = int(status_line.split()[1])
        if status == 200 and not json.loads(body).get("access_token"):
            status = 0
        return status, time.monotonic() - started
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
        return 0, time.monotonic() - started


async def slowloris_connection(served: Served, opened: list[asyncio.StreamWriter]) -> Optional[float]:
    """Sends a request's start, then a header byte a second: seconds until serve closed it."""
    reader, writer = await asyncio.open_connection(served.host, served.port)
    opened.append(writer)
    started = time.monotonic()
    writer.write(f"GET /{served.path} HTTP/1.1\r\nHost: {served.host}\r\n".encode())
    trickle = b"X-Slow: " + b"a" * 100
    try:
        for byte in trickle:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                # An answer (a 408, say) or the end of the stream: serve is done with it.
                await asyncio.wait_for(reader.read(1024), 1.0)
                return time.monotonic() - started
            except asyncio.TimeoutError:
                continue
        return None
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - started


async def slowloris(served: Served, count: int) -> dict[str, Any]:
    opened: list[asyncio.StreamWriter] = []
    connections = [asyncio.create_task(slowloris_connection(served, opened)) for _ in range(count)]
    await asyncio.sleep(2)
    normal_status, normal_seconds = await one_request(served)
    done, pending = await asyncio.wait(connections, timeout=PHASE_BOUND)
    for task in pending:
        task.cancel()
    closed = [task.result() for task in done if not task.exception() and task.result() is not None]
    for writer in opened:
        writer.close()
    return {
        "connections": count,
        "opened": len(opened),
        "closed_by_serve": len(closed),
        "closed_after_seconds_min": round(min(closed), 2) if closed else None,
        "closed_after_seconds_max": round(max(closed), 2) if closed else None,
        "normal_request_meanwhile_status": normal_status,
        "normal_request_meanwhile_seconds": round(normal_seconds, 4),
        "serve_rss_kib": rss_kib(served.serve.pid),
    }


async def concurrent(served: Served, count: int) -> dict[str, Any]:
    before = served.exchanges()
    results = await asyncio.wait_for(asyncio.gather(*(one_request(served) for _ in range(count))), PHASE_BOUND)
    statuses: dict[str, int] = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    latencies = [seconds * 1000 for _, seconds in results]
    return {
        "requests": count,
        "statuses": statuses,
        "ok": statuses.get("200", 0),
        "latency_ms_p50": round(percentile(latencies, 0.50), 2),
        "latency_ms_p99": round(percentile(latencies, 0.99), 2),
        "latency_ms_max": round(max(latencies), 2),
        "exchanges": served.exchanges() - before,
        "serve_rss_kib": rss_kib(served.serve.pid),
    }


async def sigterm(served: Served, slow: int, idle: int) -> dict[str, Any]:
    """SIGTERM with `slow` half-sent requests and `idle` kept-alive connections open."""
    writers = []
    for index in range(slow + idle):
        reader, writer = await asyncio.open_connection(served.host, served.port)
        if index < slow:
            writer.write(f"GET /{served.path} HTTP/1.1\r\nHost: {served.host}\r\n".encode())
        else:
            writer.write(served.request())
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        writers.append(writer)
    await asyncio.sleep(0.5)
    started = time.monotonic()
    served.serve.send_signal(signal.SIGTERM)
    while served.serve.poll() is None and time.monotonic() - started < PHASE_BOUND:
        await asyncio.sleep(0.005)
    took = time.monotonic() - started
    for writer in writers:
        writer.close()
    return {
        "half_sent_open": slow,
        "idle_keep_alive_open": idle,
        "exited": served.serve.poll() is not None,
        "exit_status": served.serve.poll(),
        "seconds_to_exit": round(took, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbfed")
    parser.add_argument("testkit")
    parser.add_argument("out")
    parser.add_argument("--slowloris", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=1000)
    args = parser.parse_args()
    served = Served(args.dbfed, args.testkit)
    try:
        report = {
            "slowloris": asyncio.run(slowloris(served, args.slowloris)),
            "concurrent": asyncio.run(concurrent(served, args.concurrent)),
            "sigterm": asyncio.run(sigterm(served, 50, 50)),
        }
    finally:
        served.close()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1)
    print(json.dumps(report))
    ok = (
        report["slowloris"]["closed_by_serve"] == args.slowloris
        and report["slowloris"]["normal_request_meanwhile_status"] == 200
        and report["concurrent"]["ok"] == args.concurrent
        and report["sigterm"]["exit_status"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
