/* gxmpp-node.h: an XML element tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-ns.h"

G_BEGIN_DECLS

/**
 * GXmppNodeKind:
 * @GXMPP_NODE_ELEMENT: an element, with a name, a namespace, attributes and children
 * @GXMPP_NODE_TEXT: character data inside an element
 *
 * What a [struct@GXmpp.Node] holds.
 */
typedef enum {
  GXMPP_NODE_ELEMENT,
  GXMPP_NODE_TEXT,
} GXmppNodeKind;

#define GXMPP_TYPE_NODE (gxmpp_node_get_type ())

typedef struct _GXmppNode GXmppNode;

GXMPP_AVAILABLE_IN_ALL
GType gxmpp_node_get_type (void) G_GNUC_CONST;

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_new (const char *name,
                           const char *ns);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_new_text (const char *text);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_new_from_string (const char  *xml,
                                       gssize       length,
                                       const char  *default_ns,
                                       GError     **error);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_ref (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_unref (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_copy (GXmppNode *node);

GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_seal (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_node_is_sealed (GXmppNode *node);

GXMPP_AVAILABLE_IN_ALL
GXmppNodeKind gxmpp_node_get_kind (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_name (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_namespace (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_node_is (GXmppNode  *node,
                        const char *name,
                        const char *ns);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_attribute (GXmppNode  *node,
                                      const char *name);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_attribute_ns (GXmppNode  *node,
                                         const char *ns,
                                         const char *name);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_set_attribute (GXmppNode  *node,
                               const char *name,
                               const char *value);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_set_attribute_ns (GXmppNode  *node,
                                  const char *ns,
                                  const char *name,
                                  const char *value);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_node_get_n_attributes (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_node_get_attribute_at (GXmppNode   *node,
                                      guint        index,
                                      const char **ns,
                                      const char **name,
                                      const char **value);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_lang (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_set_lang (GXmppNode  *node,
                          const char *lang);

GXMPP_AVAILABLE_IN_ALL
guint gxmpp_node_get_n_children (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_get_child_at (GXmppNode *node,
                                    guint      index);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_get_child (GXmppNode  *node,
                                 const char *name,
                                 const char *ns);
GXMPP_AVAILABLE_IN_ALL
GPtrArray *gxmpp_node_get_children (GXmppNode  *node,
                                    const char *name,
                                    const char *ns);
GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_child_text (GXmppNode  *node,
                                       const char *name,
                                       const char *ns);

GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_add_child (GXmppNode  *node,
                                 const char *name,
                                 const char *ns);
GXMPP_AVAILABLE_IN_ALL
GXmppNode *gxmpp_node_add_child_with_text (GXmppNode  *node,
                                           const char *name,
                                           const char *ns,
                                           const char *text);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_append (GXmppNode *node,
                        GXmppNode *child);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_insert (GXmppNode *node,
                        guint      index,
                        GXmppNode *child);
GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_node_remove_child (GXmppNode *node,
                                  GXmppNode *child);
GXMPP_AVAILABLE_IN_ALL
guint gxmpp_node_remove_children (GXmppNode  *node,
                                  const char *name,
                                  const char *ns);

GXMPP_AVAILABLE_IN_ALL
const char *gxmpp_node_get_text (GXmppNode *node);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_set_text (GXmppNode  *node,
                          const char *text);
GXMPP_AVAILABLE_IN_ALL
void gxmpp_node_add_text (GXmppNode  *node,
                          const char *text);

GXMPP_AVAILABLE_IN_ALL
gboolean gxmpp_node_equal (GXmppNode *a,
                           GXmppNode *b);
GXMPP_AVAILABLE_IN_ALL
char *gxmpp_node_to_string (GXmppNode  *node,
                            GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppNode, gxmpp_node_unref)

G_END_DECLS
