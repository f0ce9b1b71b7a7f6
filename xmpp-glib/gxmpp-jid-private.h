/* gxmpp-jid-private.h: JID internals for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-jid.h"

G_BEGIN_DECLS

/* Turns the all-ASCII fast paths on (the default) or off, so that tests can
 * check that they give the same results as the general code. Not thread
 * safe; for tests only. */
void gxmpp_jid_set_fast_paths (gboolean enabled);

/* As gxmpp_jid_new(), for the addresses of received stanzas: the last few
 * texts parsed in this thread are remembered with their JIDs, so that the
 * same sender and recipient are not prepared again for every stanza. The
 * result (or the error) is exactly what gxmpp_jid_new() gives. */
GXmppJid *gxmpp_jid_new_cached (const char  *text,
                                GError     **error);

G_END_DECLS
