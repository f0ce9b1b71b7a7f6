// hello.js: builds a message with GXmpp.Node, writes it, reads it back
//
// Run with: gjs -m hello.js (GI_TYPELIB_PATH pointing at GXmpp-1.0.typelib
// when xmpp-glib is not installed in a standard prefix).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GXmpp from 'gi://GXmpp?version=1.0';
import System from 'system';

function fail(why) {
    printerr(`hello.js: ${why}`);
    System.exit(1);
}

const message = GXmpp.Node.new('message', GXmpp.NS_CLIENT);
message.set_attribute('to', 'juliet@example.com');
message.set_attribute('type', 'chat');
message.add_child_with_text('body', null, 'Hello from GJS, <3 & all');

const xml = message.to_string();
print(xml);

const parsed = GXmpp.Node.new_from_string(xml, -1, GXmpp.NS_CLIENT);
if (!parsed.equal(message))
    fail('the parsed message differs from the one written');
print(`body: ${parsed.get_child_text('body', GXmpp.NS_CLIENT)}`);

// Errors of the library are GLib.Error exceptions with a domain and a code.
try {
    GXmpp.Node.new_from_string('<message><!-- hidden --></message>', -1, null);
    fail('a comment was accepted');
} catch (e) {
    if (!(e instanceof GLib.Error) ||
        !e.matches(GXmpp.StreamError, GXmpp.StreamError.RESTRICTED_XML))
        fail(`wrong error: ${e}`);
    print(`refused as expected: ${e.message}`);
}

const name = GXmpp.StreamError.to_string(GXmpp.StreamError.HOST_UNKNOWN);
if (name !== 'host-unknown')
    fail(`StreamError.to_string gave ${name}`);
