/* test-session-scripted.c: a whole session against a scripted server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a broken or hostile server can do once TLS is up: cut the SASL
 * mechanism list down, fake a SCRAM signature, ask for absurd iteration
 * counts, fail authentication in every way RFC 6120 names, bind the
 * session to someone else's address, refuse the legacy session, end the
 * stream with an error, cut the connection in the middle of a stanza,
 * forge IQ replies, or stall during SASL; and once stream management
 * (XEP-0198) is enabled, acknowledge more than was sent, never
 * acknowledge, repeat stanzas, go silent, or resume (or refuse to resume)
 * a lost stream. Each case checks the error's domain and code, and what
 * the client sent or did not send.
 */

#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "sasl-test-support.h"
#include "fake-network-monitor.h"
#include "scripted-server.h"
#include "session-helpers.h"
#include "test-wait.h"      /* WAIT_UNTIL, a 30 s safety net against a hang */

#define PASSWORD "Tr0ub4dor&3-secret"

#define NS_SASL_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"
#define NS_BIND_ATTR "xmlns='urn:ietf:params:xml:ns:xmpp-bind'"
#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

/* Script pieces */

#define FEATURES_TLS \
  "send <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
#define PROCEED "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
/* Up to the client's stream header over TLS. */
#define START_TLS "open", FEATURES_TLS, "expect starttls", PROCEED, "tls localhost", "open"

#define MECH(name) "<mechanism>" name "</mechanism>"
#define MECHANISMS(list) \
  "send <stream:features><mechanisms " NS_SASL_ATTR ">" list "</mechanisms></stream:features>"
#define SUCCESS "send <success " NS_SASL_ATTR "/>"
/* PLAIN, accepted; up to the client's new stream header. */
#define PLAIN_LOGIN MECHANISMS (MECH ("PLAIN")), "expect auth", SUCCESS, "restart", "open"

#define FEATURES_BIND "send <stream:features><bind " NS_BIND_ATTR "/></stream:features>"
#define BIND_RESULT(jid) \
  "send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "><jid>" jid "</jid></bind></iq>"
#define JULIET "juliet@localhost/balcony"
/* Over TLS, PLAIN, up to the client's bind request. */
#define UNTIL_BIND START_TLS, PLAIN_LOGIN, FEATURES_BIND, "expect iq"
/* A ready session over TLS: PLAIN, then bound to JULIET. */
#define READY UNTIL_BIND, BIND_RESULT (JULIET)

#define ROMEO "romeo@localhost/x"

/* Stream management (XEP-0198): offered with binding, enabled after it. */
#define NS_SM_ATTR "xmlns='urn:xmpp:sm:3'"
#define FEATURES_BIND_SM "send <stream:features><bind " NS_BIND_ATTR "/><sm " NS_SM_ATTR "/></stream:features>"
#define ENABLED "send <enabled " NS_SM_ATTR " id='sm-1' resume='true'/>"
/* Over TLS, PLAIN, with stream management offered, up to the client's
 * bind request. */
#define UNTIL_BIND_SM START_TLS, PLAIN_LOGIN, FEATURES_BIND_SM, "expect iq"
/* A ready session with stream management enabled (resumable, id sm-1). */
#define READY_SM UNTIL_BIND_SM, BIND_RESULT (JULIET), "expect enable", ENABLED
/* What the server says of the client's stanzas: <a h='N'/>; its request
 * for the client's count: <r/>. */
#define SERVER_ACK(h) "send <a " NS_SM_ATTR " h='" h "'/>"
#define SERVER_REQUEST "send <r " NS_SM_ATTR "/>"

/* Connecting */

static GXmppAuth *
juliet_auth (void)
{
  GXmppAuth *auth = gxmpp_auth_new_password ("juliet", PASSWORD);

  gxmpp_auth_set_resource (auth, "balcony");
  return auth;
}

static GXmppSession *
connect_server (ScriptedServer  *server,
                GXmppTlsPolicy   policy,
                GXmppAuth       *auth,
                GError         **error)
{
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server), policy);

  return session_connect_with (config, auth, server, error);
}

/* Connects as juliet to a new server playing @script. */
static GXmppSession *
connect_script (const char * const  *script,
                GXmppTlsPolicy       policy,
                ScriptedServer     **server_out,
                GError             **error)
{
  g_autoptr(GXmppAuth) auth = juliet_auth ();

  *server_out = scripted_server_new (script);
  return connect_server (*server_out, policy, auth, error);
}

/* A session that failed to connect closes its stream in the background;
 * the scripts of such cases end in "expect-close", so that the server
 * checks that nothing else came first. */
static void
wait_server_done (ScriptedServer *server)
{
  WAIT_UNTIL (scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
}

/* Closes a ready session against a script that ends in "wait-close". */
static void
close_session (GXmppSession   *session,
               ScriptedServer *server)
{
  gboolean done = FALSE;

  gxmpp_session_close_async (session, NULL, session_close_cb, &done);
  WAIT_UNTIL (done && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
}

static void
assert_message_has (const GError *error,
                    const char   *part)
{
  if (strstr (error->message, part) == NULL)
    g_error ("“%s” does not say “%s”", error->message, part);
}

/* Connects as juliet with TLS required to a new server playing @script,
 * which must end in "expect-close"; asserts that the connect fails with
 * @domain and @code, with a message that says @part (unless NULL), and
 * that the server saw the stream closed after it. Returns the server, for
 * more checks. */
static ScriptedServer *
connect_script_failing (const char * const *script,
                        GQuark              domain,
                        gint                code,
                        const char         *part)
{
  ScriptedServer *server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, domain, code);
  if (part != NULL)
    assert_message_has (error, part);
  wait_server_done (server);
  return server;
}

/* A SCRAM server played by the reference implementation of
 * sasl-test-support.h, as the responder of the scripted server. */

typedef struct {
  RefScramServer ref;
  GPtrArray *payloads;      /* every base64 payload of the exchange */
} ScramPeer;

static void
scram_peer_init (ScramPeer *peer,
                 gboolean   sha256)
{
  memset (peer, 0, sizeof *peer);
  peer->ref.sha256 = sha256;
  peer->ref.password = PASSWORD;
  peer->ref.salt_b64 = "QSXCR+Q6sek8bf92";
  peer->ref.iterations = 4096;
  peer->ref.server_nonce = "3rfcNHYJY1ZVvWVs7j";
  peer->payloads = g_ptr_array_new_with_free_func (g_free);
}

static void
scram_peer_clear (ScramPeer *peer)
{
  ref_scram_server_clear (&peer->ref);
  g_ptr_array_unref (peer->payloads);
}

static char *
decode_payload (GXmppNode *element)
{
  g_autofree guchar *decoded = NULL;
  gsize len;

  decoded = g_base64_decode (gxmpp_node_get_text (element), &len);
  return g_strndup ((const char *) decoded, len);
}

/* <auth/> gets the server-first message, <response/> the server-final one
 * (or a failure, for a wrong proof). */
static char *
scram_respond (GXmppNode *element,
               gpointer   user_data)
{
  ScramPeer *peer = user_data;
  g_autofree char *client = decode_payload (element);
  g_autofree char *final = NULL;
  g_autofree char *answer = NULL;
  const char *name;

  g_ptr_array_add (peer->payloads, g_strdup (gxmpp_node_get_text (element)));
  if (g_strcmp0 (gxmpp_node_get_name (element), "auth") == 0)
    {
      const char *first = ref_scram_server_first (&peer->ref, client);

      answer = g_base64_encode ((const guchar *) first, strlen (first));
      name = "challenge";
    }
  else
    {
      final = ref_scram_server_final (&peer->ref, client);
      if (final == NULL)
        return g_strdup ("<failure " NS_SASL_ATTR "><not-authorized/></failure>");
      answer = g_base64_encode ((const guchar *) final, strlen (final));
      name = "success";
    }
  g_ptr_array_add (peer->payloads, g_strdup (answer));
  return g_strdup_printf ("<%s " NS_SASL_ATTR ">%s</%s>", name, answer, name);
}

/* 1. The SASL mechanism list */

/* SECURITY-NOTES: no PLAIN without TLS. With the PREFER policy a server
 * that does not offer STARTTLS gets a stream in the clear; if all it
 * offers is PLAIN, the client gives up before sending the password. */
static void
test_plain_in_the_clear (void)
{
  const char *script[] = { "open", MECHANISMS (MECH ("PLAIN")), "expect-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_PREFER, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
  assert_message_has (error, "PLAIN");
  assert_message_has (error, "unencrypted");
  wait_server_done (server);
  g_assert_false (scripted_server_received (server, "auth"));
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 0);
}

/* DIGEST-MD5 (obsolete, RFC 6331) only when the application names it. */
static void
test_digest_md5_not_named (void)
{
  const char *script[] = { START_TLS, MECHANISMS (MECH ("DIGEST-MD5")), "expect-close", NULL };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                                                             "DIGEST-MD5");
  g_assert_false (scripted_server_received (server, "auth"));
}

static void
test_no_mechanisms (void)
{
  const char *script[] = { START_TLS, "send <stream:features><mechanisms " NS_SASL_ATTR "/></stream:features>",
                           "expect-close", NULL };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                                                             "no authentication mechanism");
  g_assert_false (scripted_server_received (server, "auth"));
}

/* No <mechanisms/> at all after TLS: the server cannot authenticate us. */
static void
test_no_sasl_feature (void)
{
  const char *script[] = { START_TLS, FEATURES_BIND, "expect-close", NULL };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                                                             "SASL");
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 1);   /* <starttls/> */
}

/* The strongest mechanism both sides support wins, whatever order the
 * server lists them in; then a whole SCRAM-SHA-256 exchange with a server
 * that knows the password makes the session ready. */
static void
test_strongest_wins (void)
{
  const char *script[] = {
    START_TLS,
    MECHANISMS (MECH ("PLAIN") MECH ("SCRAM-SHA-1") MECH ("SCRAM-SHA-256")),
    "expect auth", "respond", "expect response", "respond", "restart", "open",
    FEATURES_BIND, "expect iq", BIND_RESULT (JULIET), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) sent = NULL;
  ScramPeer peer;

  scram_peer_init (&peer, TRUE);
  scripted_server_set_responder (server, scram_respond, &peer);
  session = connect_server (server, GXMPP_TLS_POLICY_REQUIRE, auth, &error);
  g_assert_no_error (error);

  sent = scripted_server_nth_received (server, "auth", 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (sent, "mechanism"), ==, "SCRAM-SHA-256");
  g_assert_cmpuint (scripted_server_count_received (server, "auth"), ==, 1);
  g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, "SCRAM-SHA-256");
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  close_session (session, server);
  scram_peer_clear (&peer);
}

/* 2. SCRAM over the session */

/* SECURITY-NOTES: the SCRAM server signature is checked even after
 * <success/>. A server that does not know the password (or a man in the
 * middle) cannot make the session ready; the client sends nothing after
 * its last response but the closing tag. */
static void
test_scram_bad_signature (void)
{
  const char *script[] = {
    "open", MECHANISMS (MECH ("SCRAM-SHA-256")), "expect auth", "respond", "expect response",
    /* the right length for SHA-256, the wrong value */
    "send <success " NS_SASL_ATTR ">{b64:v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}</success>",
    "expect-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  ScramPeer peer;

  scram_peer_init (&peer, TRUE);
  scripted_server_set_responder (server, scram_respond, &peer);
  session = connect_server (server, GXMPP_TLS_POLICY_PREFER, auth, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  assert_message_has (error, "signature");
  wait_server_done (server);
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 2);   /* <auth/>, <response/> */
  g_assert_false (scripted_server_received (server, "iq"));
  scram_peer_clear (&peer);
}

/* A hostile iteration count is refused when the server-first message
 * arrives, before any key derivation: 10^9 iterations would take minutes,
 * so this test finishing is the proof. The client aborts the exchange. */
static void
test_scram_iterations (gconstpointer data)
{
  const char *count = data;
  g_autofree char *challenge =
    g_strdup_printf ("send <challenge " NS_SASL_ATTR ">{b64:r={nonce}3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=%s}"
                     "</challenge>", count);
  const char *script[] = { "open", MECHANISMS (MECH ("SCRAM-SHA-256")), "expect auth", challenge,
                           "expect abort", "expect-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_PREFER, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
  assert_message_has (error, "iterations");
  assert_message_has (error, count);
  wait_server_done (server);
  g_assert_false (scripted_server_received (server, "response"));
}

static const char * const sasl_conditions[] = {
  "not-authorized", "account-disabled", "credentials-expired", "temporary-auth-failure",
  "malformed-request", "mechanism-too-weak", "encryption-required", "invalid-mechanism",
  "aborted", "incorrect-encoding", "invalid-authzid",
};

/* Each SASL failure condition of RFC 6120 6.5 is its own GXmppAuthError
 * code, and the server's <text/> comes along in the message. */
static void
test_sasl_failure (gconstpointer data)
{
  const char *name = data;
  g_autofree char *failure =
    g_strdup_printf ("send <failure " NS_SASL_ATTR "><%s/><text xml:lang='en'>because of %s</text></failure>",
                     name, name);
  const char *script[] = { "open", MECHANISMS (MECH ("SCRAM-SHA-256")), "expect auth", failure,
                           "expect-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_PREFER, &server, &error);
  g_autofree char *text = g_strdup_printf ("because of %s", name);
  GXmppAuthError condition;

  g_assert_true (gxmpp_auth_error_from_string (name, &condition));
  g_assert_cmpstr (gxmpp_auth_error_to_string (condition), ==, name);
  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, (int) condition);
  assert_message_has (error, text);
  assert_message_has (error, gxmpp_auth_error_get_description (condition));
  wait_server_done (server);
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 1);   /* <auth/> */
}

/* Without <text/>, the message is the condition's description. */
static void
test_sasl_failure_without_text (void)
{
  const char *script[] = { "open", MECHANISMS (MECH ("SCRAM-SHA-256")), "expect auth", "respond",
                           "expect response",
                           "send <failure " NS_SASL_ATTR "><credentials-expired/></failure>",
                           "expect-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  ScramPeer peer;

  scram_peer_init (&peer, FALSE);
  scripted_server_set_responder (server, scram_respond, &peer);
  session = connect_server (server, GXMPP_TLS_POLICY_PREFER, auth, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_CREDENTIALS_EXPIRED);
  g_assert_cmpstr (error->message, ==, gxmpp_auth_error_get_description (GXMPP_AUTH_ERROR_CREDENTIALS_EXPIRED));
  wait_server_done (server);
  scram_peer_clear (&peer);
}

/* Which SCRAM the defaults take over TLS 1.3 when the server offers
 * -PLUS, by what it announces of its channel binding types (XEP-0440):
 * the mechanism of the <auth/> and its GS2 header. */
typedef struct {
  const char *announced;        /* <sasl-channel-binding/>, or "" for none */
  gboolean named;               /* SCRAM-SHA-256-PLUS named by the application */
  const char *mechanism;        /* what the client takes */
  const char *gs2_header;       /* how its first message starts */
} CbCase;

static const CbCase cb_cases[] = {
  { "", FALSE, "SCRAM-SHA-256", "n,," },
  { "<channel-binding type='tls-exporter'/>", FALSE, "SCRAM-SHA-256-PLUS", "p=tls-exporter,," },
  { "<channel-binding type='tls-unique'/>", FALSE, "SCRAM-SHA-256", "n,," },
  { "", TRUE, "SCRAM-SHA-256-PLUS", "p=tls-exporter,," },
};

static void
test_channel_binding_choice (gconstpointer user_data)
{
  const CbCase *c = user_data;
  g_autofree char *features = g_strdup_printf (
    "send <stream:features><mechanisms " NS_SASL_ATTR ">" MECH ("SCRAM-SHA-256-PLUS") MECH ("SCRAM-SHA-256")
    "</mechanisms>%s%s%s</stream:features>",
    *c->announced != '\0' ? "<sasl-channel-binding xmlns='urn:xsf:xep-0440:0'>" : "",
    c->announced, *c->announced != '\0' ? "</sasl-channel-binding>" : "");
  const char *script[] = { START_TLS, features, "expect auth",
                           "send <failure " NS_SASL_ATTR "><not-authorized/></failure>",
                           "expect-close", NULL };
  const char *plus_only[] = { "SCRAM-SHA-256-PLUS", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) sent = NULL;
  g_autofree guchar *first = NULL;
  gsize len;

  if (c->named)
    g_assert_true (gxmpp_auth_set_mechanism_names (auth, plus_only, NULL));
  session = connect_server (server, GXMPP_TLS_POLICY_REQUIRE, auth, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NOT_AUTHORIZED);
  wait_server_done (server);

  sent = scripted_server_nth_received (server, "auth", 0);
  g_assert_nonnull (sent);
  g_assert_cmpstr (gxmpp_node_get_attribute (sent, "mechanism"), ==, c->mechanism);
  first = g_base64_decode (gxmpp_node_get_text (sent), &len);
  g_assert_cmpuint (len, >, strlen (c->gs2_header));
  g_assert_cmpmem (first, strlen (c->gs2_header), c->gs2_header, strlen (c->gs2_header));
}

/* 3. Resource binding */


static GXmppNode *
bind_request (ScriptedServer *server,
              guint           nth)
{
  g_autoptr(GXmppNode) iq = scripted_server_nth_received (server, "iq", nth);
  GXmppNode *bind;

  g_assert_nonnull (iq);
  g_assert_cmpstr (gxmpp_node_get_attribute (iq, "type"), ==, "set");
  bind = gxmpp_node_get_child (iq, "bind", "urn:ietf:params:xml:ns:xmpp-bind");
  g_assert_nonnull (bind);
  return gxmpp_node_ref (bind);
}

#define BIND_CONFLICT \
  "send <iq type='error' id='{id}'><error type='cancel'><conflict xmlns='" NS_STANZAS "'/></error></iq>"

/* RFC 6120 7.7.2.2: the resource asked for is taken and the server will
 * not take it over. The session then asks the server to choose one, as
 * gxmpp_auth_set_resource() documents. */
static void
test_bind_conflict (void)
{
  const char *script[] = { UNTIL_BIND, BIND_CONFLICT, "expect iq", BIND_RESULT ("juliet@localhost/chosen-by-server"),
                           "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppNode) first = NULL;
  g_autoptr(GXmppNode) second = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_session_get_jid (session)), ==, "juliet@localhost/chosen-by-server");
  first = bind_request (server, 0);
  g_assert_cmpstr (gxmpp_node_get_child_text (first, "resource", "urn:ietf:params:xml:ns:xmpp-bind"), ==, "balcony");
  second = bind_request (server, 1);
  g_assert_null (gxmpp_node_get_child (second, "resource", "urn:ietf:params:xml:ns:xmpp-bind"));
  close_session (session, server);
}

/* A conflict for a resource the server chose itself is final. */
static void
test_bind_conflict_twice (void)
{
  const char *script[] = { UNTIL_BIND, BIND_CONFLICT, "expect iq", BIND_CONFLICT, "expect-close", NULL };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_CONFLICT,
                                                             NULL);
  g_assert_cmpuint (scripted_server_count_received (server, "iq"), ==, 2);
}

/* The server binds the session to an address that is not the account's:
 * another user, or another domain. Taking it would make the session send
 * and check IQ replies as someone else. */
static void
test_bind_foreign_jid (gconstpointer data)
{
  const char *jid = data;
  g_autofree char *result =
    g_strdup_printf ("send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "><jid>%s</jid></bind></iq>", jid);
  const char *script[] = { UNTIL_BIND, result, "expect-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_null (session);
  g_assert_error (error, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT);
  assert_message_has (error, jid);
  wait_server_done (server);
}

/* The same account in another spelling is the same account. */
static void
test_bind_normalized_jid (void)
{
  const char *script[] = { UNTIL_BIND, BIND_RESULT ("JULIET@LocalHost/balcony"), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_session_get_jid (session)), ==, JULIET);
  close_session (session, server);
}

static void
test_bind_without_jid (void)
{
  const char *script[] = { UNTIL_BIND, "send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "/></iq>",
                           "expect-close", NULL };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_BAD_FORMAT,
                                                             "address");
}

/* Without a resource of its own, the session asks for none and takes the
 * one the server chose. */
static void
test_bind_server_chosen (void)
{
  const char *script[] = { UNTIL_BIND, BIND_RESULT ("juliet@localhost/gxmpp-4f2a"), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("juliet", PASSWORD);
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_server (server, GXMPP_TLS_POLICY_REQUIRE, auth, &error);
  g_autoptr(GXmppNode) bind = NULL;

  g_assert_no_error (error);
  bind = bind_request (server, 0);
  g_assert_cmpuint (gxmpp_node_get_n_children (bind), ==, 0);
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_session_get_jid (session)), ==, "juliet@localhost/gxmpp-4f2a");
  close_session (session, server);
}

/* 4. The legacy session of RFC 3921 */

#define FEATURES_BIND_SESSION(inside) \
  "send <stream:features><bind " NS_BIND_ATTR "/><session xmlns='" NS_SESSION "'>" inside \
  "</session></stream:features>"

static gboolean
sent_session_request (ScriptedServer *server)
{
  for (guint i = 0; ; i++)
    {
      g_autoptr(GXmppNode) iq = scripted_server_nth_received (server, "iq", i);

      if (iq == NULL)
        return FALSE;
      if (gxmpp_node_get_child (iq, "session", NS_SESSION) != NULL)
        return TRUE;
    }
}

/* Required (no <optional/>): established after binding. */
static void
test_legacy_session_required (void)
{
  const char *script[] = { START_TLS, PLAIN_LOGIN, FEATURES_BIND_SESSION (""), "expect iq", BIND_RESULT (JULIET),
                           "expect iq", "send <iq type='result' id='{id}'/>", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppNode) request = NULL;

  g_assert_no_error (error);
  g_assert_true (sent_session_request (server));
  request = scripted_server_nth_received (server, "iq", 1);
  g_assert_cmpstr (gxmpp_node_get_attribute (request, "type"), ==, "set");
  close_session (session, server);
}

/* Optional (RFC 6121 appendix E): not established, no round trip. */
static void
test_legacy_session_optional (void)
{
  const char *script[] = { START_TLS, PLAIN_LOGIN, FEATURES_BIND_SESSION ("<optional/>"), "expect iq",
                           BIND_RESULT (JULIET), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_no_error (error);
  close_session (session, server);
  g_assert_false (sent_session_request (server));
  g_assert_cmpuint (scripted_server_count_received (server, "iq"), ==, 1);    /* the bind request */
}

static void
test_legacy_session_error (void)
{
  const char *script[] = {
    START_TLS, PLAIN_LOGIN, FEATURES_BIND_SESSION (""), "expect iq", BIND_RESULT (JULIET), "expect iq",
    "send <iq type='error' id='{id}'><error type='wait'><internal-server-error xmlns='" NS_STANZAS "'/>"
    "<text xmlns='" NS_STANZAS "'>session store down</text></error></iq>",
    "expect-close", NULL
  };
  g_autoptr(ScriptedServer) server = connect_script_failing (script, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_INTERNAL_SERVER_ERROR,
                                                             "session store down");
  g_assert_true (sent_session_request (server));
}

/* 5. The end of a ready session */

typedef struct {
  gboolean done;
  GXmppIq *reply;
  GError *error;
} IqOutcome;

static void
on_iq_reply (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  IqOutcome *out = user_data;

  out->reply = gxmpp_session_send_iq_finish (GXMPP_SESSION (source), result, &out->error);
  out->done = TRUE;
}

static void
iq_outcome_clear (IqOutcome *out)
{
  g_clear_object (&out->reply);
  g_clear_error (&out->error);
}

/* Sends a ping to @to (NULL: the server), with @id unless NULL. */
static void
send_ping (GXmppSession *session,
           const char   *to,
           const char   *id,
           IqOutcome    *out)
{
  g_autoptr(GXmppNode) ping = gxmpp_node_new ("ping", "urn:xmpp:ping");
  g_autoptr(GXmppJid) jid = to != NULL ? gxmpp_jid_new (to, NULL) : NULL;
  g_autoptr(GXmppIq) iq = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, jid, ping);

  memset (out, 0, sizeof *out);
  if (id != NULL)
    gxmpp_stanza_set_id (GXMPP_STANZA (iq), id);
  gxmpp_session_send_iq_async (session, iq, 0, NULL, on_iq_reply, out);
}

/* Sends a chat message to romeo: the scripts use it as a signal to go on. */
static void
send_message (GXmppSession *session,
              const char   *body)
{
  g_autoptr(GXmppJid) romeo = gxmpp_jid_new (ROMEO, NULL);
  g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, romeo);
  g_autoptr(GError) error = NULL;

  gxmpp_message_set_body (message, NULL, body);
  g_assert_true (gxmpp_session_send (session, GXMPP_STANZA (message), &error));
  g_assert_no_error (error);
}

/* A stream error after the session is ready (one that says the server
 * would refuse again, so no reconnecting): the closed signal carries it,
 * with the server's text; IQs still waiting fail with GXMPP_ERROR_CLOSED,
 * whose message gives the reason; the state goes from READY straight to
 * CLOSED. */
static void
test_stream_error_when_ready (void)
{
  const char *script[] = {
    READY, "expect iq", "expect iq", "expect message",
    "send <stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>going down for maintenance</text></stream:error>"
    "</stream:stream>",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  IqOutcome first, second;
  SessionWatch watch;

  g_assert_no_error (error);
  session_watch (&watch, session);
  send_ping (session, NULL, NULL, &first);
  send_ping (session, NULL, NULL, &second);
  send_message (session, "go on");
  WAIT_UNTIL (watch.closed > 0 && first.done && second.done && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));

  g_assert_cmpuint (watch.closed, ==, 1);
  g_assert_error (watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
  assert_message_has (watch.reason, "going down for maintenance");
  g_assert_cmpuint (watch.states->len, ==, 1);
  g_assert_cmpint (g_array_index (watch.states, GXmppSessionState, 0), ==, GXMPP_SESSION_STATE_CLOSED);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);

  g_assert_null (first.reply);
  g_assert_error (first.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  assert_message_has (first.error, "going down for maintenance");
  g_assert_error (second.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);

  /* Closed is closed. */
  {
    g_autoptr(GXmppMessage) late = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, NULL);

    g_assert_false (gxmpp_session_send (session, GXMPP_STANZA (late), &error));
    g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  }
  iq_outcome_clear (&first);
  iq_outcome_clear (&second);
  session_watch_clear (&watch);
}

static gboolean
on_message_count (GXmppSession *session,
                  GXmppMessage *message,
                  gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
  return FALSE;
}

/* The connection drops in the middle of a stanza: the half stanza is not
 * delivered, and the session (which has no reconnection policy) is
 * disconnected with the connection's error, waiting for the application:
 * a waiting IQ waits on (a resumed stream could bring its reply), and a
 * message sent meanwhile is queued. Closing then fails both. */
static void
test_close_mid_stanza (void)
{
  const char *script[] = { READY, "expect iq", "expect message",
                           "send <message from='" ROMEO "' type='chat'><body>wherefore art th", "close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  guint messages = 0;
  IqOutcome ping;
  SessionWatch watch;

  g_assert_no_error (error);
  session_watch (&watch, session);
  g_signal_connect (session, "message", G_CALLBACK (on_message_count), &messages);
  send_ping (session, NULL, NULL, &ping);
  send_message (session, "go on");
  WAIT_UNTIL (watch.disconnected > 0 && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));

  g_assert_cmpuint (watch.disconnected, ==, 1);
  g_assert_error (watch.disconnect_reason, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (watch.closed, ==, 0);
  g_assert_cmpuint (messages, ==, 0);
  g_assert_false (ping.done);
  g_assert_cmpuint (watch.states->len, ==, 1);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);

  {
    g_autoptr(GXmppMessage) queued = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, NULL);
    SessionSendResult sent = { 0 };
    gboolean closed = FALSE;

    gxmpp_message_set_body (queued, NULL, "later");
    gxmpp_session_send_async (session, GXMPP_STANZA (queued), NULL, session_send_cb, &sent);
    g_assert_false (sent.done);

    gxmpp_session_close_async (session, NULL, session_close_cb, &closed);
    WAIT_UNTIL (closed && ping.done && sent.done);
    g_assert_cmpuint (watch.closed, ==, 1);
    g_assert_null (watch.reason);
    g_assert_error (ping.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
    g_assert_error (sent.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
    g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
    g_clear_error (&sent.error);
  }
  iq_outcome_clear (&ping);
  session_watch_clear (&watch);
}

/* What comes right behind the last negotiation reply (here, in the same
 * write as the bind result) is for the application: it must reach the
 * handlers connected in the callback of gxmpp_session_new_async(), or
 * after gxmpp_session_new_sync() returns, not be dispatched before. */

typedef struct {
  SessionConnectResult result;
  guint messages;
  SessionWatch watch;
} EarlyData;

static void
on_connected_connect_handlers (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  EarlyData *data = user_data;

  session_connect_cb (source, result, &data->result);
  if (data->result.session == NULL)
    return;
  g_assert_cmpint (gxmpp_session_get_state (data->result.session), ==, GXMPP_SESSION_STATE_READY);
  session_watch (&data->watch, data->result.session);
  g_signal_connect (data->result.session, "message", G_CALLBACK (on_message_count), &data->messages);
}

/* Connects to @server with the handlers of @data connected before
 * anything is dispatched. */
static GXmppSession *
connect_early (ScriptedServer *server,
               EarlyData      *data)
{
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();

  gxmpp_session_new_async ("localhost", config, auth, NULL, on_connected_connect_handlers, data);
  WAIT_UNTIL (data->result.done);
  g_assert_no_error (data->result.error);
  return g_steal_pointer (&data->result.session);
}

#define BIND_RESULT_AND(what) \
  "send <iq type='result' id='{id}'><bind " NS_BIND_ATTR "><jid>" JULIET "</jid></bind></iq>" what

/* A scripted server in a thread and main context of its own, for
 * gxmpp_session_new_sync(), which blocks this thread. */
typedef struct {
  const char * const *script;
  GMainContext *context;
  ScriptedServer *server;
  GMutex lock;
  GCond ready;
  int stop;
} ServerThread;

static gpointer
run_server (gpointer user_data)
{
  ServerThread *thread = user_data;

  g_main_context_push_thread_default (thread->context);
  g_mutex_lock (&thread->lock);
  thread->server = scripted_server_new (thread->script);
  g_cond_signal (&thread->ready);
  g_mutex_unlock (&thread->lock);
  while (!g_atomic_int_get (&thread->stop))
    g_main_context_iteration (thread->context, TRUE);
  g_main_context_pop_thread_default (thread->context);
  return NULL;
}

static GThread *
server_thread_start (ServerThread *thread)
{
  GThread *handle;

  thread->context = g_main_context_new ();
  g_mutex_init (&thread->lock);
  g_cond_init (&thread->ready);
  handle = g_thread_new ("scripted-server", run_server, thread);
  g_mutex_lock (&thread->lock);
  while (thread->server == NULL)
    g_cond_wait (&thread->ready, &thread->lock);
  g_mutex_unlock (&thread->lock);
  return handle;
}

/* Stops the thread; the server is this thread's from then on. */
static void
server_thread_stop (ServerThread *thread,
                    GThread      *handle)
{
  g_atomic_int_set (&thread->stop, TRUE);
  g_main_context_wakeup (thread->context);
  g_thread_join (handle);
  g_main_context_push_thread_default (thread->context);
  scripted_server_free (thread->server);
  g_main_context_pop_thread_default (thread->context);
  g_main_context_unref (thread->context);
  g_mutex_clear (&thread->lock);
  g_cond_clear (&thread->ready);
}

/* new_sync() with the handlers connected after it returns, as a script
 * would. */
static void
test_early_stanza_sync (void)
{
  const char *script[] = { UNTIL_BIND,
                           BIND_RESULT_AND ("<message from='" ROMEO "' type='chat'><body>first!</body></message>"),
                           "wait-close", NULL };
  ServerThread thread = { script };
  GThread *handle = server_thread_start (&thread);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (thread.server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  gboolean closed = FALSE;
  guint messages = 0;

  session = gxmpp_session_new_sync ("localhost", config, auth, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (session, "message", G_CALLBACK (on_message_count), &messages);
  WAIT_UNTIL (messages == 1);

  gxmpp_session_close_async (session, NULL, session_close_cb, &closed);
  WAIT_UNTIL (closed);
  server_thread_stop (&thread, handle);
  g_assert_cmpuint (messages, ==, 1);
}

static void
test_early_stanza (void)
{
  const char *script[] = { UNTIL_BIND,
                           BIND_RESULT_AND ("<message from='" ROMEO "' type='chat'><body>first!</body></message>"),
                           "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  EarlyData data = { { 0 } };
  g_autoptr(GXmppSession) session = connect_early (server, &data);

  WAIT_UNTIL (data.messages == 1);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  close_session (session, server);
  g_assert_cmpuint (data.messages, ==, 1);
  session_watch_clear (&data.watch);
}

/* The same for a stream error: the session that new_async hands over is
 * ready, and its closed signal then tells the application. */
static void
test_early_stream_error (void)
{
  const char *script[] = { UNTIL_BIND,
                           BIND_RESULT_AND ("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                            "</stream:error></stream:stream>"),
                           "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  EarlyData data = { { 0 } };
  g_autoptr(GXmppSession) session = connect_early (server, &data);
  WAIT_UNTIL (data.watch.closed == 1 && scripted_server_is_done (server));
  g_assert_error (data.watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_CONFLICT);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
  g_assert_cmpuint (data.watch.states->len, ==, 1);
  session_watch_clear (&data.watch);
}

/* 6. IQ replies and requests at the session level */

typedef struct {
  GPtrArray *ids;          /* of the stanzas the stanza signal saw */
} StanzaLog;

static gboolean
on_stanza (GXmppSession *session,
           GXmppStanza  *stanza,
           gpointer      user_data)
{
  StanzaLog *log = user_data;

  g_ptr_array_add (log->ids, g_strdup (gxmpp_stanza_get_id (stanza)));
  return FALSE;
}

/* SECURITY-NOTES row 2 (CVE-2013-6483, CVE-2014-0364): a reply is matched
 * on id AND sender. Answers with the right id from someone else, or from
 * the server on romeo's behalf, are not the reply; the request waits on
 * and completes with romeo's own. */
static void
test_iq_spoofed_reply (void)
{
  const char *script[] = {
    READY, "expect iq",
    "send <iq type='result' id='spoof-me' from='mallory@localhost/evil'/>",
    "send <iq type='result' id='spoof-me' from='romeo@localhost'/>",
    "send <iq type='result' id='spoof-me'/>",
    "expect message",
    "send <iq type='result' id='spoof-me' from='" ROMEO "'><ping xmlns='urn:xmpp:ping'/></iq>",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  StanzaLog log = { g_ptr_array_new_with_free_func (g_free) };
  IqOutcome ping;

  g_assert_no_error (error);
  g_signal_connect (session, "stanza", G_CALLBACK (on_stanza), &log);
  send_ping (session, ROMEO, "spoof-me", &ping);

  /* The forgeries go through the dispatch as ordinary stanzas... */
  WAIT_UNTIL (log.ids->len == 3);
  /* ... and the request still waits. */
  g_assert_false (ping.done);

  send_message (session, "go on");
  WAIT_UNTIL (ping.done);
  g_assert_no_error (ping.error);
  g_assert_cmpstr (gxmpp_jid_to_string (gxmpp_stanza_get_from (GXMPP_STANZA (ping.reply))), ==, ROMEO);
  g_assert_cmpuint (log.ids->len, ==, 3);     /* the reply went to the request only */
  close_session (session, server);
  iq_outcome_clear (&ping);
  g_ptr_array_unref (log.ids);
}

/* A request to the account's own bare JID is answered by the server on
 * its behalf, with no 'from' (RFC 6120 10.3.3). */
static void
test_iq_reply_from_own_server (void)
{
  const char *script[] = { READY, "expect iq", "send <iq type='result' id='{id}'/>", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  IqOutcome ping;

  g_assert_no_error (error);
  send_ping (session, "juliet@localhost", NULL, &ping);
  WAIT_UNTIL (ping.done);
  g_assert_no_error (ping.error);
  g_assert_nonnull (ping.reply);
  g_assert_cmpint (gxmpp_iq_get_iq_type (ping.reply), ==, GXMPP_IQ_TYPE_RESULT);
  close_session (session, server);
  iq_outcome_clear (&ping);
}

/* RFC 6120 8.4: a request nobody handles is answered service-unavailable,
 * to its sender, with its id. */
static void
test_iq_unhandled_request (void)
{
  const char *script[] = { READY,
                           "send <iq type='get' id='ask-1' from='" ROMEO "'><query xmlns='urn:example:unknown'/></iq>",
                           "expect iq", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppNode) answer = NULL;
  GXmppNode *error_node;

  g_assert_no_error (error);
  WAIT_UNTIL (scripted_server_count_received (server, "iq") == 2);   /* bind, then the answer */
  answer = scripted_server_nth_received (server, "iq", 1);
  g_assert_cmpstr (gxmpp_node_get_attribute (answer, "type"), ==, "error");
  g_assert_cmpstr (gxmpp_node_get_attribute (answer, "id"), ==, "ask-1");
  g_assert_cmpstr (gxmpp_node_get_attribute (answer, "to"), ==, ROMEO);
  error_node = gxmpp_node_get_child (answer, "error", NULL);
  g_assert_nonnull (error_node);
  g_assert_cmpstr (gxmpp_node_get_attribute (error_node, "type"), ==, "cancel");
  g_assert_nonnull (gxmpp_node_get_child (error_node, "service-unavailable", NS_STANZAS));
  close_session (session, server);
}

/* XEP-0199: pings from the server (the domain, or without 'from') are
 * answered with an empty result; a ping from anybody else is a request
 * nobody handles. */
static void
test_iq_server_ping (void)
{
  const char *script[] = { READY,
                           "send <iq type='get' id='ping-1' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
                           "expect iq",
                           "send <iq type='get' id='ping-2'><ping xmlns='urn:xmpp:ping'/></iq>",
                           "expect iq",
                           "send <iq type='get' id='ping-3' from='" ROMEO "'><ping xmlns='urn:xmpp:ping'/></iq>",
                           "expect iq", "wait-close", NULL };
  const char *expected[][3] = {     /* id, type, to */
    { "ping-1", "result", "localhost" },
    { "ping-2", "result", NULL },
    { "ping-3", "error", ROMEO },
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);

  g_assert_no_error (error);
  WAIT_UNTIL (scripted_server_count_received (server, "iq") == 4);   /* bind, then the answers */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GXmppNode) answer = scripted_server_nth_received (server, "iq", i + 1);

      g_assert_cmpstr (gxmpp_node_get_attribute (answer, "id"), ==, expected[i][0]);
      g_assert_cmpstr (gxmpp_node_get_attribute (answer, "type"), ==, expected[i][1]);
      g_assert_cmpstr (gxmpp_node_get_attribute (answer, "to"), ==, expected[i][2]);
      if (g_str_equal (expected[i][1], "result"))
        g_assert_cmpuint (gxmpp_node_get_n_children (answer), ==, 0);
      else
        g_assert_nonnull (gxmpp_node_get_child (gxmpp_node_get_child (answer, "error", NULL),
                                                "service-unavailable", NS_STANZAS));
    }
  close_session (session, server);
}

static gboolean
on_message_answer (GXmppSession *session,
                   GXmppMessage *message,
                   gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
  send_message (session, "pong");
  return TRUE;
}

/* A result nobody asked for is dropped: no answer (answering a result
 * would invite loops), no harm to the session. */
static void
test_iq_unknown_result (void)
{
  const char *script[] = { READY, "expect message", "send <iq type='result' id='nobody-asked' from='localhost'/>",
                           "send <message from='" ROMEO "' type='chat'><body>ping</body></message>",
                           "expect message", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  guint messages = 0;

  g_assert_no_error (error);
  g_signal_connect (session, "message", G_CALLBACK (on_message_answer), &messages);
  send_message (session, "go on");
  WAIT_UNTIL (scripted_server_count_received (server, "message") == 2);
  g_assert_cmpuint (messages, ==, 1);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  close_session (session, server);
  g_assert_cmpuint (scripted_server_count_received (server, "iq"), ==, 1);       /* the bind request only */
}

/* Stanza handlers run by priority until one returns TRUE; one removed
 * during a dispatch is not called again, also in that dispatch. With more
 * handlers than the dispatcher's stack snapshot holds. */
typedef struct {
  GXmppSession *session;
  GString *log;
  guint ids[20];
} HandlerLog;

typedef struct {
  HandlerLog *log;
  int priority;
} HandlerEntry;

static gboolean
on_logged_handler (GXmppSession *session,
                   GXmppStanza  *stanza,
                   gpointer      user_data)
{
  HandlerEntry *entry = user_data;

  g_string_append_printf (entry->log->log, "%d ", entry->priority);
  if (entry->priority == 15 && entry->log->ids[10] != 0)
    {
      gxmpp_session_remove_handler (session, entry->log->ids[10]);
      entry->log->ids[10] = 0;
    }
  return entry->priority == 5;
}

/* "stanza" runs before the handlers: it marks where a stanza starts. */
static gboolean
on_stanza_mark (GXmppSession *session,
                GXmppStanza  *stanza,
                gpointer      user_data)
{
  GString *log = user_data;

  if (log->len > 0)
    g_string_append (log, "| ");
  return FALSE;
}

static void
test_handlers_order (void)
{
  const char *script[] = { READY, "expect message",
                           "send <message from='" ROMEO "' type='chat' id='h-1'><body>one</body></message>",
                           "send <message from='" ROMEO "' type='chat' id='h-2'><body>two</body></message>",
                           "wait-close", NULL };
  /* Added in a scrambled order; they must run by priority. */
  const int order[20] = { 3, 17, 0, 12, 5, 19, 8, 14, 1, 10, 16, 6, 11, 2, 18, 9, 13, 4, 15, 7 };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppStanzaMatch) match = gxmpp_stanza_match_new ();
  HandlerLog log = { session, g_string_new (NULL), { 0 } };
  HandlerEntry entries[20];
  guint messages = 0;

  g_assert_no_error (error);
  gxmpp_stanza_match_set_kind (match, GXMPP_STANZA_KIND_MESSAGE);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      entries[i].log = &log;
      entries[i].priority = order[i];
      log.ids[order[i]] = gxmpp_session_add_handler (session, match, order[i], on_logged_handler,
                                                     &entries[i], NULL);
    }
  g_signal_connect (session, "message", G_CALLBACK (on_message_count), &messages);
  g_signal_connect (session, "stanza", G_CALLBACK (on_stanza_mark), log.log);
  send_message (session, "go on");
  WAIT_UNTIL (g_str_has_suffix (log.log->str, "| 19 18 17 16 15 14 13 12 11 9 8 7 6 5 "));
  g_assert_cmpstr (log.log->str, ==,
                   "19 18 17 16 15 14 13 12 11 9 8 7 6 5 | 19 18 17 16 15 14 13 12 11 9 8 7 6 5 ");
  /* Handled: not the "message" signal's. */
  g_assert_cmpuint (messages, ==, 0);
  close_session (session, server);
  g_string_free (log.log, TRUE);
}

/* 7. Re-entrancy: a message handler that sends, closes, or drops the
 * session */

typedef enum {
  REENTER_CLOSE,            /* send, then close_async */
  REENTER_UNREF,            /* send, then drop the last reference */
  REENTER_CLOSE_UNREF,      /* send, close_async, drop the last reference */
} Reentry;

typedef struct {
  Reentry what;
  GXmppSession *session;    /* the test's only reference, for REENTER_*UNREF */
  guint messages;
  gboolean close_done;
} ReentryData;

static gboolean
on_message_reenter (GXmppSession *session,
                    GXmppMessage *message,
                    gpointer      user_data)
{
  ReentryData *data = user_data;

  data->messages++;
  send_message (session, "and goodbye");
  if (data->what != REENTER_UNREF)
    gxmpp_session_close_async (session, NULL, session_close_cb, &data->close_done);
  if (data->what != REENTER_CLOSE)
    g_clear_object (&data->session);
  return TRUE;
}

/* glib-networking closes a TLS connection in a worker thread, whose
 * GTask may hold the last reference: the connection can be finalized
 * there, after the main loop went to sleep. Tell the loop. */
static void
on_finalized_elsewhere (gpointer  user_data,
                        GObject  *where_the_object_was)
{
  g_atomic_int_set ((gint *) user_data, 0);
  g_main_context_wakeup (NULL);
}

/* Each case ends with the server's "wait-close" done: the closing tag came
 * after the reply, whether the application closed the session or dropped
 * it. A closed session emits closed once, with no reason; a dropped one
 * has nobody left to tell: it does not emit closed, and it is finalized
 * together with its connection. */
static void
test_reentrancy (gconstpointer user_data)
{
  const char *script[] = { READY, "expect message",
                           "send <message from='" ROMEO "' type='chat'><body>hello</body></message>",
                           "expect message", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  ReentryData data = { GPOINTER_TO_INT (user_data) };
  GXmppSession *alive;
  gint tls_alive = 1;
  SessionWatch watch;

  data.session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_assert_no_error (error);
  alive = data.session;
  g_object_add_weak_pointer (G_OBJECT (alive), (gpointer *) &alive);
  session_watch (&watch, data.session);
  g_signal_connect (data.session, "message", G_CALLBACK (on_message_reenter), &data);
  g_object_weak_ref (G_OBJECT (gxmpp_session_get_tls_connection (data.session)),
                     on_finalized_elsewhere, &tls_alive);
  send_message (data.session, "go on");
  if (data.what == REENTER_CLOSE)
    {
      WAIT_UNTIL (data.close_done && scripted_server_is_done (server));
      g_assert_cmpint (gxmpp_session_get_state (data.session), ==, GXMPP_SESSION_STATE_CLOSED);
      g_clear_object (&data.session);
    }

  /* Everything goes, down to the TLS connection. */
  WAIT_UNTIL (scripted_server_is_done (server));
  WAIT_UNTIL (alive == NULL);
  WAIT_UNTIL (!g_atomic_int_get (&tls_alive));
  g_assert_null (scripted_server_get_error (server));
  g_assert_cmpuint (data.messages, ==, 1);
  g_assert_cmpuint (scripted_server_count_received (server, "message"), ==, 2);   /* "go on", the reply */
  if (data.what == REENTER_UNREF)
    g_assert_cmpuint (watch.closed, ==, 0);
  else
    {
      g_assert_true (data.close_done);
      g_assert_cmpuint (watch.closed, ==, 1);
      g_assert_null (watch.reason);
    }
  session_watch_clear (&watch);
}

/* 8. Logging: the traffic, but never the password or a SASL payload */

static GString *captured;     /* the library's log while capturing */

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  if (captured == NULL)
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  /* What G_MESSAGES_DEBUG=GXmpp would show; the rest is not printed while
   * capturing, so that debug output does not end up in the TAP stream. */
  if (g_strcmp0 (domain, "GXmpp") == 0 && message != NULL)
    g_string_append_printf (captured, "%s\n", message);
  return G_LOG_WRITER_HANDLED;
}

static void
start_capture (void)
{
  g_assert_null (captured);
  captured = g_string_new (NULL);
  g_log_set_debug_enabled (TRUE);
}

static char *
stop_capture (void)
{
  g_log_set_debug_enabled (FALSE);
  return g_string_free (g_steal_pointer (&captured), FALSE);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
assert_not_logged (const char *log,
                   const char *secret)
{
  if (strstr (log, secret) != NULL)
    g_error ("the log shows “%s”:\n%s", secret, log);
}

/* The payloads of the SASL elements the client sent. */
static void
assert_sent_payloads_not_logged (ScriptedServer *server,
                                 const char     *log)
{
  const char *names[] = { "auth", "response" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (guint nth = 0; ; nth++)
      {
        g_autoptr(GXmppNode) sent = scripted_server_nth_received (server, names[i], nth);

        if (sent == NULL)
          break;
        g_assert_cmpstr (gxmpp_node_get_text (sent), !=, "");
        assert_not_logged (log, gxmpp_node_get_text (sent));
      }
}

static void
test_logging_plain (void)
{
  const char *script[] = { READY, "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autofree char *log = NULL;
  g_autofree char *plain = g_base64_encode ((const guchar *) "\0juliet\0" PASSWORD, strlen (PASSWORD) + 8);

  start_capture ();
  session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_assert_no_error (error);
  close_session (session, server);
  log = stop_capture ();

  /* The traffic is there... */
  g_assert_nonnull (strstr (log, "SEND <auth"));
  g_assert_nonnull (strstr (log, "RECV <success"));
  g_assert_nonnull (strstr (log, JULIET));
  /* ... with the payload of <auth/> (the password) as a marker. */
  g_assert_cmpuint (count_occurrences (log, "[redacted]"), ==, 1);
  g_assert_nonnull (strstr (log, "PLAIN"));
  assert_not_logged (log, PASSWORD);
  assert_not_logged (log, plain);
  assert_sent_payloads_not_logged (server, log);
}

static void
test_logging_scram (void)
{
  const char *script[] = { START_TLS, MECHANISMS (MECH ("SCRAM-SHA-1")), "expect auth", "respond",
                           "expect response", "respond", "restart", "open", FEATURES_BIND, "expect iq",
                           BIND_RESULT (JULIET), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autofree char *log = NULL;
  ScramPeer peer;

  scram_peer_init (&peer, FALSE);
  scripted_server_set_responder (server, scram_respond, &peer);
  start_capture ();
  session = connect_server (server, GXMPP_TLS_POLICY_REQUIRE, auth, &error);
  g_assert_no_error (error);
  close_session (session, server);
  log = stop_capture ();

  g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, "SCRAM-SHA-1");
  g_assert_nonnull (strstr (log, "SEND <auth"));
  g_assert_nonnull (strstr (log, "RECV <challenge"));
  g_assert_nonnull (strstr (log, "SEND <response"));
  g_assert_nonnull (strstr (log, "RECV <success"));
  /* <auth/>, <challenge/>, <response/>, <success/> */
  g_assert_cmpuint (count_occurrences (log, "[redacted]"), ==, 4);
  assert_not_logged (log, PASSWORD);
  /* Both sides' messages, base64 and decoded, and the nonces in them. */
  g_assert_cmpuint (peer.payloads->len, ==, 4);
  for (guint i = 0; i < peer.payloads->len; i++)
    assert_not_logged (log, peer.payloads->pdata[i]);
  assert_not_logged (log, peer.ref.server_first);
  assert_not_logged (log, peer.ref.client_first_bare);
  assert_not_logged (log, peer.ref.server_nonce);
  assert_sent_payloads_not_logged (server, log);
  scram_peer_clear (&peer);
}

/* 9. Stalling during SASL (test-connect covers a server that never
 * answers the stream header) */

#define STALL_AFTER_AUTH "open", MECHANISMS (MECH ("SCRAM-SHA-256")), "expect auth", "hang"

static void
test_timeout_during_sasl (void)
{
  const char *script[] = { STALL_AFTER_AUTH, NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_PREFER);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;

  gxmpp_stream_config_set_connect_timeout (gxmpp_session_config_get_stream_config (config), 500);
  session = session_connect_with (config, auth, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  assert_message_has (error, "localhost");
  /* It was SASL that stalled. */
  g_assert_true (scripted_server_received (server, "auth"));
  g_assert_false (scripted_server_received (server, "response"));
}

static void
test_cancel_during_sasl (void)
{
  const char *script[] = { STALL_AFTER_AUTH, NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_PREFER);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SessionConnectResult out = { 0 };

  gxmpp_session_new_async ("localhost", config, auth, cancellable, session_connect_cb, &out);
  WAIT_UNTIL (scripted_server_received (server, "auth"));
  g_assert_false (out.done);
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (out.done);
  g_assert_null (out.session);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&out.error);
}

/* 10. Stream management (XEP-0198) and liveness against a hostile or
 * silent server */

/* A message from romeo without an id: the session remembers the ids it
 * received, which leak with it (see test_sm_duplicates()); and a message
 * with one. */
#define ROMEO_SAYS "send <message from='" ROMEO "' type='chat'><body>hello</body></message>"
#define SAYS_WITH_ID(from, id) \
  "send <message from='" from "' type='chat' id='" id "'><body>hello</body></message>"

/* The names of the elements the client sent after its <enable/>, in
 * order, separated by spaces. */
static char *
sent_after_enable (ScriptedServer *server)
{
  GPtrArray *received = scripted_server_get_received (server);
  GString *names = g_string_new (NULL);
  gboolean after = FALSE;

  for (guint i = 0; i < received->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GXmppNode) node = gxmpp_node_new_from_string (received->pdata[i], -1, NULL, &error);
      const char *name;

      g_assert_no_error (error);
      name = gxmpp_node_get_name (node);
      if (!after)
        after = g_str_equal (name, "enable");
      else
        g_string_append_printf (names, "%s%s", names->len > 0 ? " " : "", name);
    }
  g_assert_true (after);
  return g_string_free (names, FALSE);
}

static void
assert_sent_after_enable (ScriptedServer *server,
                          const char     *expected)
{
  g_autofree char *names = sent_after_enable (server);

  g_assert_cmpstr (names, ==, expected);
}

/* The 'h' of the @nth <a/> the client sent. */
static char *
client_ack (ScriptedServer *server,
            guint           nth)
{
  g_autoptr(GXmppNode) a = scripted_server_nth_received (server, "a", nth);

  g_assert_nonnull (a);
  g_assert_cmpstr (gxmpp_node_get_namespace (a), ==, "urn:xmpp:sm:3");
  return g_strdup (gxmpp_node_get_attribute (a, "h"));
}

static void
assert_client_ack (ScriptedServer *server,
                   guint           nth,
                   const char     *h)
{
  g_autofree char *value = client_ack (server, nth);

  g_assert_cmpstr (value, ==, h);
}

/* The body of the @nth message the client sent. */
static char *
sent_body (ScriptedServer *server,
           guint           nth)
{
  g_autoptr(GXmppNode) message = scripted_server_nth_received (server, "message", nth);

  g_assert_nonnull (message);
  return g_strdup (gxmpp_node_get_child_text (message, "body", NULL));
}

/* A chat message to romeo. */
static GXmppMessage *
make_message (const char *body)
{
  g_autoptr(GXmppJid) romeo = gxmpp_jid_new (ROMEO, NULL);
  GXmppMessage *message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, romeo);

  gxmpp_message_set_body (message, NULL, body);
  return message;
}

/* Sends a chat message to romeo with send_async(). */
static void
send_message_async (GXmppSession      *session,
                    const char        *body,
                    SessionSendResult *out)
{
  g_autoptr(GXmppMessage) message = make_message (body);

  memset (out, 0, sizeof *out);
  gxmpp_session_send_async (session, GXMPP_STANZA (message), NULL, session_send_cb, out);
}

/* The client asks to enable stream management, resumable, once bound;
 * a ready session then counts what it handles: <r/> is answered with the
 * number of stanzas (messages, presences, IQs) the server sent after
 * <enabled/>. Nonzas (<r/>, <a/>) never count; the client's own answer to
 * an IQ is one stanza more in its outbound count. */
static void
test_sm_answers_requests (void)
{
  const char *script[] = {
    READY_SM,
    ROMEO_SAYS, "send <presence from='" ROMEO "'/>", ROMEO_SAYS,
    SERVER_REQUEST, "expect a",
    SERVER_ACK ("0"), SERVER_REQUEST, "expect a",
    "send <iq type='get' id='ping-1' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    "expect iq", "expect r", SERVER_ACK ("1"), SERVER_REQUEST, "expect a",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppNode) enable = NULL;
  guint messages = 0;

  g_assert_no_error (error);
  enable = scripted_server_nth_received (server, "enable", 0);
  g_assert_nonnull (enable);
  g_assert_cmpstr (gxmpp_node_get_namespace (enable), ==, "urn:xmpp:sm:3");
  g_assert_cmpstr (gxmpp_node_get_attribute (enable, "resume"), ==, "true");
  g_signal_connect (session, "message", G_CALLBACK (on_message_count), &messages);

  WAIT_UNTIL (scripted_server_count_received (server, "a") == 3);
  g_assert_null (scripted_server_get_error (server));
  assert_client_ack (server, 0, "3");
  assert_client_ack (server, 1, "3");
  assert_client_ack (server, 2, "4");
  g_assert_cmpuint (messages, ==, 2);
  assert_sent_after_enable (server, "a a iq r a");

  /* XEP-0198 recommends a last ack before closing. */
  close_session (session, server);
  assert_sent_after_enable (server, "a a iq r a a");
  assert_client_ack (server, 3, "4");
}

/* XEP-0198: the inbound count starts with <enabled/>. A stanza the server
 * sent before (here, before it handled <enable/>) is not counted, and it
 * is still for the application. */
static void
test_sm_stanza_before_enabled (void)
{
  const char *script[] = {
    UNTIL_BIND_SM, BIND_RESULT (JULIET), "expect enable", ROMEO_SAYS, ENABLED,
    ROMEO_SAYS, SERVER_REQUEST, "expect a", "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  EarlyData data = { { 0 } };
  g_autoptr(GXmppSession) session = connect_early (server, &data);

  WAIT_UNTIL (scripted_server_count_received (server, "a") == 1);
  g_assert_null (scripted_server_get_error (server));
  assert_client_ack (server, 0, "1");
  g_assert_cmpuint (data.messages, ==, 2);
  close_session (session, server);
  session_watch_clear (&data.watch);
}

/* A stanza that comes before the session's result is the application's
 * all the same: it is dispatched once the session is ready. */
static void
test_legacy_session_stanza_before_result (void)
{
  const char *script[] = {
    START_TLS, PLAIN_LOGIN, FEATURES_BIND_SESSION (""), "expect iq", BIND_RESULT (JULIET),
    "expect iq", "send <message from='romeo@montague.lit/orchard' type='chat'><body>early</body></message>",
    "send <iq type='result' id='{id}'/>", "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  EarlyData data = { { 0 } };
  g_autoptr(GXmppSession) session = connect_early (server, &data);
  WAIT_UNTIL (data.messages == 1);
  g_assert_true (sent_session_request (server));
  close_session (session, server);
  session_watch_clear (&data.watch);
}

/* A server that floods the client with stanzas before it is ready
 * (here, before <enabled/>) is cut off: a negotiation keeps at most
 * 1,000 of them for the application. */
static void
test_sm_early_flood (void)
{
  g_autoptr(GPtrArray) script = g_ptr_array_new ();
  g_autoptr(ScriptedServer) server = NULL;
  const char *start[] = { UNTIL_BIND_SM, BIND_RESULT (JULIET), "expect enable" };

  for (guint i = 0; i < G_N_ELEMENTS (start); i++)
    g_ptr_array_add (script, (gpointer) start[i]);
  for (guint i = 0; i < 1001; i++)
    g_ptr_array_add (script, (gpointer) ROMEO_SAYS);
  g_ptr_array_add (script, (gpointer) ENABLED);
  g_ptr_array_add (script, (gpointer) "expect-close");
  g_ptr_array_add (script, NULL);

  server = connect_script_failing ((const char * const *) script->pdata, GXMPP_STREAM_ERROR,
                                   GXMPP_STREAM_ERROR_POLICY_VIOLATION, "1000");
}

/* A message whose sender and id were seen before is not dispatched again
 * (after a failed resumption the server, or the sender, may deliver it
 * twice), but it is a stanza handled all the same: it counts for 'h'.
 * The same id from another sender, and messages without an id, are
 * dispatched. */
static void
test_sm_duplicates (void)
{
  const char *script[] = {
    READY_SM,
    SAYS_WITH_ID (ROMEO, "dup-1"), SAYS_WITH_ID (ROMEO, "dup-1"), SAYS_WITH_ID (ROMEO, "dup-2"),
    SAYS_WITH_ID ("nurse@localhost/x", "dup-1"), ROMEO_SAYS, ROMEO_SAYS,
    SERVER_REQUEST, "expect a", "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  guint messages = 0;

  session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_assert_no_error (error);
  g_signal_connect (session, "message", G_CALLBACK (on_message_count), &messages);
  WAIT_UNTIL (scripted_server_received (server, "a"));
  g_assert_null (scripted_server_get_error (server));
  g_assert_cmpuint (messages, ==, 5);
  assert_client_ack (server, 0, "6");
  close_session (session, server);
}

/* Plays READY_SM, ROMEO's message "first", ROMEO's messages "m-1" to
 * "m-@count", the messages of @tail (ROMEO's, by id), and an ack request;
 * asserts that the session acknowledged @ack stanzas (duplicates count as
 * handled) and dispatched @dispatched messages to the application. */
static void
play_duplicate_window (guint               count,
                       const char * const *tail,
                       const char         *ack,
                       guint               dispatched)
{
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) script = g_ptr_array_new ();
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  const char *start[] = { READY_SM, SAYS_WITH_ID (ROMEO, "first") };
  EarlyData data = { { 0 } };

  for (guint i = 0; i < G_N_ELEMENTS (start); i++)
    g_ptr_array_add (script, (gpointer) start[i]);
  for (guint i = 1; i <= count; i++)
    {
      char *line = g_strdup_printf ("send <message from='" ROMEO "' type='chat' id='m-%u'>"
                                    "<body>hello</body></message>", i);

      g_ptr_array_add (owned, line);
      g_ptr_array_add (script, line);
    }
  for (guint i = 0; tail[i] != NULL; i++)
    {
      char *line = g_strdup_printf ("send <message from='" ROMEO "' type='chat' id='%s'>"
                                    "<body>hello</body></message>", tail[i]);

      g_ptr_array_add (owned, line);
      g_ptr_array_add (script, line);
    }
  g_ptr_array_add (script, (gpointer) SERVER_REQUEST);
  g_ptr_array_add (script, (gpointer) "expect a");
  g_ptr_array_add (script, (gpointer) "wait-close");
  g_ptr_array_add (script, NULL);

  /* The handlers are connected before anything is dispatched. */
  server = scripted_server_new ((const char * const *) script->pdata);
  session = connect_early (server, &data);
  WAIT_UNTIL (scripted_server_count_received (server, "a") == 1);
  g_assert_null (scripted_server_get_error (server));
  assert_client_ack (server, 0, ack);
  g_assert_cmpuint (data.messages, ==, dispatched);
  close_session (session, server);
  session_watch_clear (&data.watch);
}

/* The session remembers the messages of the last 8,192 (sender, id)
 * pairs: a duplicate 2,048 messages later is still dropped (and is not
 * the application's). */
static void
test_sm_duplicate_window (void)
{
  const char *tail[] = { "first", NULL };

  play_duplicate_window (2047, tail, "2049", 2048);
}

/* Past the window the oldest pair is forgotten: after 8,192 newer pairs
 * "first" is dispatched again, while one still in the window is dropped.
 * This exercises the eviction of old digests from the set. */
static void
test_sm_duplicate_window_evicts (void)
{
  const char *tail[] = { "first", "m-2", "m-8192", NULL };

  play_duplicate_window (8192, tail, "8196", 8194);
}

/* After a batch of stanzas written in one turn of the main loop, one
 * <r/>; send_async() completes when the server's <a/> covers the stanza,
 * not when it is written, and an <a/> covering some completes exactly
 * those. */
static void
test_sm_requests_acks (void)
{
  const char *script[] = {
    READY_SM,
    "expect message", "expect message", "expect message", "expect r",
    "expect presence", "expect r", SERVER_ACK ("2"),
    "expect message", "expect r", SERVER_ACK ("5"),
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  SessionSendResult sent[3];

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);

      send_message_async (session, body, &sent[i]);
    }

  /* Written, and the request after them: not confirmed yet. */
  WAIT_UNTIL (scripted_server_received (server, "r"));
  g_assert_cmpuint (scripted_server_count_received (server, "message"), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    g_assert_false (sent[i].done);

  /* The server confirms the first two when it has the presence. */
  {
    g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, NULL);

    g_assert_true (gxmpp_session_send (session, GXMPP_STANZA (presence), &error));
    g_assert_no_error (error);
  }
  WAIT_UNTIL (sent[0].done && sent[1].done);
  g_assert_true (sent[0].ok);
  g_assert_true (sent[1].ok);
  g_assert_false (sent[2].done);

  /* And the rest when it has one more message. */
  send_message (session, "go on");
  WAIT_UNTIL (sent[2].done);
  g_assert_true (sent[2].ok);
  g_assert_null (scripted_server_get_error (server));
  assert_sent_after_enable (server, "message message message r presence r message r");
  close_session (session, server);
}

#define ACK_BATCH 32     /* as in gxmpp-session.c */

/* Many stanzas in one turn: one <r/> after every ACK_BATCH of them, and
 * one after the rest (here ACK_BATCH + 8 = 40 stanzas). */
static void
test_sm_ack_batch (void)
{
  g_autoptr(GPtrArray) script = g_ptr_array_new ();
  const char *ready[] = { READY_SM };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  SessionSendResult last;
  const guint n = ACK_BATCH + 8;

  for (guint i = 0; i < G_N_ELEMENTS (ready); i++)
    g_ptr_array_add (script, (gpointer) ready[i]);
  for (guint i = 1; i <= n; i++)
    {
      g_ptr_array_add (script, "expect message");
      g_string_append (expected, i > 1 ? " message" : "message");
      if (i % ACK_BATCH == 0 || i == n)
        {
          g_ptr_array_add (script, "expect r");
          g_string_append (expected, " r");
        }
    }
  g_ptr_array_add (script, SERVER_ACK ("40"));
  g_ptr_array_add (script, "wait-close");
  g_ptr_array_add (script, NULL);

  session = connect_script ((const char * const *) script->pdata, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_assert_no_error (error);
  for (guint i = 1; i < n; i++)
    send_message (session, "one of many");
  send_message_async (session, "the last", &last);
  WAIT_UNTIL (last.done);
  g_assert_true (last.ok);
  g_assert_null (scripted_server_get_error (server));
  assert_sent_after_enable (server, expected->str);
  close_session (session, server);
}

/* SECURITY-NOTES 4.3: an <a/> acknowledging more than was sent ends the
 * stream with <undefined-condition/> and <handled-count-too-high/>
 * (XEP-0198 section 4); the session closes with that error, and what
 * waited for an ack fails. */
static void
test_sm_ack_too_high (void)
{
  const char *script[] = { READY_SM, "expect message", "expect r", SERVER_ACK ("5"), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  g_autoptr(GXmppNode) stream_error = NULL;
  SessionSendResult sent;
  SessionWatch watch;
  GXmppNode *detail;

  g_assert_no_error (error);
  session_watch (&watch, session);
  send_message_async (session, "count me", &sent);
  WAIT_UNTIL (watch.closed > 0 && sent.done && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));

  /* What the server got: the stream error, and nothing after it but the
   * closing tag. */
  assert_sent_after_enable (server, "message r error");
  stream_error = scripted_server_nth_received (server, "error", 0);
  g_assert_cmpstr (gxmpp_node_get_namespace (stream_error), ==, "http://etherx.jabber.org/streams");
  g_assert_nonnull (gxmpp_node_get_child (stream_error, "undefined-condition",
                                          "urn:ietf:params:xml:ns:xmpp-streams"));
  detail = gxmpp_node_get_child (stream_error, "handled-count-too-high", "urn:xmpp:sm:3");
  g_assert_nonnull (detail);
  g_assert_cmpstr (gxmpp_node_get_attribute (detail, "h"), ==, "5");
  g_assert_cmpstr (gxmpp_node_get_attribute (detail, "send-count"), ==, "1");
  /* On the wire, as RFC 6120 spells it, then the closing tag. */
  g_assert_nonnull (strstr (scripted_server_get_raw (server)->str, "<stream:error>"));
  g_assert_true (g_str_has_suffix (scripted_server_get_raw (server)->str, "</stream:stream>"));

  /* The session is over, not disconnected. */
  g_assert_cmpuint (watch.closed, ==, 1);
  g_assert_error (watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_UNDEFINED_CONDITION);
  g_assert_cmpuint (watch.disconnected, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
  g_assert_false (sent.ok);
  g_assert_error (sent.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  g_clear_error (&sent.error);
  session_watch_clear (&watch);
}

/* An 'h' that is not a number is ignored, not taken for 0 or for
 * everything (libstrophe drops its whole queue on one). */
static void
test_sm_ack_unparsable (void)
{
  const char *script[] = {
    READY_SM, "expect message", "expect r",
    "send <a " NS_SM_ATTR " h='one'/>", "send <a " NS_SM_ATTR "/>", "send <a " NS_SM_ATTR " h='-1'/>",
    "send <a " NS_SM_ATTR " h='4294967296'/>",
    SERVER_REQUEST, "expect a", SERVER_ACK ("1"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  SessionSendResult sent;
  SessionWatch watch;

  g_assert_no_error (error);
  session_watch (&watch, session);
  send_message_async (session, "count me", &sent);
  /* The session answered the request after the broken acks... */
  WAIT_UNTIL (scripted_server_received (server, "a"));
  g_assert_false (sent.done);
  /* ... and the good one confirms the message. */
  WAIT_UNTIL (sent.done);
  g_assert_true (sent.ok);
  g_assert_cmpuint (watch.closed, ==, 0);
  g_assert_null (scripted_server_get_error (server));
  assert_sent_after_enable (server, "message r a");
  close_session (session, server);
  session_watch_clear (&watch);
}

/* With max-unacked-stanzas 3 and a server that does not acknowledge, the
 * fourth stanza is refused with GXMPP_ERROR_QUEUE_FULL and not written;
 * once the server has confirmed the three, sending works again. */
static void
test_sm_queue_full (void)
{
  const char *script[] = {
    READY_SM, "expect message", "expect message", "expect message", "expect r", SERVER_ACK ("3"),
    "expect message", "expect r", SERVER_ACK ("4"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  SessionSendResult sent[3], refused, after;

  gxmpp_session_config_set_max_unacked_stanzas (config, 3);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      g_autofree char *body = g_strdup_printf ("message %u", i);

      send_message_async (session, body, &sent[i]);
    }
  {
    g_autoptr(GXmppMessage) full = make_message ("too many");

    g_assert_false (gxmpp_session_send (session, GXMPP_STANZA (full), &error));
    g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
    g_clear_error (&error);
  }
  send_message_async (session, "too many, async", &refused);
  WAIT_UNTIL (refused.done);
  g_assert_false (refused.ok);
  g_assert_error (refused.error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
  g_clear_error (&refused.error);

  /* The server confirms the three... */
  WAIT_UNTIL (sent[0].done && sent[1].done && sent[2].done);
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    g_assert_true (sent[i].ok);
  /* ... and there is room again. */
  send_message_async (session, "after", &after);
  WAIT_UNTIL (after.done);
  g_assert_true (after.ok);
  g_assert_null (scripted_server_get_error (server));

  /* The refused ones never went out. */
  assert_sent_after_enable (server, "message message message r message r");
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *body = sent_body (server, i);
      g_autofree char *expected = i < 3 ? g_strdup_printf ("message %u", i) : g_strdup ("after");

      g_assert_cmpstr (body, ==, expected);
    }
  close_session (session, server);
}

/* The same for max-unacked-bytes: a stanza that would take the bytes
 * waiting for confirmation over the limit is refused. */
static void
test_sm_queue_full_bytes (void)
{
  const char *script[] = { READY_SM, "expect message", SERVER_ACK ("1"), "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_body = g_strnfill (250, 'a');
  g_autofree char *second_body = g_strnfill (250, 'b');
  g_autofree char *third_body = g_strnfill (250, 'c');
  g_autoptr(GXmppMessage) second = make_message (second_body);
  g_autoptr(GXmppMessage) third = make_message (third_body);
  SessionSendResult first;
  gboolean second_ok;

  /* Room for one such message (some 330 bytes), not for two. */
  gxmpp_session_config_set_max_unacked_bytes (config, 400);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);

  send_message_async (session, first_body, &first);
  second_ok = gxmpp_session_send (session, GXMPP_STANZA (second), &error);
  WAIT_UNTIL (first.done);
  g_assert_true (first.ok);
  g_assert_false (second_ok);
    {
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_QUEUE_FULL);
      g_clear_error (&error);
      /* The first is confirmed: room again. */
      g_assert_true (gxmpp_session_send (session, GXMPP_STANZA (third), &error));
      g_assert_no_error (error);
      WAIT_UNTIL (scripted_server_count_received (server, "message") == 2);
      {
        g_autofree char *body = sent_body (server, 1);

        g_assert_cmpstr (body, ==, third_body);
      }
    }
  close_session (session, server);
}

/* Keep-alive: a session that writes nothing for keepalive-interval writes
 * a single space, and nothing else (no element, no stream restart). */
static void
test_keepalive_whitespace (void)
{
  const char *script[] = { READY, "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  GString *raw = scripted_server_get_raw (server);
  guint elements;
  gsize mark;

  gxmpp_session_config_set_keepalive_interval (config, 200);
  gxmpp_session_config_set_ping_interval (config, 0);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);

  /* Everything up to the bind request, which ends in its closing tag. */
  WAIT_UNTIL (scripted_server_received (server, "iq"));
  elements = scripted_server_get_received (server)->len;
  g_assert_cmpint (raw->str[raw->len - 1], ==, '>');
  mark = raw->len;

  WAIT_UNTIL (raw->len > mark);
  for (gsize i = mark; i < raw->len; i++)
    if (raw->str[i] != ' ')
      g_error ("the keep-alive is not whitespace: “%s”", raw->str + mark);
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, elements);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  close_session (session, server);
}

/* Without stream management, a session that hears nothing for
 * ping-interval pings its server (XEP-0199); with no answer within
 * ping-timeout, the connection counts as dead: ::disconnected with
 * G_IO_ERROR_TIMED_OUT (no policy here: it then waits for the
 * application). */
static void
test_ping_timeout (void)
{
  const char *script[] = { READY, "expect iq", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppNode) ping = NULL;
  gboolean closed = FALSE;
  SessionWatch watch;

  gxmpp_session_config_set_keepalive_interval (config, 0);
  gxmpp_session_config_set_ping_interval (config, 300);
  gxmpp_session_config_set_ping_timeout (config, 300);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);
  session_watch (&watch, session);

  WAIT_UNTIL (watch.disconnected > 0 && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  ping = scripted_server_nth_received (server, "iq", 1);
  g_assert_cmpstr (gxmpp_node_get_attribute (ping, "type"), ==, "get");
  g_assert_cmpstr (gxmpp_node_get_attribute (ping, "to"), ==, "localhost");
  g_assert_nonnull (gxmpp_node_get_attribute (ping, "id"));
  g_assert_nonnull (gxmpp_node_get_child (ping, "ping", "urn:xmpp:ping"));
  g_assert_cmpuint (scripted_server_count_received (server, "iq"), ==, 2);

  g_assert_cmpuint (watch.disconnected, ==, 1);
  g_assert_error (watch.disconnect_reason, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpuint (watch.closed, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);

  gxmpp_session_close_async (session, NULL, session_close_cb, &closed);
  WAIT_UNTIL (closed);
  g_assert_cmpuint (watch.closed, ==, 1);
  g_assert_null (watch.reason);
  session_watch_clear (&watch);
}

/* With stream management the check is an <r/>: an answer (any element)
 * keeps the connection alive, and the next silence ends it. */
static void
test_sm_ack_timeout (void)
{
  const char *script[] = { READY_SM, "expect r", SERVER_ACK ("0"), "expect r", "wait-close", NULL };
  g_autoptr(ScriptedServer) server = scripted_server_new (script);
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  gboolean closed = FALSE;
  SessionWatch watch;

  gxmpp_session_config_set_keepalive_interval (config, 0);
  gxmpp_session_config_set_ping_interval (config, 300);
  gxmpp_session_config_set_ping_timeout (config, 1000);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);
  session_watch (&watch, session);

  WAIT_UNTIL (watch.disconnected > 0 && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  g_assert_error (watch.disconnect_reason, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpuint (watch.closed, ==, 0);
  /* Requests only: no ping IQ with stream management. */
  assert_sent_after_enable (server, "r r");

  gxmpp_session_close_async (session, NULL, session_close_cb, &closed);
  WAIT_UNTIL (closed);
  session_watch_clear (&watch);
}

/* Closing: XEP-0198 recommends a last <a/> before the closing tag; an
 * ack the server sends before its own closing tag still confirms what it
 * covers, and what it does not cover fails with GXMPP_ERROR_CLOSED. */
static void
test_sm_ack_while_closing (void)
{
  const char *script[] = {
    READY_SM, "expect message", "expect message", "expect r", "expect a", SERVER_ACK ("1"),
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  SessionSendResult sent[2];
  gboolean closed = FALSE;

  g_assert_no_error (error);
  send_message_async (session, "confirmed", &sent[0]);
  send_message_async (session, "not confirmed", &sent[1]);
  WAIT_UNTIL (scripted_server_received (server, "r"));
  gxmpp_session_close_async (session, NULL, session_close_cb, &closed);
  WAIT_UNTIL (closed && sent[0].done && sent[1].done && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  assert_client_ack (server, 0, "0");
  g_assert_true (sent[0].ok);
  g_assert_error (sent[1].error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  g_clear_error (&sent[1].error);
}

/* Resumption: the first connection drops with two messages unconfirmed;
 * the application reconnects (no policy) to a server that resumes the
 * stream having had one of them. */

#define AFTER_LOGIN_SM START_TLS, PLAIN_LOGIN, FEATURES_BIND_SM

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} ReconnectResult;

static void
on_reconnect_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ReconnectResult *out = user_data;

  out->ok = gxmpp_session_reconnect_finish (GXMPP_SESSION (source), result, &out->error);
  out->done = TRUE;
}

/* The first connection: two messages, the request, and the connection
 * drops. */
static GXmppSession *
connect_and_lose (ScriptedServer    **server_out,
                  SessionSendResult  *sent,
                  SessionWatch       *watch)
{
  const char *script[] = { READY_SM, "expect message", "expect message", "expect r", "close", NULL };
  g_autoptr(GError) error = NULL;
  GXmppSession *session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, server_out, &error);

  g_assert_no_error (error);
  session_watch (watch, session);
  send_message_async (session, "first", &sent[0]);
  send_message_async (session, "second", &sent[1]);
  WAIT_UNTIL (watch->disconnected > 0 && scripted_server_is_done (*server_out));
  g_assert_null (scripted_server_get_error (*server_out));
  g_assert_error (watch->disconnect_reason, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_false (sent[0].done);
  g_assert_false (sent[1].done);
  return session;
}

/* Points @session at a new server playing @script and reconnects. */
static ScriptedServer *
reconnect_to (GXmppSession       *session,
              const char * const *script,
              ReconnectResult    *out)
{
  ScriptedServer *server = scripted_server_new (script);
  g_autoptr(GSocketConnectable) address = g_network_address_new ("127.0.0.1", scripted_server_get_port (server));
  GXmppStreamConfig *stream = gxmpp_session_config_get_stream_config (gxmpp_session_get_config (session));

  gxmpp_stream_config_set_server_address (stream, address);
  memset (out, 0, sizeof *out);
  gxmpp_session_reconnect_async (session, NULL, on_reconnect_done, out);
  WAIT_UNTIL (out->done);
  return server;
}

static char *
message_id (ScriptedServer *server,
            guint           nth)
{
  g_autoptr(GXmppNode) message = scripted_server_nth_received (server, "message", nth);

  g_assert_nonnull (message);
  return g_strdup (gxmpp_node_get_attribute (message, "id"));
}

/* XEP-0198 section 5: <resumed h='1'/> confirms the first message; the
 * second goes again, as it was, before anything new, and its ack
 * confirms it. Nothing is bound or enabled again. */
static void
test_sm_resume (void)
{
  const char *script[] = {
    AFTER_LOGIN_SM, "expect resume", "send <resumed " NS_SM_ATTR " previd='sm-1' h='1'/>",
    "expect message", "expect r", SERVER_ACK ("2"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) first_server = NULL;
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) resume = NULL;
  g_autofree char *lost_id = NULL;
  g_autofree char *resent_id = NULL;
  SessionSendResult sent[2];
  ReconnectResult reconnected;
  SessionWatch watch;

  session = connect_and_lose (&first_server, sent, &watch);
  server = reconnect_to (session, script, &reconnected);

  resume = scripted_server_nth_received (server, "resume", 0);
  g_assert_nonnull (resume);
  g_assert_cmpstr (gxmpp_node_get_attribute (resume, "previd"), ==, "sm-1");
  g_assert_cmpstr (gxmpp_node_get_attribute (resume, "h"), ==, "0");

  g_assert_no_error (reconnected.error);
  g_assert_no_error (reconnected.error);
  g_assert_true (reconnected.ok);
  g_assert_cmpuint (watch.reconnected, ==, 1);
  g_assert_cmpuint (watch.resumed, ==, 1);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);

  WAIT_UNTIL (sent[0].done && sent[1].done);
  g_assert_true (sent[0].ok);
  g_assert_true (sent[1].ok);
  g_assert_null (scripted_server_get_error (server));
  /* The second message again, with its id; no bind, no <enable/>. */
  lost_id = message_id (first_server, 1);
  resent_id = message_id (server, 0);
  g_assert_cmpstr (resent_id, ==, lost_id);
  g_assert_cmpuint (scripted_server_count_received (server, "message"), ==, 1);
  g_assert_false (scripted_server_received (server, "iq"));
  g_assert_false (scripted_server_received (server, "enable"));
  close_session (session, server);
  session_watch_clear (&watch);
}

/* <failed h='1'/>: a fresh stream (bound and enabled again); the server
 * said it had the first message, so only the second goes again, with its
 * id and a <delay/> (XEP-0198 section 4, XEP-0203). */
static void
test_sm_resume_failed (void)
{
  const char *script[] = {
    AFTER_LOGIN_SM, "expect resume",
    "send <failed " NS_SM_ATTR " h='1'><item-not-found xmlns='" NS_STANZAS "'/></failed>",
    "expect iq", BIND_RESULT (JULIET), "expect enable", ENABLED,
    "expect message", SERVER_ACK ("1"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) first_server = NULL;
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) resent = NULL;
  g_autoptr(GXmppNode) bind = NULL;
  g_autofree char *lost_id = NULL;
  SessionSendResult sent[2];
  ReconnectResult reconnected;
  SessionWatch watch;

  session = connect_and_lose (&first_server, sent, &watch);
  server = reconnect_to (session, script, &reconnected);
  g_assert_no_error (reconnected.error);
  g_assert_true (reconnected.ok);
  g_assert_cmpuint (watch.reconnected, ==, 1);
  g_assert_cmpuint (watch.resumed, ==, 0);

  /* Bound again to the same resource. */
  bind = bind_request (server, 0);
  g_assert_cmpstr (gxmpp_node_get_child_text (bind, "resource", "urn:ietf:params:xml:ns:xmpp-bind"), ==, "balcony");

  WAIT_UNTIL (scripted_server_received (server, "r"));
  g_assert_cmpuint (scripted_server_count_received (server, "message"), ==, 1);

  /* The first was confirmed by <failed h='1'/>, the second by the ack on
   * the new stream. */
  WAIT_UNTIL (sent[0].done && sent[1].done);
  g_assert_true (sent[0].ok);
  g_assert_true (sent[1].ok);
  g_assert_null (scripted_server_get_error (server));
  lost_id = message_id (first_server, 1);
  resent = scripted_server_nth_received (server, "message", 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (resent, "id"), ==, lost_id);
  g_assert_nonnull (gxmpp_node_get_child (resent, "delay", "urn:xmpp:delay"));
  g_assert_nonnull (gxmpp_node_get_attribute (gxmpp_node_get_child (resent, "delay", "urn:xmpp:delay"), "stamp"));
  assert_sent_after_enable (server, "message r");
  close_session (session, server);
  session_watch_clear (&watch);
}

/* Prosody 0.12 parses a resumed stream with the old connection's parser,
 * and answers not-well-formed when that one was cut mid-stanza. On a
 * resumed stream, the error means a lost connection: the session waits to
 * reconnect (no policy here), nothing is failed, and the next stream
 * cannot resume (the server revoked it): <failed/> and a fresh stream with
 * the unconfirmed message again. */
static void
test_sm_resumed_not_well_formed (void)
{
  const char *script[] = {
    AFTER_LOGIN_SM, "expect resume", "send <resumed " NS_SM_ATTR " previd='sm-1' h='1'/>",
    "expect message",
    "send <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    "</stream:stream>",
    "wait-close", NULL
  };
  const char *fresh_script[] = {
    AFTER_LOGIN_SM, "expect resume",
    "send <failed " NS_SM_ATTR "><item-not-found xmlns='" NS_STANZAS "'/></failed>",
    "expect iq", BIND_RESULT (JULIET), "expect enable", ENABLED,
    "expect message", "expect r", SERVER_ACK ("1"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) first_server = NULL;
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(ScriptedServer) fresh_server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) resent = NULL;
  g_autofree char *lost_id = NULL;
  SessionSendResult sent[2];
  ReconnectResult reconnected;
  SessionWatch watch;

  session = connect_and_lose (&first_server, sent, &watch);
  server = reconnect_to (session, script, &reconnected);
  g_assert_true (reconnected.ok);
  g_assert_cmpuint (watch.resumed, ==, 1);

  WAIT_UNTIL (watch.disconnected == 2 && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  g_assert_error (watch.disconnect_reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_NOT_WELL_FORMED);
  g_assert_cmpuint (watch.closed, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);
  g_assert_true (sent[0].done && sent[0].ok);
  g_assert_false (sent[1].done);

  fresh_server = reconnect_to (session, fresh_script, &reconnected);
  g_assert_no_error (reconnected.error);
  g_assert_true (reconnected.ok);
  g_assert_cmpuint (watch.reconnected, ==, 2);
  g_assert_cmpuint (watch.resumed, ==, 1);
  WAIT_UNTIL (sent[1].done);
  g_assert_true (sent[1].ok);
  lost_id = message_id (first_server, 1);
  resent = scripted_server_nth_received (fresh_server, "message", 0);
  g_assert_cmpstr (gxmpp_node_get_attribute (resent, "id"), ==, lost_id);
  close_session (session, fresh_server);
  session_watch_clear (&watch);
}

/* On a stream that was not resumed, not-well-formed is the end. */
static void
test_sm_fresh_not_well_formed (void)
{
  const char *script[] = {
    READY_SM,
    "send <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    "</stream:stream>",
    "wait-close", NULL
  };
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GXmppSession) session = connect_script (script, GXMPP_TLS_POLICY_REQUIRE, &server, &error);
  SessionWatch watch;

  g_assert_no_error (error);
  session_watch (&watch, session);
  WAIT_UNTIL (watch.closed > 0 && scripted_server_is_done (server));
  g_assert_null (scripted_server_get_error (server));
  g_assert_error (watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_NOT_WELL_FORMED);
  g_assert_cmpuint (watch.disconnected, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
  session_watch_clear (&watch);
}

/* The application sends from the callback of a send that <failed h='1'/>
 * confirms: its stanza goes after what is resent, once, counted on the
 * new stream. */
static void
on_first_confirmed_send_more (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  SessionSendResult *out = user_data;
  g_autoptr(GXmppMessage) third = make_message ("third");
  g_autoptr(GError) error = NULL;

  session_send_cb (source, result, out);
  g_assert_true (gxmpp_session_send (GXMPP_SESSION (source), GXMPP_STANZA (third), &error));
  g_assert_no_error (error);
}

static void
test_sm_resume_failed_callback_sends (void)
{
  const char *first_script[] = { READY_SM, "expect message", "expect message", "expect r", "close", NULL };
  const char *script[] = {
    AFTER_LOGIN_SM, "expect resume",
    "send <failed " NS_SM_ATTR " h='1'><item-not-found xmlns='" NS_STANZAS "'/></failed>",
    "expect iq", BIND_RESULT (JULIET), "expect enable", ENABLED,
    "expect message", "expect message", "expect r", SERVER_ACK ("2"), "wait-close", NULL
  };
  g_autoptr(ScriptedServer) first_server = NULL;
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppMessage) first = make_message ("first");
  g_autoptr(GError) error = NULL;
  g_autofree char *body0 = NULL;
  g_autofree char *body1 = NULL;
  SessionSendResult sent[2] = { { 0 } };
  ReconnectResult reconnected;
  SessionWatch watch;

  session = connect_script (first_script, GXMPP_TLS_POLICY_REQUIRE, &first_server, &error);
  g_assert_no_error (error);
  session_watch (&watch, session);
  gxmpp_session_send_async (session, GXMPP_STANZA (first), NULL, on_first_confirmed_send_more, &sent[0]);
  send_message_async (session, "second", &sent[1]);
  WAIT_UNTIL (watch.disconnected > 0 && scripted_server_is_done (first_server));

  server = reconnect_to (session, script, &reconnected);
  g_assert_no_error (reconnected.error);
  WAIT_UNTIL (sent[0].done && sent[1].done);
  g_assert_true (sent[0].ok);
  g_assert_true (sent[1].ok);
  WAIT_UNTIL (scripted_server_received (server, "r"));
  g_assert_null (scripted_server_get_error (server));
  body0 = sent_body (server, 0);
  body1 = sent_body (server, 1);
  g_assert_cmpstr (body0, ==, "second");
  g_assert_cmpstr (body1, ==, "third");
  assert_sent_after_enable (server, "message message r");
  close_session (session, server);
  session_watch_clear (&watch);
}


static gboolean
on_flag_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A session that watches @monitor and, if @policy is not NULL,
 * reconnects by it; connected as juliet to @server. */
static GXmppSession *
connect_watching (ScriptedServer       *server,
                  FakeNetworkMonitor   *monitor,
                  GXmppReconnectPolicy *policy)
{
  g_autoptr(GXmppSessionConfig) config = session_config_for (scripted_server_get_port (server),
                                                             GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = juliet_auth ();
  g_autoptr(GError) error = NULL;
  GXmppSession *session;

  gxmpp_session_config_set_keepalive_interval (config, 0);
  gxmpp_session_config_set_ping_interval (config, 0);
  gxmpp_session_config_set_network_monitor (config, G_NETWORK_MONITOR (monitor));
  gxmpp_session_config_set_reconnect (config, policy);
  session = session_connect_with (config, auth, server, &error);
  g_assert_no_error (error);
  return session;
}

/* The connection is lost and the policy says wait a minute: a network
 * that goes away changes nothing, one that comes back makes the session
 * try at once (the back-off was waiting for a network, and a new one may
 * route where the old one did not). Once closed, the session no longer
 * watches the monitor. */
static void
test_network_reconnects_now (void)
{
  const char *first_script[] = { READY, "close", NULL };
  const char *second_script[] = { READY, "wait-close", NULL };
  g_autoptr(FakeNetworkMonitor) monitor = fake_network_monitor_new ();
  g_autoptr(GXmppReconnectPolicy) policy = gxmpp_reconnect_policy_new_full (60000, 60000, 2.0, 0.0, 0);
  g_autoptr(ScriptedServer) first_server = scripted_server_new (first_script);
  g_autoptr(ScriptedServer) server = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GXmppNode) bind = NULL;
  GXmppStreamConfig *stream;
  gboolean waited = FALSE;
  SessionWatch watch;

  session = connect_watching (first_server, monitor, policy);
  session_watch (&watch, session);
  g_assert_true (fake_network_monitor_is_watched (monitor));
  WAIT_UNTIL (watch.disconnected > 0 && scripted_server_is_done (first_server));
  g_assert_null (scripted_server_get_error (first_server));
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);

  server = scripted_server_new (second_script);
  address = g_network_address_new ("127.0.0.1", scripted_server_get_port (server));
  stream = gxmpp_session_config_get_stream_config (gxmpp_session_get_config (session));
  gxmpp_stream_config_set_server_address (stream, address);

  /* The network goes: still waiting. */
  fake_network_monitor_set_available (monitor, FALSE);
  g_timeout_add (300, on_flag_timeout, &waited);
  WAIT_UNTIL (waited);
  g_assert_cmpuint (watch.reconnected, ==, 0);
  g_assert_cmpuint (scripted_server_get_received (server)->len, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);

  /* It comes back: connected well within the minute the policy said. */
  fake_network_monitor_set_available (monitor, TRUE);
  WAIT_UNTIL (watch.reconnected > 0);
  g_assert_cmpuint (watch.reconnected, ==, 1);
  g_assert_cmpuint (watch.resumed, ==, 0);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  bind = bind_request (server, 0);
  g_assert_nonnull (bind);

  close_session (session, server);
  g_assert_false (fake_network_monitor_is_watched (monitor));
  session_watch_clear (&watch);
}

/* A network change while ready: the old path may be dead without a word,
 * so the session asks at once rather than at the next ping interval (an
 * XEP-0199 ping without stream management, <r/> with it); an answer keeps
 * it ready. */
static void
test_network_probes_when_ready (gconstpointer data)
{
  gboolean sm = GPOINTER_TO_INT (data);
  const char *plain_script[] = {
    READY, "expect iq", "send <iq type='result' id='{id}' from='localhost'/>", "wait-close", NULL
  };
  const char *sm_script[] = { READY_SM, "expect r", SERVER_ACK ("0"), "wait-close", NULL };
  g_autoptr(FakeNetworkMonitor) monitor = fake_network_monitor_new ();
  g_autoptr(ScriptedServer) server = scripted_server_new (sm ? sm_script : plain_script);
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GXmppNode) ping = NULL;
  gboolean waited = FALSE;
  SessionWatch watch;

  session = connect_watching (server, monitor, NULL);
  session_watch (&watch, session);
  WAIT_UNTIL (scripted_server_received (server, "iq"));

  fake_network_monitor_announce (monitor);
  if (sm)
    WAIT_UNTIL (scripted_server_received (server, "r"));
  else
    {
      WAIT_UNTIL (scripted_server_count_received (server, "iq") == 2);
      ping = scripted_server_nth_received (server, "iq", 1);
      g_assert_cmpstr (gxmpp_node_get_attribute (ping, "type"), ==, "get");
      g_assert_nonnull (gxmpp_node_get_child (ping, "ping", "urn:xmpp:ping"));
    }
  /* Past the answer: still ready, nothing else asked. */
  g_timeout_add (300, on_flag_timeout, &waited);
  WAIT_UNTIL (waited);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  g_assert_cmpuint (watch.disconnected, ==, 0);
  g_assert_cmpuint (scripted_server_count_received (server, sm ? "r" : "iq"), ==, sm ? 1 : 2);
  close_session (session, server);
  session_watch_clear (&watch);
}

int
main (int argc, char **argv)
{
  int status;
  static const char * const iterations[] = { "1", "1000000000" };
  static const char * const foreign[] = { "mallory@localhost/balcony", "juliet@evil.example/balcony" };

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/session-scripted/mechanisms/plain-in-the-clear", test_plain_in_the_clear);
  g_test_add_func ("/session-scripted/mechanisms/digest-md5-not-named", test_digest_md5_not_named);
  g_test_add_func ("/session-scripted/mechanisms/empty-list", test_no_mechanisms);
  g_test_add_func ("/session-scripted/mechanisms/no-sasl-feature", test_no_sasl_feature);
  g_test_add_func ("/session-scripted/mechanisms/strongest-wins", test_strongest_wins);

  g_test_add_func ("/session-scripted/scram/bad-server-signature", test_scram_bad_signature);
  for (guint i = 0; i < G_N_ELEMENTS (iterations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/session-scripted/scram/iterations/%s", iterations[i]);

      g_test_add_data_func (path, iterations[i], test_scram_iterations);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sasl_conditions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/session-scripted/sasl-failure/%s", sasl_conditions[i]);

      g_test_add_data_func (path, sasl_conditions[i], test_sasl_failure);
    }
  g_test_add_func ("/session-scripted/sasl-failure/without-text", test_sasl_failure_without_text);
  g_test_add_data_func ("/session-scripted/channel-binding/tls13-unannounced", &cb_cases[0],
                        test_channel_binding_choice);
  g_test_add_data_func ("/session-scripted/channel-binding/tls13-announced", &cb_cases[1],
                        test_channel_binding_choice);
  g_test_add_data_func ("/session-scripted/channel-binding/other-type-announced", &cb_cases[2],
                        test_channel_binding_choice);
  g_test_add_data_func ("/session-scripted/channel-binding/tls13-unannounced-named", &cb_cases[3],
                        test_channel_binding_choice);

  g_test_add_func ("/session-scripted/bind/conflict", test_bind_conflict);
  g_test_add_func ("/session-scripted/bind/conflict-twice", test_bind_conflict_twice);
  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      g_autofree char *path = g_strdup_printf ("/session-scripted/bind/foreign-jid/%s",
                                               i == 0 ? "other-user" : "other-domain");

      g_test_add_data_func (path, foreign[i], test_bind_foreign_jid);
    }
  g_test_add_func ("/session-scripted/bind/normalized-jid", test_bind_normalized_jid);
  g_test_add_func ("/session-scripted/bind/without-jid", test_bind_without_jid);
  g_test_add_func ("/session-scripted/bind/server-chosen", test_bind_server_chosen);

  g_test_add_func ("/session-scripted/legacy-session/required", test_legacy_session_required);
  g_test_add_func ("/session-scripted/legacy-session/stanza-before-result",
                   test_legacy_session_stanza_before_result);
  g_test_add_func ("/session-scripted/legacy-session/optional", test_legacy_session_optional);
  g_test_add_func ("/session-scripted/legacy-session/error", test_legacy_session_error);

  g_test_add_func ("/session-scripted/end/stream-error", test_stream_error_when_ready);
  g_test_add_func ("/session-scripted/end/close-mid-stanza", test_close_mid_stanza);

  g_test_add_func ("/session-scripted/end/early-stanza/async", test_early_stanza);
  g_test_add_func ("/session-scripted/end/early-stanza/sync", test_early_stanza_sync);
  g_test_add_func ("/session-scripted/end/early-stream-error", test_early_stream_error);

  g_test_add_func ("/session-scripted/iq/spoofed-reply", test_iq_spoofed_reply);
  g_test_add_func ("/session-scripted/iq/reply-from-own-server", test_iq_reply_from_own_server);
  g_test_add_func ("/session-scripted/iq/unhandled-request", test_iq_unhandled_request);
  g_test_add_func ("/session-scripted/iq/server-ping", test_iq_server_ping);
  g_test_add_func ("/session-scripted/iq/unknown-result", test_iq_unknown_result);
  g_test_add_func ("/session-scripted/handlers/order", test_handlers_order);

  g_test_add_data_func ("/session-scripted/reentrancy/send-and-close", GINT_TO_POINTER (REENTER_CLOSE),
                        test_reentrancy);
  g_test_add_data_func ("/session-scripted/reentrancy/send-and-unref", GINT_TO_POINTER (REENTER_UNREF),
                        test_reentrancy);
  g_test_add_data_func ("/session-scripted/reentrancy/send-close-and-unref", GINT_TO_POINTER (REENTER_CLOSE_UNREF),
                        test_reentrancy);

  g_test_add_func ("/session-scripted/logging/plain", test_logging_plain);
  g_test_add_func ("/session-scripted/logging/scram", test_logging_scram);

  g_test_add_func ("/session-scripted/stall/timeout-during-sasl", test_timeout_during_sasl);
  g_test_add_func ("/session-scripted/stall/cancel-during-sasl", test_cancel_during_sasl);

  g_test_add_func ("/session-scripted/sm/answers-requests", test_sm_answers_requests);
  g_test_add_func ("/session-scripted/sm/stanza-before-enabled", test_sm_stanza_before_enabled);
  g_test_add_func ("/session-scripted/sm/early-flood", test_sm_early_flood);
  g_test_add_func ("/session-scripted/sm/duplicates", test_sm_duplicates);
  g_test_add_func ("/session-scripted/sm/duplicate-window", test_sm_duplicate_window);
  g_test_add_func ("/session-scripted/sm/duplicate-window-evicts", test_sm_duplicate_window_evicts);
  g_test_add_func ("/session-scripted/sm/requests-acks", test_sm_requests_acks);
  g_test_add_func ("/session-scripted/sm/ack-batch", test_sm_ack_batch);
  g_test_add_func ("/session-scripted/sm/ack-too-high", test_sm_ack_too_high);
  g_test_add_func ("/session-scripted/sm/ack-unparsable", test_sm_ack_unparsable);
  g_test_add_func ("/session-scripted/sm/queue-full", test_sm_queue_full);
  g_test_add_func ("/session-scripted/sm/queue-full-bytes", test_sm_queue_full_bytes);
  g_test_add_func ("/session-scripted/sm/ack-timeout", test_sm_ack_timeout);
  g_test_add_func ("/session-scripted/sm/ack-while-closing", test_sm_ack_while_closing);
  g_test_add_func ("/session-scripted/sm/resume", test_sm_resume);
  g_test_add_func ("/session-scripted/sm/resume-failed", test_sm_resume_failed);
  g_test_add_func ("/session-scripted/sm/resumed-not-well-formed", test_sm_resumed_not_well_formed);
  g_test_add_func ("/session-scripted/sm/fresh-not-well-formed", test_sm_fresh_not_well_formed);
  g_test_add_func ("/session-scripted/sm/resume-failed-callback-sends", test_sm_resume_failed_callback_sends);

  g_test_add_func ("/session-scripted/liveness/keepalive-whitespace", test_keepalive_whitespace);
  g_test_add_func ("/session-scripted/liveness/ping-timeout", test_ping_timeout);
  g_test_add_func ("/session-scripted/network/reconnects-now", test_network_reconnects_now);
  g_test_add_data_func ("/session-scripted/network/probes-when-ready/ping", GINT_TO_POINTER (FALSE),
                        test_network_probes_when_ready);
  g_test_add_data_func ("/session-scripted/network/probes-when-ready/sm", GINT_TO_POINTER (TRUE),
                        test_network_probes_when_ready);

  status = g_test_run ();
  session_wait_for_streams ();
  return status;
}
