/* test-servers.c: smoke tests of the real servers and the slixmpp peer
 *
 * Talks raw XMPP over GIO (no xmpp-glib session): STARTTLS verified against
 * the server's CA, SASL PLAIN, resource binding, a message and an IQ with
 * the slixmpp peer; and checks that a test process that dies, even by
 * SIGKILL, leaves no server behind.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <gio/gio.h>

#include "gxmpp-test-json.h"
#include "gxmpp-test-peer.h"
#include "gxmpp-test-server.h"

#define NS_TLS  "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_TEST "urn:xmpp-glib:test"
#define EVENT_TIMEOUT_MS 20000

/* --- A tiny DOM: complete children of the stream element ---------------- */

typedef struct _Elem Elem;
struct _Elem
{
  char       *name;       /* local name, prefix stripped */
  char       *prefix;     /* NULL without a prefix */
  GHashTable *attrs;
  GString    *text;
  GPtrArray  *children;
};

static void
elem_free (Elem *e)
{
  g_free (e->name);
  g_free (e->prefix);
  g_hash_table_unref (e->attrs);
  g_string_free (e->text, TRUE);
  g_ptr_array_unref (e->children);
  g_free (e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Elem, elem_free)

static Elem *
elem_new (const char  *qname,
          const char **names,
          const char **values)
{
  Elem *e = g_new0 (Elem, 1);
  const char *colon = strchr (qname, ':');

  e->name = g_strdup (colon ? colon + 1 : qname);
  e->prefix = colon ? g_strndup (qname, (gsize) (colon - qname)) : NULL;
  e->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gsize i = 0; names[i] != NULL; i++)
    g_hash_table_insert (e->attrs, g_strdup (names[i]), g_strdup (values[i]));
  e->text = g_string_new (NULL);
  e->children = g_ptr_array_new_with_free_func ((GDestroyNotify) elem_free);
  return e;
}

static const char *
elem_attr (Elem       *e,
           const char *name)
{
  return g_hash_table_lookup (e->attrs, name);
}

/* The xmlns of an element as written on it (enough for these tests). */
static const char *
elem_ns (Elem *e)
{
  return elem_attr (e, "xmlns");
}

static Elem *
elem_child (Elem       *e,
            const char *name,
            const char *ns)
{
  for (guint i = 0; e != NULL && i < e->children->len; i++)
    {
      Elem *c = e->children->pdata[i];

      if (g_str_equal (c->name, name) && (ns == NULL || g_strcmp0 (elem_ns (c), ns) == 0))
        return c;
    }
  return NULL;
}

static GStrv
elem_mechanisms (Elem *features)
{
  Elem *mechs = elem_child (features, "mechanisms", NS_SASL);
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; mechs != NULL && i < mechs->children->len; i++)
    {
      Elem *m = mechs->children->pdata[i];
      g_ptr_array_add (list, g_strdup (m->text->str));
    }
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_free (list, FALSE);
}

/* --- A raw client stream ---------------------------------------------- */

typedef struct
{
  GSocketConnection   *tcp;
  GIOStream           *stream;     /* tcp, or the TLS connection over it */
  GMarkupParseContext *parser;
  GPtrArray           *open;       /* elements being parsed, outermost first */
  GQueue               done;       /* complete children of <stream:stream> */
  gboolean             closed;     /* </stream:stream> seen */
  guint16              port;
} Raw;

static void
raw_start_element (GMarkupParseContext *context,
                   const char          *name,
                   const char         **attr_names,
                   const char         **attr_values,
                   gpointer             user_data,
                   GError             **error)
{
  Raw *raw = user_data;
  Elem *e = elem_new (name, attr_names, attr_values);

  if (raw->open->len > 1)
    g_ptr_array_add (((Elem *) raw->open->pdata[raw->open->len - 1])->children, e);
  g_ptr_array_add (raw->open, e);
}

static void
raw_end_element (GMarkupParseContext *context,
                 const char          *name,
                 gpointer             user_data,
                 GError             **error)
{
  Raw *raw = user_data;
  Elem *e = g_ptr_array_steal_index (raw->open, raw->open->len - 1);

  if (raw->open->len == 1)
    g_queue_push_tail (&raw->done, e);        /* a child of the stream */
  else if (raw->open->len == 0)
    {
      raw->closed = TRUE;                     /* the stream itself */
      elem_free (e);
    }
  /* else: owned by its parent */
}

static void
raw_text (GMarkupParseContext *context,
          const char          *text,
          gsize                len,
          gpointer             user_data,
          GError             **error)
{
  Raw *raw = user_data;

  if (raw->open->len > 1)
    g_string_append_len (((Elem *) raw->open->pdata[raw->open->len - 1])->text, text, (gssize) len);
}

static const GMarkupParser raw_parser = {
  raw_start_element, raw_end_element, raw_text, NULL, NULL,
};

/* The stream element and the child being parsed belong to nobody else;
 * deeper elements belong to their parents. */
static void
raw_clear_parser (Raw *raw)
{
  g_clear_pointer (&raw->parser, g_markup_parse_context_free);
  for (guint i = 0; raw->open != NULL && i < raw->open->len && i < 2; i++)
    elem_free (raw->open->pdata[i]);
  g_clear_pointer (&raw->open, g_ptr_array_unref);
}

static void
raw_reset_parser (Raw *raw)
{
  raw_clear_parser (raw);
  raw->open = g_ptr_array_new ();
  raw->parser = g_markup_parse_context_new (&raw_parser, G_MARKUP_PREFIX_ERROR_POSITION, raw, NULL);
}

static void
raw_free (Raw *raw)
{
  if (raw->stream != NULL)
    g_io_stream_close (raw->stream, NULL, NULL);
  g_clear_object (&raw->stream);
  g_clear_object (&raw->tcp);
  raw_clear_parser (raw);
  g_queue_clear_full (&raw->done, (GDestroyNotify) elem_free);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static void
raw_send (Raw        *raw,
          const char *xml)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (raw->stream), xml, strlen (xml),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

G_GNUC_PRINTF (2, 3)
static void
raw_sendf (Raw        *raw,
           const char *format,
           ...)
{
  g_autofree char *xml = NULL;
  va_list args;

  va_start (args, format);
  xml = g_strdup_vprintf (format, args);
  va_end (args);
  raw_send (raw, xml);
}

/* The next complete child of the stream; NULL if the stream ends. The
 * socket has a timeout, so a silent server fails the test. */
static Elem *
raw_next (Raw *raw)
{
  while (g_queue_is_empty (&raw->done) && !raw->closed)
    {
      char buf[8192];
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_input_stream_read (g_io_stream_get_input_stream (raw->stream), buf, sizeof buf,
                               NULL, &error);
      g_assert_no_error (error);
      if (n == 0)
        return NULL;
      g_markup_parse_context_parse (raw->parser, buf, n, &error);
      g_assert_no_error (error);
    }
  return g_queue_pop_head (&raw->done);
}

/* The next child named @name, skipping others (presence, say). */
static Elem *
raw_next_named (Raw        *raw,
                const char *name)
{
  for (;;)
    {
      Elem *e = raw_next (raw);

      if (e == NULL || g_str_equal (e->name, name))
        return e;
      g_test_message ("skipping <%s>", e->name);
      elem_free (e);
    }
}

static Raw *
raw_connect (GXmppTestServer *server,
             gboolean         direct_tls)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = gxmpp_test_server_get_address (server, direct_tls);
  g_autoptr(GError) error = NULL;
  Raw *raw = g_new0 (Raw, 1);

  g_socket_client_set_timeout (client, 20);
  g_socket_client_set_enable_proxy (client, FALSE);  /* 127.0.0.1 and nothing else */
  raw->tcp = g_socket_client_connect (client, address, NULL, &error);
  g_assert_no_error (error);
  raw->stream = g_object_ref (G_IO_STREAM (raw->tcp));
  raw->port = direct_tls ? gxmpp_test_server_get_direct_tls_port (server)
                         : gxmpp_test_server_get_port (server);
  raw_reset_parser (raw);
  return raw;
}

/* Opens a stream to @domain and returns the features. */
static Elem *
raw_open (Raw        *raw,
          const char *domain)
{
  Elem *features;

  raw_reset_parser (raw);
  raw_sendf (raw, "<?xml version='1.0'?><stream:stream to='%s' version='1.0' xml:lang='en' "
                  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
             domain);
  features = raw_next (raw);
  g_assert_nonnull (features);
  g_assert_cmpstr (features->name, ==, "features");
  g_assert_cmpstr (features->prefix, ==, "stream");
  return features;
}

/* TLS over the current stream, verifying @identity against the server's
 * CA (or @database). Returns FALSE with @error if the handshake fails. */
static gboolean
raw_tls (Raw             *raw,
         GXmppTestServer *server,
         const char      *identity,
         GTlsDatabase    *database,
         GError         **error)
{
  g_autoptr(GSocketConnectable) id = g_network_address_new (identity, raw->port);
  g_autoptr(GIOStream) tls = NULL;

  tls = g_tls_client_connection_new (raw->stream, id, error);
  if (tls == NULL)
    return FALSE;
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
    return FALSE;
  g_object_unref (raw->stream);
  raw->stream = g_steal_pointer (&tls);
  return TRUE;
}

static void
raw_starttls (Raw             *raw,
              GXmppTestServer *server,
              Elem            *features)
{
  g_autoptr(Elem) proceed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (elem_child (features, "starttls", NS_TLS));
  raw_send (raw, "<starttls xmlns='" NS_TLS "'/>");
  proceed = raw_next (raw);
  g_assert_nonnull (proceed);
  g_assert_cmpstr (proceed->name, ==, "proceed");
  raw_tls (raw, server, gxmpp_test_server_get_domain (server),
           gxmpp_test_server_get_tls_database (server), &error);
  g_assert_no_error (error);
}

static const char *
raw_tls_version (Raw *raw)
{
  switch (g_tls_connection_get_protocol_version (G_TLS_CONNECTION (raw->stream)))
    {
    case G_TLS_PROTOCOL_VERSION_TLS_1_2: return "1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3: return "1.3";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
    default: return "other";
    }
}

/* SASL PLAIN; returns the name of the answer: "success" or "failure" (the
 * condition goes to @condition). */
static char *
raw_auth (Raw        *raw,
          const char *mechanism,
          const char *user,
          const char *password,
          char      **condition)
{
  g_autoptr(Elem) answer = NULL;
  g_autofree char *payload = NULL;

  if (g_str_equal (mechanism, "PLAIN"))
    {
      g_autoptr(GByteArray) msg = g_byte_array_new ();

      g_byte_array_append (msg, (const guint8 *) "", 1);  /* no authzid */
      g_byte_array_append (msg, (const guint8 *) user, (guint) strlen (user));
      g_byte_array_append (msg, (const guint8 *) "", 1);
      g_byte_array_append (msg, (const guint8 *) password, (guint) strlen (password));
      payload = g_base64_encode (msg->data, msg->len);
    }
  else
    payload = g_strdup ("=");  /* ANONYMOUS: empty trace */

  raw_sendf (raw, "<auth xmlns='" NS_SASL "' mechanism='%s'>%s</auth>", mechanism, payload);
  answer = raw_next (raw);
  g_assert_nonnull (answer);
  if (condition != NULL)
    *condition = answer->children->len > 0
                   ? g_strdup (((Elem *) answer->children->pdata[0])->name) : NULL;
  return g_strdup (answer->name);
}

/* Binds @resource (NULL: the server picks) and returns the full JID. */
static char *
raw_bind (Raw        *raw,
          Elem       *features,
          const char *resource)
{
  g_autoptr(Elem) result = NULL;
  Elem *bind, *jid;

  g_assert_nonnull (elem_child (features, "bind", NS_BIND));
  if (resource != NULL)
    raw_sendf (raw, "<iq type='set' id='bind1'><bind xmlns='" NS_BIND "'>"
                    "<resource>%s</resource></bind></iq>", resource);
  else
    raw_send (raw, "<iq type='set' id='bind1'><bind xmlns='" NS_BIND "'/></iq>");
  result = raw_next_named (raw, "iq");
  g_assert_nonnull (result);
  g_assert_cmpstr (elem_attr (result, "id"), ==, "bind1");
  g_assert_cmpstr (elem_attr (result, "type"), ==, "result");
  bind = elem_child (result, "bind", NS_BIND);
  jid = elem_child (bind, "jid", NULL);
  g_assert_nonnull (jid);
  return g_strdup (jid->text->str);
}

/* Connect, STARTTLS, PLAIN, bind: a logged-in raw session. */
static Raw *
raw_login (GXmppTestServer *server,
           const char      *user,
           const char      *password,
           const char      *resource,
           char           **full_jid)
{
  const char *domain = gxmpp_test_server_get_domain (server);
  Raw *raw = raw_connect (server, FALSE);
  g_autoptr(Elem) features = raw_open (raw, domain);
  g_autoptr(Elem) features2 = NULL;
  g_autoptr(Elem) features3 = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *condition = NULL;

  raw_starttls (raw, server, features);
  features2 = raw_open (raw, domain);
  answer = raw_auth (raw, "PLAIN", user, password, &condition);
  g_assert_cmpstr (answer, ==, "success");
  features3 = raw_open (raw, domain);
  *full_jid = raw_bind (raw, features3, resource);
  return raw;
}

/* --- Shared servers: one of each kind per test program ---------------- */

static GXmppTestServer *shared[2];

static GXmppTestServer *
shared_server (const char *kind)
{
  guint i = g_str_equal (kind, "prosody") ? 0 : 1;
  static gboolean tried[2];

  if (shared[i] == NULL && !tried[i])
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();

      tried[i] = TRUE;
      shared[i] = gxmpp_test_server_start (kind, NULL, &error);
      if (shared[i] == NULL)
        {
          if (g_error_matches (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_UNAVAILABLE))
            g_test_skip (error->message);
          else
            g_test_fail_printf ("%s", error->message);
          return NULL;
        }
      g_test_message ("%s started in %.2f s on port %u (TLS %s)", kind,
                      (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC,
                      gxmpp_test_server_get_port (shared[i]),
                      gxmpp_test_server_get_tls_version (shared[i]));
    }
  else if (shared[i] == NULL)
    g_test_skip ("the server did not start");
  return shared[i];
}

/* --- Tests --------------------------------------------------------------- */

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
test_starttls (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(Raw) raw = NULL;
  g_autoptr(Elem) features = NULL;
  g_autoptr(Elem) features2 = NULL;
  g_auto(GStrv) mechanisms = NULL;
  g_autofree char *offered = NULL, *reported = NULL;
  Elem *starttls;

  if (server == NULL)
    return;
  raw = raw_connect (server, FALSE);
  features = raw_open (raw, gxmpp_test_server_get_domain (server));
  starttls = elem_child (features, "starttls", NS_TLS);
  g_assert_nonnull (starttls);
  g_assert_nonnull (elem_child (starttls, "required", NULL));
  /* TLS is required: no mechanism before it. */
  g_assert_null (elem_child (features, "mechanisms", NS_SASL));

  raw_starttls (raw, server, features);
  g_assert_cmpstr (raw_tls_version (raw), ==, gxmpp_test_server_get_tls_version (server));
  features2 = raw_open (raw, gxmpp_test_server_get_domain (server));
  mechanisms = elem_mechanisms (features2);
  g_assert_true (g_strv_contains ((const char * const *) mechanisms, "PLAIN"));
  g_assert_true (g_strv_contains ((const char * const *) mechanisms, "SCRAM-SHA-1"));
  /* What the script reported is what a client sees. */
  g_qsort_with_data (mechanisms, (gint) g_strv_length (mechanisms), sizeof (char *),
                     compare_strings, NULL);
  offered = g_strjoinv (" ", mechanisms);
  reported = g_strjoinv (" ", (GStrv) gxmpp_test_server_get_mechanisms (server));
  g_assert_cmpstr (offered, ==, reported);
  g_test_message ("%s offers %s over TLS %s", (const char *) data, offered,
                  raw_tls_version (raw));
}

static gboolean
handshake_fails (GXmppTestServer *server,
                 const char      *identity,
                 GTlsDatabase    *database,
                 GError         **error)
{
  g_autoptr(Raw) raw = raw_connect (server, FALSE);
  g_autoptr(Elem) features = raw_open (raw, gxmpp_test_server_get_domain (server));
  g_autoptr(Elem) proceed = NULL;

  raw_send (raw, "<starttls xmlns='" NS_TLS "'/>");
  proceed = raw_next (raw);
  g_assert_cmpstr (proceed->name, ==, "proceed");
  return !raw_tls (raw, server, identity, database, error);
}

/* The certificate is checked for real: another name, or the system's CAs
 * instead of the server's, fail. */
static void
test_certificate (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(GError) error = NULL;
  GTlsDatabase *system_db;

  if (server == NULL)
    return;
  g_assert_true (handshake_fails (server, "example.com", gxmpp_test_server_get_tls_database (server),
                                  &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* The address we connect to is not a name in the certificate. */
  g_assert_true (handshake_fails (server, "127.0.0.1", gxmpp_test_server_get_tls_database (server),
                                  &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  system_db = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  g_assert_true (handshake_fails (server, "localhost", system_db, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_object_unref (system_db);

  /* The virtual host's name is in the certificate too. */
  g_clear_error (&error);
  g_assert_false (handshake_fails (server, "anon.localhost",
                                   gxmpp_test_server_get_tls_database (server), &error));
  g_assert_no_error (error);
}

static void
test_direct_tls (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(Raw) raw = NULL;
  g_autoptr(Elem) features = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) mechanisms = NULL;

  if (server == NULL)
    return;
  raw = raw_connect (server, TRUE);
  raw_tls (raw, server, gxmpp_test_server_get_domain (server),
           gxmpp_test_server_get_tls_database (server), &error);
  g_assert_no_error (error);
  features = raw_open (raw, gxmpp_test_server_get_domain (server));
  g_assert_null (elem_child (features, "starttls", NS_TLS));
  mechanisms = elem_mechanisms (features);
  g_assert_true (g_strv_contains ((const char * const *) mechanisms, "PLAIN"));
}

static void
test_plain_bind (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(Raw) raw = NULL;
  g_autofree char *jid = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(Elem) answer = NULL;

  if (server == NULL)
    return;
  raw = raw_login (server, "alice", gxmpp_test_server_get_password (server, "alice"),
                   "smoke", &jid);
  expected = g_strdup_printf ("%s/smoke", gxmpp_test_server_get_jid (server, "alice"));
  g_assert_cmpstr (jid, ==, expected);

  /* The session answers: a ping to the server. */
  raw_send (raw, "<iq type='get' id='ping1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
  answer = raw_next_named (raw, "iq");
  g_assert_cmpstr (elem_attr (answer, "id"), ==, "ping1");
  g_assert_cmpstr (elem_attr (answer, "type"), ==, "result");
  raw_send (raw, "</stream:stream>");
}

static void
test_wrong_password (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(Raw) raw = NULL;
  g_autoptr(Elem) features = NULL;
  g_autoptr(Elem) features2 = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *condition = NULL;

  if (server == NULL)
    return;
  raw = raw_connect (server, FALSE);
  features = raw_open (raw, "localhost");
  raw_starttls (raw, server, features);
  features2 = raw_open (raw, "localhost");
  answer = raw_auth (raw, "PLAIN", "alice", "not the password", &condition);
  g_assert_cmpstr (answer, ==, "failure");
  g_assert_cmpstr (condition, ==, "not-authorized");
}

/* dave's password is not ASCII. The NFC form is what was registered. The
 * decomposed form differs in bytes: with PLAIN the server may or may not
 * normalise it (SASLprep); record what it does. */
static void
test_non_ascii_password (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  const char *nfc, *nfd;
  g_autoptr(Raw) raw = NULL;
  g_autofree char *jid = NULL;

  if (server == NULL)
    return;
  nfc = gxmpp_test_server_get_password (server, "dave");
  nfd = gxmpp_test_server_get_dave_password_nfd (server);
  g_assert_cmpstr (nfc, ==, "p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac");       /* pässwörd€ */
  g_assert_cmpstr (nfd, ==, "pa\xcc\x88sswo\xcc\x88rd\xe2\x82\xac");
  raw = raw_login (server, "dave", nfc, NULL, &jid);
  g_assert_true (g_str_has_prefix (jid, "dave@localhost/"));

  {
    g_autoptr(Raw) raw2 = raw_connect (server, FALSE);
    g_autoptr(Elem) features = raw_open (raw2, "localhost");
    g_autoptr(Elem) features2 = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *condition = NULL;

    raw_starttls (raw2, server, features);
    features2 = raw_open (raw2, "localhost");
    answer = raw_auth (raw2, "PLAIN", "dave", nfd, &condition);
    g_test_message ("%s: PLAIN with the NFD form of the password: %s %s",
                    (const char *) data, answer, condition ? condition : "");
    if (g_str_equal (data, "prosody"))
      g_assert_cmpstr (answer, ==, "success");  /* Prosody applies SASLprep */
  }
}

static void
test_slixmpp (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(GXmppTestPeer) peer = NULL;
  g_autoptr(Raw) raw = NULL;
  g_autoptr(Elem) msg = NULL;
  g_autoptr(Elem) result = NULL;
  g_autoptr(GVariant) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *alice = NULL;
  const char *bob;
  Elem *body, *query;

  if (server == NULL)
    return;
  peer = gxmpp_test_peer_start_or_skip (server, "bob", NULL);
  if (peer == NULL)
    return;
  bob = gxmpp_test_peer_get_jid (peer);
  g_assert_true (g_str_has_prefix (bob, "bob@localhost/"));
  g_test_message ("slixmpp logged in with %s over TLS %s",
                  gxmpp_test_json_get_string (gxmpp_test_peer_get_ready_event (peer), "mechanism"),
                  gxmpp_test_json_get_string (gxmpp_test_peer_get_ready_event (peer), "tls"));

  raw = raw_login (server, "alice", gxmpp_test_server_get_password (server, "alice"), "raw",
                   &alice);

  /* alice -> bob, and the echo back */
  raw_sendf (raw, "<message type='chat' id='m1' to='%s'><body>h\xc3\xa9llo &amp; bye</body></message>", bob);
  event = gxmpp_test_peer_wait_event (peer, "message", EVENT_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_test_json_get_string (event, "from"), ==, alice);
  g_assert_cmpstr (gxmpp_test_json_get_string (event, "body"), ==, "h\xc3\xa9llo & bye");
  g_clear_pointer (&event, g_variant_unref);
  msg = raw_next_named (raw, "message");
  g_assert_nonnull (msg);
  g_assert_cmpstr (elem_attr (msg, "from"), ==, bob);
  body = elem_child (msg, "body", NULL);
  g_assert_cmpstr (body->text->str, ==, "echo: h\xc3\xa9llo & bye");
  g_clear_pointer (&msg, elem_free);

  /* alice asks bob; bob reverses the text */
  raw_sendf (raw, "<iq type='get' id='q1' to='%s'><query xmlns='" NS_TEST "'>abc</query></iq>", bob);
  result = raw_next_named (raw, "iq");
  g_assert_cmpstr (elem_attr (result, "id"), ==, "q1");
  g_assert_cmpstr (elem_attr (result, "type"), ==, "result");
  query = elem_child (result, "query", NS_TEST);
  g_assert_nonnull (query);
  g_assert_cmpstr (query->text->str, ==, "cba");
  g_clear_pointer (&result, elem_free);

  /* bob -> alice on command */
  gxmpp_test_peer_send_message (peer, alice, "from slixmpp", &error);
  g_assert_no_error (error);
  msg = raw_next_named (raw, "message");
  g_assert_cmpstr (elem_child (msg, "body", NULL)->text->str, ==, "from slixmpp");
  g_clear_pointer (&msg, elem_free);

  /* bob asks alice; alice (raw) answers by hand */
  gxmpp_test_peer_send_test_iq (peer, alice, "ping?", "t1", &error);
  g_assert_no_error (error);
  result = raw_next_named (raw, "iq");
  g_assert_cmpstr (elem_attr (result, "type"), ==, "get");
  raw_sendf (raw, "<iq type='result' id='%s' to='%s'><query xmlns='" NS_TEST "'>pong</query></iq>",
             elem_attr (result, "id"), bob);
  event = gxmpp_test_peer_wait_event (peer, "iq-result", EVENT_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_test_json_get_string (event, "tag"), ==, "t1");
  g_assert_cmpstr (gxmpp_test_json_get_string (event, "text"), ==, "pong");

  gxmpp_test_peer_quit (peer, &error);
  g_assert_no_error (error);
}

static gboolean
raw_login_works (GXmppTestServer *server,
                 const char      *user)
{
  g_autoptr(Raw) raw = NULL;
  g_autofree char *jid = NULL;

  raw = raw_login (server, user, gxmpp_test_server_get_password (server, user), NULL, &jid);
  return g_str_has_prefix (jid, gxmpp_test_server_get_jid (server, user));
}

static void
test_register (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;
  g_assert_true (gxmpp_test_server_register (server, "erin", "erin's p\xc3\xa4ss word", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_test_server_get_jid (server, "erin"), ==, "erin@localhost");
  g_assert_true (raw_login_works (server, "erin"));

  /* Twice is an error on ejabberd; Prosody just sets the password. */
  if (g_str_equal (data, "ejabberd"))
    {
      g_assert_false (gxmpp_test_server_register (server, "erin", "x", &error));
      g_assert_error (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_FAILED);
    }
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs last on the shared server: same port, same accounts after. */
static void
test_restart (gconstpointer data)
{
  GXmppTestServer *server = shared_server (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(Raw) before = NULL;
  g_autofree char *jid = NULL;
  guint16 port;
  gint64 t0;
  gboolean ticked = FALSE;
  char buf[64];
  gssize n;

  if (server == NULL)
    return;
  port = gxmpp_test_server_get_port (server);
  before = raw_login (server, "alice", gxmpp_test_server_get_password (server, "alice"), NULL, &jid);

  /* The main context keeps running while we wait for the script. */
  g_timeout_add (20, set_flag, &ticked);
  t0 = g_get_monotonic_time ();
  g_assert_true (gxmpp_test_server_restart (server, &error));
  g_assert_no_error (error);
  g_assert_true (ticked);
  g_test_message ("%s restarted in %.2f s", (const char *) data,
                  (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);

  /* The old session was closed: the stream ends or the connection drops. */
  n = g_input_stream_read (g_io_stream_get_input_stream (before->stream), buf, sizeof buf, NULL,
                           &error);
  g_test_message ("old session after the restart: read %" G_GSSIZE_FORMAT " %s", n,
                  error ? error->message : "");
  g_clear_error (&error);

  g_assert_cmpuint (gxmpp_test_server_get_port (server), ==, port);
  g_assert_true (raw_login_works (server, "alice"));
  if (gxmpp_test_server_get_jid (server, "erin") != NULL)
    g_assert_true (raw_login_works (server, "erin"));  /* data kept */
}

/* Options: TLS 1.2 only, an anonymous host, TLS not required, stream
 * management. One server for all of them. */
static void
test_options (gconstpointer data)
{
  const char *options[] = {
    "--tls12-only", "--anonymous", "--no-require-tls", "--smacks", "--resume-timeout", "2",
    "--hashed-passwords", NULL,
  };
  g_autoptr(GXmppTestServer) server = gxmpp_test_server_start_or_skip (data, options);
  g_autoptr(Raw) raw = NULL;
  g_autoptr(Elem) features = NULL;
  g_autoptr(Elem) features2 = NULL;
  g_autoptr(Elem) features3 = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *jid = NULL;
  g_autoptr(GError) error = NULL;
  Elem *starttls;

  if (server == NULL)
    return;
  g_assert_cmpstr (gxmpp_test_server_get_tls_version (server), ==, "1.2");
  g_assert_true (gxmpp_test_server_offers_mechanism (server, "SCRAM-SHA-1-PLUS"));
  g_assert_cmpstr (gxmpp_test_server_get_anonymous_domain (server), ==, "anon.localhost");

  /* Anonymous login on the anonymous host, over TLS 1.2 */
  raw = raw_connect (server, FALSE);
  features = raw_open (raw, "anon.localhost");
  starttls = elem_child (features, "starttls", NS_TLS);
  g_assert_nonnull (starttls);
  g_assert_null (elem_child (starttls, "required", NULL));
  raw_send (raw, "<starttls xmlns='" NS_TLS "'/>");
  g_clear_pointer (&features2, elem_free);
  features2 = raw_next (raw);
  g_assert_cmpstr (features2->name, ==, "proceed");
  raw_tls (raw, server, "anon.localhost", gxmpp_test_server_get_tls_database (server), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (raw_tls_version (raw), ==, "1.2");
  g_clear_pointer (&features2, elem_free);
  features2 = raw_open (raw, "anon.localhost");
  answer = raw_auth (raw, "ANONYMOUS", NULL, NULL, NULL);
  g_assert_cmpstr (answer, ==, "success");
  features3 = raw_open (raw, "anon.localhost");
  g_assert_nonnull (elem_child (features3, "sm", "urn:xmpp:sm:3"));
  jid = raw_bind (raw, features3, NULL);
  g_assert_nonnull (strstr (jid, "@anon.localhost/"));
  g_test_message ("anonymous JID %s", jid);

  /* TLS is optional here: the stream features before TLS offer SCRAM */
  {
    g_autoptr(Raw) plain = raw_connect (server, FALSE);
    g_autoptr(Elem) f = raw_open (plain, "localhost");
    g_auto(GStrv) mechs = elem_mechanisms (f);
    g_autofree char *list = g_strjoinv (" ", mechs);

    g_test_message ("%s before TLS, when TLS is not required: %s", (const char *) data, list);
    g_assert_true (g_strv_contains ((const char * const *) mechs, "SCRAM-SHA-1"));
    /* Prosody keeps PLAIN for encrypted streams; ejabberd 23.01 offers it
     * in the clear. A client must not take it there. */
    if (g_str_equal (data, "prosody"))
      g_assert_false (g_strv_contains ((const char * const *) mechs, "PLAIN"));
  }

  /* Hashed passwords still take PLAIN (over TLS), dave's too */
  g_assert_true (raw_login_works (server, "alice"));
  g_assert_true (raw_login_works (server, "dave"));
}

/* --- Cleanup after a crash ---------------------------------------------- */

/* This program, to run it again as the child (argv[0]: /proc/self/exe would
 * be valgrind under valgrind). */
static const char *self_exe;

/* In the child: start a server, say where it is, then wait to be killed. */
static int
sigkill_child (void)
{
  g_autoptr(GError) error = NULL;
  GXmppTestServer *server = gxmpp_test_server_start ("prosody", NULL, &error);

  if (server == NULL)
    {
      g_print ("error %d %s\n", error->code, error->message);
      return 1;
    }
  g_print ("ready %u %s %s\n", gxmpp_test_server_get_port (server),
           gxmpp_test_server_get_script_pid (server), gxmpp_test_server_get_tmpdir (server));
  for (;;)
    pause ();
}

static gboolean
port_open (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

static void
test_sigkill (gconstpointer data)
{
  gboolean kill_script = GPOINTER_TO_INT (data);
  const char *argv[] = { self_exe, "--sigkill-child", NULL };
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_auto(GStrv) words = NULL;
  guint16 port;
  GPid script;
  gint64 t0, deadline;

  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  words = g_strsplit (line, " ", 4);
  if (g_str_equal (words[0], "error"))
    {
      if (atoi (words[1]) == GXMPP_TEST_SERVER_ERROR_UNAVAILABLE)
        g_test_skip (line);
      else
        g_test_fail_printf ("%s", line);
      g_subprocess_force_exit (child);
      return;
    }
  g_assert_cmpstr (words[0], ==, "ready");
  port = (guint16) atoi (words[1]);
  script = atoi (words[2]);
  g_assert_true (port_open (port));
  g_assert_true (g_file_test (words[3], G_FILE_TEST_IS_DIR));

  t0 = g_get_monotonic_time ();
  if (kill_script)
    {
      /* As a process group kill (meson's timeout) would: the script goes
       * too, and only its watchdog is left to clean up. */
      g_assert_cmpint (kill (script, SIGKILL), ==, 0);
    }
  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  deadline = t0 + 10 * G_USEC_PER_SEC;
  while (port_open (port) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_false (port_open (port));
  g_test_message ("port %u closed %.2f s after the SIGKILL", port,
                  (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  while (g_file_test (words[3], G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_false (g_file_test (words[3], G_FILE_TEST_EXISTS));
}

/* --- The JSON reader the fixtures use --------------------------------- */

static void
test_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  const char *bad[] = { "", "{", "{\"a\" 1}", "[1,]", "\"\\ud800\"", "\"\\u0000\"", "tru",
                        "{} x", "\"\x01\"", "\"\xff\"", NULL };

  v = gxmpp_test_json_parse ("{\"s\": \"p\\u00e4ss\\/\\\"\", \"n\": -42, \"f\": 1.5e3, "
                             "\"t\": true, \"z\": null, \"l\": [1, \"x\", {}], "
                             "\"e\": \"\\ud83d\\ude00\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_test_json_get_string (v, "s"), ==, "p\xc3\xa4ss/\"");
  g_assert_cmpint (gxmpp_test_json_get_int (v, "n", 0), ==, -42);
  g_assert_true (gxmpp_test_json_get_bool (v, "t", FALSE));
  g_assert_null (gxmpp_test_json_get_string (v, "z"));
  g_assert_cmpstr (gxmpp_test_json_get_string (v, "e"), ==, "\xf0\x9f\x98\x80");
  list = gxmpp_test_json_get (v, "l");
  g_assert_cmpuint (g_variant_n_children (list), ==, 3);

  for (gsize i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GVariant) b = gxmpp_test_json_parse (bad[i], -1, &error);

      g_assert_null (b);
      g_assert_error (error, G_VARIANT_PARSE_ERROR, G_VARIANT_PARSE_ERROR_FAILED);
      g_clear_error (&error);
    }

  gxmpp_test_json_append_string (s, "a\"b\\c\nd\x01\xc3\xa4");
  g_assert_cmpstr (s->str, ==, "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa4\"");
}

int
main (int   argc,
      char *argv[])
{
  const char *kinds[] = { "prosody", "ejabberd" };
  int status;

  if (argc == 2 && g_str_equal (argv[1], "--sigkill-child"))
    return sigkill_child ();
  self_exe = argv[0];

  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *k = kinds[i];
      g_autofree char *prefix = g_strdup_printf ("/servers/%s/", k);

#define ADD(name, func) \
  G_STMT_START { \
    g_autofree char *path = g_strconcat (prefix, name, NULL); \
    g_test_add_data_func (path, k, func); \
  } G_STMT_END
      ADD ("starttls", test_starttls);
      ADD ("certificate", test_certificate);
      ADD ("direct-tls", test_direct_tls);
      ADD ("plain-bind", test_plain_bind);
      ADD ("wrong-password", test_wrong_password);
      ADD ("non-ascii-password", test_non_ascii_password);
      ADD ("slixmpp", test_slixmpp);
      ADD ("register", test_register);
      ADD ("restart", test_restart);
      ADD ("options", test_options);
#undef ADD
    }
  g_test_add_data_func ("/servers/support/sigkill-test", GINT_TO_POINTER (FALSE), test_sigkill);
  g_test_add_data_func ("/servers/support/sigkill-test-and-script", GINT_TO_POINTER (TRUE),
                        test_sigkill);
  g_test_add_func ("/servers/support/json", test_json);

  status = g_test_run ();

  for (gsize i = 0; i < G_N_ELEMENTS (shared); i++)
    g_clear_pointer (&shared[i], gxmpp_test_server_free);
  return status;
}
