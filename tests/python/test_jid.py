# test_jid.py: GXmpp.Jid and GXmpp.LangTag through PyGObject
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GXmpp  # noqa: E402


class TestJid(unittest.TestCase):
    def test_parse(self):
        jid = GXmpp.Jid.new("Juliet@Example.COM/balcony")
        self.assertEqual(jid.get_local(), "juliet")
        self.assertEqual(jid.get_domain(), "example.com")
        self.assertEqual(jid.get_resource(), "balcony")
        self.assertEqual(jid.to_string(), "juliet@example.com/balcony")
        self.assertTrue(jid.is_full())
        self.assertFalse(jid.is_bare())

    def test_parts(self):
        jid = GXmpp.Jid.new_from_parts("ROMEO", "MÜLLER.example", "orchard")
        self.assertEqual(jid.to_string(), "romeo@müller.example/orchard")
        bare = jid.to_bare()
        self.assertTrue(bare.is_bare())
        self.assertTrue(bare.equal_bare(jid))
        self.assertFalse(bare.equal(jid))
        other = bare.with_resource("balcony")
        self.assertEqual(other.get_resource(), "balcony")

    def test_idn_equivalence(self):
        a = GXmpp.Jid.new("user@xn--mller-kva.example")
        b = GXmpp.Jid.new("user@MÜLLER.example")
        self.assertTrue(a.equal(b))
        self.assertEqual(a.hash(), b.hash())

    def test_errors_name_the_part(self):
        cases = [
            ("", GXmpp.JidError.INVALID),
            ("@example.com", GXmpp.JidError.LOCALPART),
            ("juliet@", GXmpp.JidError.DOMAINPART),
            ("juliet@example.com/", GXmpp.JidError.RESOURCEPART),
            ("a b@example.com", GXmpp.JidError.LOCALPART),
            ("user@ex_ample.com", GXmpp.JidError.DOMAINPART),
        ]
        for text, code in cases:
            with self.subTest(text=text):
                with self.assertRaises(GLib.Error) as ctx:
                    GXmpp.Jid.new(text)
                self.assertTrue(ctx.exception.matches(GXmpp.jid_error_quark(), code),
                                ctx.exception.message)

    def test_as_dict_key_by_string(self):
        # Python hashes boxed wrappers by identity; the canonical string is
        # the natural dictionary key.
        seen = {GXmpp.Jid.new("Juliet@example.com").to_string(): 1}
        self.assertIn(GXmpp.Jid.new("juliet@EXAMPLE.com").to_string(), seen)


class TestLangTag(unittest.TestCase):
    def test_tags(self):
        tag = GXmpp.LangTag.new("ES-419")
        self.assertEqual(tag.to_string(), "es-419")
        self.assertEqual(tag.get_primary(), "es")
        self.assertTrue(tag.equal(GXmpp.LangTag.new("es-419")))
        self.assertTrue(GXmpp.LangTag.new("de-CH").matches("de"))
        self.assertFalse(GXmpp.LangTag.new("dec").matches("de"))
        self.assertFalse(GXmpp.LangTag.is_valid("not a tag"))
        with self.assertRaises(GLib.Error) as ctx:
            GXmpp.LangTag.new("x")
        self.assertTrue(ctx.exception.matches(GXmpp.error_quark(), GXmpp.Error.INVALID_LANG_TAG))


if __name__ == "__main__":
    unittest.main()
