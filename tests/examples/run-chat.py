#!/usr/bin/env python3
# run-chat.py: runs docs/examples/chat.c against a private Prosody
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Usage: run-chat.py CHAT_PROGRAM

Starts a private Prosody (tests/python/xmpp_test_server.py), runs the chat
example with alice and bob, and checks its transcript: both connected, a
message each way, the IQ answered by bob's handler, both streams closed
cleanly. Exit status 77 (a skip) if Prosody cannot run here, unless
GXMPP_TEST_REQUIRE_SERVERS=1.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from xmpp_test_server import XmppTestServer  # noqa: E402

EXPECTED = [
    "{alice}: connected (TLS 1.3, SASL SCRAM-SHA-256)",
    "{bob}: connected (TLS 1.3, SASL SCRAM-SHA-256)",
    "{bob}: message from {alice}: “Hello! This is xmpp-glib speaking.”",
    "{alice}: message from {bob}: “Hello to you too! Your words reached me.”",
    "{bob}: version request from {alice}, answering from an IQ handler",
    "{alice}: {bob} runs chat.c ",
    "{alice}: stream closed cleanly",
    "{bob}: stream closed cleanly",
    "done: a message each way and an IQ answered by an application handler",
]


def main():
    chat = sys.argv[1]
    try:
        server = XmppTestServer("prosody")
    except unittest.SkipTest as e:
        print(f"skipped: {e}")
        return 77
    with server:
        env = dict(os.environ,
                   CHAT_PASSWORD_1=server.password("alice"),
                   CHAT_PASSWORD_2=server.password("bob"))
        result = subprocess.run(
            [chat, "--server", f"{server.host}:{server.port}", "--ca-file", server.ca_file,
             server.jid("alice"), server.jid("bob")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    if result.returncode != 0:
        print(f"chat exited with status {result.returncode}", file=sys.stderr)
        return 1

    # The bound full JIDs, from the "connected" lines.
    full = {}
    for line in result.stdout.splitlines():
        text = line.split("] ", 1)[-1]
        for account in ("alice", "bob"):
            if text.startswith(f"{account}@") and ": connected" in text:
                full[account] = text.split(":", 1)[0]
    if set(full) != {"alice", "bob"}:
        print("the transcript does not show both accounts connected", file=sys.stderr)
        return 1

    lines = [line.split("] ", 1)[-1] for line in result.stdout.splitlines()]
    for expected in EXPECTED:
        wanted = expected.format(**full)
        if not any(line.startswith(wanted) for line in lines):
            print(f"missing from the transcript: {wanted!r}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
