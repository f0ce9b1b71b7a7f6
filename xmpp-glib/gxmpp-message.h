/* gxmpp-message.h: message stanzas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include "gxmpp-stanza.h"

G_BEGIN_DECLS

/**
 * GXmppMessageType:
 * @GXMPP_MESSAGE_TYPE_NORMAL: a standalone message, to which a reply is
 *   expected (the default, also for a missing or unknown `type`)
 * @GXMPP_MESSAGE_TYPE_CHAT: a message in a one-to-one chat
 * @GXMPP_MESSAGE_TYPE_GROUPCHAT: a message in a multi-user chat
 * @GXMPP_MESSAGE_TYPE_HEADLINE: an alert or notification; no reply is expected
 * @GXMPP_MESSAGE_TYPE_ERROR: an error reply to a message sent earlier
 *
 * The `type` of a message (RFC 6121 section 5.2.2).
 */
typedef enum {
  GXMPP_MESSAGE_TYPE_NORMAL,
  GXMPP_MESSAGE_TYPE_CHAT,
  GXMPP_MESSAGE_TYPE_GROUPCHAT,
  GXMPP_MESSAGE_TYPE_HEADLINE,
  GXMPP_MESSAGE_TYPE_ERROR,
} GXmppMessageType;

#define GXMPP_TYPE_MESSAGE (gxmpp_message_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppMessage, gxmpp_message, GXMPP, MESSAGE, GXmppStanza)

GXMPP_AVAILABLE_IN_ALL
GXmppMessage *gxmpp_message_new (GXmppMessageType  type,
                                 GXmppJid         *to);

GXMPP_AVAILABLE_IN_ALL
GXmppMessage *gxmpp_message_new_chat (GXmppJid   *to,
                                      const char *body);

GXMPP_AVAILABLE_IN_ALL
GXmppMessageType gxmpp_message_get_message_type (GXmppMessage *message);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_message_set_message_type (GXmppMessage     *message,
                                     GXmppMessageType  type);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_message_get_body (GXmppMessage *message,
                                    const char   *lang);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_message_set_body (GXmppMessage *message,
                             const char   *lang,
                             const char   *body);
GXMPP_AVAILABLE_IN_ALL
char **gxmpp_message_get_body_langs (GXmppMessage *message);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_message_get_subject (GXmppMessage *message,
                                       const char   *lang);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_message_set_subject (GXmppMessage *message,
                                const char   *lang,
                                const char   *subject);
GXMPP_AVAILABLE_IN_ALL
char **gxmpp_message_get_subject_langs (GXmppMessage *message);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_message_get_thread (GXmppMessage *message);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_message_get_thread_parent (GXmppMessage *message);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_message_set_thread (GXmppMessage *message,
                               const char   *thread,
                               const char   *parent);

GXMPP_AVAILABLE_IN_ALL
GXmppMessage *gxmpp_message_answer (GXmppMessage *message,
                                    GPtrArray    *payload);

G_END_DECLS
