/* test-xml-writer.c: serialising nodes and stream framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"
#include "gxmpp-xml-writer-private.h"

#define STREAM_NS "http://etherx.jabber.org/streams"

static GXmppNode *
parse (const char *xml,
       const char *default_ns)
{
  g_autoptr(GError) error = NULL;
  GXmppNode *node = gxmpp_node_new_from_string (xml, -1, default_ns, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static char *
write_node (GXmppNode *node)
{
  g_autoptr(GError) error = NULL;
  char *xml = gxmpp_node_to_string (node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (xml);
  return xml;
}

/* write(node) parses back to an equal node, and writing that again gives
 * the same bytes. */
static void
assert_round_trip (GXmppNode *node)
{
  g_autofree char *first = write_node (node);
  g_autoptr(GXmppNode) back = parse (first, NULL);
  g_autofree char *second = write_node (back);

  if (!gxmpp_node_equal (node, back))
    g_error ("round trip changed the node: %s", first);
  g_assert_cmpstr (first, ==, second);
}

static void
test_text_stays_text (void)
{
  static const char *const texts[] = {
    "</body></message><presence type='unavailable'/>",
    "<![CDATA[ x ]]>",
    "]]>",
    "&amp; &lt; &#60; &foo;",
    "a & b < c > d \" e ' f",
    "line\nbreak\ttab\rcarriage",
    "\r\n",
    " leading and trailing ",
    "Příliš žluťoučký kůň úpěl ďábelské ódy \xf0\x9f\x98\x80 \xef\xbf\xbd",
    "<?xml version='1.0'?><!-- --><!DOCTYPE x>",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GXmppNode) message = gxmpp_node_new ("message", "jabber:client");
      g_autoptr(GXmppNode) back = NULL;
      g_autofree char *xml = NULL;
      GXmppNode *body;

      gxmpp_node_add_child_with_text (message, "body", NULL, texts[i]);
      body = gxmpp_node_add_child (message, "x", "urn:example");
      gxmpp_node_set_attribute (body, "value", texts[i]);

      xml = write_node (message);
      back = parse (xml, NULL);

      /* Exactly one message with exactly these two children: the text
       * could not add or close elements. */
      g_assert_true (gxmpp_node_is (back, "message", "jabber:client"));
      g_assert_cmpuint (gxmpp_node_get_n_children (back), ==, 2);
      g_assert_cmpstr (gxmpp_node_get_child_text (back, "body", NULL), ==, texts[i]);
      g_assert_cmpstr (gxmpp_node_get_attribute (gxmpp_node_get_child (back, "x", NULL), "value"), ==, texts[i]);
      g_assert_true (gxmpp_node_equal (message, back));
    }
}

static void
test_escaping_exact (void)
{
  g_autoptr(GXmppNode) node = gxmpp_node_new ("a", NULL);
  g_autofree char *xml = NULL;

  gxmpp_node_set_attribute (node, "v", "'\"<>&\t\n\r");
  gxmpp_node_add_text (node, "'\"<>&\t\n\r");
  xml = write_node (node);
  g_assert_cmpstr (xml, ==, "<a v='&apos;&quot;&lt;&gt;&amp;&#9;&#10;&#13;'>'\"&lt;&gt;&amp;\t\n&#13;</a>");
}

static void
test_invalid_characters (void)
{
  static const char *const bad[] = {
    "\x01", ("a\x08" "b"), "\x1f", "\x0b", "\x0c", "\x7f\x1b",
    "\xef\xbf\xbe",           /* U+FFFE */
    "\xef\xbf\xbf",           /* U+FFFF */
    "\xc3\x28",               /* invalid UTF-8 */
    "\xed\xa0\x80",           /* a surrogate, encoded */
    "\xc0\xbc",               /* overlong '<' */
    "\xf4\x90\x80\x80",       /* beyond U+10FFFF */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) out = g_string_new ("prefix");
      g_autoptr(GXmppNode) text_node = NULL;
      g_autoptr(GXmppNode) attr_node = NULL;
      g_autofree char *xml = NULL;

      /* U+007F is allowed by XML 1.0; check it is written, then the rest. */
      if (i == 5)
        {
          g_assert_false (gxmpp_xml_append_escaped (out, bad[i], FALSE, &error));
          g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
          g_assert_cmpstr (error->message, ==, "Text contains the character U+001B, which XML cannot carry");
          g_assert_cmpstr (out->str, ==, "prefix");
          continue;
        }

      g_assert_false (gxmpp_xml_append_escaped (out, bad[i], FALSE, &error));
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
      g_assert_cmpstr (out->str, ==, "prefix");
      g_clear_error (&error);

      g_assert_false (gxmpp_xml_append_escaped (out, bad[i], TRUE, &error));
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
      g_assert_cmpstr (out->str, ==, "prefix");
      g_clear_error (&error);

      /* Through a whole node, built with the codec's unchecked builders
       * as a parser bug or a careless caller might: still refused. */
      text_node = gxmpp_node_new_element_take (g_ref_string_new ("body"), NULL);
      gxmpp_node_append_take (text_node, gxmpp_node_new_text_take (g_strdup (bad[i])));
      xml = gxmpp_node_to_string (text_node, &error);
      g_assert_null (xml);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
      g_clear_error (&error);

      attr_node = gxmpp_node_new_element_take (g_ref_string_new ("x"), NULL);
      gxmpp_node_add_attribute_take (attr_node, NULL, g_ref_string_new ("a"), g_strdup (bad[i]));
      xml = gxmpp_node_to_string (attr_node, &error);
      g_assert_null (xml);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
    }
}

static void
test_control_character_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_false (gxmpp_xml_append_escaped (out, "ok\x01", FALSE, &error));
  g_assert_cmpstr (error->message, ==, "Text contains the character U+0001, which XML cannot carry");
}

static void
test_invalid_names (void)
{
  static const char *const bad[] = {
    "a b", "a>b", "1a", "-a", ".a", "a'b", "a:b", "", "a/b",
    "\xc3\x97",              /* U+00D7 MULTIPLICATION SIGN */
    "\xcc\x80" "a",          /* starts with U+0300, a combining mark */
    "a\xef\xbf\xbe",         /* U+FFFE */
    "a\xe2\x80\xa8",         /* U+2028 */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GXmppNode) node = gxmpp_node_new_element_take (g_ref_string_new (bad[i]), NULL);
      g_autoptr(GXmppNode) attr = gxmpp_node_new_element_take (g_ref_string_new ("ok"), NULL);
      g_autofree char *xml = NULL;

      g_assert_false (gxmpp_node_name_is_valid (bad[i]));
      xml = gxmpp_node_to_string (node, &error);
      g_assert_null (xml);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
      g_clear_error (&error);

      gxmpp_node_add_attribute_take (attr, NULL, g_ref_string_new (bad[i]), g_strdup ("v"));
      xml = gxmpp_node_to_string (attr, &error);
      g_assert_null (xml);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
    }

  g_assert_true (gxmpp_node_name_is_valid ("a"));
  g_assert_true (gxmpp_node_name_is_valid ("a\xcc\x80"));      /* a combining mark after the start */
  g_assert_true (gxmpp_node_name_is_valid ("\xe6\x97\xa5\xe6\x9c\xac"));
  g_assert_true (gxmpp_node_name_is_valid ("_a.b-c9"));
  g_assert_true (gxmpp_node_name_is_valid ("élément"));
}

/* Namespace declarations cannot be smuggled in as attributes. */
static void
test_no_namespace_declarations (void)
{
  static const struct {
    const char *ns;
    const char *name;
  } bad[] = {
    { NULL, "xmlns" },
    { "http://www.w3.org/2000/xmlns/", "a" },
    { "", "a" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GXmppNode) node = gxmpp_node_new_element_take (g_ref_string_new ("c"), NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *xml = NULL;

      g_assert_false (gxmpp_node_attribute_is_allowed (bad[i].ns, bad[i].name));
      gxmpp_node_add_attribute_take (node, bad[i].ns ? g_ref_string_new (bad[i].ns) : NULL,
                                     g_ref_string_new (bad[i].name), g_strdup ("urn:evil"));
      xml = gxmpp_node_to_string (node, &error);
      g_assert_null (xml);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
    }

  g_assert_true (gxmpp_node_attribute_is_allowed (NULL, "xmlnsx"));
  g_assert_true (gxmpp_node_attribute_is_allowed ("urn:x", "xmlns"));
}

static void
test_xmlns_setter_refused (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GXmppNode) node = gxmpp_node_new ("c", "urn:x");

      gxmpp_node_set_attribute (node, "xmlns", "urn:evil");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*attribute_is_allowed*");
}

static void
test_namespaces (void)
{
  g_autoptr(GXmppNode) iq = gxmpp_node_new ("iq", "jabber:client");
  g_autofree char *xml = NULL;
  GXmppNode *query, *item, *bare;

  gxmpp_node_set_attribute (iq, "type", "get");
  gxmpp_node_set_lang (iq, "en");
  query = gxmpp_node_add_child (iq, "query", "jabber:iq:roster");
  item = gxmpp_node_add_child (query, "item", NULL);
  gxmpp_node_set_attribute_ns (item, "urn:example:a", "x", "1");
  gxmpp_node_set_attribute_ns (item, "urn:example:b", "y", "2");
  gxmpp_node_set_attribute_ns (item, "urn:example:a", "z", "3");
  bare = gxmpp_node_new_element_take (g_ref_string_new ("bare"), NULL);
  gxmpp_node_append_take (query, bare);

  xml = write_node (iq);
  g_assert_cmpstr (xml, ==,
                   "<iq xmlns='jabber:client' type='get' xml:lang='en'>"
                   "<query xmlns='jabber:iq:roster'>"
                   "<item xmlns:ns1='urn:example:a' ns1:x='1' xmlns:ns2='urn:example:b' ns2:y='2' ns1:z='3'/>"
                   "<bare xmlns=''/>"
                   "</query></iq>");
  assert_round_trip (iq);
}

static void
test_stream_framing (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) features = NULL;
  g_autoptr(GXmppNode) message = NULL;
  GXmppXmlReader *reader;
  GXmppNode *node;

  g_assert_true (gxmpp_xml_write_stream_open (out, "jabber:client", "example.com", "juliet@example.com",
                                              "en", NULL, &error));
  g_assert_cmpstr (out->str, ==,
                   "<?xml version='1.0'?><stream:stream xmlns:stream='" STREAM_NS "' xmlns='jabber:client'"
                   " to='example.com' from='juliet@example.com' xml:lang='en' version='1.0'>");

  features = gxmpp_node_new ("features", STREAM_NS);
  gxmpp_node_add_child (features, "bind", "urn:ietf:params:xml:ns:xmpp-bind");
  g_assert_true (gxmpp_xml_write_stream_element (out, features, "jabber:client", &error));

  message = gxmpp_node_new ("message", "jabber:client");
  gxmpp_node_add_child_with_text (message, "body", NULL, "hi");
  g_assert_true (gxmpp_xml_write_stream_element (out, message, "jabber:client", &error));
  gxmpp_xml_write_stream_close (out);

  g_assert_true (g_str_has_suffix (out->str,
                                   "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
                                   "<message><body>hi</body></message></stream:stream>"));

  /* The reader reads what the writer writes. */
  reader = gxmpp_xml_reader_new ("jabber:client");
  g_assert_true (gxmpp_xml_reader_feed (reader, out->str, out->len, &error));
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_STREAM_OPEN);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "to"), ==, "example.com");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "version"), ==, "1.0");
  g_assert_cmpstr (gxmpp_node_get_lang (node), ==, "en");
  gxmpp_node_unref (node);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_true (gxmpp_node_equal (node, features));
  gxmpp_node_unref (node);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_true (gxmpp_node_equal (node, message));
  gxmpp_node_unref (node);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_STREAM_CLOSE);
  gxmpp_xml_reader_free (reader);
}

static void
test_stream_open_escapes (void)
{
  g_autoptr(GString) out = g_string_new ("keep");
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_xml_write_stream_open (out, "jabber:client", "a'><evil/>", NULL, NULL, "i&d", &error));
  g_assert_nonnull (strstr (out->str, "to='a&apos;&gt;&lt;evil/&gt;'"));
  g_assert_nonnull (strstr (out->str, "id='i&amp;d'"));

  g_string_assign (out, "keep");
  g_assert_false (gxmpp_xml_write_stream_open (out, "jabber:client", "a\x01", NULL, NULL, NULL, &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER);
  g_assert_cmpstr (out->str, ==, "keep");
}

/* Every stanza kind, as RFC 6120/6121 show them and with the extensions a
 * client meets, survives parse -> write -> parse unchanged. */
static void
test_stanza_round_trips (void)
{
  static const char *const stanzas[] = {
    "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='ktx72v49' xml:lang='en'>"
    "<subject>Hi</subject><subject xml:lang='cs'>Ahoj</subject><body>Art thou not Romeo?</body>"
    "<body xml:lang='cs'>Nejsi Romeo?</body><thread parent='7edac73ab41e45c4aafa7b2d7b749080'>"
    "e0ffe42b28561960c6b12b944a092794b9683a38</thread>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "<request xmlns='urn:xmpp:receipts'/><origin-id xmlns='urn:xmpp:sid:0' id='de305d54'/></message>",
    "<message type='groupchat' to='room@muc.example'><body>x</body><x xmlns='jabber:x:oob'><url>https://a/b?c=d&amp;e</url></x></message>",
    "<message type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'/></event></message>",
    "<message type='normal'/>",
    "<message type='error' id='e1'><error type='cancel' by='example.net'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>No such user</text>"
    "<app-specific xmlns='urn:example:errors'/></error></message>",
    "<presence/>",
    "<presence xml:lang='en'><show>dnd</show><status>Wooing Juliet</status><status xml:lang='cs'>Namlouvám</status>"
    "<priority>1</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://a' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>",
    "<presence type='unavailable'/>",
    "<presence type='subscribe' to='juliet@example.com'/>",
    "<presence type='subscribed' to='juliet@example.com'/>",
    "<presence type='unsubscribe' to='juliet@example.com'/>",
    "<presence type='unsubscribed' to='juliet@example.com'/>",
    "<presence type='probe' to='juliet@example.com'/>",
    "<presence type='error'><error type='modify'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    "<iq type='get' id='rr1'><query xmlns='jabber:iq:roster' ver='ver11'/></iq>",
    "<iq type='set' id='rs1'><query xmlns='jabber:iq:roster'><item jid='nurse@example.com' name='Nurse'>"
    "<group>Servants</group></item></query></iq>",
    "<iq type='result' id='rr1'/>",
    "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@im.example.com/balcony</jid></bind></iq>",
    "<iq type='error' id='e2'><query xmlns='jabber:iq:version'/><error type='cancel'>"
    "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    "<iq type='get' id='p1' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (stanzas); i++)
    {
      g_autoptr(GXmppNode) node = parse (stanzas[i], "jabber:client");
      g_autoptr(GString) in_stream = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      assert_round_trip (node);

      /* Inside a stream the content namespace is not repeated, and the
       * reader gives the same node back. */
      g_assert_true (gxmpp_xml_write_stream_element (in_stream, node, "jabber:client", &error));
      g_assert_false (g_str_has_prefix (in_stream->str, "<message xmlns") ||
                      g_str_has_prefix (in_stream->str, "<presence xmlns") ||
                      g_str_has_prefix (in_stream->str, "<iq xmlns"));
      {
        g_autofree char *framed = g_strconcat ("<stream:stream xmlns='jabber:client' xmlns:stream='" STREAM_NS "'>",
                                               in_stream->str, NULL);
        GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
        GXmppNode *back = NULL;

        g_assert_true (gxmpp_xml_reader_feed (reader, framed, strlen (framed), &error));
        g_assert_cmpint (gxmpp_xml_reader_pop (reader, NULL), ==, GXMPP_XML_EVENT_STREAM_OPEN);
        g_assert_cmpint (gxmpp_xml_reader_pop (reader, &back), ==, GXMPP_XML_EVENT_ELEMENT);
        g_assert_true (gxmpp_node_equal (node, back));
        gxmpp_node_unref (back);
        gxmpp_xml_reader_free (reader);
      }
    }
}

static void
test_large_tree (void)
{
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", "jabber:iq:roster");
  guint i;

  for (i = 0; i < 5000; i++)   /* ~400 KB, under the default limit */
    {
      GXmppNode *item = gxmpp_node_add_child (query, "item", NULL);
      g_autofree char *jid = g_strdup_printf ("user%u@example.com", i);

      gxmpp_node_set_attribute (item, "jid", jid);
      gxmpp_node_set_attribute (item, "subscription", "both");
      gxmpp_node_add_child_with_text (item, "group", NULL, "Friends");
    }
  assert_round_trip (query);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/xml-writer/text-stays-text", test_text_stays_text);
  g_test_add_func ("/xml-writer/escaping-exact", test_escaping_exact);
  g_test_add_func ("/xml-writer/invalid-characters", test_invalid_characters);
  g_test_add_func ("/xml-writer/control-character-message", test_control_character_message);
  g_test_add_func ("/xml-writer/invalid-names", test_invalid_names);
  g_test_add_func ("/xml-writer/namespaces", test_namespaces);
  g_test_add_func ("/xml-writer/no-namespace-declarations", test_no_namespace_declarations);
  g_test_add_func ("/xml-writer/xmlns-setter-refused", test_xmlns_setter_refused);
  g_test_add_func ("/xml-writer/stream-framing", test_stream_framing);
  g_test_add_func ("/xml-writer/stream-open-escapes", test_stream_open_escapes);
  g_test_add_func ("/xml-writer/stanza-round-trips", test_stanza_round_trips);
  g_test_add_func ("/xml-writer/large-tree", test_large_tree);

  return g_test_run ();
}
