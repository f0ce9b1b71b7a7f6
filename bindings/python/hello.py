#!/usr/bin/python3
# hello.py: builds a message with GXmpp.Node, writes it, reads it back
#
# Run with Debian's python3 (python3-gi), GI_TYPELIB_PATH pointing at
# GXmpp-1.0.typelib when xmpp-glib is not installed in a standard prefix.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

try:
    import gi
except ImportError:
    print("PyGObject (python3-gi) is not installed: skipping")
    sys.exit(77)

gi.require_version("GXmpp", "1.0")
from gi.repository import GLib, GXmpp  # noqa: E402

message = GXmpp.Node.new("message", GXmpp.NS_CLIENT)
message.set_attribute("to", "juliet@example.com")
message.set_attribute("type", "chat")
message.add_child_with_text("body", None, "Hello from Python, <3 & all")

xml = message.to_string()
print(xml)

parsed = GXmpp.Node.new_from_string(xml, -1, GXmpp.NS_CLIENT)
if not parsed.equal(message):
    sys.exit("the parsed message differs from the one written")
print("body:", parsed.get_child_text("body", GXmpp.NS_CLIENT))

# Errors of the library are GLib.Error exceptions with a domain and a code.
try:
    GXmpp.Node.new_from_string("<message><!-- hidden --></message>", -1, None)
    sys.exit("a comment was accepted")
except GLib.Error as e:
    if not e.matches(GXmpp.stream_error_quark(), GXmpp.StreamError.RESTRICTED_XML):
        sys.exit(f"wrong error: {e}")
    print("refused as expected:", e.message)
