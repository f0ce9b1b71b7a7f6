/* hello.vala: builds a message with GXmpp.Node, writes it, reads it back
 *
 * Compiled against the generated xmpp-glib-1.0.vapi, as a Vala application
 * would be:  valac --pkg xmpp-glib-1.0 hello.vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    var message = new GXmpp.Node ("message", GXmpp.NS_CLIENT);
    message.set_attribute ("to", "juliet@example.com");
    message.set_attribute ("type", "chat");
    message.add_child_with_text ("body", null, "Hello from Vala, <3 & all");

    try {
        string xml = message.to_string ();
        stdout.printf ("%s\n", xml);

        var parsed = new GXmpp.Node.from_string (xml, -1, GXmpp.NS_CLIENT);
        if (!parsed.equal (message)) {
            stderr.printf ("the parsed message differs from the one written\n");
            return 1;
        }
        stdout.printf ("body: %s\n", parsed.get_child_text ("body", GXmpp.NS_CLIENT));
    } catch (GLib.Error e) {
        stderr.printf ("unexpected error: %s\n", e.message);
        return 1;
    }

    /* Errors of the library are Vala error domains. */
    try {
        new GXmpp.Node.from_string ("<message><!-- hidden --></message>", -1, null);
        stderr.printf ("a comment was accepted\n");
        return 1;
    } catch (GXmpp.StreamError.RESTRICTED_XML e) {
        stdout.printf ("refused as expected: %s\n", e.message);
    } catch (GLib.Error e) {
        stderr.printf ("wrong error: %s\n", e.message);
        return 1;
    }

    // Stanza errors are an errordomain too, with their details alongside.
    var details = new GXmpp.StanzaErrorDetails (GXmpp.StanzaError.FORBIDDEN);
    if (details.get_error_type () != GXmpp.StanzaErrorType.AUTH) {
        stderr.printf ("wrong default type for forbidden\n");
        return 1;
    }
    var stanza_error = details.to_gerror ();
    if (stanza_error.domain != GXmpp.StanzaError.quark () || stanza_error.code != GXmpp.StanzaError.FORBIDDEN) {
        stderr.printf ("a stanza error is not a GXmpp.StanzaError\n");
        return 1;
    }

    return 0;
}
