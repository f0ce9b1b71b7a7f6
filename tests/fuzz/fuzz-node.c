/* fuzz-node.c: libFuzzer target for GXmppNode parsing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The first byte picks the default namespace given to
 * gxmpp_node_new_from_string() (none, jabber:client, jabber:server, or a
 * namespace of no stanza); the rest is the XML. A parsed tree is walked
 * through the whole read API, and must be equal to its copy, survive
 * sealing, and be written and parsed back to an equal tree. Refused input
 * must fail with a GError.
 */

#include <string.h>

#include "fuzz-common.h"
#include "gxmpp-error.h"
#include "gxmpp-node.h"

static void
walk (GXmppNode *node,
      guint      depth)
{
  guint i, n;

  if (depth > 300)
    fuzz_fail ("a tree deeper than any limit");

  if (gxmpp_node_get_kind (node) == GXMPP_NODE_TEXT)
    {
      const char *text = gxmpp_node_get_text (node);

      if (text == NULL || !g_utf8_validate (text, -1, NULL))
        fuzz_fail ("a text node without valid UTF-8 text");
      return;
    }

  if (gxmpp_node_get_name (node) == NULL || *gxmpp_node_get_name (node) == '\0')
    fuzz_fail ("an element without a name");
  if (!gxmpp_node_is (node, gxmpp_node_get_name (node), gxmpp_node_get_namespace (node)))
    fuzz_fail ("an element is not itself");
  (void) gxmpp_node_get_lang (node);
  (void) gxmpp_node_get_text (node);

  n = gxmpp_node_get_n_attributes (node);
  for (i = 0; i < n; i++)
    {
      const char *ns = NULL, *name = NULL, *value = NULL;

      if (!gxmpp_node_get_attribute_at (node, i, &ns, &name, &value))
        fuzz_fail ("attribute %u of %u is missing", i, n);
      if (name == NULL || value == NULL || !g_utf8_validate (value, -1, NULL))
        fuzz_fail ("an attribute without a name or a valid value");
      if (g_strcmp0 (gxmpp_node_get_attribute_ns (node, ns, name), value) != 0)
        fuzz_fail ("attribute %s is not found by its name", name);
      if (ns == NULL && g_strcmp0 (gxmpp_node_get_attribute (node, name), value) != 0)
        fuzz_fail ("attribute %s is not found without a namespace", name);
    }
  if (gxmpp_node_get_attribute_at (node, n, NULL, NULL, NULL))
    fuzz_fail ("an attribute past the last");

  n = gxmpp_node_get_n_children (node);
  for (i = 0; i < n; i++)
    {
      GXmppNode *child = gxmpp_node_get_child_at (node, i);

      if (child == NULL)
        fuzz_fail ("child %u of %u is missing", i, n);
      if (gxmpp_node_get_kind (child) == GXMPP_NODE_ELEMENT)
        {
          GXmppNode *first = gxmpp_node_get_child (node, gxmpp_node_get_name (child),
                                                   gxmpp_node_get_namespace (child));
          GPtrArray *all = gxmpp_node_get_children (node, gxmpp_node_get_name (child),
                                                    gxmpp_node_get_namespace (child));

          if (first == NULL || all == NULL || all->len == 0 || all->pdata[0] != first)
            fuzz_fail ("child <%s/> is not found by its name", gxmpp_node_get_name (child));
          g_ptr_array_unref (all);
          (void) gxmpp_node_get_child_text (node, gxmpp_node_get_name (child),
                                            gxmpp_node_get_namespace (child));
        }
      walk (child, depth + 1);
    }
  if (gxmpp_node_get_child_at (node, n) != NULL)
    fuzz_fail ("a child past the last");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const namespaces[] = { NULL, "jabber:client", "jabber:server", "urn:example:fuzz" };
  GError *error = NULL;
  GXmppNode *node, *copy, *back;
  char *xml;

  if (size < 1)
    return 0;

  node = gxmpp_node_new_from_string ((const char *) data + 1, size - 1, namespaces[data[0] % 4], &error);
  if (node == NULL)
    {
      if (error == NULL)
        fuzz_fail ("refused without a GError");
      if (g_getenv ("FUZZ_VERBOSE") != NULL)
        fprintf (stderr, "refused: %s\n", error->message);
      g_error_free (error);
      return 0;
    }
  if (error != NULL)
    fuzz_fail ("parsed with an error set");

  if (g_getenv ("FUZZ_VERBOSE") != NULL)
    fprintf (stderr, "accepted\n");
  walk (node, 0);

  copy = gxmpp_node_copy (node);
  if (!gxmpp_node_equal (node, copy) || !gxmpp_node_equal (copy, node))
    fuzz_fail ("a tree differs from its copy");
  gxmpp_node_seal (node);
  if (!gxmpp_node_is_sealed (node) || !gxmpp_node_equal (node, copy))
    fuzz_fail ("sealing changed a tree");

  xml = gxmpp_node_to_string (node, &error);
  if (xml == NULL)
    fuzz_fail ("a parsed tree cannot be written: %s", error->message);
  back = gxmpp_node_new_from_string (xml, -1, namespaces[data[0] % 4], &error);
  if (back == NULL)
    fuzz_fail ("a written tree does not parse: %s\n%s", error->message, xml);
  if (!gxmpp_node_equal (node, back))
    fuzz_fail ("a tree changed through writing and parsing:\n%s", xml);

  gxmpp_node_unref (back);
  g_free (xml);
  gxmpp_node_unref (copy);
  gxmpp_node_unref (node);
  return 0;
}
