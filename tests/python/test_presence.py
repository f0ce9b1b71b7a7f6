# test_presence.py: GXmpp.PresenceTracker, GXmpp.Subscriptions and chat
# messages through PyGObject against a private Prosody
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The IM layer from Python, as a PyGObject chat application uses it:
signals connected to Python callables, asynchronous calls through a GLib
main loop (session_fixture.py guards each wait), errors as GLib.Error.

Each test starts its own Prosody, so that no roster state leaks from one
test into the next. Every account asks for its roster first: the server
delivers the answers to subscription requests only to "interested"
resources, those that requested the roster (RFC 6121 section 2.1.6).
"""

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GXmpp  # noqa: E402

from session_fixture import SessionTestCase  # noqa: E402
from xmpp_test_server import XmppTestServer  # noqa: E402

NS_ROSTER = "jabber:iq:roster"

# Each arrives as exactly the same characters. (Not a carriage return: the
# library sends it as &#13;, but Prosody 0.12 forwards it unescaped, and
# XML's end-of-line handling makes it a line feed.)
TRICKY_TEXTS = [
    "<b>hi</b> &amp; <script>alert('x')</script>",
    "<![CDATA[ this is not CDATA ]]> and ]]> alone",
    "&lt;escaped&gt; &#x41; &unknown; \"quotes\" 'apostrophes'",
    "</body></message><message to='mallory@localhost'><body>smuggled",
    "\U0001F44B\U0001F3FD \U0001F1E8\U0001F1FF \U0001F468\u200d\U0001F469\u200d\U0001F467 \u2713",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u05e9\u05dc\u05d5\u05dd <b>\u05e2\u05d5\u05dc\u05dd</b> mixed with English\u200f!",
    "  leading and trailing spaces, \ttab,\nnew line  ",
]


class Account:
    """A session with a PresenceTracker and Subscriptions attached before
    anything is received; every signal goes to self.events as a tuple
    (signal, jid text, old, new) and messages to self.messages."""

    def __init__(self, test, server, name, resource=None):
        self.test = test
        self.session = test.connect(server, name, resource)
        self.bare = server.jid(name)
        self.full = self.session.get_jid().to_string()
        self.jid = GXmpp.Jid.new(self.bare)
        self.tracker = GXmpp.PresenceTracker.new(self.session)
        self.subscriptions = GXmpp.Subscriptions.new(self.session)
        self.events = []
        self.messages = test.collect(self.session, "message")

        def on_presence_changed(tracker, jid, old, new):
            # The tracker is up to date when it tells.
            now = tracker.get_presence(jid)
            if new is not None and new.get_presence_type() == GXmpp.PresenceType.AVAILABLE:
                assert now is new, (now, new)
            else:
                assert now is None
            self.events.append(("presence-changed", jid.to_string(), old, new))

        def on_contact_changed(tracker, jid, best):
            assert jid.is_bare()
            self.events.append(("contact-changed", jid.to_string(), None, best))

        self.tracker.connect("presence-changed", test.guarded(on_presence_changed))
        self.tracker.connect("contact-changed", test.guarded(on_contact_changed))
        for signal in ("request", "subscribed", "unsubscribed", "unsubscribe-received"):
            def on_subscription(_subscriptions, from_, presence, signal=signal):
                assert from_.is_bare()
                self.events.append((signal, from_.to_string(), None, presence))
            self.subscriptions.connect(signal, test.guarded(on_subscription))

        # An interested resource (RFC 6121 2.1.6): GXmpp.Roster does this
        # in applications.
        query = GXmpp.Node.new("query", NS_ROSTER)
        reply = test.send_iq(self.session, GXmpp.Iq.new(GXmpp.IqType.GET, None, query))
        assert reply.get_iq_type() == GXmpp.IqType.RESULT

    def take(self, signal, who=None, match=None):
        """Takes the first event of signal about who (and for which
        match(event) holds) out of self.events, or returns None."""
        for i, event in enumerate(self.events):
            if event[0] == signal and (who is None or event[1] == who) and \
                    (match is None or match(event)):
                return self.events.pop(i)
        return None

    def wait(self, signal, who=None, match=None):
        found = []
        self.test.wait_until(lambda: found.append(self.take(signal, who, match)) or found[-1],
                             f"{signal} about {who}")
        return found[-1]

    def count(self, signal, who=None):
        return sum(1 for e in self.events if e[0] == signal and (who is None or e[1] == who))

    def set_presence(self, presence):
        return self.test.call_async(
            lambda cb: self.tracker.set_presence_async(presence, None, cb),
            lambda source, result: source.set_presence_finish(result),
            "sending presence")

    def available(self, show=GXmpp.PresenceShow.NONE, priority=0, status=None):
        presence = GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None)
        presence.set_show(show)
        presence.set_priority(priority)
        if status is not None:
            presence.set_status(None, status)
        self.set_presence(presence)

    def wait_best(self, contact, full, show):
        """Waits until the best presence of contact (an Account) comes from
        full with show."""
        def best():
            p = self.tracker.get_best(contact.jid)
            return p is not None and p.get_from().to_string() == full and p.get_show() == show
        self.test.wait_until(best, f"best presence of {contact.bare} from {full}")
        return self.tracker.get_best(contact.jid)


def gone(event):
    """An event that says its address is gone: no presence, or an
    unavailable one."""
    return event[3] is None or event[3].get_presence_type() == GXmpp.PresenceType.UNAVAILABLE


class TestPresence(SessionTestCase):
    def setUp(self):
        super().setUp()
        self.server = XmppTestServer("prosody")
        self.addCleanup(self.server.stop)

    def account(self, name, resource=None):
        return Account(self, self.server, name, resource)

    def relay(self, sender, to, body):
        """A chat message from sender to to's session; returns it as to got
        it (a round trip after everything sender sent before)."""
        before = len(to.messages)
        sender.session.send(GXmpp.Message.new_chat(GXmpp.Jid.new(to.full), body))
        got = self.wait_for(to.messages, f"{to.bare} receiving {body!r}", before + 1)
        self.assertEqual(got.get_body(None), body)
        return got

    def subscribe_approved(self, sender, to):
        sender.subscriptions.subscribe(to.jid, None)
        to.wait("request", sender.bare)
        to.subscriptions.approve(sender.jid)
        sender.wait("subscribed", to.bare)

    # -- subscriptions

    def test_subscribe_approve_and_changes(self):
        alice, bob = self.account("alice"), self.account("bob", "laptop")
        alice.available()
        bob.available(GXmpp.PresenceShow.CHAT, 0, "hello")

        alice.subscriptions.subscribe(bob.jid, "It's Alice")
        request = bob.wait("request", alice.bare)
        self.assertEqual(request[3].get_presence_type(), GXmpp.PresenceType.SUBSCRIBE)
        self.assertEqual(request[3].get_status(None), "It's Alice")
        # Nothing answered for bob: his next message comes after any answer.
        self.relay(bob, alice, "thinking")
        self.assertEqual(alice.count("subscribed"), 0)

        bob.subscriptions.approve(alice.jid)
        alice.wait("subscribed", bob.bare)
        changed = alice.wait("presence-changed", bob.full)
        self.assertIsNone(changed[2])
        self.assertEqual(changed[3].get_show(), GXmpp.PresenceShow.CHAT)
        self.assertEqual(changed[3].get_status(None), "hello")
        contact = alice.wait("contact-changed", bob.bare)
        self.assertIs(contact[3], changed[3])

        # A change: old and new.
        away = GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None)
        away.set_show(GXmpp.PresenceShow.AWAY)
        away.set_status(None, "lunch")
        away.set_status("fr", "d\u00e9jeuner")
        bob.set_presence(away)
        self.assertEqual(bob.tracker.props.own_presence.get_show(), GXmpp.PresenceShow.AWAY)
        changed = alice.wait("presence-changed", bob.full)
        self.assertEqual(changed[2].get_show(), GXmpp.PresenceShow.CHAT)
        self.assertEqual(changed[3].get_show(), GXmpp.PresenceShow.AWAY)
        self.assertEqual(changed[3].get_status("fr"), "d\u00e9jeuner")
        presences = alice.tracker.get_presences(bob.jid)
        self.assertEqual(len(presences), 1)
        self.assertIs(presences[0], changed[3])
        self.assertEqual([j.to_string() for j in alice.tracker.get_contacts()].count(bob.bare), 1)

        # Unavailable, with a status.
        unavailable = GXmpp.Presence.new(GXmpp.PresenceType.UNAVAILABLE, None)
        unavailable.set_status(None, "gone home")
        bob.set_presence(unavailable)
        changed = alice.wait("presence-changed", bob.full, gone)
        self.assertEqual(changed[3].get_status(None), "gone home")
        alice.wait("contact-changed", bob.bare, gone)
        self.assertIsNone(alice.tracker.get_best(bob.jid))
        self.assertEqual(alice.tracker.get_presences(bob.jid), [])

    def test_deny(self):
        alice, carol = self.account("alice"), self.account("carol")
        alice.available()
        carol.available()
        alice.subscriptions.subscribe(GXmpp.Jid.new(carol.full), None)  # stands for the bare JID
        carol.wait("request", alice.bare)
        carol.subscriptions.deny(alice.jid)
        unsubscribed = alice.wait("unsubscribed", carol.bare)
        self.assertEqual(unsubscribed[3].get_presence_type(), GXmpp.PresenceType.UNSUBSCRIBED)
        self.relay(carol, alice, "no, sorry")
        self.assertIsNone(alice.tracker.get_best(carol.jid))

    def test_cancel_and_unsubscribe(self):
        alice, bob = self.account("alice"), self.account("bob")
        alice.available()
        bob.available(GXmpp.PresenceShow.DND)
        self.subscribe_approved(alice, bob)
        self.subscribe_approved(bob, alice)
        alice.wait_best(bob, bob.full, GXmpp.PresenceShow.DND)
        bob.wait_best(alice, alice.full, GXmpp.PresenceShow.NONE)

        bob.subscriptions.cancel(alice.jid)
        alice.wait("unsubscribed", bob.bare)
        changed = alice.wait("presence-changed", bob.full, gone)
        self.assertEqual(changed[2].get_show(), GXmpp.PresenceShow.DND)
        alice.wait("contact-changed", bob.bare, gone)
        self.assertIsNone(alice.tracker.get_best(bob.jid))

        bob.subscriptions.unsubscribe(alice.jid)
        alice.wait("unsubscribe-received", bob.bare)

    def test_preapproval(self):
        alice, carol = self.account("alice"), self.account("carol")
        alice.available()
        carol.available()
        self.assertTrue(alice.subscriptions.props.preapproval_supported)
        self.assertTrue(alice.subscriptions.get_preapproval_supported())
        alice.subscriptions.preapprove(carol.jid)
        self.relay(alice, carol, "go ahead")
        carol.subscriptions.subscribe(alice.jid, None)
        carol.wait("subscribed", alice.bare)
        self.relay(carol, alice, "thanks")
        self.assertEqual(alice.count("request"), 0)

    # -- the tracker

    def test_best_resource(self):
        alice = self.account("alice")
        desk, phone = self.account("bob", "desk"), self.account("bob", "phone")
        alice.available()
        desk.available(GXmpp.PresenceShow.AWAY, 5)
        phone.available(GXmpp.PresenceShow.CHAT, 5)
        self.subscribe_approved(alice, desk)

        # Same priority: chat beats away.
        self.wait_until(lambda: len(alice.tracker.get_presences(desk.jid)) == 2, "both resources")
        alice.wait_best(desk, phone.full, GXmpp.PresenceShow.CHAT)
        self.assertEqual([p.get_from().to_string() for p in alice.tracker.get_presences(desk.jid)],
                         [phone.full, desk.full])
        # A higher priority beats a better show.
        desk.available(GXmpp.PresenceShow.DND, 10)
        alice.wait_best(desk, desk.full, GXmpp.PresenceShow.DND)
        # A negative priority still counts for display.
        desk.available(GXmpp.PresenceShow.NONE, -1)
        alice.wait_best(desk, phone.full, GXmpp.PresenceShow.CHAT)
        phone.set_presence(GXmpp.Presence.new(GXmpp.PresenceType.UNAVAILABLE, None))
        best = alice.wait_best(desk, desk.full, GXmpp.PresenceShow.NONE)
        self.assertEqual(best.get_priority(), -1)

    def test_directed_and_go_offline(self):
        alice, carol = self.account("alice"), self.account("carol")
        alice.available(status="for everybody")
        carol.available()
        directed = GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None)
        directed.set_status(None, "just for carol")
        carol_full = GXmpp.Jid.new(carol.full)
        alice.tracker.send_directed(carol_full, directed)
        self.assertIsNone(directed.get_to())
        self.assertEqual([j.to_string() for j in alice.tracker.get_directed()], [carol.full])
        self.wait_until(lambda: carol.tracker.get_presence(GXmpp.Jid.new(alice.full)) is not None,
                        "carol seeing alice")
        self.assertEqual(carol.tracker.get_best(alice.jid).get_status(None), "just for carol")

        with self.assertRaises(GLib.Error) as caught:
            alice.tracker.send_directed(carol_full, GXmpp.Presence.new(GXmpp.PresenceType.PROBE, None))
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.INVALID_STANZA)

        self.call_async(
            lambda cb: alice.tracker.go_offline_async("see you", None, cb),
            lambda source, result: source.go_offline_finish(result),
            "going offline")
        self.assertEqual(alice.session.get_state(), GXmpp.SessionState.CLOSED)
        changed = carol.wait("presence-changed", alice.full, gone)
        self.assertEqual(changed[3].get_status(None), "see you")
        self.assertIsNone(carol.tracker.get_best(alice.jid))
        self.assertEqual(alice.tracker.get_directed(), [])
        self.assertIsNone(alice.tracker.get_own_presence())

    def test_session_end(self):
        alice, bob = self.account("alice"), self.account("bob")
        alice.available()
        bob.available(GXmpp.PresenceShow.XA)
        self.subscribe_approved(alice, bob)
        alice.wait_best(bob, bob.full, GXmpp.PresenceShow.XA)
        alice.events.clear()

        self.close(alice.session)
        changed = alice.take("presence-changed", bob.full, lambda e: e[3] is None)
        self.assertIsNotNone(changed)
        self.assertEqual(changed[2].get_show(), GXmpp.PresenceShow.XA)
        self.assertIsNotNone(alice.take("contact-changed", bob.bare, lambda e: e[3] is None))
        self.assertEqual(alice.tracker.get_contacts(), [])

    def test_errors(self):
        alice = self.account("alice")
        probe = GXmpp.Presence.new(GXmpp.PresenceType.PROBE, None)
        with self.assertRaises(GLib.Error) as caught:
            alice.set_presence(probe)
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.INVALID_STANZA)
        self.assertIsNone(alice.tracker.props.own_presence)

    # -- messages

    def test_message_texts(self):
        alice, bob = self.account("alice"), self.account("bob")
        for text in TRICKY_TEXTS:
            got = self.relay(alice, bob, text)
            self.assertEqual(got.get_message_type(), GXmpp.MessageType.CHAT)
            self.assertTrue(got.get_from().equal(alice.session.get_jid()))
            self.assertEqual([n.get_name() for n in got.get_payload() if n.get_name() == "message"], [])

    def test_message_languages_and_thread(self):
        alice, bob = self.account("alice"), self.account("bob")
        message = GXmpp.Message.new_chat(GXmpp.Jid.new(bob.full), "Good morning <3")
        message.set_lang("en")
        message.set_body("cs", "Dobr\u00e9 r\u00e1no <3")
        message.set_body("ar", "\u0635\u0628\u0627\u062d \u0627\u0644\u062e\u064a\u0631")
        message.set_subject(None, "Greetings & salutations")
        message.set_subject("cs", "Pozdravy")
        message.set_thread("thread-42", "parent-thread")
        alice.session.send(message)

        got = self.wait_for(bob.messages, "bob's message")
        self.assertEqual(got.get_id(), message.get_id())
        self.assertEqual(got.get_body(None), "Good morning <3")
        self.assertEqual(got.get_body("cs"), "Dobr\u00e9 r\u00e1no <3")
        self.assertEqual(got.get_body("ar"), "\u0635\u0628\u0627\u062d \u0627\u0644\u062e\u064a\u0631")
        self.assertEqual(sorted(got.get_body_langs()), ["ar", "cs"])
        self.assertEqual(got.get_subject(None), "Greetings & salutations")
        self.assertEqual(got.get_subject("cs"), "Pozdravy")
        self.assertEqual((got.get_thread(), got.get_thread_parent()), ("thread-42", "parent-thread"))

        answer = got.answer(None)
        answer.set_body(None, "Morning!")
        bob.session.send(answer)
        back = self.wait_for(alice.messages, "bob's answer")
        self.assertEqual(back.get_body(None), "Morning!")
        self.assertEqual((back.get_thread(), back.get_thread_parent()), ("thread-42", "parent-thread"))
        self.assertEqual(back.get_message_type(), GXmpp.MessageType.CHAT)


if __name__ == "__main__":
    unittest.main()
