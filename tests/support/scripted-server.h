/* scripted-server.h: an in-process XMPP server that plays a script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For the behaviours real servers will not show: a server that does not
 * offer STARTTLS, cuts mechanism lists down, sends a bad SCRAM signature or
 * a hostile iteration count, stream errors of every kind, see-other-host,
 * or closes in the middle of a stanza. It listens on 127.0.0.1, port 0,
 * takes one connection and plays its script, one command per string, in
 * the thread-default main context it was made in:
 *
 *   "open"              wait for the client's stream header, answer with
 *                       a header from "localhost"
 *   "send XML"          send XML as it is, after substitutions: {id} is the
 *                       id of the last element received, {nonce} the SCRAM
 *                       client nonce of the last <auth/>, {b64:TEXT} the
 *                       base64 of TEXT (after its own substitutions)
 *   "expect NAME"       the next element from the client must be named NAME
 *   "respond"           send what the responder (scripted_server_set_responder)
 *                       makes of the element the last "expect" took, after
 *                       the same substitutions as "send"; for exchanges the
 *                       script cannot spell out, such as a SCRAM server's
 *                       messages
 *   "restart"           the client's next bytes start a new stream (after
 *                       SASL <success/>): start a new XML document
 *   "expect-close"      the client's next move must be its closing tag (no
 *                       element, no new stream header): answer, close
 *   "tls CERT"          TLS with tests/data/certs/CERT.pem and CERT.key;
 *                       the client's next bytes start a new stream
 *   "close"             close the connection at once, no closing tag
 *   "wait-close"        wait for the client's closing tag, answer, close
 *   "hang"              do nothing more
 *
 * Every element the client sends is recorded, serialised, for assertions
 * (for instance that no <auth/> was ever sent).
 */

#pragma once

#include <gio/gio.h>

#include <xmpp-glib/xmpp-glib.h>

G_BEGIN_DECLS

typedef struct _ScriptedServer ScriptedServer;

/* Makes the XML to send in answer to @element; NULL stops the script with
 * an error. */
typedef char * (* ScriptedResponder) (GXmppNode *element,
                                      gpointer   user_data);

ScriptedServer *scripted_server_new (const char * const *script);
void scripted_server_free (ScriptedServer *server);

guint16 scripted_server_get_port (ScriptedServer *server);

/* The function that makes the answer of the "respond" command. */
void scripted_server_set_responder (ScriptedServer    *server,
                                    ScriptedResponder  responder,
                                    gpointer           user_data);

/* TRUE once the script has run to its end. */
gboolean scripted_server_is_done (ScriptedServer *server);
/* Why the script stopped early, or NULL. */
const char *scripted_server_get_error (ScriptedServer *server);
/* The elements the client sent, serialised, in order. */
GPtrArray *scripted_server_get_received (ScriptedServer *server);
/* Every byte the client sent, as read (the plaintext, over TLS): stream
 * headers, elements, and the whitespace between them. */
GString *scripted_server_get_raw (ScriptedServer *server);
/* Whether the client sent an element with this local name. */
gboolean scripted_server_received (ScriptedServer *server,
                                   const char     *name);
/* The @nth (from 0) element named @name the client sent, parsed (asserting
 * that it parses); NULL if there is none. */
GXmppNode *scripted_server_nth_received (ScriptedServer *server,
                                         const char     *name,
                                         guint           nth);
/* How many elements named @name the client sent. */
guint scripted_server_count_received (ScriptedServer *server,
                                      const char     *name);
/* The TLS database that trusts the test CA. */
GTlsDatabase *scripted_server_get_ca (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScriptedServer, scripted_server_free)

G_END_DECLS
