/* gxmpp-stanza-private.h: helpers shared by the stanza classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-stanza.h"

G_BEGIN_DECLS

/* The stanza's element, for reading: unlike gxmpp_stanza_get_node() this
 * does not seal it. */
/* Whether @element is a stanza of the client namespace (message, presence,
 * iq), as XEP-0198 counts them: anything else is a nonza. */
gboolean gxmpp_node_is_stanza (GXmppNode *element);

GXmppNode *gxmpp_stanza_peek_node (GXmppStanza *stanza);

/* The stanza's element, made mutable first (a sealed element is replaced
 * by a copy): every change goes through here. */
GXmppNode *gxmpp_stanza_edit_node (GXmppStanza *stanza);

/* Text children that may come in several languages (body, subject,
 * status). */
const char *gxmpp_stanza_get_lang_text (GXmppStanza *stanza,
                                        const char  *name,
                                        const char  *lang);
gboolean gxmpp_stanza_set_lang_text (GXmppStanza *stanza,
                                     const char  *name,
                                     const char  *lang,
                                     const char  *text);
char **gxmpp_stanza_get_lang_text_langs (GXmppStanza *stanza,
                                         const char  *name);
/* Sets like gxmpp_stanza_set_lang_text() and notifies @default_pspec when
 * the text of the default language (what a NULL language reads) changed. */
void gxmpp_stanza_update_lang_text (GXmppStanza *stanza,
                                    const char  *name,
                                    const char  *lang,
                                    const char  *text,
                                    GParamSpec  *default_pspec);

/* Value of an enum-like attribute: the index of @value in @names, or
 * @fallback if missing, or -1 if unknown. */
int gxmpp_stanza_lookup_name (const char        *value,
                              const char * const names[],
                              guint              n_names,
                              int                fallback);

G_END_DECLS
