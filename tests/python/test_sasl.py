# test_sasl.py: GXmpp.Auth, GXmpp.SaslContext and GXmpp.SaslMechanism
# through PyGObject, including a mechanism written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

import gi

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GObject, GXmpp  # noqa: E402


class PyToken(GXmpp.SaslMechanism):
    """X-PY-TOKEN: sends a token, wants "ok" in <success/>."""

    def __init__(self, token):
        super().__init__(name="X-PY-TOKEN")
        self.token = token

    def do_is_acceptable(self, context):
        if not context.is_secure():
            raise GLib.Error.new_literal(
                GXmpp.AuthError.quark(),
                "X-PY-TOKEN is not used on an unencrypted connection",
                GXmpp.AuthError.ENCRYPTION_REQUIRED,
            )
        return True

    def do_start(self, context):
        return True, GLib.Bytes.new(self.token.encode())

    def do_complete(self, additional_data):
        if additional_data is None or additional_data.get_data() != b"ok":
            raise GLib.Error.new_literal(
                GXmpp.AuthError.quark(),
                "no ok",
                GXmpp.AuthError.SERVER_SIGNATURE_MISMATCH,
            )
        return True


class TestSasl(unittest.TestCase):
    def context(self, auth, offered, secure):
        context = auth.create_context("example.com")
        context.set_server_mechanisms(offered)
        context.props.secure = secure
        return context

    def test_builtin(self):
        names = GXmpp.SaslMechanism.list_builtin()
        self.assertEqual(names[0], "SCRAM-SHA-256-PLUS")
        self.assertIn("DIGEST-MD5", names)
        self.assertEqual(GXmpp.SaslMechanism.new("plain").props.name, "PLAIN")
        with self.assertRaises(GLib.Error) as caught:
            GXmpp.SaslMechanism.new("CRAM-MD5")
        self.assertTrue(
            caught.exception.matches(GXmpp.AuthError.quark(), GXmpp.AuthError.INVALID_MECHANISM)
        )

    def test_selection(self):
        auth = GXmpp.Auth.new_password("juliet", "pencil")
        names = [m.props.name for m in auth.get_mechanisms()]
        self.assertEqual(
            names,
            ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"],
        )
        offered = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"]
        mechanism = auth.select_mechanism(self.context(auth, offered, False))
        self.assertEqual(mechanism.get_name(), "SCRAM-SHA-256")

        with self.assertRaises(GLib.Error) as caught:
            auth.select_mechanism(self.context(auth, ["PLAIN"], False))
        self.assertTrue(
            caught.exception.matches(
                GXmpp.AuthError.quark(), GXmpp.AuthError.NO_ACCEPTABLE_MECHANISM
            )
        )
        self.assertIn("unencrypted", caught.exception.message)

        context = self.context(auth, ["PLAIN"], True)
        mechanism = auth.select_mechanism(context)
        ok, initial = mechanism.start(context)
        self.assertTrue(ok)
        self.assertEqual(initial.get_data(), b"\0juliet\0pencil")

    def test_password_is_no_property(self):
        auth = GXmpp.Auth.new_password("juliet", "pencil")
        context = auth.create_context("example.com")
        for obj in (auth, context):
            self.assertNotIn("password", [p.name for p in obj.list_properties()])
        self.assertEqual(context.props.username, "juliet")
        self.assertEqual(context.props.service, "xmpp")

    def test_hostile_server_first(self):
        mechanism = GXmpp.SaslMechanism.new("SCRAM-SHA-1")
        context = GXmpp.SaslContext.new("example.com")
        context.set_credentials("user", "pencil")
        ok, initial = mechanism.start(context)
        self.assertTrue(initial.get_data().startswith(b"n,,n=user,r="))
        nonce = initial.get_data().split(b"r=")[1]
        challenge = GLib.Bytes.new(b"r=" + nonce + b"x,s=QSXCR+Q6sek8bf92,i=2147483647")

        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            try:
                source.step_finish(result)
            except GLib.Error as error:
                outcome["error"] = error
            loop.quit()

        mechanism.step_async(challenge, None, done)
        loop.run()
        self.assertTrue(
            outcome["error"].matches(
                GXmpp.AuthError.quark(), GXmpp.AuthError.INVALID_SERVER_RESPONSE
            )
        )

    def test_python_mechanism(self):
        auth = GXmpp.Auth.new_password("juliet", "pencil")
        token = PyToken("secret-token")
        auth.add_mechanism(token)

        with self.assertRaises(GLib.Error) as caught:
            auth.select_mechanism(self.context(auth, ["X-PY-TOKEN"], False))
        self.assertIn("X-PY-TOKEN is not used", caught.exception.message)

        context = self.context(auth, ["X-PY-TOKEN"], True)
        mechanism = auth.select_mechanism(context)
        self.assertIs(mechanism, token)
        ok, initial = mechanism.start(context)
        self.assertEqual(initial.get_data(), b"secret-token")
        with self.assertRaises(GLib.Error):
            mechanism.complete(GLib.Bytes.new(b"nope"))
        self.assertTrue(mechanism.complete(GLib.Bytes.new(b"ok")))

    def test_python_failure_without_error(self):
        # "return False" from a Python vfunc sets no GError; the library
        # gives the failure one instead of handing NULL to the session.
        class Silent(GXmpp.SaslMechanism):
            def do_is_acceptable(self, context):
                return False

            def do_start(self, context):
                return False, None

            def do_complete(self, additional_data):
                return additional_data is not None and additional_data.get_data() == b"v=ok"

        mechanism = Silent(name="X-SILENT")
        context = GXmpp.SaslContext.new("example.com")
        for call, code in (
            (lambda: mechanism.is_acceptable(context), GXmpp.AuthError.ABORTED),
            (lambda: mechanism.start(context), GXmpp.AuthError.ABORTED),
            (lambda: mechanism.complete(GLib.Bytes.new(b"v=forged")),
             GXmpp.AuthError.SERVER_SIGNATURE_MISMATCH),
        ):
            with self.assertRaises(GLib.Error) as caught:
                call()
            self.assertTrue(caught.exception.matches(GXmpp.AuthError.quark(), code),
                            caught.exception)
            self.assertIn("X-SILENT", caught.exception.message)
        self.assertTrue(mechanism.complete(GLib.Bytes.new(b"v=ok")))


if __name__ == "__main__":
    unittest.main()
