#!/usr/bin/python3
# throughput_slixmpp.py: figure 3 for slixmpp, chat messages from alice to bob
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The same work as throughput-gxmpp.c, through slixmpp (Debian's
python3-slixmpp; run it with /usr/bin/python3).

One process, one asyncio loop, two ClientXMPP connections (alice and bob),
STARTTLS verified against --ca-file (ca_certs) and the SASL mechanism
slixmpp picks. Once both sessions have started, alice sends --count chat
messages with the ids m0, m1, ... to bob's full JID, keeping at most
--window of them sent and not yet received by bob. Bob checks each id and
body, and that every message arrived exactly once. Prints

  RESULT library=slixmpp messages=N seconds=S cpu=C mechanism=M tls=T

with the wall time from the first send to the last message received and
the process's user + system CPU time (resource.getrusage) over the same
span. Exits non-zero if anything is missing, duplicated or wrong. The
passwords come from BENCH_PASSWORD_ALICE and BENCH_PASSWORD_BOB.
"""

import argparse
import asyncio
import logging
import os
import resource
import sys
import time

import slixmpp

TIMEOUT = 600


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def body_of(n):
    return f"Message {n} of the throughput benchmark."


class Bench:
    def __init__(self, count, window):
        self.count = count
        self.window = window
        self.sent = 0
        self.received = 0
        self.seen = bytearray(count)
        self.error = None
        self.done = asyncio.get_event_loop().create_future()
        self.alice = None
        self.bob_jid = None
        self.start = self.start_cpu = self.end = self.end_cpu = None

    def fail(self, what):
        if self.error is None:
            self.error = what
        if not self.done.done():
            self.done.set_result(False)

    def top_up(self):
        while self.sent < self.count and self.sent - self.received < self.window:
            msg = self.alice.make_message(mto=self.bob_jid, mbody=body_of(self.sent), mtype="chat")
            msg["id"] = f"m{self.sent}"
            msg.send()
            self.sent += 1

    def on_bob_message(self, msg):
        mid = msg["id"]
        try:
            n = int(mid[1:]) if mid.startswith("m") else -1
        except ValueError:
            n = -1
        if n < 0 or n >= self.count or self.seen[n] or msg["body"] != body_of(n):
            self.fail(f"bob received a wrong or repeated message (id {mid!r})")
            return
        self.seen[n] = 1
        self.received += 1
        if self.received == self.count:
            self.end = time.monotonic()
            self.end_cpu = cpu_seconds()
            if not self.done.done():
                self.done.set_result(True)
            return
        self.top_up()

    def on_alice_message(self, msg):
        self.fail(f"alice received a message (a bounce?): {msg}")


def make_client(jid, password, ca_file):
    client = slixmpp.ClientXMPP(jid, password)
    client.ca_certs = ca_file
    client.started = client.loop.create_future()
    client.add_event_handler("session_start",
                             lambda _: client.started.done() or client.started.set_result(True))
    client.add_event_handler("failed_auth",
                             lambda _: client.started.done() or client.started.set_result(False))
    return client


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca-file", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--window", type=int, default=100)
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # Old clients' tasks left pending at exit are no failure.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    bench = Bench(args.count, args.window)
    alice = make_client("alice@localhost/bench", os.environ["BENCH_PASSWORD_ALICE"], args.ca_file)
    bob = make_client("bob@localhost/bench", os.environ["BENCH_PASSWORD_BOB"], args.ca_file)
    bench.alice = alice
    for c in (alice, bob):
        c.connect((args.host, args.port))
    for c in (alice, bob):
        if not await asyncio.wait_for(c.started, 60):
            print("throughput_slixmpp: authentication failed", file=sys.stderr)
            return 1
        if c.transport.get_extra_info("ssl_object") is None:
            print("throughput_slixmpp: the connection is not encrypted", file=sys.stderr)
            return 1
    bench.bob_jid = bob.boundjid.full
    bob.add_event_handler("message", bench.on_bob_message)
    alice.add_event_handler("message", bench.on_alice_message)
    alice.add_event_handler("disconnected", lambda _: bench.fail("alice was disconnected"))
    bob.add_event_handler("disconnected", lambda _: bench.fail("bob was disconnected"))

    bench.start = time.monotonic()
    bench.start_cpu = cpu_seconds()
    bench.top_up()
    try:
        ok = await asyncio.wait_for(bench.done, TIMEOUT)
    except asyncio.TimeoutError:
        ok = False
        bench.error = f"timed out: {bench.sent} sent, {bench.received} received"
    if not ok or bench.received != bench.count:
        print(f"throughput_slixmpp: {bench.error or 'not every message arrived'}", file=sys.stderr)
        return 1

    mechanism = alice["feature_mechanisms"].mech.name
    tls = alice.transport.get_extra_info("ssl_object").version()
    print(f"RESULT library=slixmpp messages={bench.count} seconds={bench.end - bench.start:.6f} "
          f"cpu={bench.end_cpu - bench.start_cpu:.6f} mechanism={mechanism} "
          f"tls={tls.replace('TLSv', '')} window={bench.window}", flush=True)
    for c in (alice, bob):
        c.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.get_event_loop().run_until_complete(main()))
