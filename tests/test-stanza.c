/* test-stanza.c: messages, presences, IQs and stanza errors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gio/gio.h>

#include <xmpp-glib/xmpp-glib.h>

static GXmppJid *
jid (const char *text)
{
  g_autoptr(GError) error = NULL;
  GXmppJid *result = gxmpp_jid_new (text, &error);

  g_assert_no_error (error);
  return result;
}

static GXmppNode *
parse_sealed (const char *xml)
{
  g_autoptr(GError) error = NULL;
  GXmppNode *node = gxmpp_node_new_from_string (xml, -1, GXMPP_NS_CLIENT, &error);

  g_assert_no_error (error);
  gxmpp_node_seal (node);
  return node;
}

static GXmppStanza *
stanza_from (const char *xml)
{
  g_autoptr(GXmppNode) node = parse_sealed (xml);
  g_autoptr(GError) error = NULL;
  GXmppStanza *stanza = gxmpp_stanza_new_from_node (node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stanza);
  return stanza;
}

static void
assert_invalid (const char *xml,
                const char *message_part)
{
  g_autoptr(GXmppNode) node = parse_sealed (xml);
  g_autoptr(GError) error = NULL;
  GXmppStanza *stanza = gxmpp_stanza_new_from_node (node, &error);

  g_assert_null (stanza);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_STANZA);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” gave “%s”, which does not mention “%s”", xml, error->message, message_part);
}

/* Serialise, parse back as a stanza of the same class. */
static GXmppStanza *
reparse (GXmppStanza *stanza)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = gxmpp_stanza_to_string (stanza, &error);
  g_autoptr(GXmppNode) node = NULL;
  GXmppStanza *back;

  g_assert_no_error (error);
  node = gxmpp_node_new_from_string (xml, -1, NULL, &error);
  g_assert_no_error (error);
  back = gxmpp_stanza_new_from_node (node, &error);
  g_assert_no_error (error);
  g_assert_true (G_OBJECT_TYPE (back) == G_OBJECT_TYPE (stanza));
  g_assert_true (gxmpp_node_equal (gxmpp_stanza_get_node (back), gxmpp_stanza_get_node (stanza)));
  return back;
}

static void
test_message_build (void)
{
  g_autoptr(GXmppJid) romeo = jid ("romeo@example.net");
  g_autoptr(GXmppMessage) msg = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, romeo);
  g_autoptr(GXmppStanza) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_auto(GStrv) langs = NULL;
  GXmppMessage *m;

  gxmpp_stanza_set_id (GXMPP_STANZA (msg), "m1");
  gxmpp_message_set_body (msg, NULL, "Art thou not Romeo?");
  gxmpp_message_set_body (msg, "cs", "Nejsi Romeo?");
  gxmpp_message_set_subject (msg, NULL, "Question");
  gxmpp_message_set_thread (msg, "t1", "t0");

  xml = gxmpp_stanza_to_string (GXMPP_STANZA (msg), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (xml, ==,
                   "<message xmlns='jabber:client' type='chat' to='romeo@example.net' id='m1'>"
                   "<body>Art thou not Romeo?</body><body xml:lang='cs'>Nejsi Romeo?</body>"
                   "<subject>Question</subject><thread parent='t0'>t1</thread></message>");

  back = reparse (GXMPP_STANZA (msg));
  m = GXMPP_MESSAGE (back);
  g_assert_cmpint (gxmpp_stanza_get_kind (back), ==, GXMPP_STANZA_KIND_MESSAGE);
  g_assert_cmpint (gxmpp_message_get_message_type (m), ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_to (back), romeo));
  g_assert_null (gxmpp_stanza_get_from (back));
  g_assert_cmpstr (gxmpp_stanza_get_id (back), ==, "m1");
  g_assert_cmpstr (gxmpp_message_get_body (m, NULL), ==, "Art thou not Romeo?");
  g_assert_cmpstr (gxmpp_message_get_body (m, "cs"), ==, "Nejsi Romeo?");
  g_assert_cmpstr (gxmpp_message_get_subject (m, NULL), ==, "Question");
  g_assert_cmpstr (gxmpp_message_get_thread (m), ==, "t1");
  g_assert_cmpstr (gxmpp_message_get_thread_parent (m), ==, "t0");
  langs = gxmpp_message_get_body_langs (m);
  g_assert_cmpuint (g_strv_length (langs), ==, 1);
  g_assert_cmpstr (langs[0], ==, "cs");

  /* Removing. */
  gxmpp_message_set_body (msg, "cs", NULL);
  gxmpp_message_set_subject (msg, NULL, NULL);
  gxmpp_message_set_thread (msg, NULL, NULL);
  g_assert_null (gxmpp_message_get_body (msg, "cs"));
  g_assert_null (gxmpp_message_get_subject (msg, NULL));
  g_assert_null (gxmpp_message_get_thread (msg));
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (GXMPP_STANZA (msg))), ==, 1);
}

static void
test_message_new_chat (void)
{
  g_autoptr(GXmppJid) juliet = jid ("juliet@example.com");
  g_autoptr(GXmppMessage) msg = gxmpp_message_new_chat (juliet, "<b>hi</b> & bye");
  g_autoptr(GXmppStanza) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  g_assert_cmpint (gxmpp_message_get_message_type (msg), ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_to (GXMPP_STANZA (msg)), juliet));
  g_assert_cmpstr (gxmpp_message_get_body (msg, NULL), ==, "<b>hi</b> & bye");
  g_assert_null (gxmpp_message_get_thread (msg));

  xml = gxmpp_stanza_to_string (GXMPP_STANZA (msg), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (xml, ==,
                   "<message xmlns='jabber:client' type='chat' to='juliet@example.com'>"
                   "<body>&lt;b&gt;hi&lt;/b&gt; &amp; bye</body></message>");
  back = reparse (GXMPP_STANZA (msg));
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (back), NULL), ==, "<b>hi</b> & bye");
}

static void
test_message_markup_is_text (void)
{
  static const char evil[] = "</body></message><presence type='unavailable'/><message><body>x";
  g_autoptr(GXmppMessage) msg = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, NULL);
  g_autoptr(GXmppStanza) back = NULL;

  gxmpp_message_set_body (msg, NULL, evil);
  back = reparse (GXMPP_STANZA (msg));
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (back), NULL), ==, evil);
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (back)), ==, 1);
}

static void
test_message_languages (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from (
    "<message xml:lang='en'><body>Hello</body><body xml:lang='cs'>Ahoj</body>"
    "<body xml:lang='de'>Hallo</body></message>");
  g_autoptr(GXmppStanza) no_default = stanza_from (
    "<message><body xml:lang='cs'>Ahoj</body><body xml:lang='de'>Hallo</body></message>");
  g_autoptr(GXmppStanza) explicit_default = stanza_from (
    "<message xml:lang='en'><body xml:lang='cs'>Ahoj</body><body xml:lang='EN'>Hello</body></message>");
  GXmppMessage *m = GXMPP_MESSAGE (stanza);

  g_assert_cmpstr (gxmpp_stanza_get_lang (stanza), ==, "en");
  g_assert_cmpstr (gxmpp_message_get_body (m, NULL), ==, "Hello");
  g_assert_cmpstr (gxmpp_message_get_body (m, "en"), ==, "Hello");     /* the stanza's language */
  g_assert_cmpstr (gxmpp_message_get_body (m, "CS"), ==, "Ahoj");      /* case-insensitive */
  g_assert_cmpstr (gxmpp_message_get_body (m, "de"), ==, "Hallo");
  g_assert_null (gxmpp_message_get_body (m, "fr"));

  /* Without a default body, NULL gives the first one; a language gives
   * only its own. */
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (no_default), NULL), ==, "Ahoj");
  g_assert_null (gxmpp_message_get_body (GXMPP_MESSAGE (no_default), "en"));

  /* A body marked with the stanza's own language is the default one. */
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (explicit_default), NULL), ==, "Hello");

  /* Setting replaces exactly the body of that language. */
  gxmpp_message_set_body (m, "CS", "Nazdar");
  g_assert_cmpstr (gxmpp_message_get_body (m, "cs"), ==, "Nazdar");
  g_assert_cmpstr (gxmpp_message_get_body (m, NULL), ==, "Hello");
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (stanza)), ==, 3);
}

static void
test_message_types (void)
{
  static const struct {
    const char *xml;
    GXmppMessageType type;
  } cases[] = {
    { "<message/>", GXMPP_MESSAGE_TYPE_NORMAL },
    { "<message type='normal'/>", GXMPP_MESSAGE_TYPE_NORMAL },
    { "<message type='chat'/>", GXMPP_MESSAGE_TYPE_CHAT },
    { "<message type='groupchat'/>", GXMPP_MESSAGE_TYPE_GROUPCHAT },
    { "<message type='headline'/>", GXMPP_MESSAGE_TYPE_HEADLINE },
    { "<message type='error'/>", GXMPP_MESSAGE_TYPE_ERROR },
    { "<message type='fancy'/>", GXMPP_MESSAGE_TYPE_NORMAL },   /* RFC 6121 5.2.2 */
  };
  g_autoptr(GXmppMessage) msg = gxmpp_message_new (GXMPP_MESSAGE_TYPE_HEADLINE, NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppStanza) stanza = stanza_from (cases[i].xml);

      g_assert_cmpint (gxmpp_message_get_message_type (GXMPP_MESSAGE (stanza)), ==, cases[i].type);
    }

  g_assert_cmpstr (gxmpp_node_get_attribute (gxmpp_stanza_get_node (GXMPP_STANZA (msg)), "type"), ==, "headline");
  gxmpp_message_set_message_type (msg, GXMPP_MESSAGE_TYPE_NORMAL);
  g_assert_null (gxmpp_node_get_attribute (gxmpp_stanza_get_node (GXMPP_STANZA (msg)), "type"));
}

/* Whatever the library does not know is kept through edits. */
static void
test_unknown_content_survives (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from (
    "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='x1'"
    " xmlns:e='urn:example:ext' e:flag='yes' custom='1'>"
    "<body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
    "<x xmlns='urn:example:ext' a='b'><deep>text<mixed/>more</deep></x></message>");
  g_autoptr(GPtrArray) payload = NULL;
  g_autoptr(GXmppStanza) back = NULL;
  GXmppNode *node;

  gxmpp_message_set_body (GXMPP_MESSAGE (stanza), NULL, "changed");
  gxmpp_stanza_set_id (GXMPP_STANZA (stanza), "x2");

  back = reparse (stanza);
  node = gxmpp_stanza_get_node (back);
  g_assert_cmpstr (gxmpp_node_get_attribute_ns (node, "urn:example:ext", "flag"), ==, "yes");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "custom"), ==, "1");
  g_assert_cmpstr (gxmpp_node_get_attribute (node, "id"), ==, "x2");
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (back), NULL), ==, "changed");

  payload = gxmpp_stanza_get_payload (back);
  g_assert_cmpuint (payload->len, ==, 2);
  g_assert_true (gxmpp_node_is (payload->pdata[0], "active", "http://jabber.org/protocol/chatstates"));
  g_assert_cmpstr (gxmpp_node_get_text (gxmpp_node_get_child (payload->pdata[1], "deep", NULL)), ==, "textmore");
  g_assert_nonnull (gxmpp_stanza_get_payload_element (back, "x", "urn:example:ext"));
  g_assert_null (gxmpp_stanza_get_payload_element (back, "body", NULL));   /* not payload */

  g_assert_cmpuint (gxmpp_stanza_remove_payload (back, "active", NULL), ==, 1);
  g_assert_cmpuint (gxmpp_stanza_remove_payload (back, "body", NULL), ==, 0);
  g_clear_pointer (&payload, g_ptr_array_unref);
  payload = gxmpp_stanza_get_payload (back);
  g_assert_cmpuint (payload->len, ==, 1);
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (back), NULL), ==, "changed");
}

static void
test_copy_on_write (void)
{
  g_autoptr(GXmppNode) received = parse_sealed ("<message type='chat'><body>original</body></message>");
  g_autoptr(GXmppStanza) stanza = gxmpp_stanza_new_from_node (received, NULL);
  GXmppNode *snapshot;

  /* The stanza reads the received element without copying it. */
  g_assert_true (gxmpp_stanza_get_node (stanza) == received);

  gxmpp_message_set_body (GXMPP_MESSAGE (stanza), NULL, "edited");
  g_assert_cmpstr (gxmpp_node_get_child_text (received, "body", NULL), ==, "original");
  snapshot = gxmpp_stanza_get_node (stanza);
  g_assert_true (snapshot != received);
  g_assert_true (gxmpp_node_is_sealed (snapshot));
  gxmpp_node_ref (snapshot);

  gxmpp_message_set_body (GXMPP_MESSAGE (stanza), NULL, "again");
  g_assert_cmpstr (gxmpp_node_get_child_text (snapshot, "body", NULL), ==, "edited");
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (stanza), NULL), ==, "again");
  gxmpp_node_unref (snapshot);

  /* A mutable element given to new_from_node is copied, so the caller
   * cannot change the stanza behind its back. */
  {
    g_autoptr(GXmppNode) mutable_node = gxmpp_node_new ("message", GXMPP_NS_CLIENT);
    g_autoptr(GXmppStanza) other = gxmpp_stanza_new_from_node (mutable_node, NULL);

    gxmpp_node_add_child_with_text (mutable_node, "body", NULL, "sneaky");
    g_assert_null (gxmpp_message_get_body (GXMPP_MESSAGE (other), NULL));
  }
}

static void
test_message_answer (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from (
    "<message from='juliet@example.com/balcony' to='romeo@example.net/orchard' type='chat'>"
    "<body>Hi</body><thread parent='p'>t</thread></message>");
  g_autoptr(GXmppStanza) anonymous = stanza_from ("<message><body>Hi</body></message>");
  g_autoptr(GPtrArray) payload = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_node_unref);
  g_autoptr(GXmppMessage) answer = NULL;
  g_autofree char *xml = NULL;

  g_ptr_array_add (payload, gxmpp_node_new ("active", "http://jabber.org/protocol/chatstates"));
  answer = gxmpp_message_answer (GXMPP_MESSAGE (stanza), payload);
  gxmpp_message_set_body (answer, NULL, "Hello");
  xml = gxmpp_stanza_to_string (GXMPP_STANZA (answer), NULL);
  g_assert_cmpstr (xml, ==,
                   "<message xmlns='jabber:client' type='chat' to='juliet@example.com/balcony'>"
                   "<thread parent='p'>t</thread><active xmlns='http://jabber.org/protocol/chatstates'/>"
                   "<body>Hello</body></message>");

  g_assert_null (gxmpp_message_answer (GXMPP_MESSAGE (anonymous), NULL));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  GHashTable *counts = data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

#define COUNT(counts, name) GPOINTER_TO_UINT (g_hash_table_lookup (counts, name))

static void
test_properties_notify (void)
{
  g_autoptr(GXmppMessage) msg = gxmpp_message_new (GXMPP_MESSAGE_TYPE_NORMAL, NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GXmppJid) to = jid ("a@b");
  g_autoptr(GXmppJid) same = jid ("A@B");
  g_autoptr(GXmppJid) got = NULL;
  g_autofree char *body = NULL;
  GXmppMessageType type;

  g_signal_connect (msg, "notify", G_CALLBACK (count_notify), counts);

  gxmpp_message_set_body (msg, NULL, "x");
  gxmpp_message_set_body (msg, NULL, "x");          /* no change, no notify */
  gxmpp_message_set_body (msg, "de", "y");          /* not the default: no notify */
  g_object_set (msg, "message-type", GXMPP_MESSAGE_TYPE_CHAT, "to", to, NULL);
  gxmpp_stanza_set_to (GXMPP_STANZA (msg), same);   /* equal JID: no notify */
  gxmpp_stanza_set_lang (GXMPP_STANZA (msg), "en");
  gxmpp_stanza_set_id (GXMPP_STANZA (msg), "i");
  gxmpp_stanza_set_id (GXMPP_STANZA (msg), "i");

  g_assert_cmpuint (COUNT (counts, "body"), ==, 1);
  g_assert_cmpuint (COUNT (counts, "message-type"), ==, 1);
  g_assert_cmpuint (COUNT (counts, "to"), ==, 1);
  g_assert_cmpuint (COUNT (counts, "lang"), ==, 1);
  g_assert_cmpuint (COUNT (counts, "id"), ==, 1);

  g_object_get (msg, "body", &body, "message-type", &type, "to", &got, NULL);
  g_assert_cmpstr (body, ==, "x");
  g_assert_cmpint (type, ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_true (gxmpp_jid_equal (got, to));
}

static void
test_presence (void)
{
  static const struct {
    const char *type_attr;
    GXmppPresenceType type;
  } types[] = {
    { NULL, GXMPP_PRESENCE_TYPE_AVAILABLE },
    { "unavailable", GXMPP_PRESENCE_TYPE_UNAVAILABLE },
    { "subscribe", GXMPP_PRESENCE_TYPE_SUBSCRIBE },
    { "subscribed", GXMPP_PRESENCE_TYPE_SUBSCRIBED },
    { "unsubscribe", GXMPP_PRESENCE_TYPE_UNSUBSCRIBE },
    { "unsubscribed", GXMPP_PRESENCE_TYPE_UNSUBSCRIBED },
    { "probe", GXMPP_PRESENCE_TYPE_PROBE },
    { "error", GXMPP_PRESENCE_TYPE_ERROR },
  };
  static const char *const shows[] = { NULL, "away", "chat", "dnd", "xa" };
  g_autoptr(GXmppJid) juliet = jid ("juliet@example.com");
  g_autoptr(GXmppPresence) pres = NULL;
  g_autoptr(GXmppStanza) back = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GXmppPresence) built = gxmpp_presence_new (types[i].type, juliet);
      g_autoptr(GXmppStanza) parsed = reparse (GXMPP_STANZA (built));

      g_assert_cmpstr (gxmpp_node_get_attribute (gxmpp_stanza_get_node (parsed), "type"), ==, types[i].type_attr);
      g_assert_cmpint (gxmpp_presence_get_presence_type (GXMPP_PRESENCE (parsed)), ==, types[i].type);
    }

  for (i = 0; i < G_N_ELEMENTS (shows); i++)
    {
      g_autoptr(GXmppPresence) built = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
      g_autoptr(GXmppStanza) parsed = NULL;
      GXmppNode *node;

      gxmpp_presence_set_show (built, i);
      parsed = reparse (GXMPP_STANZA (built));
      node = gxmpp_stanza_get_node (parsed);
      g_assert_cmpstr (gxmpp_node_get_child_text (node, "show", NULL), ==, shows[i]);
      g_assert_cmpint (gxmpp_presence_get_show (GXMPP_PRESENCE (parsed)), ==, i);
    }

  pres = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);
  gxmpp_presence_set_status (pres, NULL, "Wooing Juliet");
  gxmpp_presence_set_status (pres, "cs", "Namlouvám Julii");
  gxmpp_presence_set_priority (pres, -5);
  back = reparse (GXMPP_STANZA (pres));
  g_assert_cmpstr (gxmpp_presence_get_status (GXMPP_PRESENCE (back), NULL), ==, "Wooing Juliet");
  g_assert_cmpstr (gxmpp_presence_get_status (GXMPP_PRESENCE (back), "cs"), ==, "Namlouvám Julii");
  g_assert_cmpint (gxmpp_presence_get_priority (GXMPP_PRESENCE (back)), ==, -5);

  gxmpp_presence_set_priority (pres, 0);
  g_assert_null (gxmpp_node_get_child (gxmpp_stanza_get_node (GXMPP_STANZA (pres)), "priority", NULL));
}

static void
test_presence_lenient_fields (void)
{
  static const struct {
    const char *priority;
    gint value;
  } priorities[] = {
    { "127", 127 }, { "-128", -128 }, { "0", 0 }, { "128", 0 }, { "-129", 0 },
    { "abc", 0 }, { "", 0 }, { "1.5", 0 }, { " 3", 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (priorities); i++)
    {
      g_autofree char *xml = g_strdup_printf ("<presence><priority>%s</priority></presence>",
                                              priorities[i].priority);
      g_autoptr(GXmppStanza) stanza = stanza_from (xml);

      g_assert_cmpint (gxmpp_presence_get_priority (GXMPP_PRESENCE (stanza)), ==, priorities[i].value);
    }

  {
    g_autoptr(GXmppStanza) stanza = stanza_from ("<presence><show>sleeping</show></presence>");
    g_assert_cmpint (gxmpp_presence_get_show (GXMPP_PRESENCE (stanza)), ==, GXMPP_PRESENCE_SHOW_NONE);
  }
}

static void
test_iq (void)
{
  g_autoptr(GXmppNode) query = gxmpp_node_new ("query", "jabber:iq:version");
  g_autoptr(GXmppJid) server = jid ("example.com");
  g_autoptr(GXmppIq) get = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, server, query);
  g_autoptr(GXmppStanza) request = stanza_from (
    "<iq type='get' id='v1' from='romeo@example.net/orchard' to='juliet@example.com/balcony'>"
    "<query xmlns='jabber:iq:version'/></iq>");
  g_autoptr(GXmppNode) answer = gxmpp_node_new ("query", "jabber:iq:version");
  g_autoptr(GXmppIq) result = NULL;
  g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
  g_autoptr(GXmppIq) error_reply = NULL;
  g_autoptr(GXmppStanzaErrorDetails) read_back = NULL;
  g_autoptr(GXmppStanza) reparsed = NULL;

  g_assert_true (gxmpp_iq_is_request (get));
  g_assert_cmpint (gxmpp_iq_get_iq_type (get), ==, GXMPP_IQ_TYPE_GET);
  g_assert_true (gxmpp_iq_get_payload (get) == query);
  gxmpp_stanza_set_id (GXMPP_STANZA (get), "q1");
  reparsed = reparse (GXMPP_STANZA (get));
  g_assert_true (gxmpp_node_equal (gxmpp_iq_get_payload (GXMPP_IQ (reparsed)), query));

  gxmpp_node_add_child_with_text (answer, "name", NULL, "xmpp-glib");
  result = gxmpp_iq_new_result (GXMPP_IQ (request), answer);
  g_assert_cmpint (gxmpp_iq_get_iq_type (result), ==, GXMPP_IQ_TYPE_RESULT);
  g_assert_false (gxmpp_iq_is_request (result));
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (result)), ==, "v1");
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_stanza_get_to (GXMPP_STANZA (result))), ==, "romeo@example.net/orchard");
  g_clear_object (&reparsed);
  reparsed = reparse (GXMPP_STANZA (result));
  g_assert_cmpstr (gxmpp_node_get_child_text (gxmpp_iq_get_payload (GXMPP_IQ (reparsed)), "name", NULL), ==, "xmpp-glib");

  gxmpp_stanza_error_details_set_text (error, "Not here", "en");
  error_reply = gxmpp_iq_new_error (GXMPP_IQ (request), error);
  g_assert_true (gxmpp_stanza_is_error (GXMPP_STANZA (error_reply)));
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (error_reply)), ==, "v1");
  g_clear_object (&reparsed);
  reparsed = reparse (GXMPP_STANZA (error_reply));
  read_back = gxmpp_stanza_get_error (reparsed);
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (read_back), ==, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
  g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (read_back), ==, GXMPP_STANZA_ERROR_TYPE_CANCEL);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (read_back), ==, "Not here");
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text_lang (read_back), ==, "en");
  g_assert_null (gxmpp_iq_get_payload (GXMPP_IQ (reparsed)));

  /* Replacing the payload. */
  gxmpp_iq_set_payload (get, answer);
  g_assert_true (gxmpp_iq_get_payload (get) == answer);
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (GXMPP_STANZA (get))), ==, 1);
  g_assert_null (gxmpp_stanza_get_error (GXMPP_STANZA (get)));
}

static void
test_validation (void)
{
  assert_invalid ("<iq type='get'><query xmlns='q'/></iq>", "id");
  assert_invalid ("<iq id='1'><query xmlns='q'/></iq>", "type");
  assert_invalid ("<iq id='1' type='fetch'><query xmlns='q'/></iq>", "fetch");
  assert_invalid ("<iq id='1' type='get'/>", "exactly one");
  assert_invalid ("<iq id='1' type='set'><a xmlns='q'/><b xmlns='q'/></iq>", "exactly one");
  assert_invalid ("<iq id='1' type='get'><a xmlns='q'/><error type='cancel'/></iq>", "error");
  assert_invalid ("<iq id='1' type='result'><a xmlns='q'/><b xmlns='q'/></iq>", "at most one");
  assert_invalid ("<iq id='1' type='error'/>", "error");
  assert_invalid ("<presence type='online'/>", "online");
  assert_invalid ("<message from='@example.com'/>", "from");
  assert_invalid ("<message to='juliet@'/>", "to");
  assert_invalid ("<message to='a@b/'/>", "to");
  assert_invalid ("<features xmlns='urn:x'/>", "namespace");
  assert_invalid ("<query/>", "query");

  /* Valid edge cases. */
  {
    g_autoptr(GXmppStanza) s1 = stanza_from ("<iq id='1' type='result'/>");
    g_autoptr(GXmppStanza) s2 = stanza_from ("<iq id='1' type='get'>  <a xmlns='q'/>  </iq>");
    g_autoptr(GXmppStanza) s3 = stanza_from ("<iq id='1' type='error'><a xmlns='q'/><error type='cancel'/></iq>");
    g_autoptr(GXmppNode) server = NULL;
    g_autoptr(GXmppStanza) s4 = NULL;

    g_assert_nonnull (s1);
    g_assert_nonnull (s2);
    g_assert_true (gxmpp_node_is (gxmpp_iq_get_payload (GXMPP_IQ (s3)), "a", "q"));
    server = gxmpp_node_new_from_string ("<message xmlns='jabber:server'/>", -1, NULL, NULL);
    s4 = gxmpp_stanza_new_from_node (server, NULL);
    g_assert_true (GXMPP_IS_MESSAGE (s4));
  }
}

static void
test_stanza_error_parse (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from (
    "<message type='error' from='example.net'><body>original</body>"
    "<error type='modify' by='example.net'>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Say again</text>"
    "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    "<too-many-words xmlns='urn:example:app'/></error></message>");
  g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_get_error (stanza);
  g_autoptr(GXmppNode) rebuilt = NULL;
  g_autoptr(GXmppStanzaErrorDetails) again = NULL;

  g_assert_true (gxmpp_stanza_is_error (stanza));
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (error), ==, GXMPP_STANZA_ERROR_NOT_ACCEPTABLE);
  g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (error), ==, GXMPP_STANZA_ERROR_TYPE_MODIFY);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (error), ==, "Say again");
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text_lang (error), ==, "en");
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_stanza_error_details_get_by (error)), ==, "example.net");
  g_assert_true (gxmpp_node_is (gxmpp_stanza_error_details_get_application_element (error), "too-many-words", "urn:example:app"));

  rebuilt = gxmpp_stanza_error_details_to_node (error);
  again = gxmpp_stanza_error_details_new_from_node (rebuilt);
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (again), ==, GXMPP_STANZA_ERROR_NOT_ACCEPTABLE);
  g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (again), ==, GXMPP_STANZA_ERROR_TYPE_MODIFY);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (again), ==, "Say again");
  g_assert_true (gxmpp_node_equal (gxmpp_stanza_error_details_get_application_element (again),
                                   gxmpp_stanza_error_details_get_application_element (error)));
}

static void
test_stanza_error_lenient (void)
{
  static const struct {
    const char *xml;
    GXmppStanzaError condition;
    GXmppStanzaErrorType type;
  } cases[] = {
    { "<error/>", GXMPP_STANZA_ERROR_UNDEFINED_CONDITION, GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "<error type='wait'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      GXMPP_STANZA_ERROR_UNDEFINED_CONDITION, GXMPP_STANZA_ERROR_TYPE_WAIT },
    { "<error><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      GXMPP_STANZA_ERROR_FORBIDDEN, GXMPP_STANZA_ERROR_TYPE_AUTH },
    { "<error type='bogus'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      GXMPP_STANZA_ERROR_BAD_REQUEST, GXMPP_STANZA_ERROR_TYPE_MODIFY },
    /* A condition name in the wrong namespace is an application element. */
    { "<error type='cancel'><forbidden xmlns='urn:other'/></error>",
      GXMPP_STANZA_ERROR_UNDEFINED_CONDITION, GXMPP_STANZA_ERROR_TYPE_CANCEL },
    { "<error type='cancel' code='404'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      GXMPP_STANZA_ERROR_ITEM_NOT_FOUND, GXMPP_STANZA_ERROR_TYPE_CANCEL },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppNode) node = parse_sealed (cases[i].xml);
      g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_error_details_new_from_node (node);

      g_assert_cmpint (gxmpp_stanza_error_details_get_condition (error), ==, cases[i].condition);
      g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (error), ==, cases[i].type);
    }

  {
    g_autoptr(GXmppNode) node = parse_sealed (
      "<error type='cancel' by='not a jid@@'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
      "xmpp:romeo@afterlife.example.net</gone></error>");
    g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_error_details_new_from_node (node);
    g_autoptr(GXmppNode) rebuilt = NULL;

    g_assert_null (gxmpp_stanza_error_details_get_by (error));
    g_assert_cmpstr (gxmpp_stanza_error_details_get_alternate_address (error), ==, "xmpp:romeo@afterlife.example.net");
    rebuilt = gxmpp_stanza_error_details_to_node (error);
    g_assert_cmpstr (gxmpp_node_get_child_text (rebuilt, "gone", NULL), ==, "xmpp:romeo@afterlife.example.net");
  }

  {
    g_autoptr(GXmppStanza) stanza = stanza_from ("<presence type='error'/>");
    g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_get_error (stanza);

    g_assert_cmpint (gxmpp_stanza_error_details_get_condition (error), ==, GXMPP_STANZA_ERROR_UNDEFINED_CONDITION);
  }
}

static void
test_stanza_error_gerror (void)
{
  g_autoptr(GXmppStanzaErrorDetails) error = gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_autoptr(GXmppNode) app = gxmpp_node_new ("no-such-node", "urn:example:app");
  g_autoptr(GXmppJid) by = jid ("pubsub.example.com");
  g_autoptr(GError) gerror = NULL;
  g_autoptr(GError) copied = NULL;
  g_autoptr(GError) plain = NULL;
  g_autoptr(GError) other = NULL;
  g_autoptr(GXmppStanzaErrorDetails) back = NULL;
  g_autoptr(GXmppStanzaErrorDetails) from_plain = NULL;

  gxmpp_stanza_error_details_set_text (error, "Gone fishing", NULL);
  gxmpp_stanza_error_details_set_application_element (error, app);
  gxmpp_stanza_error_details_set_by (error, by);

  gerror = gxmpp_stanza_error_details_to_gerror (error);
  g_assert_error (gerror, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_assert_cmpstr (gerror->message, ==, "The address or item was not found: “Gone fishing”");

  /* The details travel with copies of the GError. */
  copied = g_error_copy (gerror);
  g_clear_error (&gerror);
  back = gxmpp_stanza_error_details_from_gerror (copied);
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (back), ==, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (back), ==, "Gone fishing");
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_error_details_get_by (back), by));
  g_assert_true (gxmpp_node_equal (gxmpp_stanza_error_details_get_application_element (back), app));
  g_assert_true (gxmpp_node_is_sealed (gxmpp_stanza_error_details_get_application_element (back)));

  g_set_error_literal (&plain, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_FORBIDDEN, "made by hand");
  from_plain = gxmpp_stanza_error_details_from_gerror (plain);
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (from_plain), ==, GXMPP_STANZA_ERROR_FORBIDDEN);
  g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (from_plain), ==, GXMPP_STANZA_ERROR_TYPE_AUTH);

  g_set_error_literal (&other, G_IO_ERROR, G_IO_ERROR_FAILED, "other");
  g_assert_null (gxmpp_stanza_error_details_from_gerror (other));

  /* Without text, the message is the condition's description. */
  {
    g_autoptr(GXmppStanzaErrorDetails) bare = gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_CONFLICT);
    g_autoptr(GError) e = gxmpp_stanza_error_details_to_gerror (bare);

    g_assert_cmpstr (e->message, ==, gxmpp_stanza_error_get_description (GXMPP_STANZA_ERROR_CONFLICT));
  }
}

static void
test_default_constructed (void)
{
  /* As a binding would make them: g_object_new() with no element. */
  g_autoptr(GXmppStanza) msg = g_object_new (GXMPP_TYPE_MESSAGE, NULL);
  g_autoptr(GXmppStanza) pres = g_object_new (GXMPP_TYPE_PRESENCE, "status", "here", NULL);
  g_autoptr(GXmppStanza) iq = g_object_new (GXMPP_TYPE_IQ, NULL);

  g_assert_true (gxmpp_node_is (gxmpp_stanza_get_node (msg), "message", GXMPP_NS_CLIENT));
  g_assert_cmpstr (gxmpp_presence_get_status (GXMPP_PRESENCE (pres), NULL), ==, "here");
  g_assert_true (gxmpp_node_is (gxmpp_stanza_get_node (iq), "iq", GXMPP_NS_CLIENT));
  g_assert_false (gxmpp_iq_is_request (GXMPP_IQ (iq)));   /* no type: never taken for a request */
}

/* Review findings: each of these was a use-after-free or a surprise. */
static void
test_kept_node_survives_edits (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from ("<message id='1'><body>a</body></message>");
  GXmppNode *kept = gxmpp_node_ref (gxmpp_stanza_get_node (stanza));
  g_autofree char *xml = NULL;

  gxmpp_stanza_set_id (stanza, "2");
  xml = gxmpp_node_to_string (kept, NULL);
  g_assert_cmpstr (xml, ==, "<message xmlns='jabber:client' id='1'><body>a</body></message>");
  gxmpp_node_unref (kept);
}

static void
test_iq_set_own_payload (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from ("<iq type='result' id='r'><a xmlns='q'/></iq>");
  g_autoptr(GXmppNode) b = gxmpp_node_new ("b", "q");
  GXmppIq *iq = GXMPP_IQ (stanza);
  GXmppNode *payload;

  /* The current payload, which belongs to the sealed tree. */
  payload = gxmpp_iq_get_payload (iq);
  gxmpp_iq_set_payload (iq, payload);
  g_assert_true (gxmpp_node_is (gxmpp_iq_get_payload (iq), "a", "q"));

  /* Replace with a new one, then set the same one again after an edit. */
  gxmpp_iq_set_payload (iq, b);
  gxmpp_stanza_get_node (stanza);          /* seals */
  gxmpp_iq_set_payload (iq, gxmpp_iq_get_payload (iq));
  g_assert_true (gxmpp_iq_get_payload (iq) == b);
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (stanza)), ==, 1);
}

static void
test_node_property (void)
{
  g_autoptr(GXmppNode) node = parse_sealed ("<message from='juliet@example.com/balcony' to='romeo@example.net'/>");
  g_autoptr(GXmppStanza) stanza = g_object_new (GXMPP_TYPE_MESSAGE, "node", node, NULL);

  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_stanza_get_from (stanza)), ==, "juliet@example.com/balcony");
  gxmpp_stanza_set_from (stanza, NULL);
  g_assert_null (gxmpp_node_get_attribute (gxmpp_stanza_get_node (stanza), "from"));
  g_assert_null (gxmpp_stanza_get_from (stanza));
}

static void
test_node_property_wrong_kind (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GXmppNode) node = parse_sealed ("<iq type='get' id='1'><q xmlns='q'/></iq>");
      g_autoptr(GXmppStanza) stanza = g_object_new (GXMPP_TYPE_PRESENCE, "node", node, NULL);

      g_assert_true (gxmpp_node_is (gxmpp_stanza_get_node (stanza), "presence", NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*cannot be made from a <iq/>*");
}

static void
test_default_language_consistent (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from ("<message xml:lang='en'><body xml:lang='en'>Hi</body></message>");
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GXmppMessage *m = GXMPP_MESSAGE (stanza);

  g_signal_connect (stanza, "notify", G_CALLBACK (count_notify), counts);

  /* NULL means the body in the stanza's language, for reading and writing. */
  gxmpp_message_set_body (m, NULL, "Bye");
  g_assert_cmpstr (gxmpp_message_get_body (m, NULL), ==, "Bye");
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (stanza)), ==, 1);

  /* Setting the stanza's language by name changes the default too. */
  gxmpp_message_set_body (m, "EN", "Hello");
  g_assert_cmpstr (gxmpp_message_get_body (m, NULL), ==, "Hello");
  g_assert_cmpuint (gxmpp_node_get_n_children (gxmpp_stanza_get_node (stanza)), ==, 1);
  g_assert_cmpuint (COUNT (counts, "body"), ==, 2);

  /* Another language does not. */
  gxmpp_message_set_body (m, "de", "Hallo");
  g_assert_cmpuint (COUNT (counts, "body"), ==, 2);
}

/* A change to a sealed element replaces it (notify::node); later changes
 * edit the copy in place until the element is sealed again. */
static void
test_node_notify (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from ("<message><body>a</body></message>");
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GXmppMessage *m = GXMPP_MESSAGE (stanza);

  g_signal_connect (stanza, "notify", G_CALLBACK (count_notify), counts);
  gxmpp_message_set_body (m, NULL, "b");
  gxmpp_message_set_body (m, NULL, "c");
  g_assert_cmpuint (COUNT (counts, "node"), ==, 1);
  gxmpp_stanza_get_node (stanza);
  gxmpp_message_set_body (m, NULL, "d");
  g_assert_cmpuint (COUNT (counts, "node"), ==, 2);
}

static void
test_no_answer_to_errors (void)
{
  g_autoptr(GXmppStanza) stanza = stanza_from (
    "<message type='error' from='juliet@example.com'><error type='cancel'>"
    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");

  g_assert_null (gxmpp_message_answer (GXMPP_MESSAGE (stanza), NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stanza/message/build", test_message_build);
  g_test_add_func ("/stanza/message/new-chat", test_message_new_chat);
  g_test_add_func ("/stanza/message/markup-is-text", test_message_markup_is_text);
  g_test_add_func ("/stanza/message/languages", test_message_languages);
  g_test_add_func ("/stanza/message/types", test_message_types);
  g_test_add_func ("/stanza/message/answer", test_message_answer);
  g_test_add_func ("/stanza/unknown-content-survives", test_unknown_content_survives);
  g_test_add_func ("/stanza/copy-on-write", test_copy_on_write);
  g_test_add_func ("/stanza/properties-notify", test_properties_notify);
  g_test_add_func ("/stanza/presence", test_presence);
  g_test_add_func ("/stanza/presence/lenient-fields", test_presence_lenient_fields);
  g_test_add_func ("/stanza/iq", test_iq);
  g_test_add_func ("/stanza/validation", test_validation);
  g_test_add_func ("/stanza/default-constructed", test_default_constructed);
  g_test_add_func ("/stanza/kept-node-survives-edits", test_kept_node_survives_edits);
  g_test_add_func ("/stanza/iq/set-own-payload", test_iq_set_own_payload);
  g_test_add_func ("/stanza/node-property", test_node_property);
  g_test_add_func ("/stanza/node-property-wrong-kind", test_node_property_wrong_kind);
  g_test_add_func ("/stanza/default-language-consistent", test_default_language_consistent);
  g_test_add_func ("/stanza/node-notify", test_node_notify);
  g_test_add_func ("/stanza/message/no-answer-to-errors", test_no_answer_to_errors);
  g_test_add_func ("/stanza-error/parse", test_stanza_error_parse);
  g_test_add_func ("/stanza-error/lenient", test_stanza_error_lenient);
  g_test_add_func ("/stanza-error/gerror", test_stanza_error_gerror);

  return g_test_run ();
}
