/* gxmpp-node-private.h: node internals shared with the codec
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gxmpp-node.h"

G_BEGIN_DECLS

typedef struct {
  char *ns;     /* GRefString; NULL: no namespace */
  char *name;   /* GRefString */
  char *value;
} GXmppNodeAttr;

struct _GXmppNode {
  gatomicrefcount ref_count;
  guint8 kind;                  /* GXmppNodeKind */
  guint8 sealed;
  char *name;                   /* element: local name (GRefString); text: NULL */
  char *ns;                     /* element: namespace URI (GRefString) or NULL */
  char *text;                   /* text: the characters; element: cached
                                 * concatenation of several text children */
  GXmppNodeAttr *attrs;
  guint n_attrs;
  guint alloc_attrs;
  GXmppNode **children;
  guint n_children;
  guint alloc_children;
};

/* Builders for the codec: they take ownership of the strings passed and do no
 * validation (the parser has already checked everything). Names and
 * namespaces are GRefStrings (g_ref_string_new() and friends); values and
 * text are plain g_malloc() strings. */
GXmppNode *gxmpp_node_new_element_take (char *name,
                                        char *ns);
GXmppNode *gxmpp_node_new_text_take (char *text);
void gxmpp_node_add_attribute_take (GXmppNode *node,
                                    char      *ns,
                                    char      *name,
                                    char      *value);
void gxmpp_node_append_take (GXmppNode *node,
                             GXmppNode *child);

/* gxmpp_node_add_child_with_text() (with the parent's namespace) and
 * gxmpp_node_set_text() for callers that have checked @text already (it is
 * valid UTF-8) and pass a valid @name: the stanza setters, which validate
 * their arguments, so that a long body is not validated twice. */
GXmppNode *gxmpp_node_add_child_with_text_trusted (GXmppNode  *node,
                                                   const char *name,
                                                   const char *text);
void gxmpp_node_set_text_trusted (GXmppNode  *node,
                                  const char *text);

gboolean gxmpp_node_name_is_valid (const char *name);
gboolean gxmpp_node_attribute_is_allowed (const char *ns,
                                          const char *name);

G_END_DECLS
