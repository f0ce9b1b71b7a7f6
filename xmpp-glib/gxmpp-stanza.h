/* gxmpp-stanza.h: the base class of message, presence and IQ stanzas
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
#include "gxmpp-node.h"
#include "gxmpp-stanza-error.h"

G_BEGIN_DECLS

/**
 * GXmppStanzaKind:
 * @GXMPP_STANZA_KIND_MESSAGE: a `<message/>` ([class@GXmpp.Message])
 * @GXMPP_STANZA_KIND_PRESENCE: a `<presence/>` ([class@GXmpp.Presence])
 * @GXMPP_STANZA_KIND_IQ: an `<iq/>` ([class@GXmpp.Iq])
 *
 * The three kinds of stanza (RFC 6120 section 8).
 */
typedef enum {
  GXMPP_STANZA_KIND_MESSAGE,
  GXMPP_STANZA_KIND_PRESENCE,
  GXMPP_STANZA_KIND_IQ,
} GXmppStanzaKind;

#define GXMPP_TYPE_STANZA (gxmpp_stanza_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GXmppStanza, gxmpp_stanza, GXMPP, STANZA, GObject)

/**
 * GXmppStanzaClass:
 * @parent_class: the parent class
 * @is_payload: whether a child element of the stanza is payload rather
 *   than part of the stanza's own schema (such as a message's `<body/>`)
 * @validate: checks the element is a valid stanza of the subclass's kind
 *
 * The class structure of [class@GXmpp.Stanza]. Subclasses are the three
 * kinds of stanza; applications do not normally derive from it.
 */
struct _GXmppStanzaClass
{
  GObjectClass parent_class;

  gboolean (* is_payload) (GXmppStanza *stanza,
                           GXmppNode   *child);
  gboolean (* validate)   (GXmppStanza  *stanza,
                           GError      **error);

  /*< private >*/
  gpointer padding[8];
};

GXMPP_AVAILABLE_IN_ALL
GXmppStanza *gxmpp_stanza_new_from_node (GXmppNode  *node,
                                         GError    **error);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_get_node (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaKind gxmpp_stanza_get_kind (GXmppStanza *stanza);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_get_id (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_set_id (GXmppStanza *stanza,
                          const char  *id);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_stanza_get_from (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_set_from (GXmppStanza *stanza,
                            GXmppJid    *from);
GXMPP_AVAILABLE_IN_ALL
GXmppJid *gxmpp_stanza_get_to (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_set_to (GXmppStanza *stanza,
                          GXmppJid    *to);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_stanza_get_lang (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_set_lang (GXmppStanza *stanza,
                            const char  *lang);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_stanza_is_error (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
GXmppStanzaErrorDetails *gxmpp_stanza_get_error (GXmppStanza *stanza);

GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_stanza_get_payload (GXmppStanza *stanza);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_stanza_get_payload_element (GXmppStanza *stanza,
                                             const char  *name,
                                             const char  *ns);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_stanza_add_payload (GXmppStanza *stanza,
                               GXmppNode   *element);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_stanza_remove_payload (GXmppStanza *stanza,
                                   const char  *name,
                                   const char  *ns);

GXMPP_AVAILABLE_IN_ALL
char *gxmpp_stanza_to_string (GXmppStanza  *stanza,
                              GError      **error);

G_END_DECLS
