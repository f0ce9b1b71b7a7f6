# session_fixture.py: GXmpp sessions on a real server, driven by a GLib main loop
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers shared by the PyGObject tests that talk to a real server
(test_session.py, test_interop_slixmpp.py).

    class TestFoo(SessionTestCase):
        def test_bar(self):
            alice = self.connect(server, "alice")
            self.wait_until(lambda: got, "bob's message")

SessionTestCase runs every asynchronous call through self.loop, a
GLib.MainLoop, under a guard timeout (GUARD_SECONDS): a call or an event
that does not come in time fails the test instead of hanging it. Callbacks
that the library calls go through self.guarded(), which stores an exception
raised in them and stops the loop, so that a failed assertion inside a
signal handler fails the test (PyGObject would only print it).
"""

import functools
import sys
import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import Gio, GLib, GXmpp  # noqa: E402

GUARD_SECONDS = 20


def error_text(error):
    return f"{error.domain} {error.code}: {error.message}"


class SessionTestCase(unittest.TestCase):
    def setUp(self):
        self.loop = GLib.MainLoop()
        self._callback_failures = []

    # -- the main loop

    def wake(self):
        """Lets wait_until() look at its condition again."""
        self.loop.quit()

    def guarded(self, func):
        """Wraps a callback given to the library: an exception in it is
        kept for the test and wakes the loop; each call wakes the loop."""
        @functools.wraps(func)
        def wrapper(*args):
            try:
                return func(*args)
            except BaseException:
                self._callback_failures.append(sys.exc_info())
                return None
            finally:
                self.wake()
        return wrapper

    def _raise_callback_failure(self):
        if self._callback_failures:
            _, value, tb = self._callback_failures.pop(0)
            raise value.with_traceback(tb)

    def wait_until(self, condition, what, timeout=GUARD_SECONDS):
        """Runs self.loop until condition() is true; fails the test after
        timeout seconds. Only callbacks made with guarded() (or that call
        wake()) make it look again."""
        expired = []

        def on_timeout():
            expired.append(True)
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        source = GLib.timeout_add(int(timeout * 1000), on_timeout)
        try:
            while True:
                self._raise_callback_failure()
                if condition():
                    return
                if expired:
                    self.fail(f"{what}: nothing within {timeout} s")
                self.loop.run()
        finally:
            if not expired:
                GLib.source_remove(source)

    def start_async(self, start, finish):
        """start(callback) begins an asynchronous call; returns a dict that
        gets "value", what finish(source, result) returns, or "error", the
        GLib.Error it raises, once the call completes."""
        outcome = {}

        def callback(source, result, *_user_data):
            try:
                outcome["value"] = finish(source, result)
            except GLib.Error as error:
                outcome["error"] = error

        start(self.guarded(callback))
        return outcome

    def call_async(self, start, finish, what, timeout=GUARD_SECONDS):
        """start_async() and wait: returns the value, or raises the
        GLib.Error."""
        outcome = self.start_async(start, finish)
        self.wait_until(lambda: outcome, what, timeout)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def assertGError(self, error, domain, code):
        """error is a GLib.Error in domain (a quark) with code."""
        self.assertIsInstance(error, GLib.Error)
        self.assertTrue(error.matches(domain, code),
                        f"expected {GLib.quark_to_string(domain)} {int(code)} "
                        f"({code!r}), got {error_text(error)}")

    # -- sessions

    @staticmethod
    def session_config(server, policy=None):
        """A configuration that reaches server on loopback and trusts its CA."""
        stream_config = GXmpp.StreamConfig.new()
        host, port = server.address()
        stream_config.set_server_address(Gio.NetworkAddress.new(host, port))
        stream_config.set_tls_database(server.tls_database())
        if policy is not None:
            stream_config.set_tls_policy(policy)
        config = GXmpp.SessionConfig.new()
        config.set_stream_config(stream_config)
        return config

    def new_session(self, server, auth, policy=None):
        """Session.new_async / new_finish through the loop; raises the
        GLib.Error of a failure."""
        config = self.session_config(server, policy)
        return self.call_async(
            lambda cb: GXmpp.Session.new_async(server.domain, config, auth, None, cb),
            lambda _source, result: GXmpp.Session.new_finish(result),
            "connecting")

    def connect(self, server, account, resource=None):
        """A ready session of account (alice, bob, ...), closed after the test."""
        auth = GXmpp.Auth.new_password(account, server.password(account))
        if resource is not None:
            auth.set_resource(resource)
        session = self.new_session(server, auth)
        self.addCleanup(self.close, session)
        return session

    def close(self, session):
        """close_async / close_finish through the loop."""
        return self.call_async(
            lambda cb: session.close_async(None, cb),
            lambda source, result: source.close_finish(result),
            "closing")

    def send_iq(self, session, iq, finish=None, timeout_ms=0):
        """send_iq_async and finish (send_iq_finish unless given) through
        the loop."""
        finish = finish or GXmpp.Session.send_iq_finish
        return self.call_async(
            lambda cb: session.send_iq_async(iq, timeout_ms, None, cb),
            finish, "waiting for the IQ reply")

    def collect(self, session, signal):
        """A list that receives each stanza of session's signal (stanza,
        message or presence); the handler returns False."""
        received = []

        def on_signal(_session, stanza):
            received.append(stanza)
            return False

        session.connect(signal, self.guarded(on_signal))
        return received

    def wait_for(self, received, what, count=1, timeout=GUARD_SECONDS):
        """Waits until the list received (from collect()) holds count items;
        returns the last of them."""
        self.wait_until(lambda: len(received) >= count, what, timeout)
        return received[count - 1]


def chat(to, body):
    """A chat message with a body, to the Jid to."""
    message = GXmpp.Message.new(GXmpp.MessageType.CHAT, to)
    message.set_body(None, body)
    return message


def request(to, ns, text, iq_type=GXmpp.IqType.GET, name="query"):
    """An IQ request to the Jid to whose payload is <name xmlns=ns>text</name>."""
    payload = GXmpp.Node.new(name, ns)
    payload.set_text(text)
    return GXmpp.Iq.new(iq_type, to, payload)
