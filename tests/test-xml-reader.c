/* test-xml-reader.c: the restricted-XML stream parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gio/gio.h>
#include <libxml/xmlmemory.h>

#include "gxmpp-error.h"
#include "gxmpp-node-private.h"
#include "gxmpp-xml-reader-private.h"

#define STREAM_NS "http://etherx.jabber.org/streams"
#define HEADER \
  "<?xml version='1.0'?>" \
  "<stream:stream xmlns='jabber:client' xmlns:stream='" STREAM_NS "'" \
  " from='example.com' id='s1' version='1.0' xml:lang='en'>"

/* libxml2's allocations, counted, so that the memory bound can be checked
 * whatever allocator or sanitizer is in use. */
static gsize xml_live;
static gsize xml_peak;

typedef union {
  gsize size;
  max_align_t align;
} AllocHeader;

static void *
counting_malloc (size_t size)
{
  AllocHeader *h = malloc (sizeof (AllocHeader) + size);

  if (h == NULL)
    return NULL;
  h->size = size;
  xml_live += size;
  xml_peak = MAX (xml_peak, xml_live);
  return h + 1;
}

static void
counting_free (void *mem)
{
  AllocHeader *h;

  if (mem == NULL)
    return;
  h = (AllocHeader *) mem - 1;
  xml_live -= h->size;
  free (h);
}

static void *
counting_realloc (void   *mem,
                  size_t  size)
{
  AllocHeader *h;

  if (mem == NULL)
    return counting_malloc (size);
  h = (AllocHeader *) mem - 1;
  xml_live -= h->size;
  h = realloc (h, sizeof (AllocHeader) + size);
  if (h == NULL)
    return NULL;
  h->size = size;
  xml_live += size;
  xml_peak = MAX (xml_peak, xml_live);
  return h + 1;
}

static char *
counting_strdup (const char *str)
{
  size_t len = strlen (str) + 1;
  char *copy = counting_malloc (len);

  if (copy != NULL)
    memcpy (copy, str, len);
  return copy;
}

/* Events as text, so that whole runs can be compared. */
static void
drain_events (GXmppXmlReader *reader,
              GPtrArray      *out)
{
  GXmppXmlEventType type;
  GXmppNode *node;

  while ((type = gxmpp_xml_reader_pop (reader, &node)) != GXMPP_XML_EVENT_NONE)
    {
      switch (type)
        {
        case GXMPP_XML_EVENT_STREAM_OPEN:
          {
            g_autofree char *xml = gxmpp_node_to_string (node, NULL);

            g_ptr_array_add (out, g_strconcat ("open ", xml, NULL));
            break;
          }
        case GXMPP_XML_EVENT_ELEMENT:
          {
            g_autofree char *xml = gxmpp_node_to_string (node, NULL);

            g_assert_true (gxmpp_node_is_sealed (node));
            g_ptr_array_add (out, g_strconcat ("element ", xml, NULL));
            break;
          }
        case GXMPP_XML_EVENT_STREAM_CLOSE:
          g_assert_null (node);
          g_ptr_array_add (out, g_strdup ("close"));
          break;
        case GXMPP_XML_EVENT_NONE:
        default:
          g_assert_not_reached ();
        }
      g_clear_pointer (&node, gxmpp_node_unref);
    }
}

/* Feeds @data in chunks of the sizes @chunk gives, collecting events and
 * the error, if any. */
static GPtrArray *
parse_chunked (const char  *data,
               gsize        len,
               gsize      (*chunk) (gpointer),
               gpointer     chunk_data,
               GError     **error)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  gsize pos = 0;

  while (pos < len)
    {
      gsize want = chunk (chunk_data);   /* once: MIN() evaluates twice */
      gsize n = MIN (want, len - pos);

      if (!gxmpp_xml_reader_feed (reader, data + pos, n, error))
        break;
      drain_events (reader, events);
      pos += n;
    }
  drain_events (reader, events);
  gxmpp_xml_reader_free (reader);
  return events;
}

static gsize
chunk_whole (gpointer data)
{
  return G_MAXSIZE;
}

static gsize
chunk_one (gpointer data)
{
  return 1;
}

static gsize
chunk_random (gpointer data)
{
  return g_rand_int_range (data, 1, 40);
}

static GPtrArray *
parse_whole (const char  *data,
             GError     **error)
{
  return parse_chunked (data, strlen (data), chunk_whole, NULL, error);
}

static const char transcript[] =
  HEADER
  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
  "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
  "<mechanism>PLAIN</mechanism></mechanisms></stream:features>\n"
  "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='m1'"
  " xml:lang='en'><body>Wherefore art thou &amp; &lt;Romeo&gt; &quot;x&quot; &apos;y&apos;</body>"
  "<body xml:lang='cs'>Příliš žluťoučký kůň \xf0\x9f\x98\x80 &#x263A; &#9731;</body>"
  "<thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread></message>"
  "   \n\t "
  "<presence><show>away</show><status><![CDATA[<not markup> & raw]]></status>"
  "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v='/></presence>"
  " "
  "<iq type='result' id='a&amp;b&#38;c'><query xmlns='jabber:iq:roster' ver='ver7'>"
  "<item jid='nurse@example.com' name='Nurse &lt;3'><group>Servants</group></item></query></iq>"
  "<message to='x@y'><html xmlns='http://jabber.org/protocol/xhtml-im'>"
  "<body xmlns='http://www.w3.org/1999/xhtml'><p>Hello <b>bold</b> world!</p></body></html>"
  "<x:y xmlns:x='urn:example:prefixed' x:attr='1' plain='2'/></message>"
  "</stream:stream>";

static void
test_transcript (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = parse_whole (transcript, &error);
  GXmppXmlReader *reader;
  GXmppNode *node, *child;

  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 7);
  g_assert_true (g_str_has_prefix (events->pdata[0], "open "));
  g_assert_cmpstr (events->pdata[6], ==, "close");

  /* Look at the nodes themselves. */
  reader = gxmpp_xml_reader_new ("jabber:client");
  g_assert_true (gxmpp_xml_reader_feed (reader, transcript, strlen (transcript), &error));

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_STREAM_OPEN);
  g_assert_true (gxmpp_node_is (node, "stream", STREAM_NS));
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "from"), ==, "example.com");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "id"), ==, "s1");
  g_assert_cmpstr (gxmpp_node_get_lang (node), ==, "en");
  g_assert_cmpuint (gxmpp_node_get_n_children (node), ==, 0);
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_true (gxmpp_node_is (node, "features", STREAM_NS));
  child = gxmpp_node_get_child (node, "mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl");
  g_assert_nonnull (child);
  g_assert_cmpstr (gxmpp_node_get_child_text (child, "mechanism", NULL), ==, "SCRAM-SHA-1");
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_true (gxmpp_node_is (node, "message", "jabber:client"));
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "body", "jabber:client"), ==,
                   "Wherefore art thou & <Romeo> \"x\" 'y'");
  child = gxmpp_node_get_child_at (node, 1);
  g_assert_cmpstr (gxmpp_node_get_lang (child), ==, "cs");
  g_assert_cmpstr (gxmpp_node_get_text (child), ==,
                   "Příliš žluťoučký kůň \xf0\x9f\x98\x80 \xe2\x98\xba \xe2\x98\x83");
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "status", NULL), ==, "<not markup> & raw");
  child = gxmpp_node_get_child (node, "c", "http://jabber.org/protocol/caps");
  g_assert_cmpstr (gxmpp_node_get_attribute (child, "ver"), ==, "v=");
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "id"), ==, "a&b&c");
  child = gxmpp_node_get_child (gxmpp_node_get_child (node, "query", "jabber:iq:roster"), "item", NULL);
  g_assert_cmpstr (gxmpp_node_get_attribute (child, "name"), ==, "Nurse <3");
  g_assert_cmpstr (gxmpp_node_get_child_text (child, "group", "jabber:iq:roster"), ==, "Servants");
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  child = gxmpp_node_get_child (node, "html", NULL);
  child = gxmpp_node_get_child (gxmpp_node_get_child (child, "body", "http://www.w3.org/1999/xhtml"), "p", NULL);
  g_assert_cmpuint (gxmpp_node_get_n_children (child), ==, 3);
  g_assert_cmpstr (gxmpp_node_get_text (child), ==, "Hello  world!");
  g_assert_cmpint (gxmpp_node_get_kind (gxmpp_node_get_child_at (child, 0)), ==, GXMPP_NODE_TEXT);
  g_assert_cmpstr (gxmpp_node_get_text (gxmpp_node_get_child_at (child, 1)), ==, "bold");
  child = gxmpp_node_get_child (node, "y", "urn:example:prefixed");
  g_assert_nonnull (child);
  g_assert_cmpstr (gxmpp_node_get_attribute_ns (child, "urn:example:prefixed", "attr"), ==, "1");
  g_assert_null (gxmpp_node_get_attribute (child, "attr"));
  g_assert_cmpstr (gxmpp_node_get_attribute (child, "plain"), ==, "2");
  gxmpp_node_unref (node);

  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_STREAM_CLOSE);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_NONE);
  gxmpp_xml_reader_free (reader);
}

static void
assert_same_events (GPtrArray *a,
                    GPtrArray *b)
{
  guint i;

  g_assert_cmpuint (a->len, ==, b->len);
  for (i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

static void
test_chunking (void)
{
  g_autoptr(GPtrArray) whole = NULL;
  g_autoptr(GPtrArray) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint seed;

  whole = parse_whole (transcript, &error);
  g_assert_no_error (error);

  /* One byte at a time splits every multi-byte character, entity
   * reference, CDATA marker and tag. */
  bytes = parse_chunked (transcript, strlen (transcript), chunk_one, NULL, &error);
  g_assert_no_error (error);
  assert_same_events (whole, bytes);

  for (seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(GPtrArray) random = parse_chunked (transcript, strlen (transcript),
                                                   chunk_random, rand, &error);

      g_assert_no_error (error);
      assert_same_events (whole, random);
    }
}

typedef struct {
  const char *name;
  const char *input;     /* after HEADER unless no_header */
  gboolean no_header;
  GXmppStreamError condition;
  guint events_before;   /* events delivered before the error, header included */
} Hostile;

static const Hostile hostile_inputs[] = {
  { "billion-laughs",
    "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
    "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
    "<stream:stream xmlns='jabber:client' xmlns:stream='" STREAM_NS "'><message><body>&lol3;</body></message>",
    TRUE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 0 },
  { "billion-laughs-in-stream",
    "<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]><message><body>&lol2;</body></message>",
    FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "doctype-in-stanza", "<message><!DOCTYPE x></message>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "internal-subset-only", "<?xml version='1.0'?><!DOCTYPE stream [<!ELEMENT a ANY>]>", TRUE,
    GXMPP_STREAM_ERROR_RESTRICTED_XML, 0 },
  { "parameter-entity", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY % p 'x'> %p;]>", TRUE,
    GXMPP_STREAM_ERROR_RESTRICTED_XML, 0 },
  { "undeclared-entity", "<message><body>&foo;</body></message>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "entity-in-attribute", "<message to='&foo;'/>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "comment", "<!-- hello -->", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "comment-in-stanza", "<message><body>a<!-- b --></body></message>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "comment-in-prolog", "<?xml version='1.0'?><!-- x --><stream:stream/>", TRUE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 0 },
  { "processing-instruction", "<?php echo 1; ?>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "processing-instruction-in-stanza", "<message><?x y?></message>", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 1 },
  { "second-xml-declaration", "<?xml version='1.0'?>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "char-ref-1", "<message><body>&#1;</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "char-ref-0", "<message><body>&#0;</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "char-ref-fffe", "<message><body>&#xFFFE;</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "char-ref-surrogate", "<message><body>&#xD800;</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "char-ref-in-attribute", "<message id='&#x1F;'/>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "control-character", "<message><body>\x01</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "bad-utf8", "<message><body>\xC3\x28</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "overlong-utf8", "<message><body>\xC0\xBC</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "surrogate-utf8", "<message><body>\xED\xA0\x80</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  /* libxml2 2.9 lets these through inside CDATA only (tests/fuzz). */
  { "overlong-utf8-in-cdata", "<message><body><![CDATA[\xC0\xBCscript>]]></body></message>", FALSE,
    GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "overlong-utf8-c1-in-cdata", "<message><body><![CDATA[a\xC1\xBA" "b]]></body></message>", FALSE,
    GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "bad-utf8-in-cdata", "<message><body><![CDATA[\xC3\x28]]></body></message>", FALSE,
    GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "bad-utf8-in-name", "<mess\xFFge/>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "encoding-latin1", "<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream/>", TRUE,
    GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING, 0 },
  { "encoding-utf16-label", "<?xml version='1.0' encoding='UTF-16'?><stream:stream/>", TRUE,
    GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING, 0 },
  { "utf16-bom", "\xFF\xFE<", TRUE, GXMPP_STREAM_ERROR_UNSUPPORTED_ENCODING, 0 },
  { "xml-1.1", "<?xml version='1.1'?><stream:stream xmlns:stream='" STREAM_NS "'>", TRUE,
    GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 0 },
  { "wrong-stream-namespace", "<stream:stream xmlns='jabber:client' xmlns:stream='http://example.com/streams'>",
    TRUE, GXMPP_STREAM_ERROR_INVALID_NAMESPACE, 0 },
  { "unqualified-stream", "<stream xmlns='jabber:client'>", TRUE, GXMPP_STREAM_ERROR_INVALID_NAMESPACE, 0 },
  { "wrong-root", "<features xmlns='" STREAM_NS "'>", TRUE, GXMPP_STREAM_ERROR_BAD_FORMAT, 0 },
  { "wrong-content-namespace", "<stream:stream xmlns='jabber:server' xmlns:stream='" STREAM_NS "'>",
    TRUE, GXMPP_STREAM_ERROR_INVALID_NAMESPACE, 0 },
  { "unqualified-stanza", "<stream:stream xmlns:stream='" STREAM_NS "'><message/>", TRUE,
    GXMPP_STREAM_ERROR_INVALID_NAMESPACE, 1 },
  { "unbound-element-prefix", "<foo:message/>", FALSE, GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX, 1 },
  { "unbound-attribute-prefix", "<message foo:x='1'/>", FALSE, GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX, 1 },
  { "element-in-xml-namespace", "<message><xml:lang/></message>", FALSE,
    GXMPP_STREAM_ERROR_BAD_NAMESPACE_PREFIX, 1 },
  { "smuggled-stream-header", "<message><stream:stream xmlns='jabber:client'><presence/></message>",
    FALSE, GXMPP_STREAM_ERROR_BAD_FORMAT, 1 },
  { "second-stream-header", "<stream:stream xmlns='jabber:client'>", FALSE, GXMPP_STREAM_ERROR_BAD_FORMAT, 1 },
  { "text-between-stanzas", "<message/>hello<message/>", FALSE, GXMPP_STREAM_ERROR_BAD_FORMAT, 2 },
  { "tag-mismatch", "<message></presence>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "nul-byte", "<message><body>a\0b</body></message>", FALSE, GXMPP_STREAM_ERROR_NOT_WELL_FORMED, 1 },
  { "error-after-good-stanza", "<message id='ok'/><!-- x -->", FALSE, GXMPP_STREAM_ERROR_RESTRICTED_XML, 2 },
};

static void
test_hostile (gconstpointer data)
{
  const Hostile *h = data;
  g_autofree char *input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  gsize len;

  /* The NUL-byte case needs its real length. */
  if (strcmp (h->name, "nul-byte") == 0)
    {
      static const char with_nul[] = HEADER "<message><body>a\0b</body></message>";

      input = g_memdup2 (with_nul, sizeof with_nul - 1);
      len = sizeof with_nul - 1;
    }
  else
    {
      input = g_strconcat (h->no_header ? "" : HEADER, h->input, NULL);
      len = strlen (input);
    }

  g_assert_false (gxmpp_xml_reader_feed (reader, input, len, &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, (int) h->condition);
  g_test_message ("%s: %s", h->name, error->message);

  drain_events (reader, events);
  g_assert_cmpuint (events->len, ==, h->events_before);

  /* The error is final: nothing after it is parsed. */
  g_assert_false (gxmpp_xml_reader_feed (reader, "<message/>", 10, &again));
  g_assert_error (again, GXMPP_STREAM_ERROR, (int) h->condition);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, NULL), ==, GXMPP_XML_EVENT_NONE);

  gxmpp_xml_reader_free (reader);
}

/* The same hostile inputs fed one byte at a time fail the same way. */
static void
test_hostile_bytewise (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (hostile_inputs); i++)
    {
      const Hostile *h = &hostile_inputs[i];
      g_autofree char *input = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) events = NULL;

      if (strcmp (h->name, "nul-byte") == 0)
        continue;
      input = g_strconcat (h->no_header ? "" : HEADER, h->input, NULL);
      events = parse_chunked (input, strlen (input), chunk_one, NULL, &error);
      if (error == NULL || error->code != (int) h->condition)
        g_error ("%s fed bytewise: expected %s, got %s", h->name,
                 gxmpp_stream_error_to_string (h->condition),
                 error ? error->message : "no error");
      g_assert_cmpuint (events->len, ==, h->events_before);
    }
}

/* An external DTD is refused before anything is fetched: point it at a
 * listening socket on loopback and check that nobody connected. */
static void
test_external_dtd_not_fetched (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GInetSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autofree char *input = NULL;
  GXmppXmlReader *reader;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  any = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  bound = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (listener, &error));
  g_socket_set_blocking (listener, FALSE);

  input = g_strdup_printf ("<?xml version='1.0'?><!DOCTYPE stream:stream SYSTEM 'http://127.0.0.1:%u/evil.dtd'>"
                           "<stream:stream xmlns='jabber:client' xmlns:stream='" STREAM_NS "'>",
                           g_inet_socket_address_get_port (bound));

  reader = gxmpp_xml_reader_new ("jabber:client");
  g_assert_false (gxmpp_xml_reader_feed (reader, input, strlen (input), &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_RESTRICTED_XML);
  gxmpp_xml_reader_free (reader);
  g_clear_error (&error);

  client = g_socket_accept (listener, NULL, &error);
  g_assert_null (client);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void
test_deep_nesting (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) input = g_string_new (HEADER "<message>");
  guint i;

  for (i = 0; i < 100000; i++)
    g_string_append (input, "<a>");

  g_assert_false (gxmpp_xml_reader_feed (reader, input->str, input->len, &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
  gxmpp_xml_reader_free (reader);
}

static void
test_depth_limit_exact (void)
{
  guint max_depth;

  for (max_depth = 1; max_depth <= 8; max_depth++)
    {
      g_autoptr(GString) ok = g_string_new (HEADER);
      g_autoptr(GString) deep = g_string_new (HEADER);
      g_autoptr(GError) error = NULL;
      GXmppXmlReader *reader;
      guint i;

      /* max_depth levels: the stanza and max_depth - 1 descendants. */
      for (i = 0; i < max_depth; i++)
        g_string_append (ok, "<a>");
      for (i = 0; i < max_depth; i++)
        g_string_append (ok, "</a>");
      for (i = 0; i <= max_depth; i++)
        g_string_append (deep, "<a>");

      reader = gxmpp_xml_reader_new ("jabber:client");
      gxmpp_xml_reader_set_max_depth (reader, max_depth);
      g_assert_true (gxmpp_xml_reader_feed (reader, ok->str, ok->len, &error));
      g_assert_no_error (error);
      gxmpp_xml_reader_free (reader);

      reader = gxmpp_xml_reader_new ("jabber:client");
      gxmpp_xml_reader_set_max_depth (reader, max_depth);
      g_assert_false (gxmpp_xml_reader_feed (reader, deep->str, deep->len, &error));
      g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
      gxmpp_xml_reader_free (reader);
    }
}

static char *
message_of_size (gsize size)
{
  static const char head[] = "<message><body>";
  static const char tail[] = "</body></message>";
  GString *text = g_string_sized_new (size + 1);

  g_assert_cmpuint (size, >=, strlen (head) + strlen (tail));
  g_string_append (text, head);
  while (text->len < size - strlen (tail))
    g_string_append_c (text, 'x');
  g_string_append (text, tail);
  g_assert_cmpuint (text->len, ==, size);
  return g_string_free (text, FALSE);
}

/* The limit counts the bytes of the element itself, exactly, however the
 * input is split. */
static void
test_size_limit_exact (void)
{
  const gsize limit = 1000;
  gsize chunk_sizes[] = { G_MAXSIZE, 1, 7, 999, 1000, 1001 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (chunk_sizes); i++)
    {
      g_autofree char *fits = message_of_size (limit);
      g_autofree char *too_big = message_of_size (limit + 1);
      g_autofree char *ok_stream = g_strconcat (HEADER, fits, " ", fits, NULL);
      g_autofree char *bad_stream = g_strconcat (HEADER, fits, too_big, NULL);
      gsize sizes[2] = { strlen (ok_stream), strlen (bad_stream) };
      const char *streams[2] = { ok_stream, bad_stream };
      guint s;

      for (s = 0; s < 2; s++)
        {
          GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
          gsize pos = 0;

          gxmpp_xml_reader_set_max_stanza_size (reader, limit);
          while (pos < sizes[s])
            {
              gsize n = MIN (chunk_sizes[i], sizes[s] - pos);

              if (!gxmpp_xml_reader_feed (reader, streams[s] + pos, n, &error))
                break;
              pos += n;
            }
          drain_events (reader, events);
          g_test_message ("chunk size %" G_GSIZE_FORMAT ", stream %u: %s", chunk_sizes[i], s,
                          error ? error->message : "accepted");

          if (s == 0)
            {
              g_assert_no_error (error);
              g_assert_cmpuint (events->len, ==, 3);
            }
          else
            {
              g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
              g_assert_cmpuint (events->len, ==, 2);
            }
          gxmpp_xml_reader_free (reader);
        }
    }
}

/* Whitespace keep-alives between stanzas never add up to a stanza. */
static void
test_keepalives (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  guint i;

  gxmpp_xml_reader_set_max_stanza_size (reader, 100);
  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER, strlen (HEADER), &error));
  for (i = 0; i < 1000; i++)
    {
      g_assert_true (gxmpp_xml_reader_feed (reader, " ", 1, &error));
      if (i % 100 == 0)
        g_assert_true (gxmpp_xml_reader_feed (reader, "<presence/>", 11, &error));
    }
  g_assert_true (gxmpp_xml_reader_feed (reader, "<message><body>after</body></message>", 37, &error));
  g_assert_no_error (error);
  gxmpp_xml_reader_free (reader);
}

/* A 20 MiB stanza that never ends costs the size limit plus a constant,
 * not 20 MiB. Both libxml2's buffers (counted through xmlMemSetup) and
 * the text gathered by the reader are measured. */
static void
huge_stanza (const char *opening,
             const char *filler_desc)
{
  const gsize limit = GXMPP_XML_DEFAULT_MAX_STANZA_SIZE;
  const gsize total = 20 * 1024 * 1024;
  const gsize chunk = 65536;
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autofree char *filler = g_malloc (chunk);
  gsize fed = 0, baseline, our_peak = 0, xml_growth;

  memset (filler, 'a', chunk);
  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER, strlen (HEADER), &error));
  g_assert_true (gxmpp_xml_reader_feed (reader, opening, strlen (opening), &error));
  baseline = xml_live;
  xml_peak = xml_live;

  while (fed < total)
    {
      if (!gxmpp_xml_reader_feed (reader, filler, chunk, &error))
        break;
      fed += chunk;
      our_peak = MAX (our_peak, gxmpp_xml_reader_get_buffered_size (reader));
    }

  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
  xml_growth = xml_peak - baseline;
  g_test_message ("%s: refused after %" G_GSIZE_FORMAT " bytes; libxml2 grew by at most %"
                  G_GSIZE_FORMAT " bytes, reader text buffer at most %" G_GSIZE_FORMAT " bytes",
                  filler_desc, fed + chunk, xml_growth, our_peak);

  /* Refused within a chunk of the limit... */
  g_assert_cmpuint (fed, <=, limit + chunk);
  g_assert_cmpuint (our_peak, <=, limit);
  /* ...and memory never more than the limit plus a constant. The
   * constant allows for libxml2's buffer doubling and one chunk. */
  g_assert_cmpuint (xml_growth + our_peak, <=, limit + 256 * 1024);

  gxmpp_xml_reader_free (reader);
}

static void
test_huge_text (void)
{
  huge_stanza ("<message><body>", "unterminated body");
}

static void
test_huge_attribute (void)
{
  huge_stanza ("<message to='", "unterminated attribute");
}

static void
test_huge_tag_name (void)
{
  huge_stanza ("<message", "unterminated tag name");
}

/* A namespace declared once and used by many elements is stored once. */
static void
test_namespace_shared (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) input = g_string_new (HEADER "<message><x xmlns='urn:");
  GXmppNode *node = NULL, *x;
  guint i;

  for (i = 0; i < 60000; i++)
    g_string_append_c (input, 'n');
  g_string_append (input, "'>");
  for (i = 0; i < 20000; i++)
    g_string_append (input, "<y/>");
  g_string_append (input, "</x></message>");

  g_assert_true (gxmpp_xml_reader_feed (reader, input->str, input->len, &error));
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, NULL), ==, GXMPP_XML_EVENT_STREAM_OPEN);
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, &node), ==, GXMPP_XML_EVENT_ELEMENT);
  x = gxmpp_node_get_child (node, "x", NULL);
  g_assert_cmpuint (gxmpp_node_get_n_children (x), ==, 20000);
  for (i = 1; i < 20000; i++)
    g_assert_true (gxmpp_node_get_namespace (gxmpp_node_get_child_at (x, i)) ==
                   gxmpp_node_get_namespace (gxmpp_node_get_child_at (x, 0)));
  gxmpp_node_unref (node);
  gxmpp_xml_reader_free (reader);
}

/* Many tiny elements cost far more memory than their bytes; the tree of one
 * element is capped at a multiple of the size limit. */
static void
test_tree_cost_capped (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) input = g_string_new (HEADER "<message>");
  guint i;

  for (i = 0; i < 120000; i++)      /* 480 KB of "<a/>", under the size limit */
    g_string_append (input, "<a/>");

  g_assert_false (gxmpp_xml_reader_feed (reader, input->str, input->len, &error));
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
  g_assert_nonnull (strstr (error->message, "memory"));
  gxmpp_xml_reader_free (reader);
}

/* After a large text the reader does not keep a large buffer. */
static void
test_text_buffer_shrinks (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autofree char *big = message_of_size (400 * 1024);

  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER, strlen (HEADER), &error));
  g_assert_true (gxmpp_xml_reader_feed (reader, big, strlen (big), &error));
  g_assert_cmpuint (gxmpp_xml_reader_get_buffered_size (reader), <=, 4096);
  gxmpp_xml_reader_free (reader);
}

static void
test_reset (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER "<message><body>half", strlen (HEADER) + 19, &error));
  g_assert_true (gxmpp_xml_reader_has_pending (reader));

  /* A stream restart forgets everything, also a pending error. */
  gxmpp_xml_reader_reset (reader);
  g_assert_false (gxmpp_xml_reader_has_pending (reader));
  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER "<presence/>", strlen (HEADER) + 11, &error));
  drain_events (reader, events);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (events->pdata[1], ==, "element <presence xmlns='jabber:client'/>");

  g_assert_false (gxmpp_xml_reader_feed (reader, "<!-- -->", 8, &error));
  g_clear_error (&error);
  gxmpp_xml_reader_reset (reader);
  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER, strlen (HEADER), &error));
  g_assert_no_error (error);
  gxmpp_xml_reader_free (reader);
}

static void
test_pending (void)
{
  GXmppXmlReader *reader = gxmpp_xml_reader_new ("jabber:client");
  g_autoptr(GError) error = NULL;

  g_assert_false (gxmpp_xml_reader_has_pending (reader));
  g_assert_true (gxmpp_xml_reader_feed (reader, HEADER, strlen (HEADER), &error));
  g_assert_true (gxmpp_xml_reader_has_pending (reader));     /* the open event */
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, NULL), ==, GXMPP_XML_EVENT_STREAM_OPEN);
  g_assert_false (gxmpp_xml_reader_has_pending (reader));

  g_assert_true (gxmpp_xml_reader_feed (reader, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 50, &error));
  g_assert_cmpint (gxmpp_xml_reader_pop (reader, NULL), ==, GXMPP_XML_EVENT_ELEMENT);
  g_assert_false (gxmpp_xml_reader_has_pending (reader));

  /* Bytes injected after <proceed/> are visible as pending input. */
  g_assert_true (gxmpp_xml_reader_feed (reader, "<mess", 5, &error));
  g_assert_true (gxmpp_xml_reader_has_pending (reader));
  g_assert_no_error (error);
  gxmpp_xml_reader_free (reader);
}

static void
test_parse_element (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) node = NULL;
  const char *bad[] = {
    "", "   ", "<a/><b/>", "<a/>text", "text<a/>", "<a>", "<a></b>",
    "<?xml version='1.0'?><a/>", "<a/></gxmpp-fragment><b/>", "<!-- c --><a/>",
  };
  guint i;

  node = gxmpp_node_new_from_string ("  <message to='a@b'><body>x &amp; y</body></message>\n", -1,
                                     "jabber:client", &error);
  g_assert_no_error (error);
  g_assert_true (gxmpp_node_is (node, "message", "jabber:client"));
  g_assert_false (gxmpp_node_is_sealed (node));
  g_assert_cmpstr (gxmpp_node_get_child_text (node, "body", "jabber:client"), ==, "x & y");
  g_clear_pointer (&node, gxmpp_node_unref);

  node = gxmpp_node_new_from_string ("<a/>", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (gxmpp_node_get_namespace (node));
  g_clear_pointer (&node, gxmpp_node_unref);

  /* A length shorter than the string is honoured. */
  node = gxmpp_node_new_from_string ("<a/><b/>", 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_node_get_name (node), ==, "a");
  g_clear_pointer (&node, gxmpp_node_unref);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      node = gxmpp_node_new_from_string (bad[i], -1, NULL, &error);
      g_assert_null (node);
      g_assert_nonnull (error);
      g_assert_true (error->domain == GXMPP_STREAM_ERROR);
      g_test_message ("“%s”: %s", bad[i], error->message);
      g_clear_error (&error);
    }

  node = gxmpp_node_new_from_string ("<a>&foo;</a>", -1, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_RESTRICTED_XML);
  g_clear_error (&error);

  node = gxmpp_node_new_from_string ("<!DOCTYPE a><a/>", -1, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_RESTRICTED_XML);
  g_clear_error (&error);

  node = gxmpp_node_new_from_string ("<a>\x01</a>", -1, NULL, &error);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_NOT_WELL_FORMED);
  g_clear_error (&error);
}

static void
test_parse_element_limit (void)
{
  g_autofree char *big = message_of_size (GXMPP_XML_DEFAULT_MAX_STANZA_SIZE + 1);
  g_autofree char *fits = message_of_size (GXMPP_XML_DEFAULT_MAX_STANZA_SIZE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) node = NULL;

  node = gxmpp_node_new_from_string (fits, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, gxmpp_node_unref);

  node = gxmpp_node_new_from_string (big, -1, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
}

int
main (int argc, char **argv)
{
  guint i;

  /* Before libxml2 initialises: count its allocations. */
  xmlMemSetup (counting_free, counting_malloc, counting_realloc, counting_strdup);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/xml-reader/transcript", test_transcript);
  g_test_add_func ("/xml-reader/chunking", test_chunking);
  for (i = 0; i < G_N_ELEMENTS (hostile_inputs); i++)
    {
      g_autofree char *path = g_strconcat ("/xml-reader/hostile/", hostile_inputs[i].name, NULL);

      g_test_add_data_func (path, &hostile_inputs[i], test_hostile);
    }
  g_test_add_func ("/xml-reader/hostile-bytewise", test_hostile_bytewise);
  g_test_add_func ("/xml-reader/external-dtd-not-fetched", test_external_dtd_not_fetched);
  g_test_add_func ("/xml-reader/deep-nesting", test_deep_nesting);
  g_test_add_func ("/xml-reader/depth-limit-exact", test_depth_limit_exact);
  g_test_add_func ("/xml-reader/size-limit-exact", test_size_limit_exact);
  g_test_add_func ("/xml-reader/keepalives", test_keepalives);
  g_test_add_func ("/xml-reader/huge/text", test_huge_text);
  g_test_add_func ("/xml-reader/huge/attribute", test_huge_attribute);
  g_test_add_func ("/xml-reader/huge/tag-name", test_huge_tag_name);
  g_test_add_func ("/xml-reader/namespace-shared", test_namespace_shared);
  g_test_add_func ("/xml-reader/tree-cost-capped", test_tree_cost_capped);
  g_test_add_func ("/xml-reader/text-buffer-shrinks", test_text_buffer_shrinks);
  g_test_add_func ("/xml-reader/reset", test_reset);
  g_test_add_func ("/xml-reader/pending", test_pending);
  g_test_add_func ("/xml-reader/parse-element", test_parse_element);
  g_test_add_func ("/xml-reader/parse-element-limit", test_parse_element_limit);

  return g_test_run ();
}
