/* xmpp-glib.h: the single header of xmpp-glib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define GXMPP_INSIDE

#include "gxmpp-version.h"
#include "gxmpp-version-macros.h"

#include "gxmpp-enum-types.h"
#include "gxmpp-error.h"
#include "gxmpp-jid.h"
#include "gxmpp-lang-tag.h"
#include "gxmpp-ns.h"
#include "gxmpp-node.h"
#include "gxmpp-stanza-error.h"
#include "gxmpp-stanza.h"
#include "gxmpp-message.h"
#include "gxmpp-presence.h"
#include "gxmpp-iq.h"
#include "gxmpp-sasl-context.h"
#include "gxmpp-sasl-mechanism.h"
#include "gxmpp-auth.h"
#include "gxmpp-stream-config.h"
#include "gxmpp-reconnect-policy.h"
#include "gxmpp-session-config.h"
#include "gxmpp-stream.h"
#include "gxmpp-stanza-match.h"
#include "gxmpp-iq-request.h"
#include "gxmpp-session.h"
#include "gxmpp-inbox.h"

/* IM (RFC 6121), xmpp-glib/im/ */
#include "gxmpp-roster-item.h"
#include "gxmpp-roster-store.h"
#include "gxmpp-roster-file-store.h"
#include "gxmpp-roster.h"
#include "gxmpp-presence-tracker.h"
#include "gxmpp-subscriptions.h"

#undef GXMPP_INSIDE
