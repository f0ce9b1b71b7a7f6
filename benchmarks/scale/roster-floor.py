#!/usr/bin/env python3
# roster-floor.py: figure 6's floor, the server's own cost of a roster fetch
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A raw-socket client that logs in and fetches the roster, and no more.

Usage: roster-floor.py --port P --ca-file F --user U [--domain D]
                       [--fetches K] --expect N     (password in BENCH_PASSWORD)

STARTTLS (verified against F, for the name D), SASL PLAIN, resource
binding, no presence; then K times: one roster get without 'ver' (so the
server sends the whole roster), timed from just before the request is
written to the read that brings the end of the reply; the reply is only
read, not parsed (its <item counted once it is whole). Prints

  RESULT items=N median_ms=T times_ms=T1,T2,...

and exits non-zero unless every reply has N items.

Standard library only; any python3 >= 3.9.
"""

import argparse
import base64
import os
import re
import socket
import ssl
import statistics
import sys
import time

NS_STREAM = "http://etherx.jabber.org/streams"


class Raw:
    def __init__(self, host, port, domain, ca_file):
        self.domain = domain
        self.ca_file = ca_file
        self.sock = socket.create_connection((host, port), timeout=60)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def read_until(self, pattern):
        """Reads until @pattern (a compiled bytes regex) matches the buffer;
        returns the buffer up to the end of the match and keeps the rest."""
        start = 0
        while True:
            m = pattern.search(self.buf, start)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            start = max(0, len(self.buf) - 64)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection; got: "
                                   + self.buf[-500:].decode("utf-8", "replace"))
            self.buf += chunk

    def open_stream(self):
        self.send(f"<?xml version='1.0'?><stream:stream to='{self.domain}' version='1.0' "
                  f"xmlns='jabber:client' xmlns:stream='{NS_STREAM}'>")
        return self.read_until(re.compile(rb"</stream:features>"))

    def login(self, user, password, resource):
        features = self.open_stream()
        if b"urn:ietf:params:xml:ns:xmpp-tls" not in features:
            raise RuntimeError("the server offers no STARTTLS")
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        answer = self.read_until(re.compile(rb"<proceed[^>]*>|<failure[^>]*>"))
        if b"<proceed" not in answer:
            raise RuntimeError("STARTTLS refused")
        context = ssl.create_default_context(cafile=self.ca_file)
        self.sock = context.wrap_socket(self.sock, server_hostname=self.domain)
        self.buf = b""
        self.open_stream()
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        answer = self.read_until(re.compile(rb"<success[^>]*>|</failure>|<failure[^>]*/>"))
        if b"<success" not in answer:
            raise RuntimeError("authentication failed: " + answer.decode("utf-8", "replace"))
        self.buf = b""
        self.open_stream()
        self.send(f"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  f"<resource>{resource}</resource></bind></iq>")
        answer = self.read_until(re.compile(rb"</iq>|<iq[^>]*/>"))
        if b"type='result'" not in answer and b'type="result"' not in answer:
            raise RuntimeError("binding failed: " + answer.decode("utf-8", "replace"))

    def close(self):
        try:
            self.send("</stream:stream>")
            self.sock.close()
        except OSError:
            pass


END_OF_IQ = re.compile(rb"</iq>")


def fetch(raw, request_id):
    """One roster get; (seconds, the reply's bytes)."""
    request = (f"<iq type='get' id='{request_id}'><query xmlns='jabber:iq:roster'/></iq>"
               ).encode()
    start = time.perf_counter()
    raw.sock.sendall(request)
    # Nothing else comes on this stream (no presence was sent): the first
    # </iq> ends the reply.
    data = bytearray(raw.buf)
    raw.buf = b""
    scanned = 0
    while True:
        end = data.find(b"</iq>", max(0, scanned - 5))
        if end >= 0:
            break
        scanned = len(data)
        chunk = raw.sock.recv(262144)
        if not chunk:
            raise RuntimeError("the server closed the connection during the reply")
        data += chunk
    elapsed = time.perf_counter() - start
    raw.buf = bytes(data[end + 5:])
    return elapsed, bytes(data[:end + 5])


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
        print("roster-floor: set BENCH_PASSWORD", file=sys.stderr)
        return 2

    raw = Raw(args.host, args.port, args.domain, args.ca_file)
    raw.login(args.user, password, "floor")
    times = []
    for k in range(args.fetches):
        seconds, reply = fetch(raw, f"roster{k}")
        if b"type='result'" not in reply[:300] and b'type="result"' not in reply[:300]:
            print("roster-floor: the reply is not a result: "
                  + reply[:300].decode("utf-8", "replace"), file=sys.stderr)
            return 1
        items = reply.count(b"<item ")
        if items != args.expect:
            print(f"roster-floor: {items} items in the reply, expected {args.expect}",
                  file=sys.stderr)
            return 1
        times.append(seconds * 1000)
    raw.close()
    print(f"RESULT items={args.expect} median_ms={statistics.median(times):.3f} "
          f"times_ms={','.join(f'{t:.3f}' for t in times)} reply_bytes={len(reply)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
