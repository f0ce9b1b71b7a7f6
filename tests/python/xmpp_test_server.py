# xmpp_test_server.py: real servers and a second client for the Python tests
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private Prosody or ejabberd, and a slixmpp peer, for Python tests.

    from xmpp_test_server import XmppTestServer, SlixmppPeer

    with XmppTestServer("prosody", ["--smacks"]) as server:
        server.port, server.ca_file, server.password("alice"), ...
        db = server.tls_database()          # a Gio.TlsDatabase (PyGObject)
        with SlixmppPeer(server, "bob") as bob:
            bob.send_message("alice@localhost", "hi")
            event = bob.wait_event("message")
        server.restart()

Both wrap the scripts in tests/support/ (xmpp-test-server.py,
slixmpp-peer.py); see them for the JSON they print. If the server cannot
run here (not installed; ejabberd without root) the constructor raises
ServerUnavailable, a unittest.SkipTest, so the test is skipped, unless
GXMPP_TEST_REQUIRE_SERVERS=1 is set, which makes it an error.

While they wait for the scripts (start, restart, register, events), these
classes iterate a GLib main context if PyGObject's GLib is loaded (the
thread-default one, or the one given as main_context=), so a client
session on it keeps running, as the C fixtures do. Standard library only
otherwise; works with any python3 >= 3.9.
"""

import json
import os
import select
import subprocess
import sys
import time
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
_SUPPORT = os.path.join(os.path.dirname(_HERE), "support")

SERVER_SCRIPT = os.environ.get("GXMPP_TEST_SERVER_SCRIPT",
                               os.path.join(_SUPPORT, "xmpp-test-server.py"))
PEER_SCRIPT = os.environ.get("GXMPP_TEST_SLIXMPP_PEER", os.path.join(_SUPPORT, "slixmpp-peer.py"))
PEER_PYTHON = os.environ.get("GXMPP_TEST_PEER_PYTHON", "/usr/bin/python3")

START_TIMEOUT = 180.0
COMMAND_TIMEOUT = 180.0
EVENT_TIMEOUT = 20.0


class ServerUnavailable(unittest.SkipTest):
    """The server (or slixmpp) cannot run here: the test is skipped."""


class ServerError(Exception):
    """Starting or driving a server or peer failed."""


def _required():
    return os.environ.get("GXMPP_TEST_REQUIRE_SERVERS") == "1"


def _default_context():
    glib = sys.modules.get("gi.repository.GLib")
    if glib is None:
        return None
    return glib.MainContext.ref_thread_default()


class _LineProcess:
    """A child that prints one JSON object a line and reads commands."""

    def __init__(self, argv, main_context=None):
        self.name = os.path.basename(argv[1] if len(argv) > 1 else argv[0])
        self.context = main_context if main_context is not None else _default_context()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     close_fds=True)
        self.buf = b""
        self.lines = []
        self.eof = False

    def send(self, line):
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise ServerError(f"{self.name} is gone: {e}") from None

    def _read_some(self, timeout):
        if self.context is not None:
            # Let the GLib side run while we wait.
            self.context.iteration(False)
            timeout = min(timeout, 0.01)
        ready, _, _ = select.select([self.proc.stdout], [], [], max(timeout, 0))
        if not ready:
            return
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            self.eof = True
            return
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                try:
                    self.lines.append(json.loads(line))
                except ValueError:
                    raise ServerError(f"{self.name} wrote a line that is not JSON: {line!r}")

    def wait_line(self, match=None, timeout=COMMAND_TIMEOUT, drop=True):
        """The first line for which match(line) is true; the lines before it
        are dropped (drop) or stay queued."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.lines):
                if match is None or match(line):
                    if drop:
                        del self.lines[:i + 1]
                    else:
                        del self.lines[i]
                    return line
            if self.eof:
                raise ServerError(f"{self.name} exited (status {self.proc.poll()})")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerError(f"{self.name} did not answer within {timeout} s")
            self._read_some(remaining)

    def finish(self, timeout=60.0):
        """Closes stdin and waits for the exit; returns the status."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if self.context is not None:
                self.context.iteration(False)
            time.sleep(0.01)
        if self.proc.poll() is None:
            self.proc.kill()
        status = self.proc.wait()
        self.proc.stdout.close()
        return status


class XmppTestServer:
    """A server started by tests/support/xmpp-test-server.py.

    server: "prosody" or "ejabberd"; options: the script's options, e.g.
    ["--tls12-only", "--smacks", "--resume-timeout", "3"].
    """

    def __init__(self, server="prosody", options=(), main_context=None, python=None):
        self.kind = server
        self._stopped = False
        argv = [python or sys.executable, SERVER_SCRIPT, "--server", server, *options]
        self._process = _LineProcess(argv, main_context)
        try:
            info = self._process.wait_line(timeout=START_TIMEOUT)
        except ServerError:
            self._stopped = True
            self._process.finish()
            raise
        if "error" in info:
            self._stopped = True
            self._process.finish()
            message = f"starting {server}: {info['error']}"
            if info.get("log_tail"):
                message += "\nlog:\n" + info["log_tail"]
            if info.get("unavailable"):
                raise ServerUnavailable(message)
            raise ServerError(message)
        self.info = info
        self.accounts = {name: dict(a) for name, a in info["accounts"].items()}

    # -- what the script said
    domain = property(lambda self: self.info["domain"])
    host = property(lambda self: self.info["host"])
    port = property(lambda self: self.info["port"])
    direct_tls_port = property(lambda self: self.info["direct_tls_port"])
    ca_file = property(lambda self: self.info["ca_file"])
    tls_version = property(lambda self: self.info["tls"])
    mechanisms = property(lambda self: list(self.info["mechanisms"]))
    anonymous_domain = property(lambda self: self.info["anonymous_domain"])
    dave_password_nfd = property(lambda self: self.info["dave_password_nfd"])
    tmpdir = property(lambda self: self.info["tmpdir"])
    log_path = property(lambda self: self.info["log"])
    script_pid = property(lambda self: self.info["pid"])

    def jid(self, account):
        return self.accounts[account]["jid"]

    def password(self, account):
        return self.accounts[account]["password"]

    def address(self, direct_tls=False):
        return (self.host, self.direct_tls_port if direct_tls else self.port)

    def tls_database(self):
        """A Gio.TlsDatabase that trusts the server's CA (needs PyGObject)."""
        from gi.repository import Gio
        return Gio.TlsFileDatabase.new(self.ca_file)

    def ssl_context(self):
        """An ssl.SSLContext that trusts the server's CA only."""
        import ssl
        return ssl.create_default_context(cafile=self.ca_file)

    # -- commands
    def _command(self, line, what):
        if self._stopped:
            raise ServerError(f"{what}: the server has been stopped")
        self._process.send(line)
        answer = self._process.wait_line(lambda l: "command" in l, COMMAND_TIMEOUT)
        if not answer.get("ok"):
            message = f"{what}: {answer.get('error')}"
            if answer.get("log_tail"):
                message += "\nlog:\n" + answer["log_tail"]
            raise ServerError(message)
        return answer

    def restart(self):
        """Stops the server and starts it again on the same ports with the
        same data; returns when it accepts streams again."""
        return self._command("restart", "restarting the server")

    def register(self, user, password):
        answer = self._command(json.dumps({"command": "register", "user": user,
                                           "password": password}), "registering an account")
        self.accounts[user] = {"jid": answer["jid"], "password": password}
        return answer["jid"]

    def stop(self):
        if self._stopped:
            return
        try:
            self._command("stop", "stopping the server")
        finally:
            self._stopped = True
            status = self._process.finish()
        if status != 0:
            raise ServerError(f"the server script exited with status {status}")

    def close(self):
        if not self._stopped:
            self._stopped = True
            try:
                self._process.send("stop")
                self._process.wait_line(lambda l: "command" in l, COMMAND_TIMEOUT)
            except ServerError:
                pass
            self._process.finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class SlixmppPeer:
    """tests/support/slixmpp-peer.py logged in to a server as @account.

    options: more arguments for the script: "quiet" (no echo), "--direct-tls",
    "--resource", "R", "--mechanism", "M". Events are dicts with "event"."""

    def __init__(self, server, account, options=(), main_context=None):
        if not os.access(PEER_PYTHON, os.X_OK):
            cls = ServerError if _required() else ServerUnavailable
            raise cls(f"no Python interpreter at {PEER_PYTHON} for slixmpp")
        self._quit = False
        port = server.direct_tls_port if "--direct-tls" in options else server.port
        argv = [PEER_PYTHON, PEER_SCRIPT, server.jid(account), server.password(account),
                server.ca_file, server.host, str(port), *options]
        self._process = _LineProcess(argv, main_context)
        try:
            ready = self._process.wait_line(
                lambda l: l.get("event") in ("ready", "error"), 60.0, drop=False)
        except ServerError:
            self._quit = True
            self._process.finish()
            raise
        if ready["event"] == "error":
            self._quit = True
            status = self._process.finish()
            message = f"the slixmpp peer for {account} failed: {ready.get('message')}"
            if status == 77 and not _required():
                raise ServerUnavailable(message)
            raise ServerError(message)
        self.ready = ready
        self.jid = ready["jid"]

    def command(self, obj):
        self._process.send(json.dumps(obj))

    def send_message(self, to, body, type="chat"):
        self.command({"send": {"to": to, "body": body, "type": type}})

    def send_test_iq(self, to, text, tag=None):
        self.command({"iq": {"to": to, "text": text, "tag": tag}})

    def subscription(self, verb, jid):
        """verb: "subscribe", "unsubscribe", "approve" or "deny"."""
        self.command({verb: jid})

    def wait_event(self, event=None, timeout=EVENT_TIMEOUT):
        """The first event named @event (any if None); others stay queued."""
        return self._process.wait_line(
            lambda l: event is None or l.get("event") == event, timeout, drop=False)

    def pop_event(self):
        return self._process.lines.pop(0) if self._process.lines else None

    def quit(self):
        if self._quit:
            return
        self._quit = True
        try:
            self._process.send(json.dumps({"quit": True}))
        except ServerError:
            pass
        status = self._process.finish(20.0)
        if status != 0:
            raise ServerError(f"the slixmpp peer exited with status {status}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._quit:
            self._quit = True
            self._process.finish(20.0)
        return False
