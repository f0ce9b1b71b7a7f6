#!/usr/bin/python3
# ready_slixmpp.py: figure 4 for slixmpp, the time from connecting to ready
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The same work as ready-gxmpp.c, through slixmpp (Debian's
python3-slixmpp; run it with /usr/bin/python3).

In one warm process, --samples new ClientXMPP connections one after the
other, each TLS-verified against --ca-file (STARTTLS, or with --direct TLS
from the first byte, connect(use_ssl=True)), SASL with --mechanism
(sasl_mech), resource binding. The ClientXMPP object is made before the
clock starts (as libstrophe's xmpp_conn_new()); a sample is the wall time
from connect() to the "session_start" event (right after the bind result:
Prosody marks the legacy session optional); the connection is then closed
(not timed). One connection before the samples is not counted. Prints

  RESULT library=slixmpp sample=I ms=T

for each sample, then one line with the mechanism and the TLS version.
The password comes from BENCH_PASSWORD.
"""

import argparse
import asyncio
import logging
import os
import sys
import time

import slixmpp


async def one(args, password):
    kwargs = {"sasl_mech": args.mechanism} if args.mechanism else {}
    client = slixmpp.ClientXMPP("alice@localhost/bench", password, **kwargs)
    client.ca_certs = args.ca_file
    loop = asyncio.get_event_loop()
    started = loop.create_future()
    gone = loop.create_future()

    def finish(future, value):
        if not future.done():
            future.set_result(value)

    client.add_event_handler("session_start", lambda _: finish(started, True))
    client.add_event_handler("failed_auth", lambda _: finish(started, False))
    client.add_event_handler("connection_failed", lambda _: finish(started, False))
    client.add_event_handler("disconnected", lambda _: (finish(started, False), finish(gone, True)))

    start = time.monotonic()
    client.connect((args.host, args.port), use_ssl=args.direct)
    ok = await asyncio.wait_for(started, 60)
    end = time.monotonic()
    ssl_object = client.transport.get_extra_info("ssl_object") if client.transport else None
    if not ok or ssl_object is None or not client.boundjid.resource:
        raise SystemExit("ready_slixmpp: the connection failed, or is not encrypted, or not bound")
    mechanism = client["feature_mechanisms"].mech.name
    tls = ssl_object.version().replace("TLSv", "")
    client.disconnect()
    await asyncio.wait_for(gone, 60)
    return (end - start) * 1000.0, mechanism, tls


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--direct", action="store_true")
    p.add_argument("--ca-file", required=True)
    p.add_argument("--mechanism")
    p.add_argument("--samples", type=int, default=20)
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # Old clients' tasks left pending at exit are no failure.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    password = os.environ["BENCH_PASSWORD"]

    # Sample 0 warms up and is not printed.
    for i in range(args.samples + 1):
        ms, mechanism, tls = await one(args, password)
        if i > 0:
            print(f"RESULT library=slixmpp sample={i} ms={ms:.3f}", flush=True)
    print(f"RESULT library=slixmpp mechanism={mechanism} tls={tls}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.get_event_loop().run_until_complete(main()))
