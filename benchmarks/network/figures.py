# figures.py: figures 3 and 4, through the private Prosody on loopback
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Figure 3: throughput and client CPU; figure 4: time to ready and round
trips. Standard library only; the slixmpp programs run under Debian's
/usr/bin/python3.

Every library talks to the same private Prosody (ctx.server() with no
options: STARTTLS required, its own CA, no stream management, no rate
limits; see _check_limits()), on 127.0.0.1.

Figure 3. One process per library runs alice and bob (two connections,
STARTTLS verified against the server's CA, the SASL mechanism the library
picks). Alice sends N chat messages with unique ids to bob's full JID;
bob's handler checks every id and body and that each arrived once, or the
program fails. Flow control is the same for every library: at most WINDOW
messages sent and not yet received by bob (an end-to-end window, topped
up from bob's handler), so no library queues N stanzas at once. The
programs print the wall time from the first send to the last message
received and the process's user + system CPU time (getrusage) over the
same span; the figure is the median of RUNS runs.

Figure 4. Time to ready: TCP connect + TLS + SASL + bind, a new connection
each sample in a warm process (one unmeasured connection first), median of
SAMPLES; SCRAM-SHA-1 where the library can be told (libstrophe 0.12
cannot: it takes SCRAM-SHA-256, which the note says). The floor is
ready-raw.c: a C client on a plain socket with GnuTLS (the TLS library
xmpp-glib uses), SCRAM-SHA-1 by hand and substring matching for XML.
Round trips: the same again through delay_proxy.py delaying every chunk
by 25 ms each way (50 ms a round trip), then by 50 ms each way (100 ms),
and round((median at 50 - median at 25) / 50 ms), for STARTTLS and for
direct TLS (XEP-0368). The slope between two delays, rather than
(median delayed - median direct) / 50 ms: on loopback Prosody's default
Nagle (nagle = true in its network settings) meets the client's delayed
ACK and costs most connections a ~40 ms stall after the TLS handshake,
which the undelayed run has and the delayed ones do not in the same way
(the proxy acknowledges at once: see delay_proxy.py, and why
tests/python/fault_proxy.py is not used), so the difference with the
undelayed run comes out one round trip short. The verbose log (-v) shows
both formulas. The proxy accepts the TCP connection itself, so the TCP
handshake is not among the round trips counted.
"""

import os
import re
import statistics
import sys

import bench

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from delay_proxy import DelayProxy  # noqa: E402

WINDOW = 100
# One-way delays of the proxy: the round trips are the slope between them.
DELAYS_MS = (25, 50)
PYTHON = bench.SYSTEM_PYTHON


def _src(name):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


def _check_limits(ctx, server):
    """A note if the server's configuration limits client traffic (mod_limits
    or a non-empty limits table); None if nothing does."""
    path = os.path.join(server.info["tmpdir"], "prosody.cfg.lua")
    with open(path, encoding="utf-8") as f:
        config = f.read()
    enabled = re.search(r"^modules_enabled\s*=\s*\{([^}]*)\}", config, re.M)
    limits = re.search(r"^limits\s*=\s*\{([^}]*)\}", config, re.M)
    modules = enabled.group(1) if enabled else ""
    on = '"limits"' in modules or (limits is not None and limits.group(1).strip())
    ctx.log(f"Prosody rate limits: {'ON' if on else 'none'} "
            f"(limits module {'loaded' if 'limits' in modules else 'not loaded'}, "
            f"limits = {{{limits.group(1).strip() if limits else '?'}}})")
    return "Prosody's rate limits apply" if on else None


class _ServerLog:
    """TLS versions Prosody logged ("Stream encrypted (TLSv1.3 ...") since the
    last call: the server's view of what each client negotiated."""

    def __init__(self, server):
        self.path = server.info["log"]
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def tls_versions(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read().decode("utf-8", "replace")
                self.offset = f.tell()
        except OSError:
            return set()
        return {m.replace("TLSv", "") for m in re.findall(r"Stream encrypted \((TLSv[0-9.]+)", data)}


def _tls_cell(own, server_seen):
    if own and own not in ("unknown", "none"):
        return own
    return "/".join(sorted(server_seen)) or "?"


# Figure 3

def _throughput_programs(ctx):
    return [
        ("xmpp-glib", [ctx.program("network", "throughput-gxmpp")]),
        ("libstrophe", [ctx.program("network", "throughput-strophe")]),
        ("slixmpp", [PYTHON, _src("throughput_slixmpp.py")]),
    ]


def figure_3(ctx):
    server = ctx.server([])
    limits_note = _check_limits(ctx, server)
    count = ctx.scaled(20000, 5000, tiny=100)
    runs = ctx.scaled(3, 1, tiny=1)
    env = {"BENCH_PASSWORD_ALICE": server.password("alice"),
           "BENCH_PASSWORD_BOB": server.password("bob")}
    log = _ServerLog(server)
    results = []
    for library, argv in _throughput_programs(ctx):
        rates, cpus, seen = [], [], set()
        fields = None
        for _ in range(runs):
            out = bench.run(ctx, argv + ["--port", str(server.port), "--ca-file", server.ca_file,
                                         "--count", str(count), "--window", str(WINDOW)], env=env)
            lines = [r for r in bench.parse_results(out) if "seconds" in r]
            if len(lines) != 1 or lines[0].get("messages") != count or lines[0]["seconds"] <= 0:
                raise bench.BenchError(f"{library}: no usable RESULT line in:\n{out}")
            fields = lines[0]
            rates.append(count / fields["seconds"])
            cpus.append(fields["cpu"] / count * 1000.0)
            seen |= log.tls_versions()
            ctx.log(f"{library}: {count / fields['seconds']:,.0f} msg/s, "
                    f"{fields['cpu']:.3f} s CPU")
        note = f"{library}: {fields['mechanism']}, TLS {_tls_cell(fields.get('tls'), seen)}"
        if limits_note and library == "xmpp-glib":
            note += "; " + limits_note
        results.append(bench.Result(3, "messages per second", library, statistics.median(rates),
                                    "msg/s", lower_is_better=False, note=note))
        results.append(bench.Result(3, "client CPU seconds per 1,000 messages", library,
                                    statistics.median(cpus), "s"))
    return results


# Figure 4

def _ready_programs(ctx):
    return [
        ("xmpp-glib", [ctx.program("network", "ready-gxmpp"), "--mechanism", "SCRAM-SHA-1"]),
        ("libstrophe", [ctx.program("network", "ready-strophe")]),
        ("slixmpp", [PYTHON, _src("ready_slixmpp.py"), "--mechanism", "SCRAM-SHA-1"]),
        ("raw client", [ctx.program("network", "ready-raw")]),
    ]


def _ready_run(ctx, argv, server, port, direct, samples, env, log):
    out = bench.run(ctx, argv + ["--port", str(port), "--ca-file", server.ca_file,
                                 "--samples", str(samples)] + (["--direct"] if direct else []),
                    env=env)
    rows = bench.parse_results(out)
    times = [r["ms"] for r in rows if "ms" in r]
    info = next((r for r in rows if "mechanism" in r), None)
    if len(times) != samples or info is None:
        raise bench.BenchError(f"{os.path.basename(argv[-1])}: expected {samples} samples in:\n{out}")
    return statistics.median(times), info["mechanism"], _tls_cell(info.get("tls"), log.tls_versions())


def figure_4(ctx):
    server = ctx.server([])
    samples = ctx.scaled(20, 10, tiny=2)
    env = {"BENCH_PASSWORD": server.password("alice")}
    log = _ServerLog(server)
    results = []
    with DelayProxy("127.0.0.1", server.port) as starttls_proxy, \
            DelayProxy("127.0.0.1", server.info["direct_tls_port"]) as direct_proxy:
        for library, argv in _ready_programs(ctx):
            plain, mechanism, tls = _ready_run(ctx, argv, server, server.port, False,
                                               samples, env, log)
            results.append(bench.Result(4, "time to ready, median", library, plain, "ms",
                                        note=f"{library}: {mechanism}, TLS {tls}"))
            for metric, proxy, direct in (("round trips, STARTTLS", starttls_proxy, False),
                                          ("round trips, direct TLS", direct_proxy, True)):
                times = {}
                for delay in DELAYS_MS:
                    proxy.set_delay(delay)
                    times[delay], _, _ = _ready_run(ctx, argv, server, proxy.port, direct,
                                                    samples, env, log)
                low, high = DELAYS_MS
                trips = (times[high] - times[low]) / (2 * (high - low))
                if direct:
                    undelayed, _, _ = _ready_run(ctx, argv, server,
                                                 server.info["direct_tls_port"], True,
                                                 samples, env, log)
                else:
                    undelayed = plain
                ctx.log(f"{library}, {metric}: {undelayed:.1f} ms direct, "
                        + ", ".join(f"{times[d]:.1f} ms at {d} ms" for d in DELAYS_MS)
                        + f": {trips:.2f} round trips; (at {low} ms - direct) / {2 * low} ms "
                        f"= {(times[low] - undelayed) / (2 * low):.2f}")
                results.append(bench.Result(4, metric, library, round(trips), "round trips"))
    return results


FIGURES = {3: figure_3, 4: figure_4}
