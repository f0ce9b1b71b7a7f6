/* test-connect.c: connecting, against a scripted server and a mock resolver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What real servers will not do: strip STARTTLS, present wrong
 * certificates, inject plain text after <proceed/>, send stream errors,
 * redirect, stall, or cut the connection in the middle of an element. And
 * SRV logic, with a resolver that answers from a table.
 */

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-transport-private.h"
#include "mock-resolver.h"
#include "scripted-server.h"
#include "session-helpers.h"

#define STREAM_FEATURES_TLS \
  "send <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
#define STREAM_FEATURES_EMPTY "send <stream:features/>"
#define PROCEED "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

static GXmppSession *
connect_to_script (const char * const  *script,
                   GXmppTlsPolicy       policy,
                   ScriptedServer     **server_out,
                   GError             **error)
{
  ScriptedServer *server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server), policy);
  GXmppSession *session = session_connect_with (config, NULL, server, error);

  *server_out = server;
  return session;
}

static void
test_tls_ready (void)
{
  const char *script[] = { "open", STREAM_FEATURES_TLS, "expect starttls", PROCEED, "tls localhost",
                           "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_no_error (error);
  g_assert_null (scripted_server_get_error (server));
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  g_assert_true (gxmpp_session_is_secure (session));
  g_assert_nonnull (gxmpp_session_get_tls_connection (session));
  g_assert_null (gxmpp_session_get_jid (session));       /* unauthenticated */

  /* Elements go out whole: Nagle's algorithm would only hold them back. */
  {
    GIOStream *base = NULL;
    gint no_delay = 0;

    g_object_get (gxmpp_session_get_tls_connection (session), "base-io-stream", &base, NULL);
    g_assert_true (G_IS_SOCKET_CONNECTION (base));
    g_assert_true (g_socket_get_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)),
                                        IPPROTO_TCP, TCP_NODELAY, &no_delay, NULL));
    g_assert_cmpint (no_delay, !=, 0);
    g_object_unref (base);
  }
}

/* SECURITY-NOTES row 6: a server (or a man in the middle) that does not
 * offer STARTTLS. The session fails before it sends anything but stream
 * headers, and says why. */
static void
test_starttls_not_offered (void)
{
  const char *script[] = {
    "open",
    "send <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    "hang", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_TLS_NOT_OFFERED);
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 0);
}

static void
test_prefer_without_tls (void)
{
  const char *script[] = { "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_PREFER, &server, &error);

  g_assert_no_error (error);
  g_assert_false (gxmpp_session_is_secure (session));
}

static void
test_refuse_when_required (void)
{
  const char *script[] = { "open", STREAM_FEATURES_TLS, "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REFUSE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED);
}

static void
check_certificate_refused (const char *cert,
                           const char *why)
{
  const char *script[] = { "open", STREAM_FEATURES_TLS, "expect starttls", PROCEED, NULL, "hang", NULL };
  g_autofree char *tls = g_strconcat ("tls ", cert, NULL);
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;

  script[4] = tls;
  session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_BAD_CERTIFICATE);
  if (strstr (error->message, why) == NULL)
    g_error ("certificate %s: “%s” does not say “%s”", cert, error->message, why);
}

/* SECURITY-NOTES row 7: the certificate is checked against the JID's
 * domain (localhost), never the host connected to (127.0.0.1). */
static void
test_bad_certificates (void)
{
  check_certificate_refused ("other", "not valid for this domain");
  check_certificate_refused ("expired", "expired");
  check_certificate_refused ("self-signed", "trusted");
}

static gboolean
accept_any (GXmppSession         *session,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  GTlsCertificateFlags *seen = user_data;

  *seen = errors;
  return TRUE;
}

static gboolean
refuse (GXmppSession         *session,
        GTlsCertificate      *certificate,
        GTlsCertificateFlags  errors,
        gpointer              user_data)
{
  return FALSE;
}

/* The application may accept a certificate that fails validation, through
 * the signal; nothing else can. */
static void
test_accept_certificate_signal (void)
{
  const char *script[] = { "open", STREAM_FEATURES_TLS, "expect starttls", PROCEED, "tls self-signed",
                           "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server), GXMPP_TLS_POLICY_REQUIRE);
  GTlsCertificateFlags seen = 0;
  SessionConnectResult out = { 0 };
  GXmppSession *session;

  /* The signal is on the session, which exists only inside new_async:
   * build it by hand to connect first. */
  session = g_object_new (GXMPP_TYPE_SESSION, "domain", "localhost", "config", config, NULL);
  g_signal_connect (session, "accept-certificate", G_CALLBACK (refuse), NULL);
  g_signal_connect (session, "accept-certificate", G_CALLBACK (accept_any), &seen);
  g_async_initable_init_async (G_ASYNC_INITABLE (session), G_PRIORITY_DEFAULT, NULL, session_connect_cb, &out);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (out.error);
  g_assert_true (out.session == session);
  g_assert_true (seen & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_object_unref (out.session);
  g_object_unref (session);
}

/* Plain text after <proceed/> is an injection (CVE-2011-0411 style): the
 * client must not read it as part of the secured stream. */
static void
test_starttls_injection (void)
{
  const char *script[] = {
    "open", STREAM_FEATURES_TLS, "expect starttls",
    "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message from='evil@x'><body>injected</body></message>",
    "hang", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT);
}

static void
test_direct_tls (void)
{
  const char *script[] = { "tls localhost", "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_DIRECT, &server, &error);

  g_assert_no_error (error);
  g_assert_true (gxmpp_session_is_secure (session));
  g_assert_false (scripted_server_received (server, "starttls"));
}

static void
test_stream_errors (void)
{
  GEnumClass *klass = g_type_class_ref (GXMPP_TYPE_STREAM_ERROR);

  for (guint i = 0; i < klass->n_values; i++)
    {
      GXmppStreamError condition = klass->values[i].value;
      g_autofree char *send = NULL;
      const char *script[] = { "open", NULL, "hang", NULL };
      g_autoptr(ScriptedServer) server = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GXmppSession) session = NULL;

      if (condition == GXMPP_STREAM_ERROR_SEE_OTHER_HOST)
        continue;   /* a redirect: tested below */

      send = g_strdup_printf ("send <stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                              "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>why %u</text>"
                              "</stream:error></stream:stream>",
                              gxmpp_stream_error_to_string (condition), i);
      script[1] = send;
      session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
      g_assert_null (session);
      g_assert_error (error, GXMPP_STREAM_ERROR, (int) condition);
      {
        g_autofree char *expected = g_strdup_printf ("why %u", i);
        g_assert_nonnull (strstr (error->message, expected));
      }
    }

  /* An unknown condition is undefined-condition. */
  {
    const char *script[] = { "open",
                             "send <stream:error><made-up xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
                             "hang", NULL };
    g_autoptr(ScriptedServer) server = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

    g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNDEFINED_CONDITION);
  }

  g_type_class_unref (klass);
}

static void
test_see_other_host (void)
{
  const char *target_script[] = { "open", STREAM_FEATURES_TLS, "expect starttls", PROCEED, "tls localhost",
                                  "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) target = scripted_server_new (target_script);
  g_autofree char *redirect = g_strdup_printf ("send <stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                                               "127.0.0.1:%u</see-other-host></stream:error>",
                                               scripted_server_get_port (target));
  const char *script[] = { "open", redirect, "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_no_error (error);
  g_assert_true (gxmpp_session_is_secure (session));
  g_assert_null (scripted_server_get_error (target));
}

static void
test_see_other_host_loop (void)
{
  /* Four servers, each sending the client to the next: the fourth redirect
   * is one too many. */
  ScriptedServer *servers[5] = { NULL };
  char *redirects[4] = { NULL };
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  const char *last[] = { "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  int i;

  servers[4] = scripted_server_new (last);
  for (i = 3; i >= 0; i--)
    {
      const char *script[] = { "open", NULL, "hang", NULL };

      redirects[i] = g_strdup_printf ("send <stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                                      "127.0.0.1:%u</see-other-host></stream:error>",
                                      scripted_server_get_port (servers[i + 1]));
      script[1] = redirects[i];
      servers[i] = scripted_server_new (script);
    }

  config = session_config_for (scripted_server_get_port (servers[0]), GXMPP_TLS_POLICY_PREFER);
  session = session_connect_with (config, NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_CONNECTION_FAILED);
  g_assert_nonnull (strstr (error->message, "redirected"));

  for (i = 0; i < 5; i++)
    scripted_server_free (servers[i]);
  for (i = 0; i < 4; i++)
    g_free (redirects[i]);
}

static void
test_close_mid_element (void)
{
  const char *script[] = { "open", "send <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><requ",
                           "close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
test_old_version (void)
{
  const char *script[] = { "send <?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                           "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='old'>",
                           "hang", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_to_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNSUPPORTED_VERSION);
}

static void
test_connect_timeout (void)
{
  const char *script[] = { "hang", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server), GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  gint64 start = g_get_monotonic_time ();

  gxmpp_stream_config_set_connect_timeout (gxmpp_session_config_get_stream_config (config), 300);
  session = session_connect_with (config, NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* Not a timing assertion on the code, only that the wait was bounded. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_cancel_connect (void)
{
  const char *script[] = { "hang", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server), GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SessionConnectResult out = { 0 };

  gxmpp_session_new_async ("localhost", config, NULL, cancellable, session_connect_cb, &out);
  g_cancellable_cancel (cancellable);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (out.session);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&out.error);
}

static void
test_invalid_domain (void)
{
  SessionConnectResult out = { 0 };

  gxmpp_session_new_async ("user@example.com", NULL, NULL, NULL, session_connect_cb, &out);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (out.error, GXMPP_ERROR, GXMPP_ERROR_INVALID_ADDRESS);
  g_clear_error (&out.error);
}

/* SRV, with a resolver that answers from a table */

typedef struct {
  MockResolver *resolver;
  GResolver *previous;
} ResolverFixture;

static void
resolver_setup (ResolverFixture *fixture,
                gconstpointer    data)
{
  fixture->resolver = mock_resolver_new ();
  fixture->previous = g_resolver_get_default ();
  /* GNetworkAddress uses the default resolver for host names. */
  g_resolver_set_default (G_RESOLVER (fixture->resolver));
}

static void
resolver_teardown (ResolverFixture *fixture,
                   gconstpointer    data)
{
  g_resolver_set_default (fixture->previous);
  g_object_unref (fixture->previous);
  g_object_unref (fixture->resolver);
}

static void
on_lookup (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GPtrArray *
lookup_candidates (GXmppTlsPolicy   policy,
                   const char      *domain,
                   GError         **error)
{
  g_autoptr(GXmppStreamConfig) config = gxmpp_stream_config_new ();
  g_autoptr(GAsyncResult) result = NULL;

  gxmpp_stream_config_set_tls_policy (config, policy);
  gxmpp_transport_lookup_async (config, domain, NULL, on_lookup, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return gxmpp_transport_lookup_finish (result, error);
}

static void
test_srv_priority (ResolverFixture *fixture,
                   gconstpointer    data)
{
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GError) error = NULL;
  GXmppCandidate *c;

  mock_resolver_add_srv (fixture->resolver, "_xmpp-client._tcp.example.com", "c.example.com", 5222, 30, 0);
  mock_resolver_add_srv (fixture->resolver, "_xmpp-client._tcp.example.com", "a.example.com", 5222, 10, 0);
  mock_resolver_add_srv (fixture->resolver, "_xmpps-client._tcp.example.com", "b.example.com", 5223, 20, 0);

  candidates = lookup_candidates (GXMPP_TLS_POLICY_REQUIRE, "example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (candidates->len, ==, 3);
  c = candidates->pdata[0];
  g_assert_cmpstr (c->host, ==, "a.example.com");
  g_assert_false (c->direct_tls);
  c = candidates->pdata[1];
  g_assert_cmpstr (c->host, ==, "b.example.com");
  g_assert_true (c->direct_tls);
  g_assert_cmpuint (c->port, ==, 5223);
  c = candidates->pdata[2];
  g_assert_cmpstr (c->host, ==, "c.example.com");

  /* DIRECT uses only _xmpps-client, REFUSE only _xmpp-client. */
  g_clear_pointer (&candidates, g_ptr_array_unref);
  candidates = lookup_candidates (GXMPP_TLS_POLICY_DIRECT, "example.com", &error);
  g_assert_cmpuint (candidates->len, ==, 1);
  g_assert_true (((GXmppCandidate *) candidates->pdata[0])->direct_tls);
  g_clear_pointer (&candidates, g_ptr_array_unref);
  candidates = lookup_candidates (GXMPP_TLS_POLICY_REFUSE, "example.com", &error);
  g_assert_cmpuint (candidates->len, ==, 2);
}

/* RFC 2782: within a priority, weight w is picked first with probability
 * w / sum. Seeded, so the counts are the same on every run; the bounds are
 * wide, so a correct implementation passes with any seed. */
static void
test_srv_weight (void)
{
  guint first_heavy = 0, first_zero = 0;
  guint i;

  g_random_set_seed (42);
  for (i = 0; i < 2000; i++)
    {
      g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_candidate_free);
      GXmppCandidate *heavy = g_new0 (GXmppCandidate, 1);
      GXmppCandidate *light = g_new0 (GXmppCandidate, 1);
      GXmppCandidate *zero = g_new0 (GXmppCandidate, 1);
      GXmppCandidate *later = g_new0 (GXmppCandidate, 1);

      heavy->host = g_strdup ("heavy"); heavy->priority = 1; heavy->weight = 90;
      light->host = g_strdup ("light"); light->priority = 1; light->weight = 10;
      zero->host = g_strdup ("zero"); zero->priority = 1; zero->weight = 0;
      later->host = g_strdup ("later"); later->priority = 2; later->weight = 100;
      g_ptr_array_add (candidates, later);
      g_ptr_array_add (candidates, light);
      g_ptr_array_add (candidates, zero);
      g_ptr_array_add (candidates, heavy);

      gxmpp_transport_sort_candidates (candidates);
      g_assert_cmpstr (((GXmppCandidate *) candidates->pdata[3])->host, ==, "later");
      if (strcmp (((GXmppCandidate *) candidates->pdata[0])->host, "heavy") == 0)
        first_heavy++;
      if (strcmp (((GXmppCandidate *) candidates->pdata[0])->host, "zero") == 0)
        first_zero++;
    }

  g_test_message ("heavy first %u/2000, zero-weight first %u/2000", first_heavy, first_zero);
  g_assert_cmpuint (first_heavy, >, 1600);   /* expected ~ 90% (zero weight rarely first) */
  g_assert_cmpuint (first_heavy, <, 1950);
  g_assert_cmpuint (first_zero, <, 100);     /* only when the random pick is 0 */
}

/* "." as the only target: the domain decidedly offers no service; no guess
 * at domain:5222. */
static void
test_srv_no_service (ResolverFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GError) error = NULL;

  mock_resolver_add_srv (fixture->resolver, "_xmpp-client._tcp.example.com", ".", 0, 0, 0);
  mock_resolver_add_srv (fixture->resolver, "_xmpps-client._tcp.example.com", ".", 0, 0, 0);
  candidates = lookup_candidates (GXMPP_TLS_POLICY_REQUIRE, "example.com", &error);
  g_assert_null (candidates);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_NO_SERVICE);
}

/* No records at all: the domain on port 5222, decided by the library and
 * not by /etc/services. */
static void
test_srv_fallback (ResolverFixture *fixture,
                   gconstpointer    data)
{
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *queries = mock_resolver_get_queries (fixture->resolver);

  candidates = lookup_candidates (GXMPP_TLS_POLICY_REQUIRE, "example.net", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (candidates->len, ==, 1);
  g_assert_cmpstr (((GXmppCandidate *) candidates->pdata[0])->host, ==, "example.net");
  g_assert_cmpuint (((GXmppCandidate *) candidates->pdata[0])->port, ==, 5222);
  g_assert_cmpuint (queries->len, ==, 2);

  g_clear_pointer (&candidates, g_ptr_array_unref);
  candidates = lookup_candidates (GXMPP_TLS_POLICY_DIRECT, "example.net", &error);
  g_assert_cmpuint (candidates->len, ==, 1);
  g_assert_cmpuint (((GXmppCandidate *) candidates->pdata[0])->port, ==, 5223);
  g_assert_true (((GXmppCandidate *) candidates->pdata[0])->direct_tls);

  /* A lookup that fails for another reason than "not found" also falls
   * back, rather than giving up on a domain that may well be reachable. */
  {
    g_autoptr(GError) failure = g_error_new_literal (G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE, "timeout");

    mock_resolver_set_srv_error (fixture->resolver, "_xmpp-client._tcp.example.org", failure);
    g_clear_pointer (&candidates, g_ptr_array_unref);
    candidates = lookup_candidates (GXMPP_TLS_POLICY_REQUIRE, "example.org", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (((GXmppCandidate *) candidates->pdata[0])->port, ==, 5222);
  }
}

/* The whole path through SRV: the first target is down, the second is the
 * scripted server, reached by name; _xmpps-client gives direct TLS. */
static void
test_srv_connect (ResolverFixture *fixture,
                  gconstpointer    data)
{
  const char *script[] = { "tls localhost", "open", STREAM_FEATURES_EMPTY, "hang", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GSocketListener) closed_port = g_socket_listener_new ();
  g_autoptr(GXmppSessionConfig) config = gxmpp_session_config_new ();
  GXmppStreamConfig *stream = gxmpp_session_config_get_stream_config (config);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  guint16 dead_port;

  /* A port that refuses connections: bind, note, close. */
  dead_port = g_socket_listener_add_any_inet_port (closed_port, NULL, &error);
  g_socket_listener_close (closed_port);

  mock_resolver_add_address (fixture->resolver, "down.localhost", "127.0.0.1");
  mock_resolver_add_address (fixture->resolver, "up.localhost", "127.0.0.1");
  mock_resolver_add_srv (fixture->resolver, "_xmpps-client._tcp.localhost", "down.localhost", dead_port, 1, 0);
  mock_resolver_add_srv (fixture->resolver, "_xmpps-client._tcp.localhost", "up.localhost",
                         scripted_server_get_port (server), 2, 0);

  gxmpp_stream_config_set_tls_database (stream, scripted_server_get_ca ());
  session = session_connect_with (config, NULL, server, &error);
  g_assert_no_error (error);
  g_assert_true (gxmpp_session_is_secure (session));
  g_assert_null (scripted_server_get_error (server));
}

int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connect/tls-ready", test_tls_ready);
  g_test_add_func ("/connect/starttls-not-offered", test_starttls_not_offered);
  g_test_add_func ("/connect/prefer-without-tls", test_prefer_without_tls);
  g_test_add_func ("/connect/refuse-when-required", test_refuse_when_required);
  g_test_add_func ("/connect/bad-certificates", test_bad_certificates);
  g_test_add_func ("/connect/accept-certificate-signal", test_accept_certificate_signal);
  g_test_add_func ("/connect/starttls-injection", test_starttls_injection);
  g_test_add_func ("/connect/direct-tls", test_direct_tls);
  g_test_add_func ("/connect/stream-errors", test_stream_errors);
  g_test_add_func ("/connect/see-other-host", test_see_other_host);
  g_test_add_func ("/connect/see-other-host-loop", test_see_other_host_loop);
  g_test_add_func ("/connect/close-mid-element", test_close_mid_element);
  g_test_add_func ("/connect/old-version", test_old_version);
  g_test_add_func ("/connect/timeout", test_connect_timeout);
  g_test_add_func ("/connect/cancel", test_cancel_connect);
  g_test_add_func ("/connect/invalid-domain", test_invalid_domain);
  g_test_add ("/srv/priority", ResolverFixture, NULL, resolver_setup, test_srv_priority, resolver_teardown);
  g_test_add_func ("/srv/weight", test_srv_weight);
  g_test_add ("/srv/no-service", ResolverFixture, NULL, resolver_setup, test_srv_no_service, resolver_teardown);
  g_test_add ("/srv/fallback", ResolverFixture, NULL, resolver_setup, test_srv_fallback, resolver_teardown);
  g_test_add ("/srv/connect", ResolverFixture, NULL, resolver_setup, test_srv_connect, resolver_teardown);

  status = g_test_run ();
  session_wait_for_streams ();
  return status;
}
