# test_session.py: GXmpp.Session through PyGObject against a private Prosody
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sessions written in Python, the way a PyGObject application uses them:
every asynchronous call runs through a GLib main loop (session_fixture.py
guards each wait), errors are GLib.Error exceptions matched on domain and
code, handlers and SASL mechanisms are Python callables and classes.

One Prosody (tests/python/xmpp_test_server.py) serves the whole module.
"""

import base64
import hashlib
import hmac
import os
import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import Gio, GLib, GXmpp  # noqa: E402

from session_fixture import SessionTestCase, chat, request  # noqa: E402
from xmpp_test_server import XmppTestServer  # noqa: E402

NS_TEST = "urn:xmpp-glib:test:python"
NS_NOBODY = "urn:xmpp-glib:test:nobody"

server = None


def setUpModule():
    global server
    server = XmppTestServer("prosody")


def tearDownModule():
    if server is not None:
        server.stop()


class TestConnect(SessionTestCase):
    def test_new_async(self):
        session = self.connect(server, "alice")

        self.assertEqual(session.get_state(), GXmpp.SessionState.READY)
        self.assertEqual(session.props.state, GXmpp.SessionState.READY)
        self.assertEqual(session.props.domain, server.domain)
        jid = session.get_jid()
        self.assertTrue(jid.is_full())
        self.assertEqual(jid.to_bare().to_string(), server.jid("alice"))
        self.assertTrue(session.props.jid.equal(jid))
        # Prosody offers PLAIN, SCRAM-SHA-1 and SCRAM-SHA-256 (no -PLUS
        # without channel binding support): the strongest one wins.
        self.assertEqual(server.mechanisms, ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"])
        self.assertEqual(session.get_mechanism(), "SCRAM-SHA-256")
        self.assertTrue(session.is_secure())
        self.assertIsInstance(session.get_tls_connection(), Gio.TlsConnection)
        features = session.props.features
        self.assertEqual(features.get_name(), "features")
        self.assertIsNotNone(features.get_child("bind", "urn:ietf:params:xml:ns:xmpp-bind"))

    def test_resource(self):
        session = self.connect(server, "alice", resource="python")
        self.assertEqual(session.get_jid().to_string(), server.jid("alice") + "/python")

    def test_async_initable_notifies_state(self):
        # The object itself, then GAsyncInitable: a handler of notify::state
        # can be connected before the session connects.
        auth = GXmpp.Auth.new_password("alice", server.password("alice"))
        session = GXmpp.Session(domain=server.domain, config=self.session_config(server),
                                auth=auth)
        states = []
        session.connect("notify::state", self.guarded(
            lambda obj, _pspec: states.append(obj.props.state)))
        self.assertEqual(session.props.state, GXmpp.SessionState.DISCONNECTED)

        self.assertTrue(self.init(session))
        self.assertEqual(states, [GXmpp.SessionState.CONNECTING, GXmpp.SessionState.READY])

        self.assertTrue(self.close(session))
        self.assertEqual(states, [GXmpp.SessionState.CONNECTING, GXmpp.SessionState.READY,
                                  GXmpp.SessionState.CLOSING, GXmpp.SessionState.CLOSED])

    def certificate_session(self, accept):
        """A session whose configuration does not trust the test CA, with
        an accept-certificate handler returning accept; and the calls the
        handler got."""
        config = self.session_config(server)
        system_database = Gio.TlsBackend.get_default().get_default_database()
        config.get_stream_config().set_tls_database(system_database)
        auth = GXmpp.Auth.new_password("alice", server.password("alice"))
        session = GXmpp.Session(domain=server.domain, config=config, auth=auth)
        calls = []

        def on_accept(_session, certificate, errors):
            calls.append((certificate, errors))
            return accept

        session.connect("accept-certificate", self.guarded(on_accept))
        return session, calls

    def init(self, session):
        return self.call_async(
            lambda cb: session.init_async(GLib.PRIORITY_DEFAULT, None, cb),
            lambda source, result: source.init_finish(result), "connecting")

    def test_certificate_refused(self):
        session, calls = self.certificate_session(False)
        with self.assertRaises(GLib.Error) as caught:
            self.init(session)
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.BAD_CERTIFICATE)
        ((certificate, errors),) = calls
        self.assertIsInstance(certificate, Gio.TlsCertificate)
        self.assertTrue(errors & Gio.TlsCertificateFlags.UNKNOWN_CA, errors)

    def test_certificate_accepted(self):
        # An application that pins the certificate: the handler says yes.
        session, calls = self.certificate_session(True)
        self.assertTrue(self.init(session))
        self.addCleanup(self.close, session)
        self.assertEqual(session.get_state(), GXmpp.SessionState.READY)
        ((certificate, _errors),) = calls
        with open(server.ca_file, encoding="ascii") as ca:
            ca_certificate = Gio.TlsCertificate.new_from_pem(ca.read(), -1)
        self.assertEqual(certificate.verify(None, ca_certificate), 0)

    def test_wrong_password(self):
        auth = GXmpp.Auth.new_password("alice", "not " + server.password("alice"))
        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, auth)
        self.assertGError(caught.exception, GXmpp.auth_error_quark(),
                          GXmpp.AuthError.NOT_AUTHORIZED)

    def test_tls_refused(self):
        # The server requires STARTTLS; a session that refuses TLS stops
        # before sending anything else.
        auth = GXmpp.Auth.new_password("alice", server.password("alice"))
        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, auth, policy=GXmpp.TlsPolicy.REFUSE)
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.TLS_FAILED)

    def test_cancelled(self):
        auth = GXmpp.Auth.new_password("alice", server.password("alice"))
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        config = self.session_config(server)
        with self.assertRaises(GLib.Error) as caught:
            self.call_async(
                lambda cb: GXmpp.Session.new_async(server.domain, config, auth, cancellable, cb),
                lambda _source, result: GXmpp.Session.new_finish(result), "connecting")
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


class TestMessages(SessionTestCase):
    def test_chat_and_answer(self):
        alice = self.connect(server, "alice")
        bob = self.connect(server, "bob")
        at_alice = self.collect(alice, "message")
        at_bob = []

        def on_bob_message(session, message):
            at_bob.append(message)
            answer = message.answer(None)
            answer.set_body(None, "Hello Alice")
            session.send(answer)
            return True

        bob.connect("message", self.guarded(on_bob_message))

        message = chat(bob.get_jid(), "Hello Bob")
        message.set_thread("thread-1", None)
        alice.send(message)

        got = self.wait_for(at_bob, "alice's message at bob")
        self.assertIsInstance(got, GXmpp.Message)
        self.assertEqual(got.get_body(None), "Hello Bob")
        self.assertEqual(got.get_message_type(), GXmpp.MessageType.CHAT)
        self.assertTrue(got.get_from().equal(alice.get_jid()))
        self.assertEqual(got.get_thread(), "thread-1")

        answer = self.wait_for(at_alice, "bob's answer at alice")
        self.assertEqual(answer.get_body(None), "Hello Alice")
        self.assertEqual(answer.get_message_type(), GXmpp.MessageType.CHAT)
        self.assertTrue(answer.get_from().equal(bob.get_jid()))
        self.assertEqual(answer.get_thread(), "thread-1")

    def test_bob_to_alice(self):
        alice = self.connect(server, "alice")
        bob = self.connect(server, "bob")
        at_alice = self.collect(alice, "message")

        message = GXmpp.Message.new(GXmpp.MessageType.NORMAL, alice.get_jid())
        message.set_subject(None, "Re: tests")
        message.set_body(None, "From Bob, <with> & markup")
        bob.send(message)

        got = self.wait_for(at_alice, "bob's message at alice")
        self.assertEqual(got.get_message_type(), GXmpp.MessageType.NORMAL)
        self.assertEqual(got.get_subject(None), "Re: tests")
        self.assertEqual(got.get_body(None), "From Bob, <with> & markup")
        self.assertEqual(got.get_id(), message.get_id())
        self.assertTrue(got.get_from().equal(bob.get_jid()))

    def test_handler_return_values(self):
        # The dispatch order of the class documentation: the stanza signal,
        # then add_handler() handlers, then the message signal; TRUE from
        # any of them stops the dispatch, and TRUE from a message signal
        # handler stops the later handlers of that signal.
        alice = self.connect(server, "alice")
        bob = self.connect(server, "bob")
        seen = {"stanza": [], "handler": [], "message 1": [], "message 2": []}

        def stage(name, stop_on):
            def handler(_session, stanza, *_user_data):
                body = stanza.get_body(None)
                seen[name].append(body)
                return body == stop_on
            return self.guarded(handler)

        bob.connect("stanza", stage("stanza", "stop at stanza"))
        match = GXmpp.StanzaMatch.new()
        match.set_kind(GXmpp.StanzaKind.MESSAGE)
        handler_id = bob.add_handler(match, 0, stage("handler", "stop at handler"))
        self.assertGreater(handler_id, 0)
        bob.connect("message", stage("message 1", "stop at message"))
        bob.connect("message", stage("message 2", None))

        bodies = ["stop at stanza", "stop at handler", "stop at message", "pass"]
        for body in bodies:
            alice.send(chat(bob.get_jid(), body))
        # In order from one sender: once "pass" is through, so are the others.
        self.wait_until(lambda: seen["message 2"], "the last message")

        self.assertEqual(seen["stanza"], bodies)
        self.assertEqual(seen["handler"], bodies[1:])
        self.assertEqual(seen["message 1"], bodies[2:])
        self.assertEqual(seen["message 2"], ["pass"])

        bob.remove_handler(handler_id)
        alice.send(chat(bob.get_jid(), "stop at handler"))
        self.wait_until(lambda: len(seen["message 2"]) == 2, "a message after remove_handler")
        self.assertEqual(seen["handler"], bodies[1:])

    def test_send_invalid_character(self):
        alice = self.connect(server, "alice")
        with self.assertRaises(GLib.Error) as caught:
            alice.send(chat(alice.get_jid(), "bell \x07"))
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.INVALID_CHARACTER)


class TestIq(SessionTestCase):
    def setUp(self):
        super().setUp()
        self.alice = self.connect(server, "alice")
        self.bob = self.connect(server, "bob")
        self.requests = []

    def serve(self, answer, iq_type=GXmpp.IqType.GET, ns=NS_TEST):
        """Bob answers requests with answer(request), a Python function."""
        def on_request(_session, request):
            self.requests.append(request)
            answer(request)
        return self.bob.add_iq_handler(iq_type, ns, self.guarded(on_request))

    def test_result(self):
        def reverse(request):
            payload = GXmpp.Node.new("answer", NS_TEST)
            payload.add_child_with_text("text", NS_TEST, request.get_payload().get_text()[::-1])
            self.assertTrue(request.reply_result(payload))
        self.serve(reverse)

        iq = request(self.bob.get_jid(), NS_TEST, "hello")
        reply = self.send_iq(self.alice, iq)

        self.assertIsInstance(reply, GXmpp.Iq)
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.RESULT)
        self.assertEqual(reply.get_id(), iq.get_id())
        self.assertTrue(reply.get_from().equal(self.bob.get_jid()))
        payload = reply.get_payload()
        self.assertEqual((payload.get_name(), payload.get_namespace()), ("answer", NS_TEST))
        self.assertEqual(payload.get_child_text("text", NS_TEST), "olleh")

        (seen,) = self.requests
        self.assertTrue(seen.is_answered())
        self.assertTrue(seen.get_from().equal(self.alice.get_jid()))
        self.assertEqual(seen.get_iq().get_iq_type(), GXmpp.IqType.GET)
        self.assertEqual(seen.get_payload().to_string(),
                         f"<query xmlns='{NS_TEST}'>hello</query>")

    def test_empty_result_later(self):
        # A handler may keep the request and answer from the main loop later.
        answered_in_handler = []

        def answer_later(request):
            def answer():
                self.assertTrue(request.reply_result(None))
                return GLib.SOURCE_REMOVE

            GLib.idle_add(self.guarded(answer))
            answered_in_handler.append(request.is_answered())

        self.serve(answer_later)
        reply = self.send_iq(self.alice, request(self.bob.get_jid(), NS_TEST, "later"))
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.RESULT)
        self.assertIsNone(reply.get_payload())
        self.assertEqual(answered_in_handler, [False])
        self.assertTrue(self.requests[0].is_answered())

    def reply_item_not_found(self, request):
        details = GXmpp.StanzaErrorDetails.new(GXmpp.StanzaError.ITEM_NOT_FOUND)
        details.set_text("no such widget", "en")
        details.set_application_element(GXmpp.Node.new("no-widget", NS_TEST))
        self.assertTrue(request.reply_error(details))
        # Answered once only.
        with self.assertRaises(GLib.Error) as caught:
            request.reply_result(None)
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.ALREADY_ANSWERED)

    def test_error_reply(self):
        self.serve(self.reply_item_not_found)

        with self.assertRaises(GLib.Error) as caught:
            self.send_iq(self.alice, request(self.bob.get_jid(), NS_TEST, "widget"))
        self.assertGError(caught.exception, GXmpp.stanza_error_quark(),
                          GXmpp.StanzaError.ITEM_NOT_FOUND)
        self.assertIn("no such widget", caught.exception.message)

    def test_error_reply_details(self):
        # What PyGObject's GLib.Error cannot carry, the reply itself does.
        self.serve(self.reply_item_not_found)

        iq = request(self.bob.get_jid(), NS_TEST, "widget")
        reply = self.send_iq(self.alice, iq, finish=GXmpp.Session.send_iq_finish_reply)

        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.ERROR)
        self.assertEqual(reply.get_id(), iq.get_id())
        self.assertTrue(reply.is_error())
        details = reply.get_error()
        self.assertEqual(details.get_condition(), GXmpp.StanzaError.ITEM_NOT_FOUND)
        self.assertEqual(details.get_error_type(), GXmpp.StanzaErrorType.CANCEL)
        self.assertEqual(details.get_text(), "no such widget")
        self.assertEqual(details.get_text_lang(), "en")
        app = details.get_application_element()
        self.assertEqual((app.get_name(), app.get_namespace()), ("no-widget", NS_TEST))
        # The same details become the GLib.Error send_iq_finish raises.
        error = details.to_gerror()
        self.assertGError(error, GXmpp.stanza_error_quark(), GXmpp.StanzaError.ITEM_NOT_FOUND)

    def test_unhandled_namespace(self):
        self.serve(lambda request: request.reply_result(None))
        for ns, iq_type in ((NS_NOBODY, GXmpp.IqType.GET), (NS_TEST, GXmpp.IqType.SET)):
            with self.subTest(ns=ns, type=iq_type):
                with self.assertRaises(GLib.Error) as caught:
                    self.send_iq(self.alice, request(self.bob.get_jid(), ns, "?", iq_type))
                self.assertGError(caught.exception, GXmpp.stanza_error_quark(),
                                  GXmpp.StanzaError.SERVICE_UNAVAILABLE)

                reply = self.send_iq(self.alice, request(self.bob.get_jid(), ns, "?", iq_type),
                                     finish=GXmpp.Session.send_iq_finish_reply)
                details = reply.get_error()
                self.assertEqual(details.get_condition(), GXmpp.StanzaError.SERVICE_UNAVAILABLE)
                self.assertEqual(details.get_error_type(), GXmpp.StanzaErrorType.CANCEL)
        self.assertEqual(self.requests, [])

    def test_one_handler_per_namespace(self):
        handler_id = self.serve(lambda request: request.reply_result(None))
        with self.assertRaises(GLib.Error) as caught:
            self.serve(lambda request: request.reply_result(None))
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.ALREADY_HANDLED)

        self.bob.remove_iq_handler(handler_id)
        with self.assertRaises(GLib.Error) as caught:
            self.send_iq(self.alice, request(self.bob.get_jid(), NS_TEST, "gone"))
        self.assertGError(caught.exception, GXmpp.stanza_error_quark(),
                          GXmpp.StanzaError.SERVICE_UNAVAILABLE)

    def test_timeout(self):
        # Bob keeps the request unanswered until alice has given up.
        self.serve(lambda request: None)
        with self.assertRaises(GLib.Error) as caught:
            self.send_iq(self.alice, request(self.bob.get_jid(), NS_TEST, "slow"),
                         timeout_ms=200)
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
        self.wait_until(lambda: self.requests, "the request at bob")
        self.assertTrue(self.requests[0].reply_result(None))


class TestInbox(SessionTestCase):
    def setUp(self):
        super().setUp()
        self.alice = self.connect(server, "alice")
        self.bob = self.connect(server, "bob")
        self.inbox = self.bob.open_inbox()

    def pull(self):
        return self.call_async(lambda cb: self.inbox.pull_async(None, cb),
                               lambda source, result: source.pull_finish(result), "pulling")

    def test_pull_and_wait_message(self):
        self.assertEqual(self.inbox.get_length(), 0)
        for body in ("one", "two", "three", "four"):
            self.alice.send(chat(self.bob.get_jid(), body))

        first = self.pull()
        self.assertIsInstance(first, GXmpp.Message)
        self.assertEqual(first.get_body(None), "one")
        self.assertTrue(first.get_from().equal(self.alice.get_jid()))

        offered = []

        def is_three(stanza, *_filter_data):
            offered.append(stanza.get_body(None))
            return stanza.get_body(None) == "three"

        three = self.call_async(
            # Keywords: see "Inbox filters in Python" in docs/api-notes.md.
            lambda cb: self.inbox.wait_message_async(filter=self.guarded(is_three), callback=cb),
            lambda source, result: source.wait_message_finish(result), "waiting for three")
        self.assertEqual(three.get_body(None), "three")
        # "two" was offered to the predicate, refused and dropped.
        self.assertEqual(offered, ["two", "three"])
        self.assertEqual(self.pull().get_body(None), "four")
        self.assertEqual(self.inbox.get_length(), 0)

    def test_wait_presence(self):
        for status in ("away", "here"):
            presence = GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, self.bob.get_jid())
            presence.set_status(None, status)
            self.alice.send(presence)
        self.alice.send(chat(self.bob.get_jid(), "not a presence"))

        presence = self.call_async(
            lambda cb: self.inbox.wait_presence_async(
                filter=self.guarded(lambda stanza, *_: stanza.get_status(None) == "here"),
                callback=cb),
            lambda source, result: source.wait_presence_finish(result), "waiting for presence")
        self.assertIsInstance(presence, GXmpp.Presence)
        self.assertEqual(presence.get_status(None), "here")
        self.assertTrue(presence.get_from().equal(self.alice.get_jid()))
        self.assertEqual(self.pull().get_body(None), "not a presence")

    def test_one_wait_at_a_time_and_cancel(self):
        cancellable = Gio.Cancellable()
        outcome = self.start_async(lambda cb: self.inbox.pull_async(cancellable, cb),
                                   lambda source, result: source.pull_finish(result))
        with self.assertRaises(GLib.Error) as caught:
            self.pull()
        self.assertGError(caught.exception, Gio.io_error_quark(), Gio.IOErrorEnum.PENDING)

        cancellable.cancel()
        self.wait_until(lambda: outcome, "the cancelled pull")
        self.assertGError(outcome.get("error"), Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

    def test_after_close(self):
        self.alice.send(chat(self.bob.get_jid(), "last"))
        self.assertEqual(self.pull().get_body(None), "last")
        self.close(self.bob)
        with self.assertRaises(GLib.Error) as caught:
            self.pull()
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.CLOSED)


class TestClose(SessionTestCase):
    def test_close(self):
        alice = self.connect(server, "alice")
        states = []
        reasons = []
        alice.connect("notify::state", self.guarded(
            lambda obj, _pspec: states.append(obj.props.state)))
        alice.connect("closed", self.guarded(lambda _session, reason: reasons.append(reason)))

        self.assertTrue(self.close(alice))
        self.assertEqual(states, [GXmpp.SessionState.CLOSING, GXmpp.SessionState.CLOSED])
        self.assertEqual(reasons, [None])
        self.assertEqual(alice.get_state(), GXmpp.SessionState.CLOSED)

        with self.assertRaises(GLib.Error) as caught:
            alice.send(chat(alice.get_jid(), "too late"))
        self.assertGError(caught.exception, GXmpp.error_quark(), GXmpp.Error.CLOSED)
        # Closing again succeeds at once, without another signal.
        self.assertTrue(self.close(alice))
        self.assertEqual(reasons, [None])

    def test_pending_iq_fails(self):
        alice = self.connect(server, "alice")
        bob = self.connect(server, "bob")
        kept = []
        bob.add_iq_handler(GXmpp.IqType.GET, NS_TEST, self.guarded(
            lambda _session, request: kept.append(request)))

        outcome = self.start_async(
            lambda cb: alice.send_iq_async(request(bob.get_jid(), NS_TEST, "never"), 0, None, cb),
            GXmpp.Session.send_iq_finish)
        self.wait_until(lambda: kept, "the request at bob")
        alice.close_async(None, None)
        self.wait_until(lambda: outcome, "the IQ's end")
        self.assertGError(outcome.get("error"), GXmpp.error_quark(), GXmpp.Error.CLOSED)

        # Bob can still answer; nobody listens any more.
        self.assertTrue(kept[0].reply_result(None))

    def test_closed_by_server(self):
        # The same resource again: Prosody replaces the older session with a
        # <conflict/> stream error, which its closed signal reports.
        first = self.connect(server, "alice", resource="twin")
        reasons = []
        first.connect("closed", self.guarded(lambda _session, reason: reasons.append(reason)))
        self.connect(server, "alice", resource="twin")

        self.wait_until(lambda: reasons, "the older session's end")
        self.assertGError(reasons[0], GXmpp.stream_error_quark(), GXmpp.StreamError.CONFLICT)
        self.assertEqual(first.get_state(), GXmpp.SessionState.CLOSED)


class TestReentrancy(SessionTestCase):
    """Handlers that end the session they are called from."""

    def test_close_in_message_handler(self):
        alice = self.connect(server, "alice")
        bob = self.connect(server, "bob")
        reasons = []

        def on_message(session, message):
            session.close_async(None, None)
            return True

        bob.connect("message", self.guarded(on_message))
        bob.connect("closed", self.guarded(lambda _session, reason: reasons.append(reason)))
        alice.send(chat(bob.get_jid(), "close now"))
        alice.send(chat(bob.get_jid(), "and again"))

        self.wait_until(lambda: reasons, "bob's end")
        self.assertEqual(reasons, [None])
        self.assertEqual(bob.get_state(), GXmpp.SessionState.CLOSED)

    def connect_unowned(self, account):
        """A session that only the returned dict holds, and a list that
        gets True when it is finalized."""
        auth = GXmpp.Auth.new_password(account, server.password(account))
        holder = {"session": self.new_session(server, auth)}
        finalized = []
        holder["session"].weak_ref(self.guarded(lambda: finalized.append(True)))
        return holder, finalized

    def test_drop_in_message_handler(self):
        alice = self.connect(server, "alice")
        holder, finalized = self.connect_unowned("bob")
        bob_jid = holder["session"].get_jid()
        got = []

        def on_message(_session, message):
            got.append(message.get_body(None))
            holder.clear()  # the last reference but the handler's argument
            return False

        holder["session"].connect("message", self.guarded(on_message))
        alice.send(chat(bob_jid, "goodbye"))
        self.wait_until(lambda: finalized, "bob's session finalized")
        self.assertEqual(got, ["goodbye"])

    def test_drop_in_iq_handler(self):
        alice = self.connect(server, "alice")
        holder, finalized = self.connect_unowned("bob")

        def on_request(_session, request):
            holder.clear()
            self.assertTrue(request.reply_result(None))

        holder["session"].add_iq_handler(GXmpp.IqType.GET, NS_TEST, self.guarded(on_request))
        reply = self.send_iq(alice, request(holder["session"].get_jid(), NS_TEST, "x"))
        self.assertEqual(reply.get_iq_type(), GXmpp.IqType.RESULT)
        self.wait_until(lambda: finalized, "bob's session finalized")

    def test_drop_in_closed_handler(self):
        holder, finalized = self.connect_unowned("carol")
        reasons = []

        def on_closed(_session, reason):
            reasons.append(reason)
            holder.clear()

        holder["session"].connect("closed", self.guarded(on_closed))
        holder["session"].close_async(None, None)
        self.wait_until(lambda: finalized, "carol's session finalized")
        self.assertEqual(reasons, [None])


class PyPlain(GXmpp.SaslMechanism):
    """PLAIN (RFC 4616) written in Python, registered under the name PLAIN
    in place of the built-in one."""

    def __init__(self, password=None):
        super().__init__(name="PLAIN")
        self.password = password
        self.calls = []

    def do_is_acceptable(self, context):
        self.calls.append(("is_acceptable", context.get_hostname(), context.is_secure()))
        if not context.is_secure():
            raise GLib.Error.new_literal(GXmpp.auth_error_quark(), "PLAIN needs TLS",
                                         GXmpp.AuthError.ENCRYPTION_REQUIRED)
        return True

    def do_start(self, context):
        self.calls.append(("start", context.get_username()))
        password = self.password if self.password is not None else context.get_password()
        message = b"\0" + context.get_username().encode() + b"\0" + password.encode()
        return True, GLib.Bytes.new(message)

    def do_complete(self, additional_data):
        self.calls.append(("complete", additional_data))
        return True


class PyScramSha1(GXmpp.SaslMechanism):
    """SCRAM-SHA-1 (RFC 5802) written in Python: a challenge answered in
    do_step_async, the server's signature checked in do_complete. With
    forge_check, do_complete refuses the server's proof by returning False
    (no exception)."""

    def __init__(self, forge_check=False):
        super().__init__(name="SCRAM-SHA-1")
        self.forge_check = forge_check
        self.challenges = []

    def do_start(self, context):
        self.password = context.get_password().encode()
        nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n={context.get_username()},r={nonce}"
        return True, GLib.Bytes.new(b"n,," + self.first_bare.encode())

    def do_step_async(self, challenge, cancellable, callback, *_user_data):
        # The callback comes with its user data bound: see docs/api-notes.md.
        task = Gio.Task.new(self, cancellable, callback)
        server_first = challenge.get_data().decode()
        self.challenges.append(server_first)
        attrs = dict(item.split("=", 1) for item in server_first.split(","))
        salted = hashlib.pbkdf2_hmac("sha1", self.password, base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        without_proof = f"c=biws,r={attrs['r']}"
        auth_message = f"{self.first_bare},{server_first},{without_proof}".encode()
        client_key = hmac.digest(salted, b"Client Key", "sha1")
        signature = hmac.digest(hashlib.sha1(client_key).digest(), auth_message, "sha1")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = hmac.digest(salted, b"Server Key", "sha1")
        self.server_signature = hmac.digest(server_key, auth_message, "sha1")
        self.response = f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
        task.return_boolean(True)

    def do_step_finish(self, result):
        result.propagate_boolean()
        return GLib.Bytes.new(self.response)

    def do_complete(self, additional_data):
        expected = b"v=" + base64.b64encode(self.server_signature)
        if self.forge_check:
            expected = b"v=" + base64.b64encode(bytes(20))
        return additional_data is not None and additional_data.get_data() == expected


class Broken(GXmpp.SaslMechanism):
    def __init__(self):
        super().__init__(name="PLAIN")

    def do_start(self, context):
        raise GLib.Error.new_literal(GXmpp.auth_error_quark(), "cannot prepare the password",
                                     GXmpp.AuthError.SASLPREP_FAILED)


class TestPythonMechanism(SessionTestCase):
    def auth_with(self, mechanism, account="carol"):
        auth = GXmpp.Auth.new_password(account, server.password(account))
        auth.set_mechanism_names([])  # no built-in ones: only ours
        auth.add_mechanism(mechanism)
        return auth

    def test_login(self):
        mechanism = PyPlain()
        auth = self.auth_with(mechanism)
        self.assertEqual(list(auth.get_mechanisms()), [mechanism])

        session = self.new_session(server, auth)
        self.addCleanup(self.close, session)
        self.assertEqual(session.get_mechanism(), "PLAIN")
        self.assertEqual(session.get_jid().to_bare().to_string(), server.jid("carol"))
        # Over TLS; Prosody's <success/> has no additional data.
        self.assertEqual(mechanism.calls, [("is_acceptable", server.domain, True),
                                           ("start", "carol"),
                                           ("complete", None)])

    def test_scram_with_challenge(self):
        mechanism = PyScramSha1()
        session = self.new_session(server, self.auth_with(mechanism))
        self.addCleanup(self.close, session)
        self.assertEqual(session.get_mechanism(), "SCRAM-SHA-1")
        self.assertEqual(session.get_jid().to_bare().to_string(), server.jid("carol"))
        (challenge,) = mechanism.challenges
        self.assertTrue(challenge.startswith("r="), challenge)

    def test_server_not_proved(self):
        # do_complete returns False without raising: the session fails
        # with the library's error instead of never finishing.
        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, self.auth_with(PyScramSha1(forge_check=True)))
        self.assertGError(caught.exception, GXmpp.auth_error_quark(),
                          GXmpp.AuthError.SERVER_SIGNATURE_MISMATCH)

    def test_wrong_password(self):
        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, self.auth_with(PyPlain(password="wrong")))
        self.assertGError(caught.exception, GXmpp.auth_error_quark(),
                          GXmpp.AuthError.NOT_AUTHORIZED)

    def test_error_from_python(self):
        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, self.auth_with(Broken()))
        self.assertGError(caught.exception, GXmpp.auth_error_quark(),
                          GXmpp.AuthError.SASLPREP_FAILED)
        self.assertEqual(caught.exception.message, "cannot prepare the password")

    def test_not_offered(self):
        class Token(GXmpp.SaslMechanism):
            def do_start(self, context):
                raise AssertionError("X-PY-TOKEN is not offered, so never started")

        with self.assertRaises(GLib.Error) as caught:
            self.new_session(server, self.auth_with(Token(name="X-PY-TOKEN")))
        self.assertGError(caught.exception, GXmpp.auth_error_quark(),
                          GXmpp.AuthError.NO_ACCEPTABLE_MECHANISM)


if __name__ == "__main__":
    unittest.main()
