#!/usr/bin/python3
# roster-slixmpp.py: figure 6 for slixmpp, a large roster fetched with get_roster()
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""slixmpp's get_roster() on a large roster, timed, and the heap it holds.

Usage: /usr/bin/python3 roster-slixmpp.py --port P --ca-file F --user U
           [--domain D] [--fetches K] --expect N     (password in BENCH_PASSWORD)

Logs in (STARTTLS verified against F, SASL, binding), sends no presence,
then K times: a fresh roster (slixmpp.roster.Roster, so that no version
is sent and the server sends the whole roster), get_roster() awaited (the
items are in client_roster when it returns), a check that client_roster
has N items, and the heap (glibc mallinfo2(): uordblks + hblkhd, after a
gc.collect()) with that roster kept, less the heap before. Run it with
PYTHONMALLOC=malloc for the heap to see Python's objects: pymalloc keeps
its small objects in arenas of its own that mallinfo2() does not count.
Prints

  RESULT items=N median_ms=T heap_median=B times_ms=... heaps=... pymalloc=0|1

and exits non-zero unless every fetch brings N items.
"""

import argparse
import asyncio
import ctypes
import gc
import os
import statistics
import sys
import time

import slixmpp
from slixmpp import roster as slix_roster


class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
_libc.mallinfo2.restype = Mallinfo2


def heap_bytes():
    mi = _libc.mallinfo2()
    return mi.uordblks + mi.hblkhd


class Client(slixmpp.ClientXMPP):
    def __init__(self, args, password):
        super().__init__(f"{args.user}@{args.domain}/slixmpp", password)
        self.args = args
        self.ca_certs = args.ca_file
        self.times = []
        self.heaps = []
        self.status = 1
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_all_auth", self.on_failed)
        self.add_event_handler("connection_failed", self.on_failed)

    def on_failed(self, event):
        print(f"roster-slixmpp: {event}", file=sys.stderr)
        self.disconnect()

    async def on_session_start(self, event):
        try:
            await self.fetches()
            self.status = 0
        except Exception as e:  # any failure is the program's failure
            print(f"roster-slixmpp: {type(e).__name__}: {e}", file=sys.stderr)
        self.disconnect()

    async def fetches(self):
        for _ in range(self.args.fetches):
            # A fresh roster: the previous one goes, and no version is sent.
            self.roster = slix_roster.Roster(self)
            self.roster.add(self.boundjid)
            self.client_roster = self.roster[self.boundjid]
            gc.collect()
            before = heap_bytes()
            start = time.perf_counter()
            await self.get_roster(timeout=300)
            elapsed = time.perf_counter() - start
            gc.collect()
            self.heaps.append(heap_bytes() - before)
            n = len(self.client_roster)
            if n != self.args.expect:
                raise RuntimeError(f"{n} items in the roster, expected {self.args.expect}")
            self.times.append(elapsed * 1000)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca-file", required=True)
    p.add_argument("--domain", default="localhost")
    p.add_argument("--user", required=True)
    p.add_argument("--fetches", type=int, default=5)
    p.add_argument("--expect", type=int, required=True)
    args = p.parse_args()
    password = os.environ.get("BENCH_PASSWORD")
    if password is None:
        print("roster-slixmpp: set BENCH_PASSWORD", file=sys.stderr)
        return 2

    client = Client(args, password)
    client.connect((args.host, args.port))
    loop = asyncio.get_event_loop()
    loop.run_until_complete(asyncio.wait_for(client.disconnected, 600))
    if client.status != 0 or len(client.times) != args.fetches:
        return 1
    pymalloc = 0 if os.environ.get("PYTHONMALLOC") == "malloc" else 1
    print(f"RESULT items={args.expect} median_ms={statistics.median(client.times):.3f} "
          f"heap_median={statistics.median(client.heaps):.0f} "
          f"times_ms={','.join(f'{t:.3f}' for t in client.times)} "
          f"heaps={','.join(str(h) for h in client.heaps)} pymalloc={pymalloc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
