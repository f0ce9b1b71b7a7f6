/* gxmpp-stanza-match.h: which stanzas a handler wants
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"
#include "gxmpp-stanza.h"

G_BEGIN_DECLS

/**
 * GXmppSenderMatch:
 * @GXMPP_SENDER_ANY: any sender
 * @GXMPP_SENDER_SERVER: the account's own server or account: no `from`,
 *   the account's domain, its bare JID or its full JID
 * @GXMPP_SENDER_JID: the JID given with [method@GXmpp.StanzaMatch.set_sender];
 *   a bare JID also matches all its resources
 *
 * Which senders a [struct@GXmpp.StanzaMatch] accepts.
 */
typedef enum {
  GXMPP_SENDER_ANY,
  GXMPP_SENDER_SERVER,
  GXMPP_SENDER_JID,
} GXmppSenderMatch;

#define GXMPP_TYPE_STANZA_MATCH (gxmpp_stanza_match_get_type ())

typedef struct _GXmppStanzaMatch GXmppStanzaMatch;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_stanza_match_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppStanzaMatch *gxmpp_stanza_match_new (void);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaMatch *gxmpp_stanza_match_ref (GXmppStanzaMatch *match);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_match_unref (GXmppStanzaMatch *match);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_match_set_kind (GXmppStanzaMatch *match,
                                  GXmppStanzaKind   kind);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_match_set_type (GXmppStanzaMatch *match,
                                  const char       *type);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_match_set_sender (GXmppStanzaMatch *match,
                                    GXmppSenderMatch  sender,
                                    GXmppJid         *jid);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_match_set_child (GXmppStanzaMatch *match,
                                   const char       *name,
                                   const char       *ns);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stanza_match_matches (GXmppStanzaMatch *match,
                                     GXmppStanza      *stanza,
                                     GXmppJid         *account);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppStanzaMatch, gxmpp_stanza_match_unref)

G_END_DECLS
