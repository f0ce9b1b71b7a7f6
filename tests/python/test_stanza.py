# test_stanza.py: messages, presences, IQs and stanza errors through PyGObject
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GXmpp  # noqa: E402

EVIL = "</body></message><presence type='unavailable'/>"


def parse(xml):
    node = GXmpp.Node.new_from_string(xml, -1, GXmpp.NS_CLIENT)
    return GXmpp.Stanza.new_from_node(node)


class TestMessage(unittest.TestCase):
    def test_build_and_read(self):
        to = GXmpp.Jid.new("romeo@example.net")
        msg = GXmpp.Message.new(GXmpp.MessageType.CHAT, to)
        msg.set_body(None, "Art thou not Romeo?")
        msg.set_body("cs", "Nejsi Romeo?")
        msg.set_thread("t1", None)
        back = parse(msg.to_string())
        self.assertIsInstance(back, GXmpp.Message)
        self.assertEqual(back.get_kind(), GXmpp.StanzaKind.MESSAGE)
        self.assertEqual(back.get_message_type(), GXmpp.MessageType.CHAT)
        self.assertTrue(back.get_to().equal(to))
        self.assertEqual(back.get_body(None), "Art thou not Romeo?")
        self.assertEqual(back.get_body("cs"), "Nejsi Romeo?")
        self.assertEqual(back.get_body_langs(), ["cs"])
        self.assertEqual(back.props.thread, "t1")

    def test_new_chat(self):
        to = GXmpp.Jid.new("juliet@example.com")
        msg = GXmpp.Message.new_chat(to, "<b>hi</b> & bye")
        self.assertEqual(msg.get_message_type(), GXmpp.MessageType.CHAT)
        self.assertTrue(msg.get_to().equal(to))
        back = parse(msg.to_string())
        self.assertEqual(back.get_body(None), "<b>hi</b> & bye")

    def test_markup_stays_text(self):
        msg = GXmpp.Message.new(GXmpp.MessageType.CHAT, None)
        msg.props.body = EVIL
        back = parse(msg.to_string())
        self.assertEqual(back.props.body, EVIL)
        self.assertEqual(back.get_node().get_n_children(), 1)

    def test_properties_notify(self):
        msg = GXmpp.Message()
        changes = []
        msg.connect("notify::body", lambda obj, pspec: changes.append(obj.props.body))
        msg.props.body = "one"
        msg.set_body(None, "one")
        msg.set_body(None, "two")
        self.assertEqual(changes, ["one", "two"])

    def test_answer(self):
        msg = parse("<message from='juliet@example.com/balcony' type='chat'>"
                    "<body>Hi</body><thread>t</thread></message>")
        answer = msg.answer(None)
        answer.set_body(None, "Hello")
        self.assertEqual(answer.get_to().to_string(), "juliet@example.com/balcony")
        self.assertEqual(answer.get_thread(), "t")
        self.assertIsNone(parse("<message/>").answer(None))


class TestPresence(unittest.TestCase):
    def test_presence(self):
        pres = GXmpp.Presence.new(GXmpp.PresenceType.AVAILABLE, None)
        pres.props.show = GXmpp.PresenceShow.DND
        pres.props.status = "Busy"
        pres.props.priority = 5
        back = parse(pres.to_string())
        self.assertEqual(back.get_show(), GXmpp.PresenceShow.DND)
        self.assertEqual(back.get_status(None), "Busy")
        self.assertEqual(back.get_priority(), 5)

    def test_subscribe(self):
        pres = GXmpp.Presence.new(GXmpp.PresenceType.SUBSCRIBE, GXmpp.Jid.new("juliet@example.com"))
        self.assertIn("type='subscribe'", pres.to_string())


class TestIq(unittest.TestCase):
    def test_request_and_reply(self):
        request = parse("<iq type='get' id='v1' from='romeo@example.net/orchard'>"
                        "<query xmlns='jabber:iq:version'/></iq>")
        self.assertTrue(request.is_request())
        self.assertEqual(request.get_payload().get_namespace(), "jabber:iq:version")

        reply = GXmpp.Node.new("query", "jabber:iq:version")
        reply.add_child_with_text("name", None, "xmpp-glib")
        result = request.new_result(reply)
        self.assertEqual(result.get_iq_type(), GXmpp.IqType.RESULT)
        self.assertEqual(result.get_id(), "v1")
        self.assertEqual(result.get_to().to_string(), "romeo@example.net/orchard")

        error = GXmpp.StanzaErrorDetails.new(GXmpp.StanzaError.SERVICE_UNAVAILABLE)
        err_reply = request.new_error(error)
        back = parse(err_reply.to_string())
        self.assertTrue(back.is_error())
        self.assertEqual(back.get_error().get_condition(), GXmpp.StanzaError.SERVICE_UNAVAILABLE)
        self.assertEqual(back.get_error().get_error_type(), GXmpp.StanzaErrorType.CANCEL)

    def test_invalid_stanzas(self):
        for xml in ("<iq type='get'><q xmlns='q'/></iq>",
                    "<iq id='1' type='get'/>",
                    "<presence type='online'/>",
                    "<message from='@example.com'/>"):
            with self.subTest(xml=xml):
                with self.assertRaises(GLib.Error) as ctx:
                    parse(xml)
                self.assertTrue(ctx.exception.matches(GXmpp.error_quark(), GXmpp.Error.INVALID_STANZA))


class TestStanzaError(unittest.TestCase):
    def test_gerror_round_trip(self):
        error = GXmpp.StanzaErrorDetails.new(GXmpp.StanzaError.ITEM_NOT_FOUND)
        error.set_text("Gone fishing", None)
        gerror = error.to_gerror()
        self.assertTrue(gerror.matches(GXmpp.stanza_error_quark(),
                                       GXmpp.StanzaError.ITEM_NOT_FOUND))
        self.assertIn("Gone fishing", gerror.message)
        # PyGObject rebuilds a GError from domain, code and message only, so
        # the attached details (text, type, application element) do not
        # survive the trip through Python: the condition does.
        back = GXmpp.StanzaErrorDetails.from_gerror(gerror)
        self.assertEqual(back.get_condition(), GXmpp.StanzaError.ITEM_NOT_FOUND)
        self.assertEqual(back.get_error_type(), GXmpp.StanzaErrorType.CANCEL)


if __name__ == "__main__":
    unittest.main()
