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

G_END_DECLS
