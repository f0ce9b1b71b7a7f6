/* test-sasl.c: SASL contexts, mechanism selection, custom mechanisms, and
 * every built-in mechanism against GNU SASL's server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/socket.h>

#include <gnutls/x509.h>

#include "sasl-test-support.h"

#define PASSWORD_NFC "p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac"               /* pässwörd€ */
#define PASSWORD_NFD "pa\xcc\x88sswo\xcc\x88rd\xe2\x82\xac"             /* a + U+0308 ... */

static GXmppSaslMechanism *
make_mechanism (const char *name)
{
  g_autoptr(GError) error = NULL;
  GXmppSaslMechanism *mechanism = gxmpp_sasl_mechanism_new (name, &error);

  g_assert_no_error (error);
  return mechanism;
}

/* No string property of @object holds @secret. */
static void
assert_properties_hide (GObject    *object,
                        const char *secret)
{
  guint n, i;
  g_autofree GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n);

  g_assert_null (g_object_class_find_property (G_OBJECT_GET_CLASS (object), "password"));
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autofree char *contents = NULL;

      if (!(specs[i]->flags & G_PARAM_READABLE))
        continue;
      g_value_init (&value, specs[i]->value_type);
      g_object_get_property (object, specs[i]->name, &value);
      contents = g_strdup_value_contents (&value);
      g_assert_null (strstr (contents, secret));
    }
}

/* Built-in mechanisms */

static void
test_builtin_list (void)
{
  const char * const expected[] = {
    "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1",
    "DIGEST-MD5", "PLAIN", "ANONYMOUS", "EXTERNAL", NULL
  };
  const char * const *names = gxmpp_sasl_mechanism_list_builtin ();
  g_autoptr(GError) error = NULL;
  gsize i;

  g_assert_cmpstrv (names, expected);
  for (i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autofree char *lower = g_ascii_strdown (names[i], -1);
      g_autoptr(GXmppSaslMechanism) again = make_mechanism (lower);
      g_autofree char *property = NULL;

      g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (mechanism), ==, names[i]);
      g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (again), ==, names[i]);
      g_object_get (mechanism, "name", &property, NULL);
      g_assert_cmpstr (property, ==, names[i]);
      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (mechanism, GXMPP_TYPE_SASL_MECHANISM));
    }

  g_assert_null (gxmpp_sasl_mechanism_new ("CRAM-MD5", &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_MECHANISM);
  g_assert_nonnull (strstr (error->message, "CRAM-MD5"));
  g_clear_error (&error);
  g_assert_null (gxmpp_sasl_mechanism_new ("SCRAM-SHA-256-PLUSX", &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_MECHANISM);
  g_clear_error (&error);
  g_assert_null (gxmpp_sasl_mechanism_new ("\xff\xfe", &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_MECHANISM);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Initial responses: NULL for none, empty for an empty one. */
static void
test_initial_responses (void)
{
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", TRUE);
  g_autoptr(GError) error = NULL;
  struct {
    const char *name;
    const char *authzid;
    const char *expected;       /* NULL: no initial response */
    gsize len;
  } cases[] = {
    { "PLAIN", NULL, "\0user\0pencil", 12 },
    { "PLAIN", "admin@example.com", "admin@example.com\0user\0pencil", 29 },
    { "ANONYMOUS", NULL, "anonymous", 9 },
    { "EXTERNAL", NULL, "", 0 },
    { "EXTERNAL", "juliet@example.com", "juliet@example.com", 18 },
    { "DIGEST-MD5", NULL, NULL, 0 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (cases[i].name);
      g_autoptr(GBytes) initial = NULL;

      gxmpp_sasl_context_set_authzid (context, cases[i].authzid);
      g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
      g_assert_no_error (error);
      if (cases[i].expected == NULL)
        g_assert_null (initial);
      else
        {
          g_assert_nonnull (initial);
          g_assert_cmpmem (g_bytes_get_data (initial, NULL), g_bytes_get_size (initial),
                           cases[i].expected, cases[i].len);
        }

      /* Without a place to put it, the response is simply dropped. */
      g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, NULL, &error));
      g_assert_no_error (error);
    }
}

/* PLAIN and EXTERNAL want TLS, even when started without selection. */
static void
test_insecure_refused (void)
{
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  const char *names[] = { "PLAIN", "EXTERNAL" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) initial = NULL;

      g_assert_false (gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED);
      g_assert_nonnull (strstr (error->message, "unencrypted"));
      g_clear_error (&error);
      g_assert_false (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED);
      g_assert_null (initial);
    }
}

/* Password mechanisms need credentials. */
static void
test_needs_credentials (void)
{
  g_autoptr(GXmppSaslContext) context = gxmpp_sasl_context_new ("example.com");
  const char *names[] = { "SCRAM-SHA-1", "SCRAM-SHA-256", "DIGEST-MD5", "PLAIN" };
  gsize i;

  gxmpp_sasl_context_set_secure (context, TRUE);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
    }
}

/* A step or completion without an exchange. */
static void
test_no_exchange (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GError) error = NULL;
  g_autofree char *response = step_text (mechanism, "r=x,s=QSXCR+Q6sek8bf92,i=4096", &error);

  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_clear_error (&error);
  g_assert_false (complete_text (mechanism, NULL, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
}

/* Challenges to mechanisms that expect none. */
static void
test_unexpected_challenge (void)
{
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", TRUE);
  const char *names[] = { "PLAIN", "ANONYMOUS", "EXTERNAL" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GError) error = NULL;
      g_autofree char *initial = start_text (mechanism, context, &error);
      g_autofree char *response = step_text (mechanism, "what?", &error);

      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
      g_clear_error (&error);
      /* and the exchange is over */
      g_assert_false (complete_text (mechanism, NULL, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
    }
}

/* Contexts */

static guint notified;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  notified++;
}

static void
test_context (void)
{
  g_autoptr(GXmppSaslContext) context = gxmpp_sasl_context_new ("example.com");
  const char *offered[] = { "SCRAM-SHA-1", "PLAIN", NULL };
  const char *type = "x";
  g_autoptr(GBytes) data = g_bytes_new_static ("abc", 3);
  g_auto(GStrv) from_property = NULL;
  g_autofree char *service = NULL;

  g_assert_cmpstr (gxmpp_sasl_context_get_hostname (context), ==, "example.com");
  g_assert_cmpstr (gxmpp_sasl_context_get_service (context), ==, "xmpp");
  g_object_get (context, "service", &service, NULL);
  g_assert_cmpstr (service, ==, "xmpp");
  g_assert_null (gxmpp_sasl_context_get_username (context));
  g_assert_null (gxmpp_sasl_context_get_password (context));
  g_assert_null (gxmpp_sasl_context_get_authzid (context));
  g_assert_false (gxmpp_sasl_context_is_secure (context));
  g_assert_null (gxmpp_sasl_context_get_channel_binding (context, &type));
  g_assert_null (type);
  g_assert_nonnull (gxmpp_sasl_context_get_server_mechanisms (context));
  g_assert_null (gxmpp_sasl_context_get_server_mechanisms (context)[0]);
  g_assert_false (gxmpp_sasl_context_server_offers (context, "PLAIN"));

  g_signal_connect (context, "notify", G_CALLBACK (count_notify), NULL);
  notified = 0;
  gxmpp_sasl_context_set_credentials (context, "juliet", "s3cr3t-passw0rd");
  g_assert_cmpstr (gxmpp_sasl_context_get_username (context), ==, "juliet");
  g_assert_cmpstr (gxmpp_sasl_context_get_password (context), ==, "s3cr3t-passw0rd");
  g_assert_cmpuint (notified, ==, 1);
  gxmpp_sasl_context_set_secure (context, TRUE);
  gxmpp_sasl_context_set_secure (context, TRUE);
  g_assert_true (gxmpp_sasl_context_is_secure (context));
  g_assert_cmpuint (notified, ==, 2);
  gxmpp_sasl_context_set_authzid (context, "romeo@example.com");
  g_assert_cmpstr (gxmpp_sasl_context_get_authzid (context), ==, "romeo@example.com");
  gxmpp_sasl_context_set_authzid (context, "");
  g_assert_null (gxmpp_sasl_context_get_authzid (context));

  gxmpp_sasl_context_set_server_mechanisms (context, offered);
  g_assert_cmpstrv (gxmpp_sasl_context_get_server_mechanisms (context), offered);
  g_assert_true (gxmpp_sasl_context_server_offers (context, "PLAIN"));
  g_assert_false (gxmpp_sasl_context_server_offers (context, "plain"));
  g_assert_false (gxmpp_sasl_context_server_offers (context, "SCRAM-SHA-256"));
  g_object_get (context, "server-mechanisms", &from_property, NULL);
  g_assert_cmpstrv (from_property, offered);
  gxmpp_sasl_context_set_server_mechanisms (context, NULL);
  g_assert_null (gxmpp_sasl_context_get_server_mechanisms (context)[0]);

  gxmpp_sasl_context_set_channel_binding (context, "tls-exporter", data);
  g_assert_true (gxmpp_sasl_context_get_channel_binding (context, &type) == data);
  g_assert_cmpstr (type, ==, "tls-exporter");
  g_assert_true (gxmpp_sasl_context_get_channel_binding (context, NULL) == data);
  gxmpp_sasl_context_set_channel_binding (context, NULL, NULL);
  g_assert_null (gxmpp_sasl_context_get_channel_binding (context, &type));
  g_assert_null (type);

  assert_properties_hide (G_OBJECT (context), "s3cr3t-passw0rd");

  gxmpp_sasl_context_set_credentials (context, NULL, NULL);
  g_assert_null (gxmpp_sasl_context_get_password (context));
}

/* TLS channel binding from a real connection pair */

static GTlsCertificate *
make_certificate (void)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  unsigned char serial[8] = { 1 };
  char buf[8192];
  size_t len;
  g_autoptr(GString) pem = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  gnutls_x509_crt_set_version (crt, 3);
  gnutls_x509_crt_set_serial (crt, serial, sizeof serial);
  gnutls_x509_crt_set_activation_time (crt, time (NULL) - 3600);
  gnutls_x509_crt_set_expiration_time (crt, time (NULL) + 3600);
  gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, "example.com", 11);
  gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "example.com", 11, GNUTLS_FSAN_SET);
  gnutls_x509_crt_set_key (crt, key);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);

  len = sizeof buf;
  g_assert_cmpint (gnutls_x509_crt_export (crt, GNUTLS_X509_FMT_PEM, buf, &len), ==, 0);
  g_string_append_len (pem, buf, len);
  len = sizeof buf;
  g_assert_cmpint (gnutls_x509_privkey_export_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                                     buf, &len), ==, 0);
  g_string_append_len (pem, buf, len);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);

  certificate = g_tls_certificate_new_from_pem (pem->str, pem->len, &error);
  g_assert_no_error (error);
  return certificate;
}

static gboolean
accept_test_certificate (GTlsConnection       *connection,
                         GTlsCertificate      *peer,
                         GTlsCertificateFlags  errors,
                         gpointer              user_data)
{
  /* A self-signed certificate made by this test; a real client never
   * accepts one like this. */
  return TRUE;
}

typedef struct {
  GIOStream *client;
  GIOStream *server;
  guint pending;
} TlsPair;

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TlsPair *pair = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error));
  g_assert_no_error (error);
  pair->pending--;
}

static gboolean
make_tls_pair (TlsPair *pair)
{
  int fds[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) s0 = NULL, s1 = NULL;
  g_autoptr(GIOStream) c0 = NULL, c1 = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return FALSE;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  s0 = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  s1 = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  c0 = G_IO_STREAM (g_socket_connection_factory_create_connection (s0));
  c1 = G_IO_STREAM (g_socket_connection_factory_create_connection (s1));

  certificate = make_certificate ();
  pair->server = g_tls_server_connection_new (c0, certificate, &error);
  g_assert_no_error (error);
  pair->client = g_tls_client_connection_new (c1, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (pair->client, "accept-certificate", G_CALLBACK (accept_test_certificate), NULL);

  pair->pending = 2;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (pair->server), G_PRIORITY_DEFAULT, NULL,
                                    handshake_done, pair);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (pair->client), G_PRIORITY_DEFAULT, NULL,
                                    handshake_done, pair);
  while (pair->pending > 0)
    g_main_context_iteration (NULL, TRUE);
  return TRUE;
}

static void
check_tls_channel_binding (GTlsProtocolVersion expected_version)
{
  TlsPair pair = { NULL, NULL, 0 };
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
  g_autoptr(GXmppSaslMechanism) mechanism = NULL;
  g_autoptr(GByteArray) server_data = g_byte_array_new ();
  g_autoptr(GBytes) server_bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *offered[] = { "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", NULL };
  ServerConfig config = { "pencil", NULL, NULL, NULL, 0, FALSE };
  ExchangeResult result;
  const char *type = NULL;
  GBytes *data;
  gboolean tls13 = expected_version == G_TLS_PROTOCOL_VERSION_TLS_1_3;

  if (!make_tls_pair (&pair))
    {
      g_test_skip ("no TLS backend");
      return;
    }
  g_assert_cmpint (g_tls_connection_get_protocol_version (G_TLS_CONNECTION (pair.client)), ==,
                   expected_version);

  g_assert_true (gxmpp_sasl_context_set_channel_binding_from_tls (context, G_TLS_CONNECTION (pair.client),
                                                                  &error));
  g_assert_no_error (error);
  data = gxmpp_sasl_context_get_channel_binding (context, &type);
  g_assert_nonnull (data);
  g_assert_cmpstr (type, ==, tls13 ? "tls-exporter" : "tls-unique");

  /* The server's end of the channel has the same data. */
  g_assert_true (g_tls_connection_get_channel_binding_data (G_TLS_CONNECTION (pair.server),
                                                            tls13 ? G_TLS_CHANNEL_BINDING_TLS_EXPORTER
                                                                  : G_TLS_CHANNEL_BINDING_TLS_UNIQUE,
                                                            server_data, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), server_data->data, server_data->len);

  /* tls-unique is never used on TLS 1.3 */
  if (tls13)
    {
      g_autoptr(GByteArray) unique = g_byte_array_new ();
      g_autoptr(GError) unique_error = NULL;

      g_assert_false (g_tls_connection_get_channel_binding_data (G_TLS_CONNECTION (pair.client),
                                                                 G_TLS_CHANNEL_BINDING_TLS_UNIQUE,
                                                                 unique, &unique_error));
    }

  /* A whole -PLUS exchange bound to this channel. */
  gxmpp_sasl_context_set_secure (context, TRUE);
  gxmpp_sasl_context_set_server_mechanisms (context, offered);
  mechanism = gxmpp_auth_select_mechanism (auth, context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (mechanism), ==, "SCRAM-SHA-256-PLUS");
  server_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&server_data));
  if (tls13)
    config.cb_exporter = server_bytes;
  else
    config.cb_unique = server_bytes;
  g_assert_true (run_exchange (mechanism, context, &config, &result));
  g_assert_true (g_str_has_prefix (result.initial_response, tls13 ? "p=tls-exporter,," : "p=tls-unique,,"));
  exchange_result_clear (&result);

  g_object_unref (pair.client);
  g_object_unref (pair.server);
}

static void
test_tls_channel_binding_tls13 (void)
{
  check_tls_channel_binding (G_TLS_PROTOCOL_VERSION_TLS_1_3);
}

/* glib-networking reads its GnuTLS priority string once, so TLS 1.2 runs
 * in a child process of its own. */
static void
test_tls_channel_binding_tls12 (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("G_TLS_GNUTLS_PRIORITY", "NORMAL:-VERS-TLS1.3", TRUE);
      check_tls_channel_binding (G_TLS_PROTOCOL_VERSION_TLS_1_2);
      if (!g_test_failed ())
        g_print ("checked tls-unique on TLS 1.2\n");
      return;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*checked tls-unique on TLS 1.2*");
}

/* Before the handshake there is no protocol version and no data; a binding
 * set earlier is removed. */
static void
test_tls_channel_binding_unavailable (void)
{
  g_autoptr(GXmppSaslContext) context = gxmpp_sasl_context_new ("example.com");
  int fds[2];
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GIOStream) base = NULL, tls = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend");
      return;
    }
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  socket = g_socket_new_from_fd (fds[0], &error);
  close (fds[1]);
  base = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  tls = g_tls_client_connection_new (base, NULL, &error);
  g_assert_no_error (error);

  set_binding (context, "tls-exporter", "stale");
  g_assert_false (gxmpp_sasl_context_set_channel_binding_from_tls (context, G_TLS_CONNECTION (tls), &error));
  g_assert_nonnull (error);
  g_assert_null (gxmpp_sasl_context_get_channel_binding (context, NULL));
}

/* Selection */

static GXmppSaslMechanism *
select_with (GXmppAuth          *auth,
             const char * const *offered,
             gboolean            secure,
             gboolean            binding,
             GError            **error)
{
  g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");

  gxmpp_sasl_context_set_server_mechanisms (context, offered);
  gxmpp_sasl_context_set_secure (context, secure);
  if (binding)
    set_binding (context, "tls-exporter", "0123456789abcdef0123456789abcdef");
  return gxmpp_auth_select_mechanism (auth, context, error);
}

static void
assert_selects (GXmppAuth          *auth,
                const char * const *offered,
                gboolean            secure,
                gboolean            binding,
                const char         *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSaslMechanism) mechanism = select_with (auth, offered, secure, binding, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mechanism);
  g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (mechanism), ==, expected);
}

static char *
assert_refuses (GXmppAuth          *auth,
                const char * const *offered,
                gboolean            secure,
                gboolean            binding)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSaslMechanism) mechanism = select_with (auth, offered, secure, binding, &error);

  g_assert_null (mechanism);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
  g_test_message ("%s", error->message);
  return g_strdup (error->message);
}

static void
test_auth_password (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("Juliet", "s3cr3t-passw0rd");
  const char * const expected[] = {
    "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", NULL
  };
  GPtrArray *mechanisms = gxmpp_auth_get_mechanisms (auth);
  g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
  guint i;

  g_assert_cmpuint (mechanisms->len, ==, g_strv_length ((char **) expected));
  for (i = 0; i < mechanisms->len; i++)
    g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (g_ptr_array_index (mechanisms, i)), ==, expected[i]);

  g_assert_cmpstr (gxmpp_auth_get_username (auth), ==, "Juliet");
  g_assert_null (gxmpp_auth_get_authzid (auth));
  g_assert_null (gxmpp_auth_get_resource (auth));
  gxmpp_auth_set_resource (auth, "balcony");
  g_assert_cmpstr (gxmpp_auth_get_resource (auth), ==, "balcony");
  gxmpp_auth_set_authzid (auth, "romeo@example.com");
  g_assert_cmpstr (gxmpp_auth_get_authzid (auth), ==, "romeo@example.com");
  assert_properties_hide (G_OBJECT (auth), "s3cr3t-passw0rd");

  g_assert_cmpstr (gxmpp_sasl_context_get_hostname (context), ==, "example.com");
  g_assert_cmpstr (gxmpp_sasl_context_get_username (context), ==, "Juliet");
  g_assert_cmpstr (gxmpp_sasl_context_get_password (context), ==, "s3cr3t-passw0rd");
  g_assert_null (gxmpp_sasl_context_get_authzid (context));   /* made before the authzid was set */
  g_clear_object (&context);
  context = gxmpp_auth_create_context (auth, "example.com");
  g_assert_cmpstr (gxmpp_sasl_context_get_authzid (context), ==, "romeo@example.com");
}

static void
test_select_order (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  const char *all[] = { "PLAIN", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
                        "SCRAM-SHA-256-PLUS", "ANONYMOUS", "EXTERNAL", NULL };
  const char *sha1_all[] = { "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", NULL };
  const char *sha1[] = { "SCRAM-SHA-1", "PLAIN", NULL };
  const char *plain[] = { "PLAIN", NULL };

  assert_selects (auth, all, TRUE, TRUE, "SCRAM-SHA-256-PLUS");
  assert_selects (auth, all, TRUE, FALSE, "SCRAM-SHA-256");
  assert_selects (auth, all, FALSE, FALSE, "SCRAM-SHA-256");
  assert_selects (auth, sha1_all, TRUE, TRUE, "SCRAM-SHA-1-PLUS");
  assert_selects (auth, sha1_all, TRUE, FALSE, "SCRAM-SHA-1");
  assert_selects (auth, sha1, FALSE, FALSE, "SCRAM-SHA-1");
  assert_selects (auth, sha1, TRUE, TRUE, "SCRAM-SHA-1");
  assert_selects (auth, plain, TRUE, FALSE, "PLAIN");
}

static void
test_select_refused (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  const char *plain[] = { "PLAIN", NULL };
  const char *plain_digest[] = { "PLAIN", "DIGEST-MD5", NULL };
  const char *digest[] = { "DIGEST-MD5", NULL };
  const char *plus[] = { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", NULL };
  const char *none[] = { NULL };
  const char *odd[] = { "X-\x01\xff<b>", NULL };
  g_autofree char *message = NULL;

  /* the stripped-offer attack on an unencrypted stream */
  message = assert_refuses (auth, plain, FALSE, FALSE);
  g_assert_nonnull (strstr (message, "offers only PLAIN"));
  g_assert_nonnull (strstr (message, "unencrypted"));
  g_clear_pointer (&message, g_free);

  message = assert_refuses (auth, plain_digest, FALSE, FALSE);
  g_assert_nonnull (strstr (message, "PLAIN, DIGEST-MD5"));
  g_assert_nonnull (strstr (message, "unencrypted"));
  g_clear_pointer (&message, g_free);

  /* DIGEST-MD5 only by name */
  message = assert_refuses (auth, digest, TRUE, FALSE);
  g_assert_nonnull (strstr (message, "offers only DIGEST-MD5"));
  g_assert_nonnull (strstr (message, "not enabled"));
  g_clear_pointer (&message, g_free);

  message = assert_refuses (auth, plus, TRUE, FALSE);
  g_assert_nonnull (strstr (message, "channel binding"));
  g_clear_pointer (&message, g_free);

  message = assert_refuses (auth, none, TRUE, TRUE);
  g_assert_nonnull (strstr (message, "no authentication mechanism"));
  g_clear_pointer (&message, g_free);

  message = assert_refuses (auth, odd, TRUE, TRUE);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_null (strstr (message, "\x01"));
}

static void
test_select_names (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  const char *digest_first[] = { "digest-md5", "SCRAM-SHA-1", "DIGEST-MD5", NULL };
  const char *unknown[] = { "SCRAM-SHA-1", "CRAM-MD5", NULL };
  const char *offered[] = { "SCRAM-SHA-1", "DIGEST-MD5", NULL };
  const char *empty[] = { NULL };
  g_autoptr(GError) error = NULL;
  GPtrArray *mechanisms;
  g_autofree char *message = NULL;

  g_assert_true (gxmpp_auth_set_mechanism_names (auth, digest_first, &error));
  g_assert_no_error (error);
  mechanisms = gxmpp_auth_get_mechanisms (auth);
  g_assert_cmpuint (mechanisms->len, ==, 2);     /* the repeated name counts once */
  g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (g_ptr_array_index (mechanisms, 0)), ==, "DIGEST-MD5");
  assert_selects (auth, offered, FALSE, FALSE, "DIGEST-MD5");

  /* an unknown name leaves the list as it was */
  g_assert_false (gxmpp_auth_set_mechanism_names (auth, unknown, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_MECHANISM);
  g_clear_error (&error);
  g_assert_cmpuint (gxmpp_auth_get_mechanisms (auth)->len, ==, 2);
  assert_selects (auth, offered, FALSE, FALSE, "DIGEST-MD5");

  /* the policy still holds for named mechanisms */
  {
    const char *plain_only[] = { "PLAIN", NULL };

    g_assert_true (gxmpp_auth_set_mechanism_names (auth, plain_only, &error));
    message = assert_refuses (auth, plain_only, FALSE, FALSE);
    g_clear_pointer (&message, g_free);
  }

  g_assert_true (gxmpp_auth_set_mechanism_names (auth, empty, &error));
  g_assert_cmpuint (gxmpp_auth_get_mechanisms (auth)->len, ==, 0);
  message = assert_refuses (auth, offered, TRUE, TRUE);
  g_assert_nonnull (strstr (message, "enabled"));
}

/* Built-in mechanisms are handed out as new instances. */
static void
test_select_instances (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  const char *offered[] = { "SCRAM-SHA-1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSaslMechanism) a = select_with (auth, offered, FALSE, FALSE, &error);
  g_autoptr(GXmppSaslMechanism) b = select_with (auth, offered, FALSE, FALSE, &error);
  GPtrArray *mechanisms = gxmpp_auth_get_mechanisms (auth);

  g_assert_true (a != b);
  g_assert_false (g_ptr_array_find (mechanisms, a, NULL));
  g_assert_false (g_ptr_array_find (mechanisms, b, NULL));
}

static void
test_auth_anonymous (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_anonymous ();
  const char *offered[] = { "ANONYMOUS", "SCRAM-SHA-1", "PLAIN", NULL };
  const char *scram[] = { "SCRAM-SHA-1", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert_null (gxmpp_auth_get_username (auth));
  g_assert_cmpuint (gxmpp_auth_get_mechanisms (auth)->len, ==, 1);
  assert_selects (auth, offered, FALSE, FALSE, "ANONYMOUS");

  /* no password: SCRAM cannot be used even when named */
  g_assert_true (gxmpp_auth_set_mechanism_names (auth, scram, &error));
  message = assert_refuses (auth, scram, TRUE, FALSE);
  g_assert_nonnull (strstr (message, "password"));
}

static void
test_auth_external (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_external ("juliet@example.com");
  const char *offered[] = { "EXTERNAL", "PLAIN", NULL };
  g_autofree char *message = NULL;

  g_assert_cmpstr (gxmpp_auth_get_authzid (auth), ==, "juliet@example.com");
  assert_selects (auth, offered, TRUE, FALSE, "EXTERNAL");
  message = assert_refuses (auth, offered, FALSE, FALSE);
  g_assert_nonnull (strstr (message, "EXTERNAL"));

  {
    g_autoptr(GXmppAuth) plain = gxmpp_auth_new_external (NULL);

    g_assert_null (gxmpp_auth_get_authzid (plain));
  }
}

/* A custom mechanism */

#define TEST_TYPE_ECHO (test_echo_get_type ())
G_DECLARE_FINAL_TYPE (TestEcho, test_echo, TEST, ECHO, GXmppSaslMechanism)

/* X-TEST-ECHO: sends the user name, answers each challenge with it
 * reversed, and wants "done" in <success/>. Only on secure streams. */
struct _TestEcho
{
  GXmppSaslMechanism parent_instance;
  char *username;
  guint steps;
};

G_DEFINE_FINAL_TYPE (TestEcho, test_echo, GXMPP_TYPE_SASL_MECHANISM)

static gboolean
test_echo_is_acceptable (GXmppSaslMechanism  *mechanism,
                         GXmppSaslContext    *context,
                         GError             **error)
{
  if (!gxmpp_sasl_context_is_secure (context))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED,
                           "X-TEST-ECHO is not used on an unencrypted connection");
      return FALSE;
    }
  return TRUE;
}

static gboolean
test_echo_start (GXmppSaslMechanism  *mechanism,
                 GXmppSaslContext    *context,
                 GBytes             **initial_response,
                 GError             **error)
{
  TestEcho *self = TEST_ECHO (mechanism);

  g_free (self->username);
  self->username = g_strdup (gxmpp_sasl_context_get_username (context));
  self->steps = 0;
  *initial_response = g_bytes_new (self->username, strlen (self->username));
  return TRUE;
}

static void
test_echo_step_async (GXmppSaslMechanism  *mechanism,
                      GBytes              *challenge,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  TestEcho *self = TEST_ECHO (mechanism);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *text = bytes_to_text (challenge);
  char *reversed = g_utf8_strreverse (text, -1);

  self->steps++;
  /* the default step_finish() takes this */
  g_task_return_pointer (task, g_bytes_new_take (reversed, strlen (reversed)), (GDestroyNotify) g_bytes_unref);
}

static gboolean
test_echo_complete (GXmppSaslMechanism  *mechanism,
                    GBytes              *additional_data,
                    GError             **error)
{
  g_autofree char *text = bytes_to_text (additional_data);

  if (g_strcmp0 (text, "done") != 0)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           "the server did not say done");
      return FALSE;
    }
  return TRUE;
}

static void
test_echo_finalize (GObject *object)
{
  g_free (TEST_ECHO (object)->username);
  G_OBJECT_CLASS (test_echo_parent_class)->finalize (object);
}

static void
test_echo_class_init (TestEchoClass *klass)
{
  GXmppSaslMechanismClass *mechanism_class = GXMPP_SASL_MECHANISM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_echo_finalize;
  mechanism_class->is_acceptable = test_echo_is_acceptable;
  mechanism_class->start = test_echo_start;
  mechanism_class->step_async = test_echo_step_async;
  mechanism_class->complete = test_echo_complete;
}

static void
test_echo_init (TestEcho *self)
{
}

/* X-TEST-MINIMAL: only start(); everything else is the default. */
#define TEST_TYPE_MINIMAL (test_minimal_get_type ())
G_DECLARE_FINAL_TYPE (TestMinimal, test_minimal, TEST, MINIMAL, GXmppSaslMechanism)

struct _TestMinimal
{
  GXmppSaslMechanism parent_instance;
};

G_DEFINE_FINAL_TYPE (TestMinimal, test_minimal, GXMPP_TYPE_SASL_MECHANISM)

static gboolean
test_minimal_start (GXmppSaslMechanism  *mechanism,
                    GXmppSaslContext    *context,
                    GBytes             **initial_response,
                    GError             **error)
{
  return TRUE;
}

static void
test_minimal_class_init (TestMinimalClass *klass)
{
  GXMPP_SASL_MECHANISM_CLASS (klass)->start = test_minimal_start;
}

static void
test_minimal_init (TestMinimal *self)
{
}

static void
test_custom (void)
{
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", "pencil");
  g_autoptr(GXmppSaslMechanism) echo = g_object_new (TEST_TYPE_ECHO, "name", "X-TEST-ECHO", NULL);
  const char *offered[] = { "X-TEST-ECHO", NULL };
  const char *both[] = { "PLAIN", "X-TEST-ECHO", NULL };
  const char *none[] = { NULL };
  g_autoptr(GXmppSaslContext) context = NULL;
  g_autoptr(GXmppSaslMechanism) selected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *response = NULL, *message = NULL;

  gxmpp_auth_add_mechanism (auth, echo);
  gxmpp_auth_add_mechanism (auth, echo);         /* once only */
  g_assert_cmpuint (gxmpp_auth_get_mechanisms (auth)->len, ==, 6);

  /* selected like a built-in, and refused like one */
  message = assert_refuses (auth, offered, FALSE, FALSE);
  g_assert_nonnull (strstr (message, "X-TEST-ECHO is not used on an unencrypted connection"));

  context = gxmpp_auth_create_context (auth, "example.com");
  gxmpp_sasl_context_set_secure (context, TRUE);
  gxmpp_sasl_context_set_server_mechanisms (context, offered);
  selected = gxmpp_auth_select_mechanism (auth, context, &error);
  g_assert_no_error (error);
  g_assert_true (selected == echo);

  /* least preferred: PLAIN wins when both are offered */
  gxmpp_sasl_context_set_server_mechanisms (context, both);
  {
    g_autoptr(GXmppSaslMechanism) plain = gxmpp_auth_select_mechanism (auth, context, &error);

    g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (plain), ==, "PLAIN");
  }
  /* unless the built-ins are removed and put back after it */
  g_assert_true (gxmpp_auth_set_mechanism_names (auth, none, &error));
  gxmpp_auth_add_mechanism (auth, echo);
  {
    g_autoptr(GXmppSaslMechanism) plain = make_mechanism ("PLAIN");
    g_autoptr(GXmppSaslMechanism) first = NULL;

    gxmpp_auth_add_mechanism (auth, plain);
    first = gxmpp_auth_select_mechanism (auth, context, &error);
    g_assert_true (first == echo);
  }

  /* the same start / step / complete path */
  initial = start_text (selected, context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (initial, ==, "juliet");
  response = step_text (selected, "abc", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "cba");
  g_assert_cmpuint (TEST_ECHO (selected)->steps, ==, 1);
  g_assert_false (complete_text (selected, "nope", &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  g_clear_error (&error);
  g_assert_true (complete_text (selected, "done", &error));
  g_assert_no_error (error);
}

static void
test_custom_defaults (void)
{
  g_autoptr(GXmppSaslMechanism) minimal = g_object_new (TEST_TYPE_MINIMAL, "name", "X-TEST-MINIMAL", NULL);
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  g_autoptr(GError) error = NULL;
  GBytes *placeholder = g_bytes_new_static ("x", 1);
  GBytes *initial = placeholder;
  g_autofree char *response = NULL;

  g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (minimal), ==, "X-TEST-MINIMAL");
  g_assert_true (gxmpp_sasl_mechanism_is_acceptable (minimal, context, &error));
  /* the out argument is always set: to NULL, for no initial response */
  g_assert_true (gxmpp_sasl_mechanism_start (minimal, context, &initial, &error));
  g_assert_null (initial);
  g_bytes_unref (placeholder);
  response = step_text (minimal, "challenge", &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
  g_assert_nonnull (strstr (error->message, "X-TEST-MINIMAL"));
  g_clear_error (&error);
  g_assert_true (complete_text (minimal, NULL, &error));
  g_assert_no_error (error);
}

static void
test_custom_without_name (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GObject) nameless = g_object_new (TEST_TYPE_MINIMAL, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*without a valid SASL mechanism name*");
}

/* Every mechanism against GNU SASL's server */

typedef struct {
  const char *name;
  gboolean final_in_challenge;
} ExchangeCase;

static void
test_exchange (gconstpointer data)
{
  const ExchangeCase *c = data;
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (c->name);
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", TRUE);
  g_autoptr(GBytes) cb = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  ServerConfig config = { "pencil", "example.com", NULL, NULL, 0, c->final_in_challenge };
  gboolean password = strcmp (c->name, "ANONYMOUS") != 0 && strcmp (c->name, "EXTERNAL") != 0;
  ExchangeResult result;

  if (g_str_has_suffix (c->name, "-PLUS"))
    {
      gxmpp_sasl_context_set_channel_binding (context, "tls-exporter", cb);
      config.cb_exporter = cb;
    }

  g_assert_true (run_exchange (mechanism, context, &config, &result));
  g_assert_no_error (result.client_error);
  if (password)
    g_assert_cmpstr (result.server_authid, ==, "user");
  if (g_str_has_prefix (c->name, "SCRAM") || strcmp (c->name, "DIGEST-MD5") == 0)
    g_assert_cmpuint (result.n_challenges, ==, c->final_in_challenge ? 2 : 1);
  else
    g_assert_cmpuint (result.n_challenges, ==, 0);
  exchange_result_clear (&result);

  /* again with the same mechanism: start() begins afresh */
  g_assert_true (run_exchange (mechanism, context, &config, &result));
  exchange_result_clear (&result);

  if (password)
    {
      /* a wrong password is the server's to refuse */
      gxmpp_sasl_context_set_credentials (context, "user", "crayon");
      g_assert_false (run_exchange (mechanism, context, &config, &result));
      g_assert_cmpint (result.server_rc, ==, GSASL_AUTHENTICATION_ERROR);
      g_assert_false (result.client_ok);
      exchange_result_clear (&result);

      /* and an authorization identity reaches it */
      gxmpp_sasl_context_set_credentials (context, "user", "pencil");
      gxmpp_sasl_context_set_authzid (context, "admin@example.com");
      g_assert_true (run_exchange (mechanism, context, &config, &result));
      g_assert_cmpstr (result.server_authzid, ==, "admin@example.com");
      exchange_result_clear (&result);
    }
}

static const ExchangeCase exchange_cases[] = {
  { "SCRAM-SHA-1", FALSE }, { "SCRAM-SHA-1", TRUE },
  { "SCRAM-SHA-256", FALSE }, { "SCRAM-SHA-256", TRUE },
  { "SCRAM-SHA-1-PLUS", FALSE }, { "SCRAM-SHA-1-PLUS", TRUE },
  { "SCRAM-SHA-256-PLUS", FALSE }, { "SCRAM-SHA-256-PLUS", TRUE },
  { "DIGEST-MD5", FALSE }, { "DIGEST-MD5", TRUE },
  { "PLAIN", FALSE },
  { "ANONYMOUS", FALSE },
  { "EXTERNAL", FALSE },
};

/* pässwörd€ typed precomposed or with combining diaereses is the same
 * password once prepared (PRECIS OpaqueString normalizes to NFC). */
static void
test_non_ascii_password (void)
{
  const char *names[] = { "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "DIGEST-MD5", "PLAIN" };
  const char *typed[] = { PASSWORD_NFC, PASSWORD_NFD };
  g_autoptr(GBytes) cb = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  ServerConfig config = { PASSWORD_NFC, "example.com", cb, NULL, 0, FALSE };
  gsize i, j;

  g_assert_cmpstr (PASSWORD_NFC, !=, PASSWORD_NFD);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    for (j = 0; j < G_N_ELEMENTS (typed); j++)
      {
        g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
        g_autoptr(GXmppSaslContext) context = make_context ("J\xc3\xbcliet", typed[j], TRUE);
        ExchangeResult result;

        /* (a client with channel binding data would say "y" to the others,
         * which this server, which has the data, would refuse) */
        if (g_str_has_suffix (names[i], "-PLUS"))
          gxmpp_sasl_context_set_channel_binding (context, "tls-exporter", cb);
        g_assert_true (run_exchange (mechanism, context, &config, &result));
        /* UsernameCaseMapped: lower case */
        g_assert_cmpstr (result.server_authid, ==, "j\xc3\xbcliet");
        exchange_result_clear (&result);

        /* and a near miss is not it */
        gxmpp_sasl_context_set_credentials (context, "juliet", "passwort\xe2\x82\xac");
        g_assert_false (run_exchange (mechanism, context, &config, &result));
        exchange_result_clear (&result);
      }
}

/* Preparation failures name the culprit, never show the password. */
static void
test_prep_failures (void)
{
  static const struct {
    const char *name;
    const char *username;
    const char *password;
    const char *word;           /* in the message */
  } cases[] = {
    { "SCRAM-SHA-1", "ju liet", "pencil", "user name" },
    { "SCRAM-SHA-256", "", "pencil", "user name" },
    { "PLAIN", "juliet\xe2\x80\x8d", "pencil", "user name" },
    { "DIGEST-MD5", "\xff", "pencil", "user name" },
    { "SCRAM-SHA-1", "juliet", "se\acret", "password" },
    { "SCRAM-SHA-256", "juliet", "", "password" },
    { "PLAIN", "juliet", "secret\x7f", "password" },
    { "DIGEST-MD5", "juliet", "\xc3", "password" },
    { "PLAIN", "juliet", "sec\xef\xbf\xbe" "ret", "password" },
    /* passes OpaqueString, but not the SASLprep GNU SASL applies to SCRAM
     * passwords (mixed writing directions, RFC 3454 section 6) */
    { "SCRAM-SHA-1", "juliet", "abc\xd7\x90" "1", "password" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (cases[i].name);
      g_autoptr(GXmppSaslContext) context = make_context (cases[i].username, cases[i].password, TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) initial = NULL;

      g_assert_false (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED);
      g_assert_null (initial);
      g_test_message ("%s: %s", cases[i].name, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].word));
      if (*cases[i].password != '\0')
        g_assert_null (strstr (error->message, cases[i].password));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  /* PLAIN does not apply SASLprep: the mixed-direction password goes. */
  {
    g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("PLAIN");
    g_autoptr(GXmppSaslContext) context = make_context ("juliet", "abc\xd7\x90" "1", TRUE);
    g_autoptr(GError) error = NULL;
    g_autofree char *initial = start_text (mechanism, context, &error);

    g_assert_no_error (error);
    g_assert_nonnull (initial);
  }
}

/* DIGEST-MD5 */

#define RFC2831_CHALLENGE "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8"

static void
test_digest_md5_reference (void)
{
  g_autofree char *response = ref_digest_md5 ("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh",
                                              "OA6MHXh6VqTrRk", "00000001", "imap/elwood.innosoft.com",
                                              NULL, FALSE);
  g_autofree char *rspauth = ref_digest_md5 ("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh",
                                             "OA6MHXh6VqTrRk", "00000001", "imap/elwood.innosoft.com",
                                             NULL, TRUE);

  g_assert_cmpstr (response, ==, "d388dad90d4bbd760a152321f2143af7");
  g_assert_cmpstr (rspauth, ==, "ea40f60335c427b5527b84dbabcdfffd");
}

typedef enum {
  RSPAUTH_IN_CHALLENGE,
  RSPAUTH_IN_SUCCESS,
  RSPAUTH_WRONG_IN_CHALLENGE,
  RSPAUTH_WRONG_IN_SUCCESS,
  RSPAUTH_MISSING,
  RSPAUTH_GARBAGE_IN_SUCCESS,
} RspauthCase;

/* RFC 2831's exchange with the real mechanism, the reference as server:
 * its cnonce is random, the rest is the RFC's; the digest-uri is XMPP's. */
static void
test_digest_md5_rfc2831 (gconstpointer data)
{
  RspauthCase rspauth_case = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("DIGEST-MD5");
  g_autoptr(GXmppSaslContext) context = gxmpp_sasl_context_new ("elwood.innosoft.com");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) initial = NULL;
  g_autofree char *response = NULL, *expected = NULL, *rspauth = NULL, *final = NULL;
  g_autoptr(GHashTable) directives = NULL;
  const char *cnonce;

  gxmpp_sasl_context_set_credentials (context, "chris", "secret");
  g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
  g_assert_null (initial);

  response = step_text (mechanism, RFC2831_CHALLENGE, &error);
  g_assert_no_error (error);
  directives = ref_digest_parse (response);
  g_assert_cmpstr (g_hash_table_lookup (directives, "username"), ==, "chris");
  g_assert_cmpstr (g_hash_table_lookup (directives, "realm"), ==, "elwood.innosoft.com");
  g_assert_cmpstr (g_hash_table_lookup (directives, "nonce"), ==, "OA6MG9tEQGm2hh");
  g_assert_cmpstr (g_hash_table_lookup (directives, "nc"), ==, "00000001");
  g_assert_cmpstr (g_hash_table_lookup (directives, "qop"), ==, "auth");
  g_assert_cmpstr (g_hash_table_lookup (directives, "digest-uri"), ==, "xmpp/elwood.innosoft.com");
  cnonce = g_hash_table_lookup (directives, "cnonce");
  g_assert_nonnull (cnonce);
  g_assert_cmpuint (strlen (cnonce), ==, 24);     /* 16 random bytes from GNU SASL */

  expected = ref_digest_md5 ("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh", cnonce,
                             "00000001", "xmpp/elwood.innosoft.com", NULL, FALSE);
  g_assert_cmpstr (g_hash_table_lookup (directives, "response"), ==, expected);

  rspauth = ref_digest_md5 ("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh", cnonce,
                            "00000001", "xmpp/elwood.innosoft.com", NULL, TRUE);
  final = g_strdup_printf ("rspauth=%s", rspauth);

  switch (rspauth_case)
    {
    case RSPAUTH_IN_CHALLENGE:
      {
        g_autofree char *empty = step_text (mechanism, final, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (empty, ==, "");
        g_assert_true (complete_text (mechanism, NULL, &error));
        g_assert_no_error (error);
        break;
      }
    case RSPAUTH_IN_SUCCESS:
      g_assert_true (complete_text (mechanism, final, &error));
      g_assert_no_error (error);
      break;
    case RSPAUTH_WRONG_IN_CHALLENGE:
      {
        g_autofree char *none = NULL;

        final[8] = final[8] == '0' ? '1' : '0';
        none = step_text (mechanism, final, &error);
        g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
        g_clear_error (&error);
        g_assert_false (complete_text (mechanism, NULL, &error));
        g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
        break;
      }
    case RSPAUTH_WRONG_IN_SUCCESS:
      final[8] = final[8] == '0' ? '1' : '0';
      g_assert_false (complete_text (mechanism, final, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
      break;
    case RSPAUTH_MISSING:
      g_assert_false (complete_text (mechanism, NULL, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
      break;
    case RSPAUTH_GARBAGE_IN_SUCCESS:
    default:
      g_assert_false (complete_text (mechanism, "qop=auth", &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
      break;
    }
}

static void
test_digest_md5_hostile (void)
{
  const char *challenges[] = {
    "",
    "garbage",
    "realm=\"x\"",                                  /* no nonce */
    "nonce=\"abc\",algorithm=md5-sess,nonce=\"def\"",  /* nonce twice */
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (challenges); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("DIGEST-MD5");
      g_autoptr(GXmppSaslContext) context = make_context ("chris", "secret", FALSE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) initial = NULL;
      g_autofree char *response = NULL;

      g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
      response = step_text (mechanism, challenges[i], &error);
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
      g_assert_null (response);
    }

  /* success before any challenge */
  {
    g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("DIGEST-MD5");
    g_autoptr(GXmppSaslContext) context = make_context ("chris", "secret", FALSE);
    g_autoptr(GError) error = NULL;

    g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, NULL, &error));
    g_assert_false (complete_text (mechanism, "rspauth=ea40f60335c427b5527b84dbabcdfffd", &error));
    g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  }
}

/* Oversized challenges never reach GNU SASL. */
static void
test_oversized_challenge (void)
{
  const char *names[] = { "SCRAM-SHA-1", "DIGEST-MD5" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
      g_autoptr(GError) error = NULL;
      g_autofree char *big = g_malloc0 (1024 * 1024);
      g_autoptr(GBytes) challenge = NULL, response = NULL;

      memset (big, 'a', 1024 * 1024 - 1);
      challenge = g_bytes_new (big, 1024 * 1024 - 1);
      g_assert_true (gxmpp_sasl_mechanism_start (mechanism, context, NULL, &error));
      response = step_bytes (mechanism, challenge, NULL, &error);
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
    }
}

/* <failure/> conditions map to codes (the session does this). */
static void
test_failure_conditions (void)
{
  GXmppAuthError code;

  g_assert_true (gxmpp_auth_error_from_string ("not-authorized", &code));
  g_assert_cmpint (code, ==, GXMPP_AUTH_ERROR_NOT_AUTHORIZED);
  g_assert_true (gxmpp_auth_error_from_string ("mechanism-too-weak", &code));
  g_assert_cmpint (code, ==, GXMPP_AUTH_ERROR_MECHANISM_TOO_WEAK);
  g_assert_false (gxmpp_auth_error_from_string ("server-signature-mismatch", NULL));
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sasl/builtin/list", test_builtin_list);
  g_test_add_func ("/sasl/builtin/initial-responses", test_initial_responses);
  g_test_add_func ("/sasl/builtin/insecure-refused", test_insecure_refused);
  g_test_add_func ("/sasl/builtin/needs-credentials", test_needs_credentials);
  g_test_add_func ("/sasl/builtin/no-exchange", test_no_exchange);
  g_test_add_func ("/sasl/builtin/unexpected-challenge", test_unexpected_challenge);
  g_test_add_func ("/sasl/builtin/oversized-challenge", test_oversized_challenge);
  g_test_add_func ("/sasl/context/basics", test_context);
  g_test_add_func ("/sasl/context/tls/1.3", test_tls_channel_binding_tls13);
  g_test_add_func ("/sasl/context/tls/1.2", test_tls_channel_binding_tls12);
  g_test_add_func ("/sasl/context/tls/unavailable", test_tls_channel_binding_unavailable);
  g_test_add_func ("/sasl/auth/password", test_auth_password);
  g_test_add_func ("/sasl/auth/anonymous", test_auth_anonymous);
  g_test_add_func ("/sasl/auth/external", test_auth_external);
  g_test_add_func ("/sasl/select/order", test_select_order);
  g_test_add_func ("/sasl/select/refused", test_select_refused);
  g_test_add_func ("/sasl/select/names", test_select_names);
  g_test_add_func ("/sasl/select/instances", test_select_instances);
  g_test_add_func ("/sasl/custom/exchange", test_custom);
  g_test_add_func ("/sasl/custom/defaults", test_custom_defaults);
  g_test_add_func ("/sasl/custom/without-name", test_custom_without_name);
  for (i = 0; i < G_N_ELEMENTS (exchange_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sasl/exchange/%s%s", exchange_cases[i].name,
                                               exchange_cases[i].final_in_challenge ? "/final-in-challenge" : "");

      g_test_add_data_func (path, &exchange_cases[i], test_exchange);
    }
  g_test_add_func ("/sasl/exchange/non-ascii-password", test_non_ascii_password);
  g_test_add_func ("/sasl/prep/failures", test_prep_failures);
  g_test_add_func ("/sasl/digest-md5/reference", test_digest_md5_reference);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-in-challenge",
                        GINT_TO_POINTER (RSPAUTH_IN_CHALLENGE), test_digest_md5_rfc2831);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-in-success",
                        GINT_TO_POINTER (RSPAUTH_IN_SUCCESS), test_digest_md5_rfc2831);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-wrong-in-challenge",
                        GINT_TO_POINTER (RSPAUTH_WRONG_IN_CHALLENGE), test_digest_md5_rfc2831);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-wrong-in-success",
                        GINT_TO_POINTER (RSPAUTH_WRONG_IN_SUCCESS), test_digest_md5_rfc2831);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-missing",
                        GINT_TO_POINTER (RSPAUTH_MISSING), test_digest_md5_rfc2831);
  g_test_add_data_func ("/sasl/digest-md5/rfc2831/rspauth-garbage",
                        GINT_TO_POINTER (RSPAUTH_GARBAGE_IN_SUCCESS), test_digest_md5_rfc2831);
  g_test_add_func ("/sasl/digest-md5/hostile", test_digest_md5_hostile);
  g_test_add_func ("/sasl/failure-conditions", test_failure_conditions);

  return g_test_run ();
}
