# figures.py: figures 1 and 2, instructions per message in and out
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Figure 1, inbound cost: the instructions a client executes per chat
message of about 200 bytes it receives (parse, build, dispatch to a
handler), over the recorded stream of stream.py. Figure 2, outbound cost:
the instructions per chat message built and sent (a body of about 200
bytes, codec-common.h).

Each figure is a difference, (Ir(N messages) - Ir(0 messages)) / N, of two
callgrind runs of the same program, so that start-up, connecting, SASL
and binding cancel out. The clients talk plaintext over loopback to
replay-server.py, a separate process whose instructions are not counted.
The floors: libxml2's SAX2 push parser over the same bytes (figure 1), and
g_string_append() + g_markup_escape_text() making the same kind of
message (figure 2).
"""

import os
import subprocess
import sys

import bench

LIBRARIES = (("xmpp-glib", "codec-gxmpp"), ("libstrophe", "codec-strophe"))
METRIC = "instructions per message"
UNIT = "Ir"


def _python():
    return sys.executable or "python3"


def _stream_files(ctx, count):
    """stream.py's files for @count stanzas, made once per run."""
    base = os.path.join(ctx.scratch, f"stream-{count}")
    files = (base + ".stanzas.xml", base + ".floor.xml", base + ".last-body.txt")
    if not os.path.exists(files[0]):
        out = bench.run(ctx, [_python(), ctx.source("codec", "stream.py"), str(count), *files])
        ctx.log(out.strip())
    return files


def _with_server(ctx, mode, payload, client_argv):
    """Ir of the client @client_argv(port) under callgrind, against a
    replay-server.py in @mode; and the server's RESULT."""
    argv = [_python(), ctx.source("codec", "replay-server.py"), mode] + ([payload] if payload else [])
    ctx.log("$ " + " ".join(argv))
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            raise bench.BenchError(f"replay-server.py did not start: {line}{server.stderr.read()}")
        instructions = bench.callgrind_instructions(ctx, client_argv(int(line.split()[1])))
        out, err = server.communicate(timeout=300)
    except BaseException:
        server.kill()
        server.wait()
        raise
    if server.returncode != 0:
        raise bench.BenchError(f"replay-server.py exited with {server.returncode}:\n{err[-2000:]}")
    results = bench.parse_results(out)
    if not results:
        raise bench.BenchError("replay-server.py gave no result")
    return instructions, results[0]


def _per_message(ctx, count, measure):
    """(Ir(count) - Ir(0)) / count, with @measure(n) giving Ir(n)."""
    with_messages = measure(count)
    without = measure(0)
    ctx.log(f"  Ir({count}) = {with_messages:,}, Ir(0) = {without:,}")
    return (with_messages - without) / count


def inbound(ctx):
    count = ctx.scaled(10000, 2000, tiny=50)
    results = []

    for library, program in LIBRARIES:
        def measure(n, program=program):
            stanzas, _, last_body = _stream_files(ctx, n)
            instructions, server = _with_server(
                ctx, "replay", stanzas,
                lambda port: [ctx.program("codec", program), "in", str(port), str(n), last_body])
            if server.get("other"):
                ctx.log(f"  {program} sent {server['other']} elements besides binding")
            return instructions
        results.append(bench.Result(1, METRIC, library, _per_message(ctx, count, measure), UNIT))

    def measure_floor(n):
        _, floor, _ = _stream_files(ctx, n)
        return bench.callgrind_instructions(ctx, [ctx.program("codec", "codec-floor"), "in", floor, str(n)])
    results.append(bench.Result(1, METRIC, "libxml2 floor", _per_message(ctx, count, measure_floor), UNIT,
                                note=f"N={count} stanzas of ~200 bytes"))
    return results


def outbound(ctx):
    count = ctx.scaled(10000, 2000, tiny=50)
    results = []

    for library, program in LIBRARIES:
        def measure(n, program=program):
            instructions, server = _with_server(
                ctx, "sink", None,
                lambda port: [ctx.program("codec", program), "out", str(port), str(n)])
            if server.get("received") != n:
                raise bench.BenchError(f"{program}: the server received {server.get('received')} "
                                       f"chat messages, not {n}")
            return instructions
        results.append(bench.Result(2, METRIC, library, _per_message(ctx, count, measure), UNIT))

    def measure_floor(n):
        return bench.callgrind_instructions(ctx, [ctx.program("codec", "codec-floor"), "out", str(n)])
    results.append(bench.Result(2, METRIC, "GString floor", _per_message(ctx, count, measure_floor), UNIT,
                                note=f"N={count}; floor = g_string_append + g_markup_escape_text"))
    return results


FIGURES = {1: inbound, 2: outbound}
