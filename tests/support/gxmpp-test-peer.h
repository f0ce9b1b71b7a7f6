/* gxmpp-test-peer.h: a slixmpp client for the interop tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gxmpp-test-server.h"

G_BEGIN_DECLS

/**
 * GXmppTestPeer:
 *
 * tests/support/slixmpp-peer.py logged in to a #GXmppTestServer as one of
 * its accounts: it echoes messages ("echo: " + body), answers IQ gets in
 * urn:xmpp-glib:test with the text reversed, and reports everything as
 * events (a{sv} with at least "event"; see the script for the list).
 *
 * Waiting for an event iterates the thread-default main context of the
 * thread that started the peer.
 */
typedef struct _GXmppTestPeer GXmppTestPeer;

/* Logs @account in; returns once it is ready (bound, presence sent).
 * @options: more arguments for the script: "quiet" (no echo),
 * "--direct-tls", "--resource", "R", "--mechanism", "M". Errors are in
 * GXMPP_TEST_SERVER_ERROR; UNAVAILABLE when slixmpp is not installed. */
GXmppTestPeer *gxmpp_test_peer_start          (GXmppTestServer    *server,
                                               const char         *account,
                                               const char * const *options,
                                               GError            **error);
/* The same, marking the test skipped or failed on error. */
GXmppTestPeer *gxmpp_test_peer_start_or_skip  (GXmppTestServer    *server,
                                               const char         *account,
                                               const char * const *options);

/* The full JID the peer is bound to. */
const char    *gxmpp_test_peer_get_jid        (GXmppTestPeer      *self);
/* The "ready" event: jid, mechanism, tls. Transfer none. */
GVariant      *gxmpp_test_peer_get_ready_event (GXmppTestPeer     *self);

/* Sends one command, a JSON object (see slixmpp-peer.py). */
gboolean       gxmpp_test_peer_command        (GXmppTestPeer      *self,
                                               const char         *json,
                                               GError            **error);
gboolean       gxmpp_test_peer_send_message   (GXmppTestPeer      *self,
                                               const char         *to,
                                               const char         *body,
                                               GError            **error);
/* An IQ get in urn:xmpp-glib:test; the answer comes as an "iq-result" or
 * "iq-error" event carrying @tag (may be NULL). */
gboolean       gxmpp_test_peer_send_test_iq   (GXmppTestPeer      *self,
                                               const char         *to,
                                               const char         *text,
                                               const char         *tag,
                                               GError            **error);
/* Presence subscription: "subscribe", "unsubscribe", "approve", "deny". */
gboolean       gxmpp_test_peer_subscription   (GXmppTestPeer      *self,
                                               const char         *verb,
                                               const char         *jid,
                                               GError            **error);

/* The first event named @event (any event if NULL) within @timeout_ms,
 * transfer full. Events before it stay queued. */
GVariant      *gxmpp_test_peer_wait_event     (GXmppTestPeer      *self,
                                               const char         *event,
                                               guint               timeout_ms,
                                               GError            **error);
/* The oldest queued event without waiting, or NULL; transfer full. */
GVariant      *gxmpp_test_peer_pop_event      (GXmppTestPeer      *self);

/* Logs out and waits for the script to exit (also done by _free()). */
gboolean       gxmpp_test_peer_quit           (GXmppTestPeer      *self,
                                               GError            **error);
void           gxmpp_test_peer_free           (GXmppTestPeer      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppTestPeer, gxmpp_test_peer_free)

G_END_DECLS
