#!/usr/bin/env python3
# test-gxmpp-tool.py: the gxmpp command-line tool against a private Prosody
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Usage: test-gxmpp-tool.py GXMPP_PROGRAM

Runs the tool as a script would: its output, its exit codes (0 done,
1 usage, 2 connection, 3 authentication, 4 error reply, 5 timeout) and its
messages, against a private Prosody (tests/python/xmpp_test_server.py) and,
for the timeout, a loopback listener that never says anything. Skips (77)
if Prosody cannot run here, unless GXMPP_TEST_REQUIRE_SERVERS=1.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from xmpp_test_server import XmppTestServer  # noqa: E402

GXMPP = None
SERVER = None
RUN_TIMEOUT = 60


def run(*args, account="alice", password=None, stdin=None, env_extra=None, server_args=True):
    """Runs the tool; returns (status, stdout, stderr)."""
    env = dict(os.environ)
    env.pop("XMPP_JID", None)
    env.pop("XMPP_PASSWORD", None)
    env["LC_ALL"] = "C.UTF-8"
    if account is not None:
        env["XMPP_JID"] = SERVER.jid(account)
        env["XMPP_PASSWORD"] = SERVER.password(account) if password is None else password
    if env_extra:
        env.update(env_extra)
    argv = [GXMPP]
    if server_args:
        argv += ["--server", f"{SERVER.host}:{SERVER.port}", "--ca-file", SERVER.ca_file]
    argv += list(args)
    result = subprocess.run(argv, env=env, input=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT)
    return result.returncode, result.stdout, result.stderr


class Usage(unittest.TestCase):
    def test_help(self):
        status, out, _ = run("--help", account=None, server_args=False)
        self.assertEqual(status, 0)
        for command in ("send JID TEXT", "listen", "ping [JID]", "iq XML"):
            self.assertIn(command, out)
        self.assertIn("Exit status", out)

    def test_no_command(self):
        status, out, err = run(account="alice")
        self.assertEqual(status, 1)
        self.assertEqual(out, "")
        self.assertIn("COMMAND", err)

    def test_unknown_command(self):
        status, _, err = run("frobnicate")
        self.assertEqual(status, 1)
        self.assertIn("frobnicate", err)

    def test_missing_arguments(self):
        status, _, _ = run("send", SERVER.jid("bob"))
        self.assertEqual(status, 1)

    def test_no_account(self):
        status, _, err = run("ping", account=None)
        self.assertEqual(status, 1)
        self.assertIn("XMPP_JID", err)

    def test_bad_tls_policy(self):
        status, _, _ = run("--tls", "sometimes", "ping")
        self.assertEqual(status, 1)


class Talk(unittest.TestCase):
    def test_ping_server(self):
        status, out, err = run("ping")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"^pong in [0-9.]+ ms\n$")

    def test_ping_absent_resource_is_an_error_reply(self):
        status, out, err = run("ping", SERVER.jid("bob") + "/nobody-here")
        self.assertEqual(status, 4, err)
        self.assertEqual(out, "")
        self.assertIn("unavailable", err)

    def test_iq_prints_the_reply(self):
        status, out, err = run("iq", "<iq type='get' to='localhost'><query xmlns='jabber:iq:version'/></iq>")
        self.assertEqual(status, 0, err)
        self.assertIn("type='result'", out)
        self.assertIn("<name>Prosody</name>", out)

    def test_iq_error_reply(self):
        status, out, err = run("iq", "<iq type='get' to='localhost'><query xmlns='urn:example:nothing'/></iq>")
        self.assertEqual(status, 4, err)
        self.assertIn("type='error'", out)
        self.assertIn("service-unavailable", out)

    def test_iq_refuses_bad_xml(self):
        status, _, err = run("iq", "<iq type='get'><unclosed></iq>")
        self.assertEqual(status, 1, err)
        self.assertIn("The IQ is not valid", err)
        status, _, err = run("iq", "<iq type='get'/>")
        self.assertEqual(status, 1, err)

    def test_password_from_stdin(self):
        env = dict(XMPP_JID=SERVER.jid("carol"))
        status, out, err = run("ping", account=None, env_extra=env,
                               stdin=SERVER.password("carol") + "\n")
        self.assertEqual(status, 0, err)
        self.assertIn("pong", out)
        # Not a terminal: no prompt, and the password is never echoed.
        self.assertNotIn(SERVER.password("carol"), out + err)

    def test_send_and_listen(self):
        env = dict(os.environ, LC_ALL="C.UTF-8",
                   XMPP_JID=SERVER.jid("bob"), XMPP_PASSWORD=SERVER.password("bob"))
        listener = subprocess.Popen(
            [GXMPP, "--server", f"{SERVER.host}:{SERVER.port}", "--ca-file", SERVER.ca_file,
             "--resource", "listener", "listen"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready = listener.stderr.readline()
            self.assertIn("Listening as " + SERVER.jid("bob") + "/listener", ready)
            status, out, err = run("send", SERVER.jid("bob") + "/listener", "Hello, “listener” <&>")
            self.assertEqual(status, 0, err)
            self.assertEqual(out, "")
            line = listener.stdout.readline()
            self.assertIn(SERVER.jid("alice"), line)
            self.assertIn("Hello, “listener” <&>", line)
        finally:
            listener.send_signal(signal.SIGINT)
            try:
                status = listener.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                listener.kill()
                raise
            listener.stdout.close()
            listener.stderr.close()
        self.assertEqual(status, 0)


class Failures(unittest.TestCase):
    def test_wrong_password(self):
        status, out, err = run("ping", password="not the password")
        self.assertEqual(status, 3, err)
        self.assertEqual(out, "")
        self.assertIn("user name or password is wrong", err)
        self.assertNotIn("not the password", err)

    def test_untrusted_certificate(self):
        status, _, err = run("--server", f"{SERVER.host}:{SERVER.port}", "ping", server_args=False)
        self.assertEqual(status, 2, err)
        self.assertIn("not signed by a trusted authority", err)

    def test_tls_refused_by_policy(self):
        status, _, err = run("--tls", "refuse", "ping")
        self.assertEqual(status, 2, err)

    def test_nothing_listening(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # closed again: nobody listens there now
        status, _, err = run("--server", f"127.0.0.1:{port}", "--ca-file", SERVER.ca_file, "ping",
                             server_args=False)
        self.assertEqual(status, 2, err)

    def test_silent_server_times_out(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        accepted = []

        def accept():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)   # hold it open, say nothing
            except OSError:
                pass

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            port = listener.getsockname()[1]
            status, _, err = run("--server", f"127.0.0.1:{port}", "--ca-file", SERVER.ca_file,
                                 "--timeout", "1", "ping", server_args=False)
        finally:
            listener.close()
            for conn in accepted:
                conn.close()
        self.assertEqual(status, 5, err)


def main():
    global GXMPP, SERVER
    GXMPP = sys.argv.pop(1)
    try:
        SERVER = XmppTestServer("prosody")
    except unittest.SkipTest as e:
        print(f"skipped: {e}")
        return 77
    with SERVER:
        program = unittest.main(exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
