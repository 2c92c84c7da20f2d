"""A Python program that uses dbfed exits as soon as its last statement has run: real child
processes, each importing dbfed before `threading` or `logging`, against the testkit."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Optional

import pytest

from testkit import AUDIENCE, SP_CLIENT_ID, USER, Testkit

#: Children per case, and how many run at once.
RUNS = 20
PARALLEL = 4
#: A child must have exited this long after its last statement.
EXIT_WITHIN_S = 2.0
#: A child still running this long after its last statement is killed (it hangs); its Python
#: threads are dumped to stderr a second before.
KILL_AFTER_S = 5.0
#: A child that has not reached its last statement by then is killed (a loaded machine is slow
#: to start Python, but not this slow).
START_LIMIT_S = 60.0

#: The child: dbfed imported first, `logging` configured at DEBUG or not, one piece of work
#: (`BODY`), then a marker with the instant of its last statement, then nothing.
CHILD = """
import sys
imported_first = sorted(name for name in ("threading", "logging") if name in sys.modules)
import dbfed
import faulthandler, json, os, time
if os.environ["EXIT_TEST_LOGGING"] == "debug":
    import logging
    logging.basicConfig(level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
url, jwt = os.environ["EXIT_TEST_URL"], os.environ["EXIT_TEST_JWT"]
none = dbfed.RetryPolicy.none()
def credential():
    return dbfed.Credential(host=url, client_id={client_id!r}, audience={audience!r}, retry=none,
                            source=dbfed.sources.Fixed(jwt))
{body}
faulthandler.dump_traceback_later({dump_after})
print(json.dumps({{"imported_first": imported_first, "last_statement": time.monotonic()}}), flush=True)
"""

#: A line of the child's `logging` (format above) for an event of the core.
CORE_EVENT = re.compile(r"^dbfed(\.\w+)* (DEBUG|INFO|WARNING|ERROR) ", re.MULTILINE)

BODIES = {
    "sync": "assert credential().token().token",
    "async": "import asyncio\nassert asyncio.run(credential().token_async()).token",
    "per_user": "assert dbfed.UserExchanger(host=url, retry=none).token_for(jwt).token",
    "failing": (
        "try:\n    credential().token()\nexcept dbfed.ExchangeError:\n    pass\n"
        "else:\n    raise SystemExit('the testkit accepted the exchange')"
    ),
}


def jwt_for(kit: Testkit, case: str) -> str:
    """A JWT for `case`, and the testkit's policies for it."""
    if case == "per_user":
        kit.add_policy(client_id=None, audiences=[AUDIENCE])
        return kit.mint(sub=USER, aud=[AUDIENCE])
    jwt = kit.service_principal_jwt()
    if case == "failing":  # the service principal's policy trusts another subject
        return kit.mint(sub="repo:someone/else:ref:refs/heads/main", aud=[AUDIENCE])
    return jwt


@dataclass
class Run:
    """How one child ended."""

    code: Optional[int]  # None: killed
    exited_after: Optional[float]  # seconds from its last statement to its exit
    imported_first: Optional[list[str]]
    stderr: str

    def failure(self) -> Optional[str]:
        if self.imported_first is None:
            return f"did not reach its last statement (exit status {self.code})"
        if self.imported_first:
            return f"had imported {self.imported_first} before dbfed: the case does not test what it should"
        if self.code is None:
            return f"still running {KILL_AFTER_S} s after its last statement (killed)"
        if "Fatal Python error" in self.stderr:
            return "wrote 'Fatal Python error'"
        if self.code != 0:
            return f"exited with status {self.code}"
        assert self.exited_after is not None
        if self.exited_after > EXIT_WITHIN_S:
            return f"exited {self.exited_after:.2f} s after its last statement"
        return None


def last_statement(line: str) -> tuple[float, list[str]]:
    """The child's marker: the instant of its last statement (`time.monotonic()`, the same clock
    in every process) and what it had imported before dbfed."""
    marker = json.loads(line)
    return float(marker["last_statement"]), [str(name) for name in marker["imported_first"]]


def run_child(code: str, env: dict[str, str]) -> Run:
    """Runs one child, killing it if it hangs, and tells how it ended."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, env=env, text=True)
        limit = time.monotonic() + START_LIMIT_S
        marked = killed = False
        while True:
            try:
                child.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                pass
            if not marked:
                # pread, not seek + read: the child shares this file's offset, so moving it
                # would make the child write over its own output.
                written = os.pread(out.fileno(), 1 << 16, 0).decode()
                line = written.partition("\n")[0] + "\n" if "\n" in written else ""
                if line.endswith("\n"):
                    marked = True
                    limit = last_statement(line)[0] + KILL_AFTER_S
            if time.monotonic() > limit:
                child.kill()
                child.wait()
                killed = True
                break
        exited = time.monotonic()
        out.seek(0)
        err.seek(0)
        lines = out.read().splitlines()
        stderr = err.read()
    status = None if killed else child.returncode
    if not lines:
        return Run(code=status, exited_after=None, imported_first=None, stderr=stderr)
    instant, imported_first = last_statement(lines[0])
    return Run(code=status, exited_after=exited - instant, imported_first=imported_first, stderr=stderr)


@pytest.mark.parametrize("logs", ["off", "debug"])
@pytest.mark.parametrize("case", sorted(BODIES))
def test_a_program_exits_right_after_its_last_statement(kit: Testkit, case: str, logs: str) -> None:
    code = CHILD.format(
        client_id=SP_CLIENT_ID, audience=AUDIENCE, body=BODIES[case], dump_after=KILL_AFTER_S - 1
    )
    env = {**os.environ, "EXIT_TEST_URL": kit.url, "EXIT_TEST_JWT": jwt_for(kit, case), "EXIT_TEST_LOGGING": logs}

    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(pool.map(lambda _: run_child(code, env), range(RUNS)))

    failed = [(run, failure) for run in runs if (failure := run.failure()) is not None]
    if failed:
        run, failure = failed[0]
        pytest.fail(
            f"{len(failed)} of {RUNS} children failed; the first {failure}; its stderr:\n{run.stderr[-4000:]}"
        )
    if logs == "debug":  # the events queued before the end reached `logging` all the same
        assert all(CORE_EVENT.search(run.stderr) for run in runs), runs[0].stderr[-4000:]
