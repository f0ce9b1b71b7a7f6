# test_node.py: GXmpp.Node and the error domains through PyGObject
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GXmpp  # noqa: E402

MARKUP = "<b>bold</b> & \"quoted\" 'apostrophe' ]]> &amp; <!-- not a comment -->"


def build_message():
    message = GXmpp.Node.new("message", GXmpp.NS_CLIENT)
    message.set_attribute("to", "juliet@example.com")
    message.set_attribute("type", "chat")
    message.add_child_with_text("body", None, "Hello")
    return message


class TestBuild(unittest.TestCase):
    def test_new(self):
        node = GXmpp.Node.new("message", GXmpp.NS_CLIENT)
        self.assertEqual(node.get_kind(), GXmpp.NodeKind.ELEMENT)
        self.assertEqual(node.get_name(), "message")
        self.assertEqual(node.get_namespace(), "jabber:client")
        self.assertTrue(node.is_("message", GXmpp.NS_CLIENT))
        self.assertFalse(node.is_("message", GXmpp.NS_SERVER))
        self.assertFalse(node.is_sealed())
        self.assertEqual(node.get_n_children(), 0)
        self.assertEqual(node.get_text(), "")

    def test_no_namespace(self):
        node = GXmpp.Node.new("x", None)
        self.assertIsNone(node.get_namespace())
        self.assertEqual(node.to_string(), "<x/>")

    def test_text_node(self):
        text = GXmpp.Node.new_text("plain")
        self.assertEqual(text.get_kind(), GXmpp.NodeKind.TEXT)
        self.assertEqual(text.get_text(), "plain")


class TestAttributes(unittest.TestCase):
    def test_set_get(self):
        node = build_message()
        self.assertEqual(node.get_attribute("to"), "juliet@example.com")
        self.assertEqual(node.get_attribute("type"), "chat")
        self.assertIsNone(node.get_attribute("from"))
        self.assertEqual(node.get_n_attributes(), 2)

        node.set_attribute("type", "normal")
        self.assertEqual(node.get_attribute("type"), "normal")
        self.assertEqual(node.get_n_attributes(), 2)

        node.set_attribute("type", None)
        self.assertIsNone(node.get_attribute("type"))
        self.assertEqual(node.get_n_attributes(), 1)

    def test_attribute_at(self):
        node = build_message()
        found = {}
        for i in range(node.get_n_attributes()):
            ok, ns, name, value = node.get_attribute_at(i)
            self.assertTrue(ok)
            self.assertIsNone(ns)
            found[name] = value
        self.assertEqual(found, {"to": "juliet@example.com", "type": "chat"})
        self.assertFalse(node.get_attribute_at(node.get_n_attributes())[0])

    def test_namespaced_and_lang(self):
        node = GXmpp.Node.new("body", GXmpp.NS_CLIENT)
        node.set_attribute_ns("urn:example:x", "flag", "1")
        node.set_lang("en")
        self.assertEqual(node.get_attribute_ns("urn:example:x", "flag"), "1")
        self.assertIsNone(node.get_attribute("flag"))
        self.assertEqual(node.get_lang(), "en")
        self.assertEqual(node.get_attribute_ns(GXmpp.NS_XML, "lang"), "en")

        parsed = GXmpp.Node.new_from_string(node.to_string(), -1, None)
        self.assertEqual(parsed.get_attribute_ns("urn:example:x", "flag"), "1")
        self.assertEqual(parsed.get_lang(), "en")


class TestChildren(unittest.TestCase):
    def test_add_and_find(self):
        message = build_message()
        thread = message.add_child_with_text("thread", None, "t-1")
        delay = message.add_child("delay", GXmpp.NS_DELAY)
        delay.set_attribute("stamp", "2002-09-10T23:08:25Z")

        self.assertEqual(message.get_n_children(), 3)
        self.assertEqual(message.get_child_at(0).get_name(), "body")
        self.assertTrue(message.get_child_at(1).equal(thread))
        self.assertIsNone(message.get_child_at(3))
        # A child added with ns None takes the parent's namespace.
        self.assertEqual(thread.get_namespace(), GXmpp.NS_CLIENT)

        self.assertEqual(message.get_child_text("body", GXmpp.NS_CLIENT), "Hello")
        self.assertIsNone(message.get_child("body", GXmpp.NS_DELAY))
        self.assertEqual(message.get_child(None, GXmpp.NS_DELAY).get_attribute("stamp"),
                         "2002-09-10T23:08:25Z")

        names = [c.get_name() for c in message.get_children(None, GXmpp.NS_CLIENT)]
        self.assertEqual(names, ["body", "thread"])
        self.assertEqual(len(message.get_children(None, None)), 3)

    def test_append_insert_remove(self):
        message = build_message()
        subject = GXmpp.Node.new("subject", GXmpp.NS_CLIENT)
        subject.set_text("Greeting")
        message.insert(0, subject)
        self.assertEqual(message.get_child_at(0).get_name(), "subject")

        extra = GXmpp.Node.new("x", "urn:example:x")
        message.append(extra)
        self.assertEqual(message.get_n_children(), 3)

        self.assertTrue(message.remove_child(message.get_child_at(2)))
        self.assertEqual(message.remove_children("body", None), 1)
        self.assertEqual(message.get_n_children(), 1)
        self.assertEqual(message.get_child_text("subject", None), "Greeting")

    def test_mixed_text(self):
        node = GXmpp.Node.new("p", None)
        node.add_text("one ")
        node.add_child("br", None)
        node.add_text("two")
        self.assertEqual(node.get_text(), "one two")
        node.set_text("only")
        self.assertEqual(node.get_text(), "only")
        self.assertEqual(node.get_n_children(), 2)


class TestRoundTrip(unittest.TestCase):
    def test_markup_in_text_stays_text(self):
        message = build_message()
        message.get_child("body", None).set_text(MARKUP)
        message.set_attribute("id", MARKUP)

        xml = message.to_string()
        self.assertNotIn("<b>", xml)
        self.assertNotIn("<!--", xml)

        parsed = GXmpp.Node.new_from_string(xml, -1, None)
        self.assertTrue(parsed.equal(message))
        self.assertEqual(parsed.get_child_text("body", GXmpp.NS_CLIENT), MARKUP)
        self.assertEqual(parsed.get_attribute("id"), MARKUP)
        self.assertEqual(parsed.to_string(), xml)

    def test_non_ascii(self):
        node = GXmpp.Node.new("body", GXmpp.NS_CLIENT)
        node.set_text("Grüße, 世界 😀")
        parsed = GXmpp.Node.new_from_string(node.to_string(), -1, None)
        self.assertEqual(parsed.get_text(), "Grüße, 世界 😀")

    def test_default_namespace(self):
        parsed = GXmpp.Node.new_from_string("<message><body>hi</body></message>",
                                            -1, GXmpp.NS_CLIENT)
        self.assertTrue(parsed.is_("message", GXmpp.NS_CLIENT))
        self.assertEqual(parsed.get_child_text("body", GXmpp.NS_CLIENT), "hi")

    def test_unwritable_character(self):
        node = GXmpp.Node.new("body", None)
        node.set_text("bell \x07")
        with self.assertRaises(GLib.Error) as caught:
            node.to_string()
        self.assertTrue(caught.exception.matches(GXmpp.error_quark(),
                                                 GXmpp.Error.INVALID_CHARACTER))


class TestEqualAndSeal(unittest.TestCase):
    def test_equal(self):
        a = build_message()
        b = GXmpp.Node.new("message", GXmpp.NS_CLIENT)
        b.set_attribute("type", "chat")  # other order
        b.set_attribute("to", "juliet@example.com")
        b.add_child_with_text("body", None, "Hello")
        self.assertTrue(a.equal(b))
        self.assertTrue(b.equal(a))

        b.get_child("body", None).set_text("Hello!")
        self.assertFalse(a.equal(b))

    def test_prefixes_do_not_matter(self):
        prefixed = GXmpp.Node.new_from_string(
            "<c:message xmlns:c='jabber:client' to='juliet@example.com' type='chat'>"
            "<c:body>Hello</c:body></c:message>", -1, None)
        self.assertTrue(prefixed.equal(build_message()))

    def test_seal_and_copy(self):
        node = build_message()
        node.seal()
        self.assertTrue(node.is_sealed())
        copy = node.copy()
        self.assertFalse(copy.is_sealed())
        self.assertTrue(copy.equal(node))
        copy.set_attribute("type", "normal")
        self.assertEqual(node.get_attribute("type"), "chat")


class TestParseErrors(unittest.TestCase):
    def assert_stream_error(self, xml, code):
        with self.assertRaises(GLib.Error) as caught:
            GXmpp.Node.new_from_string(xml, -1, None)
        error = caught.exception
        self.assertEqual(error.domain, "gxmpp-stream-error-quark")
        self.assertEqual(GLib.quark_from_string(error.domain), GXmpp.stream_error_quark())
        self.assertEqual(error.code, int(code))
        self.assertTrue(error.matches(GXmpp.stream_error_quark(), code))
        self.assertTrue(error.message)

    def test_restricted_xml(self):
        code = GXmpp.StreamError.RESTRICTED_XML
        self.assert_stream_error("<message><!-- hidden --></message>", code)
        self.assert_stream_error("<message><?target data?></message>", code)
        self.assert_stream_error("<message>&custom;</message>", code)

    def test_not_well_formed(self):
        self.assert_stream_error("<message><body></message>",
                                 GXmpp.StreamError.NOT_WELL_FORMED)


class TestErrorHelpers(unittest.TestCase):
    def test_quarks(self):
        self.assertEqual(GLib.quark_to_string(GXmpp.error_quark()), "gxmpp-error-quark")
        self.assertEqual(GLib.quark_to_string(GXmpp.jid_error_quark()), "gxmpp-jid-error-quark")
        self.assertEqual(GLib.quark_to_string(GXmpp.stream_error_quark()),
                         "gxmpp-stream-error-quark")
        self.assertEqual(GLib.quark_to_string(GXmpp.auth_error_quark()), "gxmpp-auth-error-quark")
        self.assertEqual(GXmpp.StreamError.quark(), GXmpp.stream_error_quark())

    def test_stream_error(self):
        host_unknown = GXmpp.StreamError.HOST_UNKNOWN
        self.assertEqual(GXmpp.StreamError.to_string(host_unknown), "host-unknown")
        self.assertEqual(GXmpp.StreamError.from_string("host-unknown"), (True, host_unknown))
        self.assertFalse(GXmpp.StreamError.from_string("no-such-condition")[0])
        self.assertTrue(GXmpp.StreamError.get_description(host_unknown))
        self.assertEqual(GXmpp.StreamError.to_string(GXmpp.StreamError.RESTRICTED_XML),
                         "restricted-xml")

    def test_stanza_error(self):
        forbidden = GXmpp.StanzaError.FORBIDDEN
        self.assertEqual(GXmpp.StanzaError.to_string(forbidden), "forbidden")
        self.assertEqual(GXmpp.StanzaError.from_string("forbidden"), (True, forbidden))
        self.assertFalse(GXmpp.StanzaError.from_string("forbidden!")[0])
        self.assertEqual(GXmpp.StanzaError.get_default_type(forbidden),
                         GXmpp.StanzaErrorType.AUTH)
        self.assertTrue(GXmpp.StanzaError.get_description(forbidden))

        cancel = GXmpp.StanzaErrorType.CANCEL
        self.assertEqual(GXmpp.StanzaErrorType.to_string(cancel), "cancel")
        self.assertEqual(GXmpp.StanzaErrorType.from_string("cancel"), (True, cancel))

    def test_auth_error(self):
        code = GXmpp.AuthError.NOT_AUTHORIZED
        self.assertEqual(GXmpp.AuthError.to_string(code), "not-authorized")
        self.assertEqual(GXmpp.AuthError.from_string("not-authorized"), (True, code))
        self.assertTrue(GXmpp.AuthError.get_description(code))
        # Conditions the library adds have no RFC name.
        self.assertIsNone(GXmpp.AuthError.to_string(GXmpp.AuthError.NO_ACCEPTABLE_MECHANISM))


if __name__ == "__main__":
    unittest.main()
