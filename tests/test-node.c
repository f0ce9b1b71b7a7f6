/* test-node.c: the XML element value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-node-private.h"

static void
test_element_basics (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("message", GXMPP_NS_CLIENT);
  GXmppNode *copy_ref;

  g_assert_cmpint (gxmpp_node_get_kind (node), ==, GXMPP_NODE_ELEMENT);
  g_assert_cmpstr (gxmpp_node_get_name (node), ==, "message");
  g_assert_cmpstr (gxmpp_node_get_namespace (node), ==, "jabber:client");
  g_assert_true (gxmpp_node_is (node, "message", GXMPP_NS_CLIENT));
  g_assert_true (gxmpp_node_is (node, "message", NULL));
  g_assert_false (gxmpp_node_is (node, "message", GXMPP_NS_SERVER));
  g_assert_false (gxmpp_node_is (node, "presence", NULL));
  g_assert_cmpuint (gxmpp_node_get_n_children (node), ==, 0);
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 0);
  g_assert_cmpstr (gxmpp_node_get_text (node), ==, "");
  g_assert_false (gxmpp_node_is_sealed (node));

  copy_ref = gxmpp_node_ref (node);
  g_assert_true (copy_ref == node);
  gxmpp_node_unref (copy_ref);

  g_assert_true (G_TYPE_IS_BOXED (GXMPP_TYPE_NODE));
}

static void
test_attributes (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("item", NULL);
  const char *ns, *name, *value;

  g_assert_null (gxmpp_node_get_namespace (node));
  gxmpp_node_set_attribute (node, "jid", "a@b");
  gxmpp_node_set_attribute (node, "name", "A");
  gxmpp_node_set_attribute_ns (node, "urn:x", "name", "namespaced");
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 3);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "jid"), ==, "a@b");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "name"), ==, "A");
  g_assert_cmpstr (gxmpp_node_get_attribute_ns (node, "urn:x", "name"), ==, "namespaced");
  g_assert_null (gxmpp_node_get_attribute_ns (node, "urn:y", "name"));
  g_assert_null (gxmpp_node_get_attribute (node, "missing"));

  /* Replacing keeps the count; removing shifts the rest. */
  gxmpp_node_set_attribute (node, "jid", "c@d");
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 3);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "jid"), ==, "c@d");
  gxmpp_node_set_attribute (node, "jid", NULL);
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 2);
  g_assert_null (gxmpp_node_get_attribute (node, "jid"));
  gxmpp_node_set_attribute (node, "never-set", NULL);
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 2);

  g_assert_true (gxmpp_node_get_attribute_at (node, 0, &ns, &name, &value));
  g_assert_null (ns);
  g_assert_cmpstr (name, ==, "name");
  g_assert_cmpstr (value, ==, "A");
  g_assert_true (gxmpp_node_get_attribute_at (node, 1, &ns, &name, &value));
  g_assert_cmpstr (ns, ==, "urn:x");
  g_assert_false (gxmpp_node_get_attribute_at (node, 2, &ns, &name, &value));
  g_assert_true (gxmpp_node_get_attribute_at (node, 1, NULL, NULL, NULL));

  gxmpp_node_set_lang (node, "en");
  g_assert_cmpstr (gxmpp_node_get_lang (node), ==, "en");
  g_assert_cmpstr (gxmpp_node_get_attribute_ns (node, GXMPP_NS_XML, "lang"), ==, "en");
  gxmpp_node_set_lang (node, NULL);
  g_assert_null (gxmpp_node_get_lang (node));

  /* Many attributes (growth of the array). */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *attr = g_strdup_printf ("a%u", i);
      gxmpp_node_set_attribute (node, attr, attr);
    }
  g_assert_cmpuint (gxmpp_node_get_n_attributes (node), ==, 102);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "a99"), ==, "a99");
}

static void
test_children (void)
{
  g_autoptr(GXmppNode) iq = gxmpp_node_new ("iq", GXMPP_NS_CLIENT);
  g_autoptr(GXmppNode) error_el = gxmpp_node_new ("error", GXMPP_NS_CLIENT);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) items = NULL;
  GXmppNode *query, *first, *second;

  query = gxmpp_node_add_child (iq, "query", "jabber:iq:roster");
  g_assert_cmpstr (gxmpp_node_get_namespace (query), ==, "jabber:iq:roster");
  first = gxmpp_node_add_child (query, "item", NULL);
  g_assert_cmpstr (gxmpp_node_get_namespace (first), ==, "jabber:iq:roster");   /* inherited */
  second = gxmpp_node_add_child (query, "item", "urn:other");
  gxmpp_node_add_child_with_text (query, "group", NULL, "Friends");

  g_assert_true (gxmpp_node_get_child (iq, NULL, NULL) == query);
  g_assert_true (gxmpp_node_get_child (query, "item", NULL) == first);
  g_assert_true (gxmpp_node_get_child (query, "item", "urn:other") == second);
  g_assert_true (gxmpp_node_get_child (query, NULL, "urn:other") == second);
  g_assert_null (gxmpp_node_get_child (query, "missing", NULL));
  g_assert_cmpstr (gxmpp_node_get_child_text (query, "group", NULL), ==, "Friends");
  g_assert_null (gxmpp_node_get_child_text (query, "missing", NULL));

  items = gxmpp_node_get_children (query, "item", NULL);
  g_assert_cmpuint (items->len, ==, 2);
  all = gxmpp_node_get_children (query, NULL, NULL);
  g_assert_cmpuint (all->len, ==, 3);

  /* insert at the front, then remove */
  gxmpp_node_insert (iq, 0, error_el);
  g_assert_true (gxmpp_node_get_child_at (iq, 0) == error_el);
  g_assert_true (gxmpp_node_get_child_at (iq, 1) == query);
  g_assert_null (gxmpp_node_get_child_at (iq, 2));
  g_assert_true (gxmpp_node_remove_child (iq, error_el));
  g_assert_false (gxmpp_node_remove_child (iq, error_el));
  g_assert_cmpuint (gxmpp_node_get_n_children (iq), ==, 1);

  g_assert_cmpuint (gxmpp_node_remove_children (query, "item", NULL), ==, 2);
  g_assert_cmpuint (gxmpp_node_get_n_children (query), ==, 1);
  g_assert_cmpuint (gxmpp_node_remove_children (query, NULL, NULL), ==, 1);
  g_assert_cmpuint (gxmpp_node_get_n_children (query), ==, 0);

  /* The array from get_children keeps its nodes alive. */
  g_assert_cmpstr (gxmpp_node_get_namespace (g_ptr_array_index (items, 1)), ==, "urn:other");
}

static void
test_text (void)
{
  g_autoptr(GXmppNode) p = gxmpp_node_new ("p", "http://www.w3.org/1999/xhtml");
  g_autoptr(GXmppNode) text = gxmpp_node_new_text ("!");
  GXmppNode *b;
  const char *joined;

  gxmpp_node_add_text (p, "Hello ");
  gxmpp_node_add_text (p, "there ");      /* merged with the previous run */
  g_assert_cmpuint (gxmpp_node_get_n_children (p), ==, 1);
  b = gxmpp_node_add_child_with_text (p, "b", NULL, "bold");
  gxmpp_node_add_text (p, " world");
  gxmpp_node_append (p, text);            /* merged too */
  gxmpp_node_add_text (p, "");            /* nothing */
  g_assert_cmpuint (gxmpp_node_get_n_children (p), ==, 3);

  g_assert_cmpint (gxmpp_node_get_kind (text), ==, GXMPP_NODE_TEXT);
  g_assert_null (gxmpp_node_get_name (text));
  g_assert_cmpstr (gxmpp_node_get_text (text), ==, "!");
  /* The appended text node itself is unchanged by the merge. */
  g_assert_cmpstr (gxmpp_node_get_text (gxmpp_node_get_child_at (p, 2)), ==, " world!");

  joined = gxmpp_node_get_text (p);
  g_assert_cmpstr (joined, ==, "Hello there  world!");
  g_assert_true (joined == gxmpp_node_get_text (p));   /* computed once */
  g_assert_cmpstr (gxmpp_node_get_text (b), ==, "bold");

  /* set_text drops the text runs, keeps elements, appends the new text. */
  gxmpp_node_set_text (p, "new");
  g_assert_cmpuint (gxmpp_node_get_n_children (p), ==, 2);
  g_assert_true (gxmpp_node_get_child_at (p, 0) == b);
  g_assert_cmpstr (gxmpp_node_get_text (p), ==, "new");

  gxmpp_node_set_text (b, "");
  g_assert_cmpuint (gxmpp_node_get_n_children (b), ==, 0);
  g_assert_cmpstr (gxmpp_node_get_text (b), ==, "");
}

static void
test_equal (void)
{
  g_autoptr(GXmppNode) a = NULL;
  g_autoptr(GXmppNode) b = NULL;
  g_autoptr(GXmppNode) c = NULL;
  g_autoptr(GXmppNode) t1 = gxmpp_node_new_text ("x");
  g_autoptr(GXmppNode) t2 = gxmpp_node_new_text ("x");
  g_autoptr(GError) error = NULL;

  a = gxmpp_node_new_from_string ("<m xmlns='urn:a' x='1' y='2'><b>t</b></m>", -1, NULL, &error);
  b = gxmpp_node_new_from_string ("<p:m xmlns:p='urn:a' y='2' x='1'><p:b>t</p:b></p:m>", -1, NULL, &error);
  g_assert_no_error (error);

  /* Prefixes and attribute order do not matter. */
  g_assert_true (gxmpp_node_equal (a, b));
  g_assert_true (gxmpp_node_equal (b, a));
  g_assert_true (gxmpp_node_equal (t1, t2));
  g_assert_false (gxmpp_node_equal (a, t1));

  c = gxmpp_node_copy (a);
  g_assert_true (gxmpp_node_equal (a, c));
  gxmpp_node_set_attribute (c, "x", "other");
  g_assert_false (gxmpp_node_equal (a, c));
  gxmpp_node_set_attribute (c, "x", "1");
  gxmpp_node_set_attribute (c, "z", "3");
  g_assert_false (gxmpp_node_equal (a, c));
  gxmpp_node_set_attribute (c, "z", NULL);
  g_assert_true (gxmpp_node_equal (a, c));
  gxmpp_node_set_text (gxmpp_node_get_child (c, "b", NULL), "u");
  g_assert_false (gxmpp_node_equal (a, c));
  g_clear_pointer (&c, gxmpp_node_unref);

  c = gxmpp_node_new_from_string ("<m xmlns='urn:other' x='1' y='2'><b>t</b></m>", -1, NULL, &error);
  g_assert_false (gxmpp_node_equal (a, c));
  g_clear_pointer (&c, gxmpp_node_unref);
  c = gxmpp_node_new_from_string ("<m xmlns='urn:a' x='1' y='2'><b>t</b><b/></m>", -1, NULL, &error);
  g_assert_false (gxmpp_node_equal (a, c));
}

static void
test_copy_and_seal (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("a", "urn:a");
  g_autoptr(GXmppNode) copy = NULL;
  GXmppNode *child;

  child = gxmpp_node_add_child (node, "b", NULL);
  gxmpp_node_set_attribute (child, "k", "v");
  gxmpp_node_add_text (child, "text");

  gxmpp_node_seal (node);
  g_assert_true (gxmpp_node_is_sealed (node));
  g_assert_true (gxmpp_node_is_sealed (child));
  gxmpp_node_seal (node);   /* idempotent */

  copy = gxmpp_node_copy (node);
  g_assert_false (gxmpp_node_is_sealed (copy));
  g_assert_false (gxmpp_node_is_sealed (gxmpp_node_get_child_at (copy, 0)));
  g_assert_true (gxmpp_node_get_child_at (copy, 0) != child);
  g_assert_true (gxmpp_node_equal (node, copy));

  /* The copy is independent. */
  gxmpp_node_set_attribute (gxmpp_node_get_child_at (copy, 0), "k", "changed");
  g_assert_cmpstr (gxmpp_node_get_attribute (child, "k"), ==, "v");

  /* A sealed node can be shared by several parents. */
  gxmpp_node_append (copy, node);
  gxmpp_node_append (copy, node);
  g_assert_cmpuint (gxmpp_node_get_n_children (copy), ==, 3);
}

/* Modifying a sealed node is a programming error: a critical, and the node
 * stays as it was. */
static void
test_sealed_is_immutable (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GXmppNode) node = gxmpp_node_new ("a", NULL);

      gxmpp_node_seal (node);
      gxmpp_node_set_attribute (node, "k", "v");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*gxmpp_node_set_attribute_ns*sealed*");
}

static void
test_sealed_no_children (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GXmppNode) node = gxmpp_node_new ("a", NULL);

      gxmpp_node_seal (node);
      gxmpp_node_add_child (node, "b", NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*gxmpp_node_add_child*sealed*");
}

static void
test_no_cycles (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GXmppNode) node = gxmpp_node_new ("a", NULL);
      GXmppNode *child = gxmpp_node_add_child (node, "b", NULL);

      gxmpp_node_append (child, node);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*gxmpp_node_append*node_contains*");
}

static void
test_invalid_name_refused (void)
{
  if (g_test_subprocess ())
    {
      GXmppNode *node = gxmpp_node_new ("a b", NULL);

      g_assert_null (node);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*gxmpp_node_new*name_is_valid*");
}

static void
test_to_string (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("presence", GXMPP_NS_CLIENT);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  gxmpp_node_add_child_with_text (node, "show", NULL, "away");
  gxmpp_node_add_child_with_text (node, "status", NULL, "<b>Off</b> & out");
  xml = gxmpp_node_to_string (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (xml, ==,
                   "<presence xmlns='jabber:client'><show>away</show>"
                   "<status>&lt;b&gt;Off&lt;/b&gt; &amp; out</status></presence>");
}

static gpointer
read_shared_node (gpointer data)
{
  GXmppNode *node = data;
  guint i;

  for (i = 0; i < 10000; i++)
    {
      GXmppNode *ref = gxmpp_node_ref (node);

      g_assert_cmpstr (gxmpp_node_get_text (ref), ==, "abc");
      g_assert_cmpstr (gxmpp_node_get_name (gxmpp_node_get_child_at (ref, 1)), ==, "b");
      gxmpp_node_unref (ref);
    }
  return NULL;
}

static void
test_shared_between_threads (void)
{
  g_autoptr(GXmppNode) node = NULL;
  g_autoptr(GError) error = NULL;
  GThread *threads[4];
  guint i;

  node = gxmpp_node_new_from_string ("<p>a<b/>b<c/>c</p>", -1, NULL, &error);
  g_assert_no_error (error);
  gxmpp_node_seal (node);

  /* Sealed nodes may be read, reffed and unreffed from several threads;
   * the joined text of mixed content is computed concurrently. */
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", read_shared_node, node);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpstr (gxmpp_node_get_text (node), ==, "abc");
}

/* The ASCII fast path of name validation agrees with the XML rules, and
 * names made through the API are the interned strings, also when more
 * names are used than the per-thread cache holds. */
static void
test_name_rules (void)
{
  const char *valid[] = { "a", "Z", "_", "_x", "a-b.c", "body", "a1", "é", "aé", "éa", "a\xc2\xb7" "b", NULL };
  const char *invalid[] = { "", "1a", "-a", ".a", "a b", "a:b", "a/b", "a>", "\xc2\xb7" "a", "a\xff", "\xff", NULL };

  for (guint i = 0; valid[i] != NULL; i++)
    g_assert_true (gxmpp_node_name_is_valid (valid[i]));
  for (guint i = 0; invalid[i] != NULL; i++)
    g_assert_false (gxmpp_node_name_is_valid (invalid[i]));
}

static void
test_names_interned (void)
{
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < 40; i++)
      {
        g_autofree char *name = g_strdup_printf ("n%u", i % (round == 0 ? 4 : 40));
        g_autofree char *ns = g_strdup_printf ("urn:example:%u", i % 20);
        g_autoptr(GXmppNode) a = gxmpp_node_new (name, ns);
        g_autoptr(GXmppNode) b = gxmpp_node_new (name, ns);

        g_assert_cmpstr (gxmpp_node_get_name (a), ==, name);
        g_assert_cmpstr (gxmpp_node_get_namespace (a), ==, ns);
        g_assert_true (gxmpp_node_get_name (a) == gxmpp_node_get_name (b));
        g_assert_true (gxmpp_node_get_namespace (a) == gxmpp_node_get_namespace (b));
        g_assert_true (gxmpp_node_equal (a, b));
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/node/element-basics", test_element_basics);
  g_test_add_func ("/node/attributes", test_attributes);
  g_test_add_func ("/node/children", test_children);
  g_test_add_func ("/node/text", test_text);
  g_test_add_func ("/node/equal", test_equal);
  g_test_add_func ("/node/copy-and-seal", test_copy_and_seal);
  g_test_add_func ("/node/sealed-is-immutable", test_sealed_is_immutable);
  g_test_add_func ("/node/sealed-no-children", test_sealed_no_children);
  g_test_add_func ("/node/no-cycles", test_no_cycles);
  g_test_add_func ("/node/invalid-name-refused", test_invalid_name_refused);
  g_test_add_func ("/node/name-rules", test_name_rules);
  g_test_add_func ("/node/names-interned", test_names_interned);
  g_test_add_func ("/node/to-string", test_to_string);
  g_test_add_func ("/node/shared-between-threads", test_shared_between_threads);

  return g_test_run ();
}
