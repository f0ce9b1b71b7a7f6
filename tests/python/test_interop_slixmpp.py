# test_interop_slixmpp.py: a GXmpp session and a slixmpp client on one server
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Interoperability with a client nobody here wrote: a GXmpp.Session in
this process and slixmpp (tests/support/slixmpp-peer.py, driven through
xmpp_test_server.SlixmppPeer) exchange messages and IQs in both
directions, and subscribe to each other's presence (each side asks and
the other approves), on a private Prosody, and on ejabberd where it can run
(the ejabberd class skips otherwise).

The peer echoes chat messages ("echo: " + body) and answers IQ gets in
urn:xmpp-glib:test with the same element holding the text reversed; it
answers sets there with feature-not-implemented. Its "iq" command sends an
IQ and reports the outcome as an iq-result or iq-error event.
"""

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import Gio, GLib, GXmpp  # noqa: E402

from session_fixture import SessionTestCase, chat, request  # noqa: E402
from xmpp_test_server import SlixmppPeer, XmppTestServer  # noqa: E402

NS_TEST = "urn:xmpp-glib:test"  # what slixmpp-peer.py answers
NS_PING = "urn:xmpp:ping"


class Interop:
    """The tests; subclasses name the server (SERVER)."""

    SERVER = None
    OPTIONS = ()
    MECHANISM = None  # what GXmpp's default choice comes to
    PREAPPROVAL = None  # whether the server offers subscription pre-approval

    @classmethod
    def setUpClass(cls):
        cls.server = XmppTestServer(cls.SERVER, cls.OPTIONS)
        try:
            cls.peer = SlixmppPeer(cls.server, "bob")
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.peer.quit()
        finally:
            cls.server.stop()

    def setUp(self):
        super().setUp()
        self.alice = self.connect(self.server, "alice")
        self.bob = GXmpp.Jid.new(self.peer.jid)

    def peer_event(self, event, **fields):
        """The next event of the peer named event whose fields have the
        given values; events of that name that do not match are dropped."""
        while True:
            line = self.peer.wait_event(event)
            if all(line.get(k) == v for k, v in fields.items()):
                return line

    def test_session(self):
        self.assertEqual(self.alice.get_mechanism(), self.MECHANISM)
        self.assertTrue(self.peer.jid.startswith(self.server.jid("bob") + "/"), self.peer.jid)

    # -- messages

    def test_message_to_slixmpp_and_echo(self):
        at_alice = self.collect(self.alice, "message")
        message = chat(self.bob, "hello <slixmpp> & co")
        message.set_thread("interop-1", None)
        self.alice.send(message)

        seen = self.peer_event("message", body="hello <slixmpp> & co")
        self.assertEqual(seen["from"], self.alice.get_jid().to_string())
        self.assertEqual(seen["type"], "chat")
        self.assertEqual(seen["id"], message.get_id())

        echo = self.wait_for(at_alice, "slixmpp's echo")
        self.assertEqual(echo.get_body(None), "echo: hello <slixmpp> & co")
        self.assertEqual(echo.get_message_type(), GXmpp.MessageType.CHAT)
        self.assertEqual(echo.get_thread(), "interop-1")
        self.assertTrue(echo.get_from().equal(self.bob))

    def test_message_from_slixmpp(self):
        at_alice = self.collect(self.alice, "message")
        self.peer.send_message(self.alice.get_jid().to_string(), "from slixmpp", type="normal")

        got = self.wait_for(at_alice, "slixmpp's message")
        self.assertEqual(got.get_body(None), "from slixmpp")
        self.assertEqual(got.get_message_type(), GXmpp.MessageType.NORMAL)
        self.assertTrue(got.get_from().equal(self.bob))
        # Answered with Message.answer: slixmpp sees it come back.
        answer = got.answer(None)
        answer.set_body(None, "answered from GXmpp")
        self.alice.send(answer)
        seen = self.peer_event("message", body="answered from GXmpp")
        self.assertEqual((seen["from"], seen["type"]),
                         (self.alice.get_jid().to_string(), "normal"))

    # -- IQs from slixmpp, answered by a GXmpp IQ handler

    def serve(self):
        def on_request(_session, req):
            text = req.get_payload().get_text()
            if text == "fail":
                details = GXmpp.StanzaErrorDetails.new(GXmpp.StanzaError.ITEM_NOT_FOUND)
                details.set_text("nothing called fail", "en")
                req.reply_error(details)
            else:
                payload = GXmpp.Node.new("query", NS_TEST)
                payload.set_text(text[::-1])
                req.reply_result(payload)

        self.alice.add_iq_handler(GXmpp.IqType.GET, NS_TEST, self.guarded(on_request))

    def test_iq_from_slixmpp_result(self):
        self.serve()
        self.peer.send_test_iq(self.alice.get_jid().to_string(), "stressed", tag="result")
        outcome = self.peer_event("iq-result", tag="result")
        self.assertEqual((outcome["ns"], outcome["name"], outcome["text"]),
                         (NS_TEST, "query", "desserts"))
        self.assertEqual(outcome["from"], self.alice.get_jid().to_string())

    def test_iq_from_slixmpp_error(self):
        self.serve()
        self.peer.send_test_iq(self.alice.get_jid().to_string(), "fail", tag="error")
        outcome = self.peer_event("iq-error", tag="error")
        self.assertEqual((outcome["condition"], outcome["error_type"], outcome["text"]),
                         ("item-not-found", "cancel", "nothing called fail"))

    def test_iq_from_slixmpp_unhandled(self):
        # No handler for the namespace: the library answers for the
        # application (RFC 6120 8.4).
        self.peer.command({"iq": {"to": self.alice.get_jid().to_string(),
                                  "ns": "urn:xmpp-glib:test:nobody", "text": "?",
                                  "tag": "unhandled"}})
        outcome = self.peer_event("iq-error", tag="unhandled")
        self.assertEqual((outcome["condition"], outcome["error_type"]),
                         ("service-unavailable", "cancel"))

    # -- IQs from GXmpp, answered by slixmpp

    def test_iq_to_slixmpp_result(self):
        iq = request(self.bob, NS_TEST, "drawer")
        reply = self.send_iq(self.alice, iq)
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.RESULT)
        self.assertEqual(reply.get_id(), iq.get_id())
        self.assertTrue(reply.get_from().equal(self.bob))
        payload = reply.get_payload()
        self.assertEqual((payload.get_name(), payload.get_namespace(), payload.get_text()),
                         ("query", NS_TEST, "reward"))
        seen = self.peer_event("iq", id=iq.get_id())
        self.assertEqual((seen["type"], seen["text"], seen["from"]),
                         ("get", "drawer", self.alice.get_jid().to_string()))

    def test_iq_to_slixmpp_error(self):
        iq = request(self.bob, NS_TEST, "set me", GXmpp.IqType.SET)
        with self.assertRaises(GLib.Error) as caught:
            self.send_iq(self.alice, iq)
        self.assertGError(caught.exception, GXmpp.stanza_error_quark(),
                          GXmpp.StanzaError.FEATURE_NOT_IMPLEMENTED)

        iq = request(self.bob, NS_TEST, "set me", GXmpp.IqType.SET)
        reply = self.send_iq(self.alice, iq, finish=GXmpp.Session.send_iq_finish_reply)
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.ERROR)
        details = reply.get_error()
        self.assertEqual(details.get_condition(), GXmpp.StanzaError.FEATURE_NOT_IMPLEMENTED)
        self.assertEqual(details.get_error_type(), GXmpp.StanzaErrorType.CANCEL)

    def test_ping_slixmpp(self):
        # XEP-0199, answered by slixmpp's own plug-in.
        iq = GXmpp.Iq.new(GXmpp.IqType.GET, self.bob, GXmpp.Node.new("ping", NS_PING))
        reply = self.send_iq(self.alice, iq)
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.RESULT)
        self.assertIsNone(reply.get_payload())


    # -- presence subscriptions, both ways (RFC 6121 section 3)

    def test_subscription_handshake_both_ways(self):
        alice_bare = self.alice.get_jid().to_bare()
        # An interested resource (RFC 6121 2.1.6), as GXmpp.Roster makes it:
        # only those get the answers to subscription requests.
        query = GXmpp.Node.new("query", "jabber:iq:roster")
        self.send_iq(self.alice, GXmpp.Iq.new(GXmpp.IqType.GET, None, query))
        tracker = GXmpp.PresenceTracker.new(self.alice)
        subscriptions = GXmpp.Subscriptions.new(self.alice)
        events = []
        for signal in ("request", "subscribed", "unsubscribed"):
            subscriptions.connect(signal, self.guarded(
                lambda _s, from_, presence, signal=signal: events.append((signal, from_.to_string()))))
        self.assertEqual(subscriptions.props.preapproval_supported, self.PREAPPROVAL)
        self.call_async(
            lambda cb: tracker.set_presence_async(
                GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None), None, cb),
            lambda source, result: source.set_presence_finish(result),
            "initial presence")
        bob_bare = self.bob.to_bare()

        # GXmpp asks, slixmpp approves: alice gets bob's presence.
        subscriptions.subscribe(bob_bare, "from GXmpp")
        seen = self.peer_event("subscription", type="subscribe")
        self.assertEqual(seen["from"], alice_bare.to_string())
        self.peer.subscription("approve", alice_bare.to_string())
        self.wait_until(lambda: ("subscribed", bob_bare.to_string()) in events, "bob's approval")
        self.wait_until(lambda: tracker.get_presence(self.bob) is not None, "bob's presence")
        self.assertTrue(tracker.get_best(bob_bare).get_from().equal(self.bob))

        # slixmpp asks, GXmpp approves: bob gets alice's presence.
        self.peer.subscription("subscribe", alice_bare.to_string())
        self.wait_until(lambda: ("request", bob_bare.to_string()) in events, "bob's request")
        subscriptions.approve(bob_bare)
        seen = self.peer_event("subscription", type="subscribed")
        self.assertEqual(seen["from"], alice_bare.to_string())
        seen = self.peer_event("presence", **{"from": self.alice.get_jid().to_string()})
        self.assertIn(seen["type"], ("available", None))

        # Pre-approval only where the server announces it.
        if self.PREAPPROVAL:
            subscriptions.preapprove(GXmpp.Jid.new(self.server.jid("carol")))
        else:
            with self.assertRaises(GLib.Error) as caught:
                subscriptions.preapprove(GXmpp.Jid.new(self.server.jid("carol")))
            self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_SUPPORTED)


class TestProsody(Interop, SessionTestCase):
    SERVER = "prosody"
    MECHANISM = "SCRAM-SHA-256"
    PREAPPROVAL = True   # Prosody 0.12 announces urn:xmpp:features:pre-approval


class TestEjabberd(Interop, SessionTestCase):
    SERVER = "ejabberd"
    # ejabberd before 24.02 binds SCRAM-*-PLUS to tls-unique on TLS 1.3
    # too, where RFC 9266 says tls-exporter, and does not announce its
    # types (XEP-0440), so over TLS 1.3 the library's defaults take
    # SCRAM-SHA-256 without binding. On TLS 1.2 both use tls-unique: the
    # interop test runs there to exercise -PLUS.
    OPTIONS = ("--tls12-only",)
    MECHANISM = "SCRAM-SHA-256-PLUS"
    PREAPPROVAL = False  # ejabberd 23.01 does not announce it


if __name__ == "__main__":
    unittest.main()
