# test_reconnect.py: stream management, resumption and reconnection seen
# from a PyGObject application, with a fault proxy on alice's path
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a Python application sees when its connection breaks: the
session's state property, the disconnected and reconnected signals, the
messages that arrive, and send_async() completing once the server has
acknowledged the stanza (XEP-0198).

Alice reaches Prosody through a FaultProxy (fault_proxy.py), which cuts,
blackholes or refuses her connections; bob connects directly. Her stream
configuration points at 127.0.0.1:proxy.port; the certificate is still
checked against the domain.

Every wait runs the GLib main loop under a guard timeout
(session_fixture.py); nothing asserts on how long anything took. "Exactly
once" is checked after a marker message: from one sender messages arrive
in order, so once the marker is in, a duplicate of anything before it
would have been too.

One Prosody with stream management (--smacks, which keeps a lost session
for five seconds) serves the module; the test of a failed resumption
starts its own, which forgets a lost session after one second and stores
messages for offline users.
"""

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import Gio, GLib, GXmpp  # noqa: E402

from fault_proxy import FaultProxy  # noqa: E402
from session_fixture import SessionTestCase, chat, error_text  # noqa: E402
from xmpp_test_server import XmppTestServer  # noqa: E402

State = GXmpp.SessionState
MARKER = "the end"

server = None


def setUpModule():
    global server
    server = XmppTestServer("prosody", ["--smacks"])


def tearDownModule():
    if server is not None:
        server.stop()


class Watch:
    """Records what an application connected to: every notify::state (the
    new value), disconnected reasons, reconnected flags, closed reasons and
    the bodies of the chat messages received, in order."""

    def __init__(self, test, session):
        self.states = []
        self.disconnected = []
        self.reconnected = []
        self.closed = []
        self.bodies = []

        def on_message(_session, message):
            self.bodies.append(message.get_body(None))
            return False

        session.connect("notify::state", test.guarded(
            lambda obj, _pspec: self.states.append(obj.props.state)))
        session.connect("disconnected", test.guarded(
            lambda _session, reason: self.disconnected.append(reason)))
        session.connect("reconnected", test.guarded(
            lambda _session, resumed: self.reconnected.append(resumed)))
        session.connect("closed", test.guarded(
            lambda _session, reason: self.closed.append(reason)))
        session.connect("message", test.guarded(on_message))


def bodies(first, last):
    return [f"message {i}" for i in range(first, last + 1)]


class ReconnectTestCase(SessionTestCase):
    def start_proxy(self, xmpp_server):
        """A FaultProxy in front of xmpp_server, closed after the sessions."""
        proxy = FaultProxy(xmpp_server.host, xmpp_server.port)
        self.addCleanup(proxy.close)
        return proxy

    def connect_via(self, xmpp_server, proxy, account, policy, **settings):
        """A ready session of account whose connections go through proxy;
        policy is its reconnect policy (None: none), settings are more
        GXmpp.SessionConfig properties. Returns the session and a Watch
        attached before it connected."""
        stream_config = GXmpp.StreamConfig.new()
        stream_config.set_server_address(Gio.NetworkAddress.new("127.0.0.1", proxy.port))
        stream_config.set_tls_database(xmpp_server.tls_database())
        config = GXmpp.SessionConfig.new()
        config.set_stream_config(stream_config)
        config.props.stream_management = True
        config.props.reconnect = policy
        for name, value in settings.items():
            config.set_property(name.replace("_", "-"), value)

        auth = GXmpp.Auth.new_password(account, xmpp_server.password(account))
        session = GXmpp.Session(domain=xmpp_server.domain, config=config, auth=auth)
        watch = Watch(self, session)
        self.assertTrue(self.call_async(
            lambda cb: session.init_async(GLib.PRIORITY_DEFAULT, None, cb),
            lambda source, result: source.init_finish(result), f"connecting {account}"))
        self.addCleanup(self.close, session)
        self.assertEqual(watch.states, [State.CONNECTING, State.READY])
        return session, watch

    def connect_direct(self, xmpp_server, account):
        session = self.connect(xmpp_server, account)
        return session, Watch(self, session)

    def send_async(self, session, stanza):
        """send_async; returns the dict that gets "value" or "error"."""
        return self.start_async(lambda cb: session.send_async(stanza, None, cb),
                                lambda source, result: source.send_finish(result))

    def run_for(self, seconds):
        """Iterates the main loop for a while (a pause in which the library
        may act, not a measurement)."""
        over = []

        def on_timeout():
            over.append(True)
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(int(seconds * 1000), on_timeout)
        while not over:
            self._raise_callback_failure()
            self.loop.run()
        self._raise_callback_failure()

    def marker(self, sender, receiver_jid, watch):
        """sender sends MARKER to receiver_jid; waits until watch has it."""
        sender.send(chat(receiver_jid, MARKER))
        self.wait_until(lambda: MARKER in watch.bodies, "the marker message")

    def wait_disconnected(self, session, watch):
        self.wait_until(lambda: watch.disconnected, "the disconnected signal")
        self.assertNotEqual(session.props.state, State.READY)


class TestResume(ReconnectTestCase):
    def test_cut(self):
        proxy = self.start_proxy(server)
        policy = GXmpp.ReconnectPolicy.new_full(100, 2000, 2.0, 0.5, 0)
        alice, at_alice = self.connect_via(server, proxy, "alice", policy)
        bob, at_bob = self.connect_direct(server, "bob")
        alice_jid = alice.get_jid()

        for body in bodies(1, 5):
            bob.send(chat(alice_jid, body))
        self.wait_until(lambda: len(at_alice.bodies) >= 5, "messages 1 to 5 at alice")

        proxy.cut()
        self.wait_disconnected(alice, at_alice)
        # The loop is not running: alice is disconnected while this runs.
        self.assertEqual(alice.props.state, State.DISCONNECTED)
        self.assertEqual(at_alice.states[2:], [State.DISCONNECTED])
        self.assertIsInstance(at_alice.disconnected[0], GLib.Error)
        for body in bodies(6, 10):
            bob.send(chat(alice_jid, body))
        sent = self.send_async(alice, chat(bob.get_jid(), "from alice"))
        self.assertEqual(sent, {})

        self.wait_until(lambda: at_alice.reconnected, "alice reconnected")
        self.wait_until(lambda: len(at_alice.bodies) >= 10 and at_bob.bodies and sent,
                        "the messages and alice's confirmation")
        self.marker(bob, alice_jid, at_alice)
        self.marker(alice, bob.get_jid(), at_bob)

        self.assertEqual(at_alice.states, [State.CONNECTING, State.READY, State.DISCONNECTED,
                                           State.RESUMING, State.READY])
        self.assertEqual(len(at_alice.disconnected), 1,
                         [error_text(e) for e in at_alice.disconnected])
        self.assertEqual(at_alice.reconnected, [True])
        self.assertEqual(at_alice.closed, [])
        self.assertEqual(alice.props.state, State.READY)
        self.assertEqual(at_alice.bodies, bodies(1, 10) + [MARKER])
        self.assertEqual(at_bob.bodies, ["from alice", MARKER])
        self.assertEqual(sent, {"value": True})
        self.assertTrue(alice.get_jid().equal(alice_jid))
        self.assertEqual(at_bob.states, [])

    def test_blackhole(self):
        proxy = self.start_proxy(server)
        policy = GXmpp.ReconnectPolicy.new_full(100, 2000, 2.0, 0.5, 0)
        alice, at_alice = self.connect_via(server, proxy, "alice", policy,
                                           ping_interval=500, ping_timeout=500)
        bob, at_bob = self.connect_direct(server, "bob")
        alice_jid = alice.get_jid()

        for body in bodies(1, 3):
            bob.send(chat(alice_jid, body))
        self.wait_until(lambda: len(at_alice.bodies) >= 3, "messages 1 to 3 at alice")

        # No FIN, no RST: only the missing answer tells.
        self.assertEqual(proxy.blackhole(), 1)
        for body in bodies(4, 6):
            bob.send(chat(alice_jid, body))
        sent = self.send_async(alice, chat(bob.get_jid(), "from alice"))

        self.wait_disconnected(alice, at_alice)
        self.assertGError(at_alice.disconnected[0], Gio.io_error_quark(),
                          Gio.IOErrorEnum.TIMED_OUT)
        self.wait_until(lambda: at_alice.reconnected, "alice reconnected")
        self.wait_until(lambda: len(at_alice.bodies) >= 6 and at_bob.bodies and sent,
                        "the messages and alice's confirmation")
        self.marker(bob, alice_jid, at_alice)
        self.marker(alice, bob.get_jid(), at_bob)

        self.assertEqual(at_alice.states, [State.CONNECTING, State.READY, State.DISCONNECTED,
                                           State.RESUMING, State.READY])
        self.assertEqual(len(at_alice.disconnected), 1,
                         [error_text(e) for e in at_alice.disconnected])
        self.assertEqual(at_alice.reconnected, [True])
        self.assertEqual(at_alice.bodies, bodies(1, 6) + [MARKER])
        self.assertEqual(at_bob.bodies, ["from alice", MARKER])
        self.assertEqual(sent, {"value": True})

    def test_refused_then_resumed(self):
        # The server is out of reach for a moment (two attempts refused),
        # much less than the five seconds it keeps a lost session: the
        # attempt that gets through resumes the stream.
        proxy = self.start_proxy(server)
        policy = GXmpp.ReconnectPolicy.new_full(100, 2000, 2.0, 0.5, 0)
        alice, at_alice = self.connect_via(server, proxy, "alice", policy)
        bob, at_bob = self.connect_direct(server, "bob")
        alice_jid = alice.get_jid()

        for body in bodies(1, 3):
            bob.send(chat(alice_jid, body))
        self.wait_until(lambda: len(at_alice.bodies) >= 3, "messages 1 to 3 at alice")

        proxy.set_refuse(True)
        proxy.cut()
        self.wait_disconnected(alice, at_alice)
        accepted = proxy.accepted
        for body in bodies(4, 5):
            bob.send(chat(alice_jid, body))
        sent = self.send_async(alice, chat(bob.get_jid(), "from alice"))
        # Each attempt changes the state, which wakes the wait.
        self.wait_until(lambda: proxy.accepted >= accepted + 2, "two refused attempts")
        self.assertEqual(at_alice.reconnected, [])
        proxy.set_refuse(False)

        self.wait_until(lambda: at_alice.reconnected, "alice reconnected")
        self.wait_until(lambda: at_bob.bodies and sent, "alice's message and its confirmation")
        self.marker(bob, alice.get_jid(), at_alice)
        self.marker(alice, bob.get_jid(), at_bob)

        self.assertEqual(at_alice.reconnected, [True],
                         f"alice's JID {alice_jid.to_string()} -> {alice.get_jid().to_string()}; "
                         f"her messages: {at_alice.bodies}")
        self.assertTrue(alice.get_jid().equal(alice_jid))
        self.assertEqual(at_alice.states[:3], [State.CONNECTING, State.READY, State.DISCONNECTED])
        self.assertEqual(at_alice.states[-2:], [State.RESUMING, State.READY])
        self.assertNotIn(State.READY, at_alice.states[2:-1])
        self.assertEqual(at_alice.bodies, bodies(1, 5) + [MARKER])
        self.assertEqual(at_bob.bodies, ["from alice", MARKER])
        self.assertEqual(sent, {"value": True})


class TestWithoutPolicy(ReconnectTestCase):
    def test_reconnect_by_hand(self):
        proxy = self.start_proxy(server)
        alice, at_alice = self.connect_via(server, proxy, "alice", None)
        self.assertIsNone(alice.props.config.props.reconnect)
        bob, _at_bob = self.connect_direct(server, "bob")
        alice_jid = alice.get_jid()

        bob.send(chat(alice_jid, "message 1"))
        self.wait_until(lambda: at_alice.bodies, "message 1 at alice")

        proxy.cut()
        self.wait_disconnected(alice, at_alice)
        accepted = proxy.accepted
        bob.send(chat(alice_jid, "message 2"))

        # Without a policy nobody tries again: the session waits.
        self.run_for(1.5)
        self.assertEqual(alice.props.state, State.DISCONNECTED)
        self.assertEqual(at_alice.states[2:], [State.DISCONNECTED])
        self.assertEqual(proxy.accepted, accepted)
        self.assertEqual(at_alice.closed, [])
        self.assertEqual(at_alice.bodies, ["message 1"])

        # The application's "Retry now".
        self.assertTrue(self.call_async(
            lambda cb: alice.reconnect_async(None, cb),
            lambda source, result: source.reconnect_finish(result), "reconnect_async"))
        self.assertEqual(proxy.accepted, accepted + 1)
        self.assertEqual(alice.props.state, State.READY)
        self.assertEqual(at_alice.states[2:], [State.DISCONNECTED, State.RESUMING, State.READY])
        self.assertEqual(at_alice.reconnected, [True])
        self.marker(bob, alice_jid, at_alice)
        self.assertEqual(at_alice.bodies, ["message 1", "message 2", MARKER])

        self.assertTrue(self.close(alice))
        self.assertEqual(at_alice.states[5:], [State.CLOSING, State.CLOSED])
        self.assertEqual(at_alice.closed, [None])
        self.assertEqual(len(at_alice.disconnected), 1)


class TestFailedResumption(ReconnectTestCase):
    def test_server_forgot(self):
        # Debug logging: the log shows the server refusing the resumption.
        forgetful = XmppTestServer("prosody", ["--smacks", "--resume-timeout", "1", "--offline",
                                               "--log-level", "debug"])
        self.addCleanup(forgetful.close)
        proxy = self.start_proxy(forgetful)
        policy = GXmpp.ReconnectPolicy.new_full(100, 2000, 2.0, 0.5, 0)
        alice, at_alice = self.connect_via(forgetful, proxy, "alice", policy)
        bob, at_bob = self.connect_direct(forgetful, "bob")
        alice_jid = alice.get_jid()
        # Available: messages to her bare JID, and offline ones, come to her.
        alice.send(GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None))

        for body in bodies(1, 3):
            bob.send(chat(alice_jid, body))
        self.wait_until(lambda: len(at_alice.bodies) >= 3, "messages 1 to 3 at alice")

        proxy.set_refuse(True)
        proxy.cut()
        self.wait_disconnected(alice, at_alice)
        # To the hibernating session first: the server queues them.
        for body in bodies(4, 6):
            bob.send(chat(alice_jid, body))
        sent = self.send_async(alice, chat(bob.get_jid(), "from alice"))

        # Long enough for the server to give up on the session (after one
        # second); alice's attempts meanwhile are refused.
        self.run_for(3)
        self.assertEqual(at_alice.reconnected, [])
        self.assertGreater(proxy.accepted, 1)
        # To a session that no longer exists: offline storage.
        for body in bodies(7, 8):
            bob.send(chat(alice_jid, body))
        proxy.set_refuse(False)

        self.wait_until(lambda: at_alice.reconnected, "alice reconnected")
        self.wait_until(lambda: len(at_alice.bodies) >= 8 and at_bob.bodies and sent,
                        "the messages and alice's confirmation")
        self.marker(bob, alice.get_jid(), at_alice)
        self.marker(alice, bob.get_jid(), at_bob)

        self.assertEqual(at_alice.reconnected, [False])
        self.assertEqual(alice.props.state, State.READY)
        # A fresh stream because the server refused to resume the old one
        # (mod_smacks: "Tried to resume old expired session"), not because
        # alice did not ask.
        with open(forgetful.log_path, encoding="utf-8", errors="replace") as log:
            smacks = [line.rstrip("\n") for line in log if "smacks" in line or "resum" in line]
        self.assertTrue(any("Tried to resume old expired session" in line for line in smacks),
                        "the server never refused a <resume/>; its mod_smacks log:\n" +
                        "\n".join(smacks[-12:]))
        self.assertEqual(at_alice.states[:3], [State.CONNECTING, State.READY, State.DISCONNECTED])
        self.assertEqual(at_alice.states[-1], State.READY)
        self.assertNotIn(State.READY, at_alice.states[2:-1])
        self.assertLessEqual(set(at_alice.states[2:]),
                             {State.DISCONNECTED, State.RESUMING, State.CONNECTING, State.READY})
        self.assertEqual(at_alice.closed, [])
        self.assertEqual(at_alice.bodies, bodies(1, 8) + [MARKER])
        self.assertEqual(at_bob.bodies, ["from alice", MARKER])
        self.assertEqual(sent, {"value": True})


if __name__ == "__main__":
    unittest.main()
