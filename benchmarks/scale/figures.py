# benchmarks/scale/figures.py: figures 5, 6 and 7 (see benchmarks/README.md)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Memory per idle session, a 5,000-item roster, 1,000 sessions.

5. Memory per idle session: idle-glib and idle-strophe connect N sessions
   each (STARTTLS verified against the server's CA, SASL, binding) after
   one warm-up session, let the main loop run, and divide the growth of
   the heap (glibc mallinfo2(): uordblks + hblkhd) and of the RSS by N.
6. A 5,000-item roster, written into Prosody's storage while the account is
   offline, fetched whole by roster-glib (GXmppRoster), roster-slixmpp.py
   (get_roster()) and roster-floor.py (a raw socket that only reads the
   reply); time and the heap the fetched roster holds.
7. 1,000 xmpp-glib sessions on one main context sending each other
   messages; RSS when all are ready and at the end; every message checked.

Standard library only.
"""

import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import bench  # noqa: E402

DOMAIN = "localhost"


def raise_nofile():
    """The server (a child of this process) and the programs hold one
    descriptor a session: the soft limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def server_args(server, account):
    return ["--port", str(server.port), "--ca-file", server.ca_file,
            "--domain", DOMAIN, "--user", account]


def password_env(server, account):
    return {"BENCH_PASSWORD": server.password(account)}


def one_result(ctx, text, program):
    results = bench.parse_results(text)
    if len(results) != 1:
        raise bench.BenchError(f"{program} printed {len(results)} RESULT lines")
    ctx.log(f"{program}: {results[0]}")
    return results[0]


# ---------------------------------------------------------------------------
# Figure 5

def figure_5(ctx):
    n = ctx.scaled(500, 100, tiny=5)
    settle = ctx.scaled(5, 3, tiny=1)
    raise_nofile()
    server = ctx.server()
    out = []
    # Two accounts, so that the second program's resources never meet the
    # first's sessions, which the server may not have closed yet.
    for library, program, account in (("xmpp-glib", "idle-glib", "alice"),
                                       ("libstrophe", "idle-strophe", "bob")):
        text = bench.run(ctx, [ctx.program("scale", program), *server_args(server, account),
                               "--sessions", str(n), "--settle", str(settle)],
                         env=password_env(server, account))
        r = one_result(ctx, text, program)
        if r["sessions"] != n:
            raise bench.BenchError(f"{program} measured {r['sessions']} sessions, not {n}")
        note = f"{n} sessions after a warm-up one" if library == "xmpp-glib" else ""
        out.append(bench.Result(5, "heap per idle session", library,
                                float(r["heap_per_session"]), "bytes", note=note))
        out.append(bench.Result(5, "RSS per idle session", library,
                                float(r["rss_per_session"]), "bytes"))
    return out


# ---------------------------------------------------------------------------
# Figure 6

def write_roster(server, account, items):
    """Prosody's internal storage (storage = "internal"): the roster of
    @account as the Lua file Prosody writes itself after a roster set.
    Written while the account has no session, so the server reads it at
    the next login."""
    directory = os.path.join(server.tmpdir, "data", DOMAIN, "roster")
    os.makedirs(directory, exist_ok=True)
    lines = ["return {",
             "\t[false] = {",
             '\t\t["version"] = 1;',
             '\t\t["pending"] = {};',
             "\t};"]
    for i in range(items):
        groups = [f"Group {i % 20}"] + (["Friends"] if i % 3 == 0 else [])
        lines += [f'\t["contact{i:05d}@{DOMAIN}"] = {{',
                  '\t\t["subscription"] = "both";',
                  f'\t\t["name"] = "Contact {i:05d}";',
                  '\t\t["groups"] = {' + "".join(f' ["{g}"] = true;' for g in groups) + " };",
                  "\t};"]
    lines.append("};")
    path = os.path.join(directory, f"{account}.dat")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def figure_6(ctx):
    items = ctx.scaled(5000, 1000, tiny=20)
    fetches = ctx.scaled(5, 3, tiny=1)
    rounds = ctx.scaled(3, 2, tiny=1)
    # The whole roster is one stanza of about 113 bytes an item: more than
    # xmpp-glib's default limit of 512 KiB at 5,000 items.
    # Room for items of up to 400 bytes, in steps of 512 KiB.
    max_stanza_kib = max(512, -(-items * 400 // (512 * 1024)) * 512)
    server = ctx.server()
    account = "alice"
    write_roster(server, account, items)
    env = password_env(server, account)
    common = [*server_args(server, account), "--expect", str(items), "--fetches", str(fetches)]
    glib = [ctx.program("scale", "roster-glib"), *common, "--max-stanza-kib", str(max_stanza_kib)]
    slix = [bench.SYSTEM_PYTHON, ctx.source("scale", "roster-slixmpp.py"), *common]
    floor = [bench.SYSTEM_PYTHON, ctx.source("scale", "roster-floor.py"), *common]

    times = {"xmpp-glib": [], "slixmpp": [], "floor": []}
    glib_heaps = []
    # Rounds that take turns, so that a busy moment of a shared machine
    # does not fall on one library only.
    for _ in range(rounds):
        for library, program, argv in (("floor", "roster-floor.py", floor),
                                       ("xmpp-glib", "roster-glib", glib),
                                       ("slixmpp", "roster-slixmpp.py", slix)):
            r = one_result(ctx, bench.run(ctx, argv, env=env), program)
            if r["items"] != items:
                raise bench.BenchError(f"{library} fetched {r['items']} items, not {items}")
            times[library] += [float(t) for t in str(r["times_ms"]).split(",")]
            if library == "xmpp-glib":
                glib_heaps += [float(h) for h in str(r["heaps"]).split(",")]
    # slixmpp's heap: with pymalloc, Python's small objects live in arenas
    # that mallinfo2() does not see; PYTHONMALLOC=malloc puts them on the
    # heap, at some cost in speed, so this run is not timed.
    r = one_result(ctx, bench.run(ctx, slix, env={**env, "PYTHONMALLOC": "malloc"}),
                   "roster-slixmpp.py (PYTHONMALLOC=malloc)")
    slix_heap = float(r["heap_median"])

    n_fetches = rounds * fetches
    out = [
        bench.Result(6, "roster fetch time, median", "xmpp-glib", bench.median(times["xmpp-glib"]),
                     "ms", note=f"{items} items, {n_fetches} fetches each"),
        bench.Result(6, "roster fetch time, median", "slixmpp", bench.median(times["slixmpp"]), "ms"),
        bench.Result(6, "roster fetch time, median", "floor", bench.median(times["floor"]), "ms",
                     note="floor: raw socket, request to last byte of the reply"),
        bench.Result(6, "roster heap", "xmpp-glib", bench.median(glib_heaps), "bytes",
                     note="heap held after the fetch, median"),
        bench.Result(6, "roster heap", "slixmpp", slix_heap, "bytes",
                     note="slixmpp with PYTHONMALLOC=malloc"),
    ]
    return out


# ---------------------------------------------------------------------------
# Figure 7

def figure_7(ctx):
    n = ctx.scaled(1000, 200, tiny=5)
    seconds = ctx.scaled(60, 15, tiny=2)
    interval_ms = ctx.scaled(2000, 2000, tiny=500)
    raise_nofile()
    server = ctx.server()
    account = "alice"
    text = bench.run(ctx, [ctx.program("scale", "scale-glib"), *server_args(server, account),
                           "--sessions", str(n), "--seconds", str(seconds),
                           "--interval", str(interval_ms)],
                     env=password_env(server, account))
    r = one_result(ctx, text, "scale-glib")
    if r["sessions"] != n or r["received"] != r["sent"] or r["sent"] == 0:
        raise bench.BenchError(f"scale-glib: {r}")
    note = (f"{n} sessions, {seconds} s, one message per session every {interval_ms} ms: "
            f"{r['received']:,} of {r['sent']:,} delivered")
    return [
        bench.Result(7, "RSS at start", "xmpp-glib", float(r["rss_start"]), "bytes", note=note),
        bench.Result(7, "RSS at end", "xmpp-glib", float(r["rss_end"]), "bytes"),
    ]


FIGURES = {5: figure_5, 6: figure_6, 7: figure_7}
