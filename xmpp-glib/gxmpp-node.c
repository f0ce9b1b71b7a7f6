/* gxmpp-node.c: an XML element tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"
#include "gxmpp-xml-writer-private.h"

/**
 * GXmppNode:
 *
 * An XML element, or a run of character data inside one.
 *
 * An element has a local name, a namespace URI, namespaced attributes and
 * an ordered list of children, which are elements or text. Namespace
 * prefixes are not kept: two documents that differ only in their prefixes
 * give equal nodes, and [method@GXmpp.Node.to_string] chooses its own.
 *
 * Nodes are reference counted. A node can be *sealed*
 * ([method@GXmpp.Node.seal]); a sealed node and its whole subtree are
 * immutable, so they may be shared freely, also between threads. Every
 * element the library receives from a stream is sealed; use
 * [method@GXmpp.Node.copy] to get a mutable copy.
 *
 * Building a stanza payload in C:
 *
 * ```c
 * g_autoptr(GXmppNode) query = gxmpp_node_new ("query", "jabber:iq:roster");
 * GXmppNode *item = gxmpp_node_add_child (query, "item", NULL);
 *
 * gxmpp_node_set_attribute (item, "jid", "juliet@example.com");
 * gxmpp_node_add_child_with_text (item, "group", NULL, "Friends");
 * ```
 *
 * and in Python:
 *
 * ```python
 * query = GXmpp.Node.new("query", "jabber:iq:roster")
 * item = query.add_child("item", None)
 * item.set_attribute("jid", "juliet@example.com")
 * ```
 */

G_DEFINE_BOXED_TYPE (GXmppNode, gxmpp_node, gxmpp_node_ref, gxmpp_node_unref)

#define IS_ELEMENT(n) ((n)->kind == GXMPP_NODE_ELEMENT)

static inline gboolean
str_equal0 (const char *a,
            const char *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return strcmp (a, b) == 0;
}

static GXmppNode *
node_alloc (GXmppNodeKind kind)
{
  GXmppNode *node = g_new0 (GXmppNode, 1);

  g_atomic_ref_count_init (&node->ref_count);
  node->kind = kind;
  return node;
}

/* @name and @ns are GRefStrings; the node takes them. */
GXmppNode *
gxmpp_node_new_element_take (char *name,
                             char *ns)
{
  GXmppNode *node = node_alloc (GXMPP_NODE_ELEMENT);

  node->name = name;
  node->ns = ns;
  return node;
}

GXmppNode *
gxmpp_node_new_text_take (char *text)
{
  GXmppNode *node = node_alloc (GXMPP_NODE_TEXT);

  node->text = text;
  return node;
}

/* XML 1.0 (fifth edition) NameStartChar and NameChar, without ':'
 * (element and attribute names here are local names, NCNames). */
static gboolean
is_name_start_char (gunichar c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) ||
         (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
         (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
         (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) ||
         (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
         (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

static gboolean
is_name_char (gunichar c)
{
  return is_name_start_char (c) || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
         c == 0xB7 || (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

/* Whether @name is an XML NCName, so that writing it can never produce
 * markup other than the name itself. */
gboolean
gxmpp_node_name_is_valid (const char *name)
{
  const char *p;

  if (name == NULL || *name == '\0')
    return FALSE;

  /* Nearly every name is ASCII: check those byte by byte, with the same
   * rules restricted to ASCII; anything else takes the general way. */
  if (g_ascii_isalpha (name[0]) || name[0] == '_')
    {
      for (p = name + 1; g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '.'; p++)
        ;
      if (*p == '\0')
        return TRUE;
    }

  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;

  if (!is_name_start_char (g_utf8_get_char (name)))
    return FALSE;
  for (p = g_utf8_next_char (name); *p != '\0'; p = g_utf8_next_char (p))
    if (!is_name_char (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* The XML namespace of namespace declarations. An attribute in it, or one
 * named "xmlns" without a namespace, would be written as a declaration and
 * change the namespace of what follows; such attributes are never kept. */
#define XMLNS_NS "http://www.w3.org/2000/xmlns/"

gboolean
gxmpp_node_attribute_is_allowed (const char *ns,
                                 const char *name)
{
  if (ns == NULL)
    return strcmp (name, "xmlns") != 0;
  return *ns != '\0' && strcmp (ns, XMLNS_NS) != 0;
}

/* Names and namespaces are shared, reference-counted strings. Equal ones
 * made through the API are interned; the reader shares its own.
 *
 * GLib drops an interned string from its table with its last reference,
 * so a stanza built and sent, then freed, would create and destroy the
 * same few names ("message", "to", "body", jabber:client...) every time,
 * each under GLib's lock. A small per-thread cache keeps a reference to
 * the names used last, so they stay interned and are found without the
 * lock. Entries are replaced round robin; long strings are not kept. */
#define INTERN_CACHE_SIZE 16
#define INTERN_CACHE_MAX_LEN 128

typedef struct {
  char *ref[INTERN_CACHE_SIZE];     /* GRefStrings, interned */
  guint next;
} InternCache;

static void
intern_cache_free (gpointer data)
{
  InternCache *cache = data;

  for (guint i = 0; i < INTERN_CACHE_SIZE; i++)
    if (cache->ref[i] != NULL)
      g_ref_string_release (cache->ref[i]);
  g_free (cache);
}

static GPrivate intern_cache_key = G_PRIVATE_INIT (intern_cache_free);

#if defined (__GNUC__)
/* A thread's cache goes with the thread; the one of the thread that exits
 * the process (or unloads the library) goes here. Nothing would be lost
 * without this, but the cache holds only pointers into the middle of
 * GLib's string allocations, which leak checkers such as valgrind report
 * as possibly lost. */
__attribute__ ((destructor)) static void
intern_cache_release_at_exit (void)
{
  InternCache *cache = g_private_get (&intern_cache_key);

  if (cache != NULL)
    {
      g_private_set (&intern_cache_key, NULL);
      intern_cache_free (cache);
    }
}
#endif

static char *
intern (const char *str)
{
  InternCache *cache;
  char *ref;
  guint i;

  if (str == NULL)
    return NULL;

  cache = g_private_get (&intern_cache_key);
  if (G_UNLIKELY (cache == NULL))
    {
      cache = g_new0 (InternCache, 1);
      g_private_set (&intern_cache_key, cache);
    }
  for (i = 0; i < INTERN_CACHE_SIZE && cache->ref[i] != NULL; i++)
    if (cache->ref[i][0] == str[0] && strcmp (cache->ref[i], str) == 0)
      return g_ref_string_acquire (cache->ref[i]);

  ref = g_ref_string_new_intern (str);
  if (strlen (str) <= INTERN_CACHE_MAX_LEN)
    {
      i = cache->next;
      cache->next = (cache->next + 1) % INTERN_CACHE_SIZE;
      if (cache->ref[i] != NULL)
        g_ref_string_release (cache->ref[i]);
      cache->ref[i] = g_ref_string_acquire (ref);
    }
  return ref;
}

static inline void
release (char *ref)
{
  if (ref != NULL)
    g_ref_string_release (ref);
}

static inline char *
acquire (char *ref)
{
  return ref != NULL ? g_ref_string_acquire (ref) : NULL;
}

static inline void
invalidate_text_cache (GXmppNode *node)
{
  if (IS_ELEMENT (node))
    g_clear_pointer (&node->text, g_free);
}

/**
 * gxmpp_node_new:
 * @name: the element's local name
 * @ns: (nullable): the element's namespace URI, or %NULL (or the empty
 *   string) for none
 *
 * Creates an element with no attributes and no children. @name must be an
 * XML name without a prefix. No element can be in the namespaces that XML
 * reserves for `xml:` and `xmlns:` ([const@GXmpp.NS_XML] and
 * `http://www.w3.org/2000/xmlns/`).
 *
 * Returns: (transfer full): a new mutable element
 */
GXmppNode *
gxmpp_node_new (const char *name,
                const char *ns)
{
  g_return_val_if_fail (gxmpp_node_name_is_valid (name), NULL);
  g_return_val_if_fail (ns == NULL || g_utf8_validate (ns, -1, NULL), NULL);
  g_return_val_if_fail (ns == NULL || (strcmp (ns, GXMPP_NS_XML) != 0 &&
                                       strcmp (ns, XMLNS_NS) != 0), NULL);

  /* An empty namespace name means no namespace. */
  if (ns != NULL && *ns == '\0')
    ns = NULL;
  return gxmpp_node_new_element_take (intern (name), intern (ns));
}

/**
 * gxmpp_node_new_text:
 * @text: the characters, in UTF-8
 *
 * Creates a text node, to put in an element with [method@GXmpp.Node.append]
 * when building mixed content. Text nodes cannot be modified; most callers
 * want [method@GXmpp.Node.set_text] or [method@GXmpp.Node.add_text] instead.
 *
 * Returns: (transfer full): a new text node
 */
GXmppNode *
gxmpp_node_new_text (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);

  return gxmpp_node_new_text_take (g_strdup (text));
}

/**
 * gxmpp_node_new_from_string:
 * @xml: the XML text of one element
 * @length: the length of @xml in bytes, or -1 if it is nul-terminated
 * @default_ns: (nullable): the namespace of unprefixed elements that do not
 *   declare one, such as [const@GXmpp.NS_CLIENT]; %NULL for none
 * @error: return location for a #GError
 *
 * Parses one element, with the same parser, restrictions and limits as an
 * XMPP stream uses: comments, processing instructions, DTDs and entity
 * references other than the five predefined ones are refused with
 * %GXMPP_STREAM_ERROR_RESTRICTED_XML, XML that is not well-formed with
 * %GXMPP_STREAM_ERROR_NOT_WELL_FORMED, an element larger or deeper than the
 * default limits with %GXMPP_STREAM_ERROR_POLICY_VIOLATION. Whitespace
 * around the element is allowed; anything else is an error.
 *
 * Returns: (transfer full): a new mutable element, or %NULL on error
 */
GXmppNode *
gxmpp_node_new_from_string (const char  *xml,
                            gssize       length,
                            const char  *default_ns,
                            GError     **error)
{
  g_return_val_if_fail (xml != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gxmpp_xml_parse_element (xml, length < 0 ? strlen (xml) : (gsize) length,
                                  default_ns, error);
}

/**
 * gxmpp_node_ref:
 * @node: a node
 *
 * Adds a reference to @node.
 *
 * Returns: (transfer full): @node
 */
GXmppNode *
gxmpp_node_ref (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  g_atomic_ref_count_inc (&node->ref_count);
  return node;
}

static void
node_free (GXmppNode *node)
{
  guint i;

  for (i = 0; i < node->n_attrs; i++)
    {
      release (node->attrs[i].ns);
      release (node->attrs[i].name);
      g_free (node->attrs[i].value);
    }
  g_free (node->attrs);

  for (i = 0; i < node->n_children; i++)
    gxmpp_node_unref (node->children[i]);
  g_free (node->children);

  release (node->name);
  release (node->ns);
  g_free (node->text);
  g_free (node);
}

/**
 * gxmpp_node_unref:
 * @node: (transfer full): a node
 *
 * Drops a reference to @node, freeing it and its subtree when it was the
 * last one.
 */
void
gxmpp_node_unref (GXmppNode *node)
{
  g_return_if_fail (node != NULL);

  if (g_atomic_ref_count_dec (&node->ref_count))
    node_free (node);
}

/**
 * gxmpp_node_copy:
 * @node: a node
 *
 * Makes a deep copy of @node. The copy is mutable, also when @node is
 * sealed.
 *
 * Returns: (transfer full): the copy
 */
GXmppNode *
gxmpp_node_copy (GXmppNode *node)
{
  GXmppNode *copy;
  guint i;

  g_return_val_if_fail (node != NULL, NULL);

  if (!IS_ELEMENT (node))
    return gxmpp_node_new_text_take (g_strdup (node->text));

  copy = gxmpp_node_new_element_take (acquire (node->name), acquire (node->ns));

  if (node->n_attrs > 0)
    {
      copy->attrs = g_new (GXmppNodeAttr, node->n_attrs);
      copy->n_attrs = copy->alloc_attrs = node->n_attrs;
      for (i = 0; i < node->n_attrs; i++)
        {
          copy->attrs[i].ns = acquire (node->attrs[i].ns);
          copy->attrs[i].name = acquire (node->attrs[i].name);
          copy->attrs[i].value = g_strdup (node->attrs[i].value);
        }
    }

  if (node->n_children > 0)
    {
      copy->children = g_new (GXmppNode *, node->n_children);
      copy->n_children = copy->alloc_children = node->n_children;
      for (i = 0; i < node->n_children; i++)
        copy->children[i] = gxmpp_node_copy (node->children[i]);
    }

  return copy;
}

/**
 * gxmpp_node_seal:
 * @node: a node
 *
 * Makes @node and its whole subtree immutable. Functions that would modify
 * a sealed node log a critical warning and do nothing. Sealing cannot be
 * undone; [method@GXmpp.Node.copy] gives a mutable copy.
 */
void
gxmpp_node_seal (GXmppNode *node)
{
  guint i;

  g_return_if_fail (node != NULL);

  if (node->sealed)
    return;
  node->sealed = TRUE;
  for (i = 0; i < node->n_children; i++)
    gxmpp_node_seal (node->children[i]);
}

/**
 * gxmpp_node_is_sealed:
 * @node: a node
 *
 * Checks whether @node is immutable.
 *
 * Returns: %TRUE if @node is sealed
 */
gboolean
gxmpp_node_is_sealed (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);

  return node->sealed;
}

/**
 * gxmpp_node_get_kind:
 * @node: a node
 *
 * Tells whether @node is an element or text.
 *
 * Returns: the kind of node
 */
GXmppNodeKind
gxmpp_node_get_kind (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, GXMPP_NODE_ELEMENT);

  return node->kind;
}

/**
 * gxmpp_node_get_name:
 * @node: a node
 *
 * Gets the local name of an element, without any prefix.
 *
 * Returns: (nullable): the name, or %NULL for a text node
 */
const char *
gxmpp_node_get_name (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->name;
}

/**
 * gxmpp_node_get_namespace:
 * @node: a node
 *
 * Gets the namespace URI of an element.
 *
 * Returns: (nullable): the namespace, or %NULL if the element has none or
 *   @node is text
 */
const char *
gxmpp_node_get_namespace (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->ns;
}

/**
 * gxmpp_node_is:
 * @node: a node
 * @name: a local name
 * @ns: (nullable): a namespace URI, or %NULL to accept any namespace
 *
 * Checks whether @node is the element @name in namespace @ns.
 *
 * Returns: %TRUE if @node is an element with that name and namespace
 */
gboolean
gxmpp_node_is (GXmppNode  *node,
               const char *name,
               const char *ns)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return IS_ELEMENT (node) &&
         strcmp (node->name, name) == 0 &&
         (ns == NULL || str_equal0 (node->ns, ns));
}

static GXmppNodeAttr *
find_attribute (GXmppNode  *node,
                const char *ns,
                const char *name)
{
  guint i;

  for (i = 0; i < node->n_attrs; i++)
    {
      GXmppNodeAttr *attr = &node->attrs[i];

      if (strcmp (attr->name, name) == 0 && str_equal0 (attr->ns, ns))
        return attr;
    }

  return NULL;
}

/**
 * gxmpp_node_get_attribute:
 * @node: an element
 * @name: the attribute's local name
 *
 * Gets an attribute that has no namespace, such as `to` on a stanza.
 *
 * Returns: (nullable): the value, or %NULL if the attribute is not set
 */
const char *
gxmpp_node_get_attribute (GXmppNode  *node,
                          const char *name)
{
  return gxmpp_node_get_attribute_ns (node, NULL, name);
}

/**
 * gxmpp_node_get_attribute_ns:
 * @node: an element
 * @ns: (nullable): the attribute's namespace URI, or %NULL for none
 * @name: the attribute's local name
 *
 * Gets a namespaced attribute.
 *
 * Returns: (nullable): the value, or %NULL if the attribute is not set
 */
const char *
gxmpp_node_get_attribute_ns (GXmppNode  *node,
                             const char *ns,
                             const char *name)
{
  GXmppNodeAttr *attr;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  attr = find_attribute (node, ns, name);
  return attr != NULL ? attr->value : NULL;
}

void
gxmpp_node_add_attribute_take (GXmppNode *node,
                               char      *ns,
                               char      *name,
                               char      *value)
{
  GXmppNodeAttr *attr;

  if (node->n_attrs == node->alloc_attrs)
    {
      node->alloc_attrs = MAX (4, node->alloc_attrs * 2);
      node->attrs = g_renew (GXmppNodeAttr, node->attrs, node->alloc_attrs);
    }

  attr = &node->attrs[node->n_attrs++];
  attr->ns = ns;
  attr->name = name;
  attr->value = value;
}

/**
 * gxmpp_node_set_attribute:
 * @node: a mutable element
 * @name: the attribute's local name
 * @value: (nullable): the new value, or %NULL to remove the attribute
 *
 * Sets or removes an attribute that has no namespace.
 */
void
gxmpp_node_set_attribute (GXmppNode  *node,
                          const char *name,
                          const char *value)
{
  gxmpp_node_set_attribute_ns (node, NULL, name, value);
}

/**
 * gxmpp_node_set_attribute_ns:
 * @node: a mutable element
 * @ns: (nullable): the attribute's namespace URI, or %NULL for none
 * @name: the attribute's local name
 * @value: (nullable): the new value, or %NULL to remove the attribute
 *
 * Sets or removes a namespaced attribute. The value may hold any text;
 * it is escaped when written. Namespace declarations are not attributes:
 * an attribute named `xmlns` without a namespace, or one in the
 * `http://www.w3.org/2000/xmlns/` namespace or the empty namespace, is
 * refused (with a critical warning), because writing it would change the
 * namespace of the element.
 */
void
gxmpp_node_set_attribute_ns (GXmppNode  *node,
                             const char *ns,
                             const char *name,
                             const char *value)
{
  GXmppNodeAttr *attr;

  g_return_if_fail (node != NULL);
  g_return_if_fail (IS_ELEMENT (node));
  g_return_if_fail (!node->sealed);
  g_return_if_fail (gxmpp_node_name_is_valid (name));
  g_return_if_fail (ns == NULL || g_utf8_validate (ns, -1, NULL));
  g_return_if_fail (gxmpp_node_attribute_is_allowed (ns, name));
  g_return_if_fail (value == NULL || g_utf8_validate (value, -1, NULL));

  attr = find_attribute (node, ns, name);

  if (value == NULL)
    {
      if (attr != NULL)
        {
          guint index = attr - node->attrs;

          release (attr->ns);
          release (attr->name);
          g_free (attr->value);
          memmove (&node->attrs[index], &node->attrs[index + 1],
                   (node->n_attrs - index - 1) * sizeof (GXmppNodeAttr));
          node->n_attrs--;
        }
      return;
    }

  if (attr != NULL)
    {
      char *old = attr->value;

      attr->value = g_strdup (value);
      g_free (old);
      return;
    }

  gxmpp_node_add_attribute_take (node, intern (ns), intern (name), g_strdup (value));
}

/**
 * gxmpp_node_get_n_attributes:
 * @node: a node
 *
 * Counts the attributes of an element. Namespace declarations are not
 * attributes here.
 *
 * Returns: the number of attributes; 0 for text
 */
guint
gxmpp_node_get_n_attributes (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, 0);

  return node->n_attrs;
}

/**
 * gxmpp_node_get_attribute_at:
 * @node: an element
 * @index: the position, from 0 to [method@GXmpp.Node.get_n_attributes] - 1
 * @ns: (out) (optional) (nullable) (transfer none): the attribute's namespace
 * @name: (out) (optional) (transfer none): the attribute's local name
 * @value: (out) (optional) (transfer none): the attribute's value
 *
 * Gets an attribute by position, to list all of them.
 *
 * Returns: %TRUE if @index is in range
 */
gboolean
gxmpp_node_get_attribute_at (GXmppNode   *node,
                             guint        index,
                             const char **ns,
                             const char **name,
                             const char **value)
{
  g_return_val_if_fail (node != NULL, FALSE);

  if (index >= node->n_attrs)
    return FALSE;

  if (ns != NULL)
    *ns = node->attrs[index].ns;
  if (name != NULL)
    *name = node->attrs[index].name;
  if (value != NULL)
    *value = node->attrs[index].value;
  return TRUE;
}

/**
 * gxmpp_node_get_lang:
 * @node: an element
 *
 * Gets the element's own `xml:lang` attribute. Inheritance from ancestors
 * is left to the caller (a stanza's language, for example, comes from its
 * own attribute or the stream's).
 *
 * Returns: (nullable): the language tag, or %NULL if not set
 */
const char *
gxmpp_node_get_lang (GXmppNode *node)
{
  return gxmpp_node_get_attribute_ns (node, GXMPP_NS_XML, "lang");
}

/**
 * gxmpp_node_set_lang:
 * @node: a mutable element
 * @lang: (nullable): a language tag, or %NULL to remove the attribute
 *
 * Sets or removes the element's `xml:lang` attribute.
 */
void
gxmpp_node_set_lang (GXmppNode  *node,
                     const char *lang)
{
  gxmpp_node_set_attribute_ns (node, GXMPP_NS_XML, "lang", lang);
}

/**
 * gxmpp_node_get_n_children:
 * @node: a node
 *
 * Counts the children of an element, text nodes included.
 *
 * Returns: the number of children; 0 for text
 */
guint
gxmpp_node_get_n_children (GXmppNode *node)
{
  g_return_val_if_fail (node != NULL, 0);

  return node->n_children;
}

/**
 * gxmpp_node_get_child_at:
 * @node: an element
 * @index: the position, from 0 to [method@GXmpp.Node.get_n_children] - 1
 *
 * Gets a child, element or text, by position.
 *
 * Returns: (transfer none) (nullable): the child, or %NULL if @index is out
 *   of range
 */
GXmppNode *
gxmpp_node_get_child_at (GXmppNode *node,
                         guint      index)
{
  g_return_val_if_fail (node != NULL, NULL);

  if (index >= node->n_children)
    return NULL;
  return node->children[index];
}

static inline gboolean
child_matches (GXmppNode  *child,
               const char *name,
               const char *ns)
{
  return IS_ELEMENT (child) &&
         (name == NULL || strcmp (child->name, name) == 0) &&
         (ns == NULL || str_equal0 (child->ns, ns));
}

/**
 * gxmpp_node_get_child:
 * @node: an element
 * @name: (nullable): the local name, or %NULL to accept any
 * @ns: (nullable): the namespace URI, or %NULL to accept any
 *
 * Finds the first child element with the given name and namespace.
 * `gxmpp_node_get_child (iq, NULL, NULL)` gives the first child element.
 *
 * Returns: (transfer none) (nullable): the child, or %NULL if none matches
 */
GXmppNode *
gxmpp_node_get_child (GXmppNode  *node,
                      const char *name,
                      const char *ns)
{
  guint i;

  g_return_val_if_fail (node != NULL, NULL);

  for (i = 0; i < node->n_children; i++)
    if (child_matches (node->children[i], name, ns))
      return node->children[i];

  return NULL;
}

/**
 * gxmpp_node_get_children:
 * @node: an element
 * @name: (nullable): the local name, or %NULL to accept any
 * @ns: (nullable): the namespace URI, or %NULL to accept any
 *
 * Lists the child elements with the given name and namespace, in document
 * order. Text children are not listed.
 *
 * Returns: (transfer container) (element-type GXmppNode): the matching
 *   children, possibly none
 */
GPtrArray *
gxmpp_node_get_children (GXmppNode  *node,
                         const char *name,
                         const char *ns)
{
  GPtrArray *array;
  guint i;

  g_return_val_if_fail (node != NULL, NULL);

  array = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_node_unref);
  for (i = 0; i < node->n_children; i++)
    if (child_matches (node->children[i], name, ns))
      g_ptr_array_add (array, gxmpp_node_ref (node->children[i]));

  return array;
}

/**
 * gxmpp_node_get_child_text:
 * @node: an element
 * @name: the child's local name
 * @ns: (nullable): the child's namespace URI, or %NULL to accept any
 *
 * Gets the text of the first matching child element, as
 * [method@GXmpp.Node.get_text] does.
 *
 * Returns: (nullable): the text, or %NULL if there is no such child
 */
const char *
gxmpp_node_get_child_text (GXmppNode  *node,
                           const char *name,
                           const char *ns)
{
  GXmppNode *child;

  g_return_val_if_fail (name != NULL, NULL);

  child = gxmpp_node_get_child (node, name, ns);
  return child != NULL ? gxmpp_node_get_text (child) : NULL;
}

static void
children_reserve (GXmppNode *node,
                  guint      extra)
{
  if (node->n_children + extra > node->alloc_children)
    {
      node->alloc_children = MAX (MAX (4, node->alloc_children * 2), node->n_children + extra);
      node->children = g_renew (GXmppNode *, node->children, node->alloc_children);
    }
}

/* Appends @child (taking the reference), merging adjacent text. */
void
gxmpp_node_append_take (GXmppNode *node,
                        GXmppNode *child)
{
  invalidate_text_cache (node);

  if (!IS_ELEMENT (child) && node->n_children > 0)
    {
      GXmppNode *last = node->children[node->n_children - 1];

      if (!IS_ELEMENT (last))
        {
          char *merged = g_strconcat (last->text, child->text, NULL);

          gxmpp_node_unref (child);
          if (!last->sealed && g_atomic_ref_count_compare (&last->ref_count, 1))
            {
              g_free (last->text);
              last->text = merged;
            }
          else
            {
              node->children[node->n_children - 1] = gxmpp_node_new_text_take (merged);
              gxmpp_node_unref (last);
            }
          return;
        }
    }

  children_reserve (node, 1);
  node->children[node->n_children++] = child;
}

static gboolean
node_contains (GXmppNode *tree,
               GXmppNode *node)
{
  guint i;

  if (tree == node)
    return TRUE;
  for (i = 0; i < tree->n_children; i++)
    if (node_contains (tree->children[i], node))
      return TRUE;
  return FALSE;
}

/**
 * gxmpp_node_add_child:
 * @node: a mutable element
 * @name: the new element's local name
 * @ns: (nullable): the new element's namespace URI, or %NULL to use the
 *   namespace of @node
 *
 * Creates an element and appends it to @node's children.
 *
 * Returns: (transfer none): the new child, owned by @node
 */
GXmppNode *
gxmpp_node_add_child (GXmppNode  *node,
                      const char *name,
                      const char *ns)
{
  GXmppNode *child;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (IS_ELEMENT (node), NULL);
  g_return_val_if_fail (!node->sealed, NULL);

  child = gxmpp_node_new (name, ns != NULL ? ns : node->ns);
  g_return_val_if_fail (child != NULL, NULL);

  gxmpp_node_append_take (node, child);
  return child;
}

/**
 * gxmpp_node_add_child_with_text:
 * @node: a mutable element
 * @name: the new element's local name
 * @ns: (nullable): the new element's namespace URI, or %NULL to use the
 *   namespace of @node
 * @text: the new element's text
 *
 * Creates an element holding @text, such as a message's `<body/>`, and
 * appends it to @node's children.
 *
 * Returns: (transfer none): the new child, owned by @node
 */
GXmppNode *
gxmpp_node_add_child_with_text (GXmppNode  *node,
                                const char *name,
                                const char *ns,
                                const char *text)
{
  GXmppNode *child;

  g_return_val_if_fail (text != NULL, NULL);

  child = gxmpp_node_add_child (node, name, ns);
  if (child != NULL)
    gxmpp_node_add_text (child, text);
  return child;
}

/**
 * gxmpp_node_insert:
 * @node: a mutable element
 * @index: the position, from 0 to [method@GXmpp.Node.get_n_children]
 * @child: the node to insert
 *
 * Inserts @child among @node's children, adding a reference to it. A
 * sealed child can be shared by several parents; a mutable one should
 * have only one. Text next to text is not merged here.
 */
void
gxmpp_node_insert (GXmppNode *node,
                   guint      index,
                   GXmppNode *child)
{
  g_return_if_fail (node != NULL);
  g_return_if_fail (child != NULL);
  g_return_if_fail (IS_ELEMENT (node));
  g_return_if_fail (!node->sealed);
  g_return_if_fail (index <= node->n_children);
  g_return_if_fail (!node_contains (child, node));

  invalidate_text_cache (node);
  children_reserve (node, 1);
  memmove (&node->children[index + 1], &node->children[index],
           (node->n_children - index) * sizeof (GXmppNode *));
  node->children[index] = gxmpp_node_ref (child);
  node->n_children++;
}

/**
 * gxmpp_node_append:
 * @node: a mutable element
 * @child: the node to append
 *
 * Appends @child to @node's children, adding a reference to it. Appending
 * text right after text merges the two. A sealed child can be shared by
 * several parents; a mutable one should have only one.
 */
void
gxmpp_node_append (GXmppNode *node,
                   GXmppNode *child)
{
  g_return_if_fail (node != NULL);
  g_return_if_fail (child != NULL);
  g_return_if_fail (IS_ELEMENT (node));
  g_return_if_fail (!node->sealed);
  g_return_if_fail (!node_contains (child, node));

  gxmpp_node_append_take (node, gxmpp_node_ref (child));
}

static void
remove_child_at (GXmppNode *node,
                 guint      index)
{
  GXmppNode *child = node->children[index];

  memmove (&node->children[index], &node->children[index + 1],
           (node->n_children - index - 1) * sizeof (GXmppNode *));
  node->n_children--;
  invalidate_text_cache (node);
  gxmpp_node_unref (child);
}

/**
 * gxmpp_node_remove_child:
 * @node: a mutable element
 * @child: a child of @node
 *
 * Removes @child from @node's children and drops @node's reference to it.
 *
 * Returns: %TRUE if @child was a child of @node
 */
gboolean
gxmpp_node_remove_child (GXmppNode *node,
                         GXmppNode *child)
{
  guint i;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (child != NULL, FALSE);
  g_return_val_if_fail (!node->sealed, FALSE);

  for (i = 0; i < node->n_children; i++)
    if (node->children[i] == child)
      {
        remove_child_at (node, i);
        return TRUE;
      }

  return FALSE;
}

/**
 * gxmpp_node_remove_children:
 * @node: a mutable element
 * @name: (nullable): the local name, or %NULL to accept any
 * @ns: (nullable): the namespace URI, or %NULL to accept any
 *
 * Removes every child element with the given name and namespace. Text
 * children stay.
 *
 * Returns: the number of children removed
 */
guint
gxmpp_node_remove_children (GXmppNode  *node,
                            const char *name,
                            const char *ns)
{
  guint i = 0, removed = 0;

  g_return_val_if_fail (node != NULL, 0);
  g_return_val_if_fail (!node->sealed, 0);

  while (i < node->n_children)
    {
      if (child_matches (node->children[i], name, ns))
        {
          remove_child_at (node, i);
          removed++;
        }
      else
        i++;
    }

  return removed;
}

/**
 * gxmpp_node_get_text:
 * @node: a node
 *
 * Gets the character data of @node: for text, its characters; for an
 * element, its direct text children joined (the text of child elements is
 * not included). Markup in the text is already decoded: a body written as
 * `&lt;b&gt;` reads as `<b>`.
 *
 * Returns: the text; an empty string if there is none. It stays valid as
 *   long as @node is not modified.
 */
const char *
gxmpp_node_get_text (GXmppNode *node)
{
  GXmppNode *single = NULL;
  guint i, n_text = 0;
  GString *joined;
  char *cached;

  g_return_val_if_fail (node != NULL, NULL);

  if (!IS_ELEMENT (node))
    return node->text;

  cached = g_atomic_pointer_get (&node->text);
  if (cached != NULL)
    return cached;

  for (i = 0; i < node->n_children; i++)
    if (!IS_ELEMENT (node->children[i]))
      {
        single = node->children[i];
        n_text++;
      }

  if (n_text == 0)
    return "";
  if (n_text == 1)
    return single->text;

  /* Several runs of text around child elements: join them once and keep
   * the result. A sealed node can be read from several threads at once,
   * so publish the cache atomically. */
  joined = g_string_new (NULL);
  for (i = 0; i < node->n_children; i++)
    if (!IS_ELEMENT (node->children[i]))
      g_string_append (joined, node->children[i]->text);

  cached = g_string_free (joined, FALSE);
  if (!g_atomic_pointer_compare_and_exchange (&node->text, NULL, cached))
    {
      g_free (cached);
      cached = g_atomic_pointer_get (&node->text);
    }
  return cached;
}

/**
 * gxmpp_node_set_text:
 * @node: a mutable element
 * @text: the new text
 *
 * Replaces the text of an element: its text children are removed and
 * @text is appended after its child elements. For an element that holds
 * only text, such as `<body/>`, that sets its content. The text may hold
 * any characters; they are escaped when written.
 */
void
gxmpp_node_set_text (GXmppNode  *node,
                     const char *text)
{
  guint i = 0;

  g_return_if_fail (node != NULL);
  g_return_if_fail (IS_ELEMENT (node));
  g_return_if_fail (!node->sealed);
  g_return_if_fail (text != NULL);
  g_return_if_fail (g_utf8_validate (text, -1, NULL));

  while (i < node->n_children)
    {
      if (!IS_ELEMENT (node->children[i]))
        remove_child_at (node, i);
      else
        i++;
    }

  gxmpp_node_add_text (node, text);
}

/**
 * gxmpp_node_add_text:
 * @node: a mutable element
 * @text: the text to append
 *
 * Appends text after the element's last child, joining it to text that is
 * already there.
 */
void
gxmpp_node_add_text (GXmppNode  *node,
                     const char *text)
{
  g_return_if_fail (node != NULL);
  g_return_if_fail (IS_ELEMENT (node));
  g_return_if_fail (!node->sealed);
  g_return_if_fail (text != NULL);
  g_return_if_fail (g_utf8_validate (text, -1, NULL));

  if (*text == '\0')
    return;

  gxmpp_node_append_take (node, gxmpp_node_new_text_take (g_strdup (text)));
}

GXmppNode *
gxmpp_node_add_child_with_text_trusted (GXmppNode  *node,
                                        const char *name,
                                        const char *text)
{
  GXmppNode *child;

  g_return_val_if_fail (IS_ELEMENT (node) && !node->sealed, NULL);

  child = gxmpp_node_new_element_take (intern (name), acquire (node->ns));
  gxmpp_node_append_take (node, child);
  if (*text != '\0')
    gxmpp_node_append_take (child, gxmpp_node_new_text_take (g_strdup (text)));
  return child;
}

void
gxmpp_node_set_text_trusted (GXmppNode  *node,
                             const char *text)
{
  guint i = 0;

  g_return_if_fail (IS_ELEMENT (node) && !node->sealed);

  while (i < node->n_children)
    {
      if (!IS_ELEMENT (node->children[i]))
        remove_child_at (node, i);
      else
        i++;
    }
  if (*text != '\0')
    gxmpp_node_append_take (node, gxmpp_node_new_text_take (g_strdup (text)));
}

static gboolean
attributes_equal (GXmppNode *a,
                  GXmppNode *b)
{
  guint i;

  if (a->n_attrs != b->n_attrs)
    return FALSE;

  /* Attribute order carries no meaning in XML. Names are unique per
   * element, so checking one direction with equal counts is enough. */
  for (i = 0; i < a->n_attrs; i++)
    {
      GXmppNodeAttr *other = find_attribute (b, a->attrs[i].ns, a->attrs[i].name);

      if (other == NULL || strcmp (other->value, a->attrs[i].value) != 0)
        return FALSE;
    }

  return TRUE;
}

/**
 * gxmpp_node_equal:
 * @a: a node
 * @b: another node
 *
 * Compares two nodes as XML: same kind, name, namespace, the same set of
 * attributes in any order, and equal children in the same order. Prefixes
 * and namespace declarations do not matter.
 *
 * Returns: %TRUE if @a and @b are equal
 */
gboolean
gxmpp_node_equal (GXmppNode *a,
                  GXmppNode *b)
{
  guint i;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a == b)
    return TRUE;
  if (a->kind != b->kind)
    return FALSE;
  if (!IS_ELEMENT (a))
    return strcmp (a->text, b->text) == 0;

  if (strcmp (a->name, b->name) != 0 || !str_equal0 (a->ns, b->ns))
    return FALSE;
  if (!attributes_equal (a, b))
    return FALSE;
  if (a->n_children != b->n_children)
    return FALSE;
  for (i = 0; i < a->n_children; i++)
    if (!gxmpp_node_equal (a->children[i], b->children[i]))
      return FALSE;

  return TRUE;
}

/**
 * gxmpp_node_to_string:
 * @node: a node
 * @error: return location for a #GError
 *
 * Serialises @node as XML. The element declares its namespace with
 * `xmlns`; text and attribute values are escaped so that they always stay
 * text. Text or values that hold a character XML cannot carry (most
 * control characters, U+FFFE, U+FFFF) are refused with
 * %GXMPP_ERROR_INVALID_CHARACTER rather than written.
 *
 * Returns: (transfer full) (nullable): the XML, or %NULL on error
 */
char *
gxmpp_node_to_string (GXmppNode  *node,
                      GError    **error)
{
  GString *out;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_string_sized_new (128);
  if (!gxmpp_xml_write_node (out, node, NULL, error))
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}
