# bench.py: what every figure of benchmarks/run shares
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The context a figure measures in, its results, and small helpers.

Standard library only; runs with any python3 >= 3.9. Figures that need
PyGObject or slixmpp run Debian's /usr/bin/python3 as a child process.
"""

import contextlib
import dataclasses
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "benchmarks")
TESTS_PYTHON = os.path.join(ROOT, "tests", "python")
SYSTEM_PYTHON = "/usr/bin/python3"

if TESTS_PYTHON not in sys.path:
    sys.path.insert(0, TESTS_PYTHON)


@dataclasses.dataclass
class Result:
    """One cell of the table: @library's @value of @metric in @figure."""
    figure: int
    metric: str
    library: str
    value: float
    unit: str
    lower_is_better: bool = True
    note: str = ""


class BenchError(Exception):
    """A benchmark program failed; the figure is reported as failed."""


class Context:
    """What a figure gets: where the programs are, how long to run, and
    private servers that are stopped when the run ends."""

    def __init__(self, builddir, quick=False, tiny=False, verbose=False):
        self.root = ROOT
        self.builddir = builddir
        self.quick = quick or tiny
        self.tiny = tiny
        self.verbose = verbose
        self.scratch = tempfile.mkdtemp(prefix="gxmpp-bench-")
        self._stack = contextlib.ExitStack()

    def program(self, *parts):
        """The path of a benchmark program built in the build directory."""
        path = os.path.join(self.builddir, "benchmarks", *parts)
        if not os.path.exists(path):
            raise BenchError(f"{path} was not built")
        return path

    def source(self, *parts):
        """The path of a file under benchmarks/ in the source tree."""
        return os.path.join(BENCH_DIR, *parts)

    def server(self, options=(), kind="prosody"):
        """A private server (tests/python/xmpp_test_server.XmppTestServer),
        started now and stopped when the run ends."""
        from xmpp_test_server import XmppTestServer
        server = XmppTestServer(kind, list(options))
        self._stack.enter_context(server)
        return server

    def scaled(self, full, quick, tiny=None):
        """@full normally, @quick with --quick, @tiny (or @quick) with
        --tiny, the test suite's run that only proves the figure works."""
        if self.tiny and tiny is not None:
            return tiny
        return quick if self.quick else full

    def log(self, message):
        if self.verbose:
            print(f"  {message}", file=sys.stderr, flush=True)

    def close(self):
        self._stack.close()
        subprocess.run(["rm", "-rf", self.scratch], check=False)


def run(ctx, argv, env=None, timeout=1800, input=None):
    """Runs @argv and returns its stdout; fails with its stderr."""
    ctx.log("$ " + " ".join(shlex.quote(a) for a in argv))
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, input=input)
    if proc.returncode != 0:
        raise BenchError(f"{os.path.basename(argv[0])} exited with {proc.returncode}:\n"
                         + proc.stderr[-4000:])
    return proc.stdout


_RESULT = re.compile(r"^RESULT\s+(.*)$")


def parse_results(text):
    """The RESULT lines of a program's output, as a list of dicts; numbers
    are converted to int or float."""
    out = []
    for line in text.splitlines():
        m = _RESULT.match(line.strip())
        if not m:
            continue
        fields = {}
        for item in shlex.split(m.group(1)):
            key, _, value = item.partition("=")
            for conv in (int, float):
                try:
                    value = conv(value)
                    break
                except ValueError:
                    pass
            fields[key] = value
        out.append(fields)
    return out


def callgrind_instructions(ctx, argv, env=None):
    """Instructions (Ir) that @argv executes under callgrind, all threads."""
    out_file = os.path.join(ctx.scratch, f"callgrind.{time.monotonic_ns()}")
    run(ctx, ["valgrind", "--tool=callgrind", "--separate-threads=no",
              f"--callgrind-out-file={out_file}"] + list(argv), env=env)
    total = None
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    os.unlink(out_file)
    if total is None:
        raise BenchError(f"callgrind gave no total for {argv[0]}")
    return total


def median(values):
    return statistics.median(values)


def child_cpu_seconds():
    """User + system CPU seconds of the children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
