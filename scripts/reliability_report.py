#!/usr/bin/env python3
"""Writes RELIABILITY.md from the figures scripts/reliability gathered in target/reliability/.

usage: reliability_report.py FIGURES_DIR OUT.md --command "scripts/reliability …"
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any, Optional

MATRIX = Path(__file__).resolve().parents[1] / "tests" / "cases" / "fault-matrix.json"
PHASES = ("cold", "warm", "nearly expired")


def read_json(path: Path) -> Optional[Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def test_lines(figures: Path, name: str) -> tuple[int, int]:
    """(tests passed, tests failed) of one counted check's cargo test run."""
    try:
        lines = (figures / f"{name}.tests").read_text().splitlines()
    except OSError:
        return 0, 0
    return sum(line.endswith(" ok") for line in lines), sum(line.endswith("FAILED") for line in lines)


def matrix_rows(figures: Path) -> list[list[str]]:
    cases = json.loads(MATRIX.read_text())["cases"]
    rows = []
    log = (figures / "fault-matrix-rust.log").read_text(errors="replace") if (figures / "fault-matrix-rust.log").exists() else ""
    passed, failed_tests = test_lines(figures, "fault-matrix-rust")
    if passed or failed_tests:
        tried = len(cases) * len(PHASES)
        failed = sum(f"{case['name']} ({phase})" in log for case in cases for phase in PHASES)
        if failed_tests and not failed:
            failed = tried  # the test failed before any case ran
        rows.append(["Fault matrix, Rust (cases × cold / warm / nearly expired)", tried, tried - failed, failed,
                     f"{len(cases)} cases of tests/cases/fault-matrix.json, each phase asserting its outcome and a time bound"])
    log = (figures / "fault-matrix-serve.log").read_text(errors="replace") if (figures / "fault-matrix-serve.log").exists() else ""
    passed, failed_tests = test_lines(figures, "fault-matrix-serve")
    if passed or failed_tests:
        # Cold: the cases whose outcome does not hang on serve's 30 s client timeouts; warm and
        # nearly expired: every case. A failing case names itself "NAME:" (cold) or "NAME (PHASE)".
        slow = ("delay_ms", "never_read")
        cold = [case for case in cases if not any(word in json.dumps(case["faults"]) for word in slow)]
        tried = len(cold) + 2 * len(cases)
        failed = sum(f"{case['name']}:" in log for case in cold)
        failed += sum(f"{case['name']} ({phase})" in log for case in cases for phase in PHASES[1:])
        if failed_tests and not failed:
            failed = tried
        rows.append(["Fault matrix through `dbfed serve` (cases × cold / warm / nearly expired)", tried, tried - failed, failed,
                     f"{len(cold)} cases cold (a 200 with a token, or exit 1 with the reason; not those hanging on client "
                     "timeouts), every case warm and nearly expired (a 200 with a token valid when asked)"])
    return rows


def tests_row(figures: Path, name: str, area: str, how: str) -> list[Any]:
    passed, failed = test_lines(figures, name)
    return [area, passed + failed, passed, failed, how]


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fuzz_rows(figures: Path) -> tuple[list[list[Any]], float, int]:
    rows: list[list[Any]] = []
    seconds_total, crashes_total = 0.0, 0
    try:
        lines = (figures / "fuzz.json").read_text().splitlines()
    except OSError:
        return rows, 0.0, 0
    for line in lines:
        result = json.loads(line)
        seconds_total += result["seconds"]
        crashes_total += result["crashes"]
        rows.append([f"`{result['target']}`", result["runs"], result["execs_per_second"], result["corpus"],
                     result["crashes"], result["seconds"], f"{result['date'][:10]}, {result['commit']}"])
    rows.sort(key=lambda row: str(row[0]))
    return rows, seconds_total / 3600, crashes_total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figures", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--command", required=True)
    parser.add_argument("--commit", help="what was measured, when not the tree at HEAD")
    args = parser.parse_args()
    figures: Path = args.figures
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores ({platform.machine()}, Linux {platform.release()})"

    areas: list[list[Any]] = matrix_rows(figures)
    areas.append(tests_row(figures, "time-extremes", "Time extremes (tests)",
                           "JWT `exp`/`nbf`/`iat`, `expires_in`/`expires_on`, `Retry-After` at 0, 2^31, 2^53, 2^63, 2^64−1, year 9999/10000, negative, fractional: a result or a typed error"))
    areas.append(tests_row(figures, "secret-leaks", "Secret-leak scans and hostile servers (tests)",
                           "crates/dbfed/tests/integration/security.rs: every Debug, echoed secrets, URLs with passwords, control characters"))
    areas.append(tests_row(figures, "trace-leak-scan", "TRACE leak scan (test)",
                           "crates/dbfed/tests/leak_scan.rs: every crate's TRACE log through an exchange, a refused refresh echoing the JWT, per-user exchanges, a client-secret IdP and URLs with a password"))
    areas.append(tests_row(figures, "cli-time-extremes", "Time extremes through the CLI (tests)",
                           "`exp`/`nbf`/`iat` at 2^63, 2^64−1, year 10000 and 1e300 through `decode`, `policy suggest`, `doctor` and `token`: exit 0–3, no panic"))
    areas.append(tests_row(figures, "cli-secret-leaks", "CLI stderr at TRACE (tests)",
                           "`-vv` through a token, `doctor`, `exec`, a server echoing the JWT and a host with a password: no token, JWT, signature or password"))
    areas.append(tests_row(figures, "cli-exit", "CLI exits (tests)",
                           "7 commands (success and failure) × 20 runs each exit within 2 s of their last output; serve on SIGINT and SIGTERM with a request half sent"))
    areas = [row for row in areas if row[1]]  # a check that did not run has no row
    fuzz, fuzz_hours, fuzz_crashes = fuzz_rows(figures)
    fuzz_runs = sum(row[1] for row in fuzz)
    areas.append(["Fuzzing (all targets)", fuzz_runs, fuzz_runs - fuzz_crashes, fuzz_crashes,
                  f"{fuzz_hours:.2f} fuzz hours, libFuzzer with the address sanitizer; table below"])

    soak = read_json(figures / "soak.json")
    if soak:
        areas.append(["Soak (`token()` calls)", soak["calls"], soak["calls"] - soak["errors"] - soak["expired_handed_out"],
                      soak["errors"] + soak["expired_handed_out"], "an error or an expired token counts as failed; below"])
    serve = read_json(figures / "serve.json")
    if serve:
        total = serve["slowloris"]["connections"] + serve["concurrent"]["requests"]
        good = serve["slowloris"]["closed_by_serve"] + serve["concurrent"]["ok"]
        areas.append(["`dbfed serve` connections", total, good, total - good,
                      "slowloris closed by serve, concurrent requests answered 200 with a token; below"])

    parts = [
        "# Reliability figures",
        "",
        f"Produced by `{args.command}` (see the README's \"Reliability figures\"); do not edit by hand.",
        f"Run {now} at {args.commit or f'commit `{commit}`'}{' (with uncommitted changes in the tree)' if dirty and not args.commit else ''}, on {machine}; "
        "every server on 127.0.0.1. The fuzz figures are read from `target/reliability/fuzz.json`, "
        "written by `scripts/fuzz` (their own date and commit are in their table).",
        "",
        "## Inputs tried, survived, failed",
        "",
        table(["Area", "Inputs tried", "Survived", "Failed", "What counts"], areas),
        "",
        "## Fuzzing",
        "",
        f"{fuzz_hours:.2f} hours in all, {fuzz_crashes} crash(es). What each target feeds: `fuzz/README.md`.",
        "",
        table(["Target", "Runs", "Execs/s", "Corpus", "Crashes", "Seconds", "Run"], fuzz) if fuzz else "No fuzz results: run `scripts/fuzz`.",
    ]
    if soak:
        parts += [
            "", "## Soak", "",
            "`crates/dbfed/examples/soak.rs`, release: 4 OS threads and 64 async tasks calling `token()` without "
            "pause against 2-second tokens, a fault injected every 250 ms (500, 503 + Retry-After, 429, drop, "
            "300 ms delay, 502 HTML).",
            "",
            table(["Seconds", "Calls", "Calls/s", "Errors", "Expired handed out", "Exchanges", "Faults hit", "RSS start → end (KiB)"],
                  [[round(soak["seconds"]), soak["calls"], round(soak["calls"] / soak["seconds"]), soak["errors"],
                    soak["expired_handed_out"], soak["exchanges"], soak["faults_hit"],
                    f"{soak['rss_kib_start']:,} → {soak['rss_kib_end']:,}"]]),
        ]
    if serve:
        slow, conc, term = serve["slowloris"], serve["concurrent"], serve["sigterm"]
        parts += [
            "", "## `dbfed serve` (release)", "",
            "Driven by `scripts/reliability_serve.py`, one single-threaded Python asyncio client on the same "
            "2 cores: a latency runs from the moment all the connections are started to that request's "
            "answer, so it includes the client's own queueing.",
            "",
            table(["Measure", "Figure"], [
                ["Slowloris connections (request line sent, then a header byte a second)", slow["connections"]],
                ["… closed by serve (header-read timeout 10 s)", slow["closed_by_serve"]],
                ["… closed after (s, first – last)", f"{slow['closed_after_seconds_min']} – {slow['closed_after_seconds_max']}"],
                ["Normal request meanwhile: status, seconds", f"{slow['normal_request_meanwhile_status']}, {slow['normal_request_meanwhile_seconds']}"],
                ["Concurrent requests (one connection each, sent at once)", conc["requests"]],
                ["… answered 200 with a token", conc["ok"]],
                ["… statuses", ", ".join(f"{status}: {count}" for status, count in sorted(conc["statuses"].items()))],
                ["… latency p50 / p99 / max (ms)", f"{conc['latency_ms_p50']} / {conc['latency_ms_p99']} / {conc['latency_ms_max']}"],
                ["… token exchanges made", conc["exchanges"]],
                ["serve RSS after slowloris / after the concurrent requests (KiB)", f"{slow['serve_rss_kib']:,} / {conc['serve_rss_kib']:,}"],
                [f"SIGTERM with {term['half_sent_open']} half-sent and {term['idle_keep_alive_open']} idle keep-alive connections open: seconds to exit",
                 term["seconds_to_exit"]],
                ["… exit status", term["exit_status"]],
            ]),
        ]
    args.out.write_text("\n".join(parts) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
