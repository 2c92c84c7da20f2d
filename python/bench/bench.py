"""dbfed side by side with databricks-sdk, against one dbfed-testkit server; prints a table.

    (cd python && maturin build --release --out ../target/wheels/release)
    pip install --force-reinstall --no-deps target/wheels/release/dbfed-*.whl
    python python/bench/bench.py            # the figures in BENCHMARKS.md
    python python/bench/bench.py --smoke    # a few iterations, to prove the script works

Measured:
- a cached token call: dbfed `credential.token()` / `.headers()` vs databricks-sdk
  `Config.authenticate()` (auth_type "env-oidc");
- token exchanges per 1,000 API calls (each call asks for headers, then calls SCIM Me), from a
  cold start (the credential or `Config` is made inside the count): with a JWT in a variable
  (env-oidc), and from the testkit's GitHub Actions look-alike (github-oidc; GitHub ID-token
  requests counted too);
- `import dbfed` vs `import databricks.sdk.core`: wall time and resident memory, each in a
  fresh interpreter;
- a cached `UserExchanger.token_for(jwt)` for a hot user (databricks-sdk has no equivalent).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Callable, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import dbfed  # noqa: E402
from testkit import AUDIENCE, CI_SUBJECT, GITHUB_REQUEST_TOKEN, SP_CLIENT_ID, Testkit, serve  # noqa: E402

HeaderSource = Callable[[], Mapping[str, str]]

#: Prints wall time (ms) and resident memory (MiB) right after importing the module named in argv[1].
IMPORT_PROBE = """
import sys, time
started = time.perf_counter()
__import__(sys.argv[1])
elapsed = time.perf_counter() - started
with open("/proc/self/statm") as statm:
    resident_pages = int(statm.read().split()[1])
import resource
print(elapsed * 1000, resident_pages * resource.getpagesize() / 2**20)
"""


def per_call_ns(call: Callable[[], object], calls: int, repeats: int) -> float:
    """The best of `repeats` runs of `calls` calls, in ns per call."""
    timer = timeit.Timer(call)
    return min(timer.repeat(repeat=repeats, number=calls)) / calls * 1e9


def requests_per_api_calls(kit: Testkit, make: Callable[[], HeaderSource], api_calls: int) -> tuple[int, int]:
    """Token exchanges and CI ID-token requests the testkit saw while `make()` built a header
    source and `api_calls` SCIM Me calls were made with its headers."""
    before = kit.counters()
    headers = make()
    for _ in range(api_calls):
        status, _me = kit.me(headers()["Authorization"])
        assert status == 200, status
    after = kit.counters()
    return after["exchanges"] - before["exchanges"], after["ci_token_requests"] - before["ci_token_requests"]


def import_cost(module: str, runs: int) -> tuple[float, float]:
    """Median wall time (ms) and resident memory (MiB) of importing `module` in a fresh interpreter."""
    samples = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE, module], check=True, capture_output=True, text=True
        ).stdout
        elapsed_ms, rss_mib = (float(value) for value in output.split())
        samples.append((elapsed_ms, rss_mib))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def databricks_sdk(kit: Testkit, auth_type: str) -> HeaderSource:
    """databricks-sdk's own token federation, `auth_type` "env-oidc" (reading
    DATABRICKS_OIDC_TOKEN) or "github-oidc" (asking ACTIONS_ID_TOKEN_REQUEST_URL)."""
    from databricks.sdk.config import Config

    config = Config(host=kit.url, client_id=SP_CLIENT_ID, auth_type=auth_type, token_audience=AUDIENCE)
    return config.authenticate


def dbfed_headers(kit: Testkit, source: dbfed.sources.Source) -> HeaderSource:
    """`headers` of a dbfed credential with `source`, for the same host, client id and audience."""
    return kit.credential(source).headers


def cached_token_for_row(kit: Testkit, calls: int, repeats: int) -> tuple[str, str, str, str]:
    """The table row of a cached `token_for(jwt)` of a `UserExchanger`, for a hot user."""
    kit.add_policy(client_id=None, audiences=[AUDIENCE])
    users = dbfed.UserExchanger(host=kit.url)
    jwt = kit.mint(sub="alice@example.com", aud=[AUDIENCE])
    users.token_for(jwt)
    ns = per_call_ns(functools.partial(users.token_for, jwt), calls, repeats)
    return ("cached token_for(jwt), hot user, ns", f"{ns:.0f}", "n/a", "≤ 1,000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few iterations only, to prove the script works")
    smoke = parser.parse_args().smoke
    calls, repeats = (1_000, 2) if smoke else (200_000, 7)
    api_calls = 20 if smoke else 1_000
    import_runs = 1 if smoke else 10

    rows: list[tuple[str, str, str, str]] = []
    with serve() as kit:
        kit.reset()
        jwt = kit.service_principal_jwt()
        os.environ["DBFED_BENCH_JWT"] = jwt
        os.environ["DATABRICKS_OIDC_TOKEN"] = jwt

        credential = kit.credential(dbfed.sources.EnvVar("DBFED_BENCH_JWT"))
        sdk_headers = databricks_sdk(kit, "env-oidc")
        credential.token()

        token_ns = per_call_ns(credential.token, calls, repeats)
        headers_ns = per_call_ns(credential.headers, calls, repeats)
        sdk_ns = per_call_ns(sdk_headers, calls, repeats)
        rows.append(("cached call, ns", f"token() {token_ns:.0f} / headers() {headers_ns:.0f}", f"{sdk_ns:.0f}", "≤ 300"))
        rows.append(cached_token_for_row(kit, calls, repeats))

        # Each from a cold cache: a credential or a Config made inside the count.
        env_var, _ = requests_per_api_calls(
            kit, lambda: dbfed_headers(kit, dbfed.sources.EnvVar("DBFED_BENCH_JWT")), api_calls
        )
        callback, _ = requests_per_api_calls(
            kit, lambda: dbfed_headers(kit, dbfed.sources.Callback(lambda _: jwt)), api_calls
        )
        sdk_env, _ = requests_per_api_calls(kit, lambda: databricks_sdk(kit, "env-oidc"), api_calls)
        rows.append(
            (f"exchanges per {api_calls} API calls, env-oidc", f"EnvVar {env_var} / Callback {callback}", f"{sdk_env}", "1")
        )

        kit.add_policy(client_id=SP_CLIENT_ID, audiences=[AUDIENCE], subject=CI_SUBJECT)
        os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] = kit.github_request_url
        os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = GITHUB_REQUEST_TOKEN
        exchanges, github = requests_per_api_calls(
            kit, lambda: dbfed_headers(kit, dbfed.sources.GitHubActions()), api_calls
        )
        sdk_exchanges, sdk_github = requests_per_api_calls(kit, lambda: databricks_sdk(kit, "github-oidc"), api_calls)
        rows.append(
            (
                f"exchanges (GitHub ID-token requests) per {api_calls} API calls, github-oidc",
                f"GitHubActions {exchanges} ({github})",
                f"{sdk_exchanges} ({sdk_github})",
                "1 (1)",
            )
        )

    dbfed_ms, dbfed_mib = import_cost("dbfed", import_runs)
    sdk_ms, sdk_mib = import_cost("databricks.sdk.core", import_runs)
    rows.append(("import time, ms", f"{dbfed_ms:.1f}", f"{sdk_ms:.1f}", "≤ 30"))
    rows.append(("RSS after import, MiB", f"{dbfed_mib:.1f}", f"{sdk_mib:.1f}", "≤ 25"))

    header = ("what", "dbfed", "databricks-sdk", "goal (dbfed)")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")


if __name__ == "__main__":
    main()
