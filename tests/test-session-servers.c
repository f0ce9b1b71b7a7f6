/* test-session-servers.c: GXmppSession against real Prosody and ejabberd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The session as applications use it, against the servers of
 * tests/support/ (GXmppTestServer): every SASL mechanism each server
 * offers, named and by default, with passwords stored in the clear and
 * hashed, a non-ASCII password in both Unicode normal forms, ANONYMOUS,
 * each TLS policy, STARTTLS and direct TLS, certificates the session must
 * not trust; then two (or three) sessions exchanging messages, presence
 * and IQs, IQ replies forged by a third account, inboxes, closing from
 * either side, and handlers that end their own session.
 *
 * One server per set of options, started by the first test that needs it
 * and shared by the others; all are stopped when the program ends (and by
 * the fixture's watchdog if it dies). A server that cannot run here makes
 * its tests skip, or fail with GXMPP_TEST_REQUIRE_SERVERS=1.
 *
 * Each case asserts exact outcomes: the error's domain and code, the
 * mechanism the session reports, the bound JID, the TLS version.
 * Waiting is done by WAIT_UNTIL, whose guard is a safety net against a
 * hang, never an assertion on timing.
 */

#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-test-json.h"
#include "gxmpp-test-peer.h"
#include "gxmpp-test-server.h"
#include "session-helpers.h"

/* WAIT_UNTIL's safety net against a hang, generous enough for valgrind;
 * connect timeouts are half of it. */
#define GUARD_SECONDS 60
#define TEST_WAIT_SECONDS GUARD_SECONDS
#include "test-wait.h"

#define NS_TEST   "urn:xmpp-glib:test:session-servers"
#define NS_NOBODY "urn:xmpp-glib:test:nobody"
#define NS_PING   "urn:xmpp:ping"

/* The servers */

typedef enum {
  PROSODY,          /* TLS 1.3, TLS required, passwords stored as they are */
  PROSODY_TLS12,    /* TLS 1.2 only: the -PLUS mechanisms with tls-unique */
  PROSODY_OPEN,     /* TLS optional, an anonymous host, hashed passwords */
  EJABBERD,         /* TLS 1.3 */
  EJABBERD_TLS12,   /* TLS 1.2 only */
  N_SERVERS
} ServerId;

typedef struct {
  const char *name;             /* in the test paths */
  const char *kind;
  const char *options[4];
  const char *tls;              /* the TLS version sessions get */
  const char *mechanisms;       /* offered after TLS, sorted */
  const char *login_mechanism;  /* what login() names; NULL: the defaults */
} ServerSpec;

#define EJABBERD_MECHANISMS \
  "PLAIN SCRAM-SHA-1 SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-256-PLUS SCRAM-SHA-512 SCRAM-SHA-512-PLUS"

static const ServerSpec specs[N_SERVERS] = {
  [PROSODY] = { "prosody", "prosody", { NULL }, "1.3",
                "PLAIN SCRAM-SHA-1 SCRAM-SHA-256", NULL },
  [PROSODY_TLS12] = { "prosody-tls12", "prosody", { "--tls12-only", NULL }, "1.2",
                      "PLAIN SCRAM-SHA-1 SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-256-PLUS", NULL },
  [PROSODY_OPEN] = { "prosody-open", "prosody",
                     { "--no-require-tls", "--anonymous", "--hashed-passwords", NULL }, "1.3",
                     "PLAIN SCRAM-SHA-1", NULL },
  /* ejabberd 23.01 binds -PLUS to tls-unique even over TLS 1.3, where the
   * session uses tls-exporter (RFC 9266): see test_mechanism(). Sessions
   * that just need to log in name SCRAM-SHA-256. */
  [EJABBERD] = { "ejabberd", "ejabberd", { NULL }, "1.3", EJABBERD_MECHANISMS, "SCRAM-SHA-256" },
  [EJABBERD_TLS12] = { "ejabberd-tls12", "ejabberd", { "--tls12-only", NULL }, "1.2",
                       EJABBERD_MECHANISMS, NULL },
};

static GXmppTestServer *servers[N_SERVERS];
static GError *server_errors[N_SERVERS];     /* why a server did not start */

/* The server @id, started on first use; NULL (the test skipped or failed)
 * if it cannot run. */
static GXmppTestServer *
get_server (ServerId id)
{
  if (servers[id] == NULL && server_errors[id] == NULL)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autofree char *offered = NULL;

      servers[id] = gxmpp_test_server_start (specs[id].kind, specs[id].options, &server_errors[id]);
      if (servers[id] != NULL)
        {
          offered = g_strjoinv (" ", (char **) gxmpp_test_server_get_mechanisms (servers[id]));
          g_test_message ("%s (%s %s) started in %.2f s; TLS %s; offers %s", specs[id].name,
                          specs[id].kind,
                          gxmpp_test_json_get_string (gxmpp_test_server_get_info (servers[id]), "version"),
                          (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC,
                          gxmpp_test_server_get_tls_version (servers[id]), offered);
          g_assert_cmpstr (gxmpp_test_server_get_tls_version (servers[id]), ==, specs[id].tls);
          g_assert_cmpstr (offered, ==, specs[id].mechanisms);
        }
    }
  if (servers[id] == NULL)
    {
      if (g_error_matches (server_errors[id], GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_UNAVAILABLE))
        g_test_skip (server_errors[id]->message);
      else
        g_test_fail_printf ("%s: %s", specs[id].name, server_errors[id]->message);
    }
  return servers[id];
}

/* The library's log, while capturing */

static GMutex capture_lock;
static GString *captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;
  gboolean capturing;

  g_mutex_lock (&capture_lock);
  capturing = captured != NULL;
  if (capturing)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
            domain = fields[i].value;
          else if (strcmp (fields[i].key, "MESSAGE") == 0)
            message = fields[i].value;
        }
      /* What G_MESSAGES_DEBUG=GXmpp would show; nothing else is printed
       * meanwhile, so that debug output stays out of the TAP stream. */
      if (g_strcmp0 (domain, "GXmpp") == 0 && message != NULL)
        g_string_append_printf (captured, "%s\n", message);
    }
  g_mutex_unlock (&capture_lock);

  if (capturing && (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
start_capture (void)
{
  g_mutex_lock (&capture_lock);
  g_assert_null (captured);
  captured = g_string_new (NULL);
  g_mutex_unlock (&capture_lock);
  g_log_set_debug_enabled (TRUE);
}

static char *
stop_capture (void)
{
  char *log;

  g_log_set_debug_enabled (FALSE);
  g_mutex_lock (&capture_lock);
  log = g_string_free (g_steal_pointer (&captured), FALSE);
  g_mutex_unlock (&capture_lock);
  return log;
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
assert_has (const char *text,
            const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” does not contain “%s”", text, part);
}

/* Connecting */

static GXmppSessionConfig *
config_for (GXmppTestServer *server,
            GXmppTlsPolicy   policy)
{
  return session_config_for_server (server, policy, GUARD_SECONDS * 1000 / 2);
}

/* @account's credentials (@password: NULL for the account's own), with
 * only @mechanism enabled, or the defaults if NULL. */
static GXmppAuth *
password_auth (GXmppTestServer *server,
               const char      *account,
               const char      *password,
               const char      *mechanism)
{
  GXmppAuth *auth = gxmpp_auth_new_password (account, password != NULL ? password
                                                                     : gxmpp_test_server_get_password (server, account));

  if (mechanism != NULL)
    {
      const char *names[] = { mechanism, NULL };
      g_autoptr(GError) error = NULL;

      g_assert_true (gxmpp_auth_set_mechanism_names (auth, names, &error));
      g_assert_no_error (error);
    }
  return auth;
}

/* gxmpp_session_new_async(), waited for. */
static GXmppSession *
connect_session (const char          *domain,
                 GXmppSessionConfig  *config,
                 GXmppAuth           *auth,
                 GError             **error)
{
  SessionConnectResult out = { NULL, NULL, FALSE };

  gxmpp_session_new_async (domain, config, auth, NULL, session_connect_cb, &out);
  WAIT_UNTIL (out.done);
  g_assert_true ((out.session == NULL) == (out.error != NULL));
  if (out.error != NULL)
    g_propagate_error (error, out.error);
  return out.session;
}

/* The session object before connecting, for the tests that look at it
 * when connecting fails, or connect signal handlers first. */
static GXmppSession *
session_object (const char         *domain,
                GXmppSessionConfig *config,
                GXmppAuth          *auth)
{
  return g_object_new (GXMPP_TYPE_SESSION, "domain", domain, "config", config, "auth", auth, NULL);
}

static void
on_initialized (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SessionConnectResult *out = user_data;

  g_async_initable_init_finish (G_ASYNC_INITABLE (source), result, &out->error);
  out->done = TRUE;
}

static gboolean
init_session (GXmppSession  *session,
              GError       **error)
{
  SessionConnectResult out = { NULL, NULL, FALSE };

  g_async_initable_init_async (G_ASYNC_INITABLE (session), G_PRIORITY_DEFAULT, NULL,
                               on_initialized, &out);
  WAIT_UNTIL (out.done);
  if (out.error != NULL)
    {
      g_propagate_error (error, out.error);
      return FALSE;
    }
  return TRUE;
}

static const char *
session_tls_version (GXmppSession *session)
{
  GTlsConnection *tls = gxmpp_session_get_tls_connection (session);

  if (tls == NULL)
    return "none";
  switch (g_tls_connection_get_protocol_version (tls))
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

/* Ready, and bound to a full JID of @account. */
static void
assert_bound_to (GXmppSession    *session,
                 GXmppTestServer *server,
                 const char      *account)
{
  GXmppJid *jid = gxmpp_session_get_jid (session);
  g_autoptr(GXmppJid) bare = NULL;

  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_READY);
  g_assert_nonnull (jid);
  g_assert_true (gxmpp_jid_is_full (jid));
  g_assert_cmpstr (gxmpp_jid_get_resource (jid), !=, "");
  bare = gxmpp_jid_to_bare (jid);
  g_assert_cmpstr (gxmpp_jid_to_string (bare), ==, gxmpp_test_server_get_jid (server, account));
}

/* A ready session of @account over STARTTLS, with the server's login
 * mechanism, and @resource if not NULL. */
static GXmppSession *
login_with_resource (ServerId    id,
                     const char *account,
                     const char *resource)
{
  GXmppTestServer *server = servers[id];
  g_autoptr(GXmppSessionConfig) config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
  g_autoptr(GXmppAuth) auth = password_auth (server, account, NULL, specs[id].login_mechanism);
  g_autoptr(GError) error = NULL;
  GXmppSession *session;

  gxmpp_auth_set_resource (auth, resource);
  session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);
  g_assert_no_error (error);
  assert_bound_to (session, server, account);
  g_assert_true (gxmpp_session_is_secure (session));
  g_assert_cmpstr (session_tls_version (session), ==, specs[id].tls);
  return session;
}

static GXmppSession *
login (ServerId    id,
       const char *account)
{
  return login_with_resource (id, account, NULL);
}

static void
close_session (GXmppSession *session)
{
  gboolean done = FALSE;

  gxmpp_session_close_async (session, NULL, session_close_cb, &done);
  WAIT_UNTIL (done);
  g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_CLOSED);
}

/* What a session went through (a SessionWatch): the states in order, up
 * to a -1. */
static void
assert_states (SessionWatch *watch,
               ...)
{
  va_list args;
  guint n = 0;
  int state;

  va_start (args, watch);
  while ((state = va_arg (args, int)) != -1)
    {
      g_assert_cmpuint (n, <, watch->states->len);
      g_assert_cmpint (g_array_index (watch->states, GXmppSessionState, n), ==, state);
      n++;
    }
  va_end (args);
  g_assert_cmpuint (watch->states->len, ==, n);
}

/* Stanzas received: a stanza, message or presence signal handler that
 * keeps them in a GPtrArray and lets the dispatch go on. */
static gboolean
on_collect (GXmppSession *session,
            GXmppStanza  *stanza,
            gpointer      user_data)
{
  g_ptr_array_add (user_data, g_object_ref (stanza));
  return FALSE;
}

static GPtrArray *
stanza_list (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

/* How many in @list came from @from. */
static guint
count_from (GPtrArray *list,
            GXmppJid  *from)
{
  guint n = 0;

  for (guint i = 0; i < list->len; i++)
    {
      GXmppJid *sender = gxmpp_stanza_get_from (list->pdata[i]);

      if (sender != NULL && gxmpp_jid_equal (sender, from))
        n++;
    }
  return n;
}

static GXmppStanza *
nth_from (GPtrArray *list,
          GXmppJid  *from,
          guint      nth)
{
  for (guint i = 0; i < list->len; i++)
    {
      GXmppJid *sender = gxmpp_stanza_get_from (list->pdata[i]);

      if (sender != NULL && gxmpp_jid_equal (sender, from) && nth-- == 0)
        return list->pdata[i];
    }
  return NULL;
}

static void
send_or_fail (GXmppSession *session,
              gpointer      stanza)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gxmpp_session_send (session, GXMPP_STANZA (stanza), &error));
  g_assert_no_error (error);
}

static void
send_chat (GXmppSession *session,
           GXmppJid     *to,
           const char   *body)
{
  g_autoptr(GXmppMessage) message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, to);

  gxmpp_message_set_body (message, NULL, body);
  send_or_fail (session, message);
}

/* IQs */

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
on_iq_reply_any (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  IqOutcome *out = user_data;

  out->reply = gxmpp_session_send_iq_finish_reply (GXMPP_SESSION (source), result, &out->error);
  out->done = TRUE;
}

static void
iq_outcome_clear (IqOutcome *out)
{
  g_clear_object (&out->reply);
  g_clear_error (&out->error);
}

/* <query xmlns=@ns>@text</query> to @to. */
static GXmppIq *
test_request (GXmppIqType  type,
              GXmppJid    *to,
              const char  *ns,
              const char  *text)
{
  g_autoptr(GXmppNode) payload = gxmpp_node_new ("query", ns);

  gxmpp_node_set_text (payload, text);
  return gxmpp_iq_new (type, to, payload);
}

/* Sends @iq and waits for the outcome; @finish_reply: keep error replies
 * as replies. */
static void
send_iq_and_wait (GXmppSession *session,
                  GXmppIq      *iq,
                  gboolean      finish_reply,
                  IqOutcome    *out)
{
  memset (out, 0, sizeof *out);
  gxmpp_session_send_iq_async (session, iq, 0, NULL, finish_reply ? on_iq_reply_any : on_iq_reply, out);
  WAIT_UNTIL (out->done);
}

/* Bob's side of the IQ tests: an IQ handler for gets in NS_TEST. */

typedef enum {
  BOB_REVERSES,       /* answers <answer><text>reversed</text></answer> */
  BOB_REFUSES,        /* answers item-not-found, with text and an application element */
  BOB_KEEPS,          /* keeps the request, for the test to answer */
} BobMode;

typedef struct {
  BobMode mode;
  GPtrArray *requests;    /* GXmppIqRequest */
} Bob;

static GXmppNode *
answer_payload (const char *text)
{
  GXmppNode *answer = gxmpp_node_new ("answer", NS_TEST);

  gxmpp_node_add_child_with_text (answer, "text", NS_TEST, text);
  return answer;
}

static void
on_bob_request (GXmppSession   *session,
                GXmppIqRequest *request,
                gpointer        user_data)
{
  Bob *bob = user_data;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (bob->requests, g_object_ref (request));
  switch (bob->mode)
    {
    case BOB_REVERSES:
      {
        g_autofree char *reversed = g_utf8_strreverse (gxmpp_node_get_text (gxmpp_iq_request_get_payload (request)), -1);
        g_autoptr(GXmppNode) answer = answer_payload (reversed);

        g_assert_true (gxmpp_iq_request_reply_result (request, answer, &error));
      }
      break;
    case BOB_REFUSES:
      {
        g_autoptr(GXmppStanzaErrorDetails) details = gxmpp_stanza_error_details_new (GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
        g_autoptr(GXmppNode) app = gxmpp_node_new ("no-widget", NS_TEST);

        gxmpp_stanza_error_details_set_text (details, "no such widget", "en");
        gxmpp_stanza_error_details_set_application_element (details, app);
        g_assert_true (gxmpp_iq_request_reply_error (request, details, &error));
        /* Answered once only. */
        g_assert_false (gxmpp_iq_request_reply_result (request, NULL, &error));
        g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_ALREADY_ANSWERED);
        g_clear_error (&error);
      }
      break;
    case BOB_KEEPS:
    default:
      break;
    }
  g_assert_no_error (error);
}

static void
bob_serve (Bob          *bob,
           GXmppSession *session,
           BobMode       mode)
{
  g_autoptr(GError) error = NULL;

  bob->mode = mode;
  bob->requests = g_ptr_array_new_with_free_func (g_object_unref);
  g_assert_cmpuint (gxmpp_session_add_iq_handler (session, GXMPP_IQ_TYPE_GET, NS_TEST, on_bob_request,
                                                  bob, NULL, &error), >, 0);
  g_assert_no_error (error);
}

static void
bob_clear (Bob *bob)
{
  g_ptr_array_unref (bob->requests);
}

/* Returns from the test (skipped or failed by get_server()) unless the
 * server runs. */
#define NEED_SERVER(id) \
  G_STMT_START { \
    if (get_server (id) == NULL) \
      return; \
  } G_STMT_END

/* 1. SASL mechanisms */

typedef struct {
  const char *name;           /* in the test path */
  ServerId server;
  const char *named;          /* the one mechanism enabled; NULL: the defaults */
  const char *used;           /* what the session authenticated with; NULL: fails */
  const char *attempted;      /* when it fails: the mechanism of the <auth/> sent; NULL: none sent */
  GXmppAuthError error;       /* when it fails */
  const char *message_part;   /* when it fails: part of the error message */
} MechanismCase;

#define NONE_ENABLED "is enabled for this account"
#define INVALID_CB "Invalid channel binding"

static const MechanismCase mechanism_cases[] = {
  /* Prosody 0.12 with TLS 1.3 offers no -PLUS mechanism: it keeps
   * tls-unique away from TLS 1.3 and has no tls-exporter. */
  { "default", PROSODY, NULL, "SCRAM-SHA-256" },
  { "SCRAM-SHA-256", PROSODY, "SCRAM-SHA-256", "SCRAM-SHA-256" },
  { "SCRAM-SHA-1", PROSODY, "SCRAM-SHA-1", "SCRAM-SHA-1" },
  { "PLAIN", PROSODY, "PLAIN", "PLAIN" },
  { "SCRAM-SHA-256-PLUS", PROSODY, "SCRAM-SHA-256-PLUS", NULL, NULL,
    GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },
  { "SCRAM-SHA-1-PLUS", PROSODY, "SCRAM-SHA-1-PLUS", NULL, NULL,
    GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },
  /* Neither server offers DIGEST-MD5; the defaults never include it. */
  { "DIGEST-MD5", PROSODY, "DIGEST-MD5", NULL, NULL, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },

  /* TLS 1.2: the -PLUS mechanisms with tls-unique, preferred by default. */
  { "default", PROSODY_TLS12, NULL, "SCRAM-SHA-256-PLUS" },
  { "SCRAM-SHA-256-PLUS", PROSODY_TLS12, "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256-PLUS" },
  { "SCRAM-SHA-1-PLUS", PROSODY_TLS12, "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1-PLUS" },
  { "SCRAM-SHA-256", PROSODY_TLS12, "SCRAM-SHA-256", "SCRAM-SHA-256" },
  { "SCRAM-SHA-1", PROSODY_TLS12, "SCRAM-SHA-1", "SCRAM-SHA-1" },
  { "PLAIN", PROSODY_TLS12, "PLAIN", "PLAIN" },
  { "DIGEST-MD5", PROSODY_TLS12, "DIGEST-MD5", NULL, NULL, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },

  /* Hashed passwords: Prosody stores SCRAM-SHA-1 keys, and offers nothing
   * else that needs the password. */
  { "default", PROSODY_OPEN, NULL, "SCRAM-SHA-1" },
  { "SCRAM-SHA-1", PROSODY_OPEN, "SCRAM-SHA-1", "SCRAM-SHA-1" },
  { "PLAIN", PROSODY_OPEN, "PLAIN", "PLAIN" },
  { "SCRAM-SHA-256", PROSODY_OPEN, "SCRAM-SHA-256", NULL, NULL,
    GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },

  /* ejabberd 23.01 over TLS 1.3 offers the -PLUS mechanisms but binds
   * them to tls-unique only (the TLS Finished message, as slixmpp does:
   * see test_ejabberd_plus_control()), and does not announce its types
   * (XEP-0440). The session uses tls-exporter on TLS 1.3 (RFC 9266) and
   * never tls-unique, so the defaults leave -PLUS aside there and log in
   * with SCRAM-SHA-256 ("n"); named, a -PLUS mechanism is tried, and
   * ejabberd refuses the binding. */
  { "default", EJABBERD, NULL, "SCRAM-SHA-256" },
  { "SCRAM-SHA-256-PLUS", EJABBERD, "SCRAM-SHA-256-PLUS", NULL, "SCRAM-SHA-256-PLUS",
    GXMPP_AUTH_ERROR_NOT_AUTHORIZED, INVALID_CB },
  { "SCRAM-SHA-1-PLUS", EJABBERD, "SCRAM-SHA-1-PLUS", NULL, "SCRAM-SHA-1-PLUS",
    GXMPP_AUTH_ERROR_NOT_AUTHORIZED, INVALID_CB },
  { "SCRAM-SHA-256", EJABBERD, "SCRAM-SHA-256", "SCRAM-SHA-256" },
  { "SCRAM-SHA-1", EJABBERD, "SCRAM-SHA-1", "SCRAM-SHA-1" },
  { "PLAIN", EJABBERD, "PLAIN", "PLAIN" },
  { "DIGEST-MD5", EJABBERD, "DIGEST-MD5", NULL, NULL, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM, NONE_ENABLED },

  /* ejabberd over TLS 1.2: tls-unique, and the defaults work. */
  { "default", EJABBERD_TLS12, NULL, "SCRAM-SHA-256-PLUS" },
  { "SCRAM-SHA-1-PLUS", EJABBERD_TLS12, "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1-PLUS" },
  { "SCRAM-SHA-256", EJABBERD_TLS12, "SCRAM-SHA-256", "SCRAM-SHA-256" },
};

/* alice logs in with the case's mechanisms: which one the session took,
 * what it sent, how it ended. */
static void
test_mechanism (gconstpointer data)
{
  const MechanismCase *c = data;
  GXmppTestServer *server = get_server (c->server);
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *auth_sent = NULL;

  if (server == NULL)
    return;
  g_assert_false (gxmpp_test_server_offers_mechanism (server, "DIGEST-MD5"));
  config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
  auth = password_auth (server, "alice", NULL, c->named);

  start_capture ();
  session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);
  log = stop_capture ();

  if (c->used != NULL)
    {
      g_assert_no_error (error);
      g_assert_true (gxmpp_test_server_offers_mechanism (server, c->used));
      g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, c->used);
      assert_bound_to (session, server, "alice");
      g_assert_true (gxmpp_session_is_secure (session));
      g_assert_cmpstr (session_tls_version (session), ==, specs[c->server].tls);
      auth_sent = g_strdup_printf ("mechanism='%s'>", c->used);
      /* One <auth/>, for that mechanism. */
      g_assert_cmpuint (count_occurrences (log, "SEND <auth "), ==, 1);
      assert_has (log, auth_sent);
      close_session (session);
      return;
    }

  g_assert_null (session);
  g_assert_error (error, GXMPP_AUTH_ERROR, (int) c->error);
  assert_has (error->message, c->message_part);
  g_test_message ("%s: %s", c->named ? c->named : "the defaults", error->message);
  if (c->attempted != NULL)
    {
      auth_sent = g_strdup_printf ("mechanism='%s'>", c->attempted);
      g_assert_cmpuint (count_occurrences (log, "SEND <auth "), ==, 1);
      assert_has (log, auth_sent);
    }
  else
    g_assert_cmpuint (count_occurrences (log, "SEND <auth"), ==, 0);
}

/* The other side of ejabberd's channel binding on TLS 1.3: slixmpp,
 * which binds to tls-unique there, logs in with a -PLUS mechanism. */
static void
test_ejabberd_plus_control (gconstpointer data)
{
  GXmppTestServer *server = get_server (EJABBERD);
  g_autoptr(GXmppTestPeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *ready;

  if (server == NULL)
    return;
  peer = gxmpp_test_peer_start (server, "carol", NULL, &error);
  if (g_error_matches (error, GXMPP_TEST_SERVER_ERROR, GXMPP_TEST_SERVER_ERROR_UNAVAILABLE))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  ready = gxmpp_test_peer_get_ready_event (peer);
  g_test_message ("slixmpp on ejabberd: %s over TLS %s",
                  gxmpp_test_json_get_string (ready, "mechanism"),
                  gxmpp_test_json_get_string (ready, "tls"));
  g_assert_cmpstr (gxmpp_test_json_get_string (ready, "tls"), ==, "1.3");
  g_assert_true (g_str_has_suffix (gxmpp_test_json_get_string (ready, "mechanism"), "-PLUS"));
  gxmpp_test_peer_quit (peer, &error);
  g_assert_no_error (error);
}

/* 2. dave's password, pässwörd€, composed (NFC, as stored) and
 * decomposed (NFD, as some keyboards type it) */

static void
test_non_ascii_password (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  static const char * const mechanisms[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", NULL };
  GXmppTestServer *server = get_server (id);
  const char *nfc, *nfd;
  g_autofree char *nfd_composed = NULL;

  if (server == NULL)
    return;
  nfc = gxmpp_test_server_get_password (server, "dave");
  nfd = gxmpp_test_server_get_dave_password_nfd (server);
  g_assert_cmpstr (nfc, ==, "p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac");
  g_assert_cmpstr (nfd, ==, "pa\xcc\x88sswo\xcc\x88rd\xe2\x82\xac");
  nfd_composed = g_utf8_normalize (nfd, -1, G_NORMALIZE_NFC);
  g_assert_cmpstr (nfd_composed, ==, nfc);

  /* Every form works with every mechanism offered: SCRAM applies SASLprep
   * (NFKC), and the session prepares the password with PRECIS
   * OpaqueString (NFC) before any mechanism sees it, which is what makes
   * PLAIN work with the NFD form on ejabberd too (ejabberd compares PLAIN
   * passwords byte for byte: test-servers.c shows the raw NFD password
   * refused there). */
  for (guint m = 0; mechanisms[m] != NULL; m++)
    for (guint form = 0; form < 2; form++)
      {
        g_autoptr(GXmppSessionConfig) config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
        g_autoptr(GXmppAuth) auth = password_auth (server, "dave", form == 0 ? nfc : nfd, mechanisms[m]);
        g_autoptr(GXmppSession) session = NULL;
        g_autoptr(GError) error = NULL;

        session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);
        if (!gxmpp_test_server_offers_mechanism (server, mechanisms[m]))
          {
            /* Hashed storage (SCRAM-SHA-1 keys only): not offered. */
            g_assert_cmpint (id, ==, PROSODY_OPEN);
            g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
            continue;
          }
        g_assert_no_error (error);
        g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, mechanisms[m]);
        assert_bound_to (session, server, "dave");
        close_session (session);
      }
}

/* 3. A wrong password */

static void
test_wrong_password (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  static const char * const mechanisms[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", NULL };
  GXmppTestServer *server = get_server (id);

  if (server == NULL)
    return;
  for (guint m = 0; mechanisms[m] != NULL; m++)
    for (guint who = 0; who < 2; who++)
      {
        /* alice with a wrong password, and an account that does not exist */
        const char *account = who == 0 ? "alice" : "mallory";
        g_autoptr(GXmppSessionConfig) config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
        g_autoptr(GXmppAuth) auth = NULL;
        g_autoptr(GXmppSession) session = NULL;
        g_autoptr(GError) error = NULL;
        SessionWatch watch;

        if (!gxmpp_test_server_offers_mechanism (server, mechanisms[m]))
          continue;
        auth = gxmpp_auth_new_password (account, "not the password");
        g_assert_true (gxmpp_auth_set_mechanism_names (auth, (const char * const[]) { mechanisms[m], NULL }, NULL));
        session = session_object (gxmpp_test_server_get_domain (server), config, auth);
        session_watch (&watch, session);

        g_assert_false (init_session (session, &error));
        g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NOT_AUTHORIZED);
        g_test_message ("%s, %s: %s", account, mechanisms[m], error->message);
        /* Back where it started, never ready, never bound; no closed
         * signal for a session that never was. */
        g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);
        assert_states (&watch, GXMPP_SESSION_STATE_CONNECTING, GXMPP_SESSION_STATE_DISCONNECTED, -1);
        g_assert_null (gxmpp_session_get_jid (session));
        g_assert_cmpuint (watch.closed, ==, 0);
        session_watch_clear (&watch);
      }
}

/* 4. ANONYMOUS on the anonymous host */

static void
test_anonymous (gconstpointer data)
{
  GXmppTestServer *server = get_server (PROSODY_OPEN);
  const char *anon_domain;
  GXmppSession *sessions[2] = { NULL, NULL };

  if (server == NULL)
    return;
  anon_domain = gxmpp_test_server_get_anonymous_domain (server);
  g_assert_cmpstr (anon_domain, ==, "anon.localhost");

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GXmppSessionConfig) config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
      g_autoptr(GXmppAuth) auth = gxmpp_auth_new_anonymous ();
      g_autoptr(GError) error = NULL;
      GXmppJid *jid;

      sessions[i] = connect_session (anon_domain, config, auth, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gxmpp_session_get_state (sessions[i]), ==, GXMPP_SESSION_STATE_READY);
      g_assert_cmpstr (gxmpp_session_get_mechanism (sessions[i]), ==, "ANONYMOUS");
      g_assert_true (gxmpp_session_is_secure (sessions[i]));
      jid = gxmpp_session_get_jid (sessions[i]);
      g_assert_true (gxmpp_jid_is_full (jid));
      g_assert_cmpstr (gxmpp_jid_get_domain (jid), ==, "anon.localhost");
      g_assert_nonnull (gxmpp_jid_get_local (jid));
      g_test_message ("anonymous session %u: %s", i, gxmpp_jid_to_string (jid));
    }
  /* A fresh identity each time. */
  g_assert_false (gxmpp_jid_equal_bare (gxmpp_session_get_jid (sessions[0]), gxmpp_session_get_jid (sessions[1])));
  for (guint i = 0; i < 2; i++)
    {
      close_session (sessions[i]);
      g_object_unref (sessions[i]);
    }

  /* The account host does not offer ANONYMOUS. */
  {
    g_autoptr(GXmppSessionConfig) config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
    g_autoptr(GXmppAuth) auth = gxmpp_auth_new_anonymous ();
    g_autoptr(GError) error = NULL;
    g_autoptr(GXmppSession) session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);

    g_assert_null (session);
    g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
  }
}

/* 5. TLS policies */

typedef struct {
  const char *name;
  ServerId server;
  GXmppTlsPolicy policy;
  const char *mechanism;      /* the one reported; NULL: it fails */
  const char *tls;            /* the TLS version, or "none" */
  GQuark (*error_domain) (void);
  int error_code;
  const char *message_part;
} PolicyCase;

static const PolicyCase policy_cases[] = {
  /* XEP-0368: TLS from the first byte on the direct TLS port */
  { "direct", PROSODY, GXMPP_TLS_POLICY_DIRECT, "SCRAM-SHA-256", "1.3" },
  { "direct", PROSODY_TLS12, GXMPP_TLS_POLICY_DIRECT, "SCRAM-SHA-256-PLUS", "1.2" },
  { "direct", EJABBERD, GXMPP_TLS_POLICY_DIRECT, "SCRAM-SHA-256", "1.3" },
  { "require", PROSODY, GXMPP_TLS_POLICY_REQUIRE, "SCRAM-SHA-256", "1.3" },
  /* The server requires TLS: the session stops before authenticating. */
  { "refuse", PROSODY, GXMPP_TLS_POLICY_REFUSE, NULL, NULL, gxmpp_error_quark, GXMPP_ERROR_TLS_FAILED,
    "requires TLS" },
  /* TLS optional: REFUSE stays in the clear, with the one mechanism
   * Prosody offers there; REQUIRE and PREFER take STARTTLS. */
  { "refuse", PROSODY_OPEN, GXMPP_TLS_POLICY_REFUSE, "SCRAM-SHA-1", "none" },
  { "prefer", PROSODY_OPEN, GXMPP_TLS_POLICY_PREFER, "SCRAM-SHA-1", "1.3" },
  { "require", PROSODY_OPEN, GXMPP_TLS_POLICY_REQUIRE, "SCRAM-SHA-1", "1.3" },
  { "direct", PROSODY_OPEN, GXMPP_TLS_POLICY_DIRECT, "SCRAM-SHA-1", "1.3" },
};

static void
test_tls_policy (gconstpointer data)
{
  const PolicyCase *c = data;
  GXmppTestServer *server = get_server (c->server);
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;
  config = config_for (server, c->policy);
  auth = password_auth (server, "alice", NULL, specs[c->server].login_mechanism);
  session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);

  if (c->mechanism == NULL)
    {
      g_assert_null (session);
      g_assert_error (error, c->error_domain (), c->error_code);
      assert_has (error->message, c->message_part);
      g_test_message ("%s", error->message);
      return;
    }

  g_assert_no_error (error);
  assert_bound_to (session, server, "alice");
  g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, c->mechanism);
  g_assert_cmpstr (session_tls_version (session), ==, c->tls);
  g_assert_cmpint (gxmpp_session_is_secure (session), ==, !g_str_equal (c->tls, "none"));
  if (c->policy == GXMPP_TLS_POLICY_DIRECT)
    g_test_message ("ALPN on direct TLS: %s",
                    g_tls_connection_get_negotiated_protocol (gxmpp_session_get_tls_connection (session))
                      ? g_tls_connection_get_negotiated_protocol (gxmpp_session_get_tls_connection (session))
                      : "(none)");
  close_session (session);
}

/* DIRECT to the STARTTLS port: the server answers the ClientHello with
 * XML, not TLS. */
static void
test_direct_to_starttls_port (gconstpointer data)
{
  GXmppTestServer *server = get_server (PROSODY);
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;
  config = config_for (server, GXMPP_TLS_POLICY_DIRECT);
  address = gxmpp_test_server_get_address (server, FALSE);
  gxmpp_stream_config_set_server_address (gxmpp_session_config_get_stream_config (config), address);
  auth = password_auth (server, "alice", NULL, NULL);
  session = connect_session (gxmpp_test_server_get_domain (server), config, auth, &error);
  g_assert_null (session);
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED);
  g_test_message ("%s", error->message);
}

/* 6. A certificate the session does not trust: the server's, signed by
 * the test CA, with the system's trust store instead of the test CA. */

typedef struct {
  gboolean accept;
  guint calls;
  GTlsCertificate *certificate;
  GTlsCertificateFlags errors;
} CertificateDecision;

static gboolean
on_accept_certificate (GXmppSession         *session,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  CertificateDecision *decision = user_data;

  decision->calls++;
  g_set_object (&decision->certificate, certificate);
  decision->errors = errors;
  return decision->accept;
}

static void
test_certificate (gconstpointer data)
{
  int handler = GPOINTER_TO_INT (data);   /* 0: none, 1: refuses, 2: accepts */
  GXmppTestServer *server = get_server (PROSODY);
  g_autoptr(GXmppSessionConfig) config = NULL;
  g_autoptr(GXmppAuth) auth = NULL;
  g_autoptr(GXmppSession) session = NULL;
  g_autoptr(GError) error = NULL;
  CertificateDecision decision = { handler == 2, 0, NULL, 0 };
  gboolean ok;

  if (server == NULL)
    return;
  config = config_for (server, GXMPP_TLS_POLICY_REQUIRE);
  gxmpp_stream_config_set_tls_database (gxmpp_session_config_get_stream_config (config), NULL);
  auth = password_auth (server, "alice", NULL, NULL);
  session = session_object (gxmpp_test_server_get_domain (server), config, auth);
  if (handler != 0)
    g_signal_connect (session, "accept-certificate", G_CALLBACK (on_accept_certificate), &decision);

  ok = init_session (session, &error);

  if (handler != 0)
    {
      /* Asked once, about a certificate that is fine but for its CA. */
      g_assert_cmpuint (decision.calls, ==, 1);
      g_assert_cmpint (decision.errors, ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
      g_assert_nonnull (decision.certificate);
      {
        g_autoptr(GError) ca_error = NULL;
        g_autoptr(GTlsCertificate) ca = g_tls_certificate_new_from_file (gxmpp_test_server_get_ca_file (server),
                                                                         &ca_error);
        GSocketConnectable *identity = g_network_address_new (gxmpp_test_server_get_domain (server), 5222);

        g_assert_no_error (ca_error);
        g_assert_cmpint (g_tls_certificate_verify (decision.certificate, identity, ca), ==, 0);
        g_object_unref (identity);
      }
    }

  if (handler == 2)
    {
      g_assert_true (ok);
      g_assert_no_error (error);
      assert_bound_to (session, server, "alice");
      g_assert_cmpstr (gxmpp_session_get_mechanism (session), ==, "SCRAM-SHA-256");
      close_session (session);
    }
  else
    {
      g_assert_false (ok);
      g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_BAD_CERTIFICATE);
      assert_has (error->message, "not signed by a trusted authority");
      g_test_message ("%s", error->message);
      g_assert_cmpint (gxmpp_session_get_state (session), ==, GXMPP_SESSION_STATE_DISCONNECTED);
    }
  g_clear_object (&decision.certificate);
}

/* 7. Messages, presence and IQs between alice and bob */

static gboolean
on_bob_message_answer (GXmppSession *session,
                       GXmppMessage *message,
                       gpointer      user_data)
{
  g_autoptr(GXmppMessage) answer = NULL;

  g_ptr_array_add (user_data, g_object_ref (message));
  if (gxmpp_message_get_message_type (message) != GXMPP_MESSAGE_TYPE_CHAT)
    return FALSE;
  answer = gxmpp_message_answer (message, NULL);
  gxmpp_message_set_body (answer, NULL, "Hello Alice");
  send_or_fail (session, answer);
  return TRUE;
}

static void
test_messages (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GPtrArray) at_alice = stanza_list ();
  g_autoptr(GPtrArray) at_bob = stanza_list ();
  g_autoptr(GXmppMessage) message = NULL;
  g_autoptr(GXmppMessage) normal = NULL;
  GXmppJid *alice_jid, *bob_jid;
  GXmppMessage *got;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  alice_jid = gxmpp_session_get_jid (alice);
  bob_jid = gxmpp_session_get_jid (bob);
  g_signal_connect (alice, "message", G_CALLBACK (on_collect), at_alice);
  g_signal_connect (bob, "message", G_CALLBACK (on_bob_message_answer), at_bob);

  /* alice -> bob, answered in the same thread */
  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, bob_jid);
  gxmpp_message_set_body (message, NULL, "Hello Bob, <h\xc3\xa9llo> & \xf0\x9f\x98\x80");
  gxmpp_message_set_thread (message, "thread-1", NULL);
  send_or_fail (alice, message);
  WAIT_UNTIL (at_bob->len == 1 && count_from (at_alice, bob_jid) == 1);

  got = at_bob->pdata[0];
  g_assert_cmpint (gxmpp_message_get_message_type (got), ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_cmpstr (gxmpp_message_get_body (got, NULL), ==, "Hello Bob, <h\xc3\xa9llo> & \xf0\x9f\x98\x80");
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (got)), alice_jid));
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_to (GXMPP_STANZA (got)), bob_jid));
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (got)), ==, gxmpp_stanza_get_id (GXMPP_STANZA (message)));
  g_assert_cmpstr (gxmpp_message_get_thread (got), ==, "thread-1");

  got = GXMPP_MESSAGE (nth_from (at_alice, bob_jid, 0));
  g_assert_cmpint (gxmpp_message_get_message_type (got), ==, GXMPP_MESSAGE_TYPE_CHAT);
  g_assert_cmpstr (gxmpp_message_get_body (got, NULL), ==, "Hello Alice");
  g_assert_cmpstr (gxmpp_message_get_thread (got), ==, "thread-1");

  /* bob -> alice, unprompted */
  normal = gxmpp_message_new (GXMPP_MESSAGE_TYPE_NORMAL, alice_jid);
  gxmpp_message_set_subject (normal, NULL, "Re: tests");
  gxmpp_message_set_body (normal, NULL, "From Bob");
  send_or_fail (bob, normal);
  WAIT_UNTIL (count_from (at_alice, bob_jid) == 2);
  got = GXMPP_MESSAGE (nth_from (at_alice, bob_jid, 1));
  g_assert_cmpint (gxmpp_message_get_message_type (got), ==, GXMPP_MESSAGE_TYPE_NORMAL);
  g_assert_cmpstr (gxmpp_message_get_subject (got, NULL), ==, "Re: tests");
  g_assert_cmpstr (gxmpp_message_get_body (got, NULL), ==, "From Bob");
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (got)), ==, gxmpp_stanza_get_id (GXMPP_STANZA (normal)));
  g_assert_cmpuint (at_alice->len, ==, 2);
  g_assert_cmpuint (at_bob->len, ==, 1);

  close_session (alice);
  close_session (bob);
}

/* A big message, over many TLS records and reads, with multibyte
 * characters and escapes cut anywhere: 120 kB of text, 168 kB escaped,
 * under Prosody's stanza size limit (256 KiB; above it, Prosody ends the
 * sender's stream with policy-violation, "XML stanza is too big"). */
static void
test_large_message (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GPtrArray) at_bob = stanza_list ();
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GXmppMessage) message = NULL;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  g_signal_connect (bob, "message", G_CALLBACK (on_collect), at_bob);

  for (guint i = 0; body->len < 120 * 1000; i++)
    g_string_append_printf (body, "%u h\xc3\xa9llo <&> \xe2\x82\xac \xf0\x9f\x98\x80 ", i);
  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, gxmpp_session_get_jid (bob));
  gxmpp_message_set_body (message, NULL, body->str);
  send_or_fail (alice, message);
  send_chat (alice, gxmpp_session_get_jid (bob), "small one after");
  WAIT_UNTIL (at_bob->len == 2);
  g_assert_cmpstr (gxmpp_message_get_body (at_bob->pdata[0], NULL), ==, body->str);
  g_assert_cmpstr (gxmpp_message_get_body (at_bob->pdata[1], NULL), ==, "small one after");

  close_session (alice);
  close_session (bob);
}

/* Over Prosody's stanza size limit (256 KiB): Prosody ends the sender's
 * stream; the recipient gets nothing. */
static void
test_too_large_message (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GPtrArray) at_bob = stanza_list ();
  g_autoptr(GXmppMessage) message = NULL;
  g_autofree char *body = g_strnfill (300 * 1024, 'x');
  SessionWatch watch;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  g_signal_connect (bob, "message", G_CALLBACK (on_collect), at_bob);
  session_watch (&watch, alice);

  message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, gxmpp_session_get_jid (bob));
  gxmpp_message_set_body (message, NULL, body);
  send_or_fail (alice, message);
  WAIT_UNTIL (watch.closed == 1);
  g_test_message ("%s", watch.reason->message);
  g_assert_error (watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_POLICY_VIOLATION);
  assert_has (watch.reason->message, "XML stanza is too big");
  assert_states (&watch, GXMPP_SESSION_STATE_CLOSED, -1);

  /* bob is fine, and got nothing. */
  g_assert_cmpint (gxmpp_session_get_state (bob), ==, GXMPP_SESSION_STATE_READY);
  close_session (bob);
  g_assert_cmpuint (at_bob->len, ==, 0);
  session_watch_clear (&watch);
}

/* Directed presence: no subscription needed. */
static void
test_presence (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GPtrArray) at_bob = stanza_list ();
  g_autoptr(GXmppPresence) available = NULL;
  g_autoptr(GXmppPresence) unavailable = NULL;
  GXmppJid *alice_jid;
  GXmppPresence *got;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  alice_jid = gxmpp_session_get_jid (alice);
  g_signal_connect (bob, "presence", G_CALLBACK (on_collect), at_bob);

  available = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, gxmpp_session_get_jid (bob));
  gxmpp_presence_set_show (available, GXMPP_PRESENCE_SHOW_DND);
  gxmpp_presence_set_status (available, NULL, "testing \xe2\x9c\x93");
  gxmpp_presence_set_priority (available, 5);
  send_or_fail (alice, available);
  unavailable = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_UNAVAILABLE, gxmpp_session_get_jid (bob));
  send_or_fail (alice, unavailable);
  WAIT_UNTIL (count_from (at_bob, alice_jid) == 2);

  got = GXMPP_PRESENCE (nth_from (at_bob, alice_jid, 0));
  g_assert_cmpint (gxmpp_presence_get_presence_type (got), ==, GXMPP_PRESENCE_TYPE_AVAILABLE);
  g_assert_cmpint (gxmpp_presence_get_show (got), ==, GXMPP_PRESENCE_SHOW_DND);
  g_assert_cmpstr (gxmpp_presence_get_status (got, NULL), ==, "testing \xe2\x9c\x93");
  g_assert_cmpint (gxmpp_presence_get_priority (got), ==, 5);
  got = GXMPP_PRESENCE (nth_from (at_bob, alice_jid, 1));
  g_assert_cmpint (gxmpp_presence_get_presence_type (got), ==, GXMPP_PRESENCE_TYPE_UNAVAILABLE);

  close_session (alice);
  close_session (bob);
}

/* An IQ get answered by bob's IQ handler; and a ping to alice's own
 * server, with no 'to'. */
static void
test_iq_result (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppIq) request = NULL;
  g_autoptr(GXmppIq) ping = NULL;
  g_autoptr(GXmppNode) ping_payload = NULL;
  g_autofree char *seen_payload = NULL;
  g_autoptr(GXmppJid) alice_bare = NULL;
  g_autoptr(GXmppIq) private = NULL;
  g_autoptr(GXmppNode) private_payload = NULL;
  GXmppIqRequest *seen;
  GXmppJid *ping_from;
  GXmppNode *answer;
  IqOutcome out;
  Bob b;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_serve (&b, bob, BOB_REVERSES);

  request = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "hello");
  send_iq_and_wait (alice, request, FALSE, &out);
  g_assert_no_error (out.error);
  g_assert_cmpint (gxmpp_iq_get_iq_type (out.reply), ==, GXMPP_IQ_TYPE_RESULT);
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (out.reply)), ==, gxmpp_stanza_get_id (GXMPP_STANZA (request)));
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)), gxmpp_session_get_jid (bob)));
  answer = gxmpp_iq_get_payload (out.reply);
  g_assert_true (gxmpp_node_is (answer, "answer", NS_TEST));
  g_assert_cmpstr (gxmpp_node_get_child_text (answer, "text", NS_TEST), ==, "olleh");
  iq_outcome_clear (&out);

  g_assert_cmpuint (b.requests->len, ==, 1);
  seen = b.requests->pdata[0];
  g_assert_true (gxmpp_iq_request_is_answered (seen));
  g_assert_true (gxmpp_jid_equal (gxmpp_iq_request_get_from (seen), gxmpp_session_get_jid (alice)));
  seen_payload = gxmpp_node_to_string (gxmpp_iq_request_get_payload (seen), NULL);
  g_assert_cmpstr (seen_payload, ==, "<query xmlns='" NS_TEST "'>hello</query>");

  /* The session's own server answers for the account (any of no 'from',
   * the domain, the bare or the full JID would count as the reply):
   * Prosody leaves 'from' out, ejabberd puts the bare JID. */
  ping_payload = gxmpp_node_new ("ping", NS_PING);
  ping = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, NULL, ping_payload);
  send_iq_and_wait (alice, ping, FALSE, &out);
  g_assert_no_error (out.error);
  g_assert_cmpint (gxmpp_iq_get_iq_type (out.reply), ==, GXMPP_IQ_TYPE_RESULT);
  ping_from = gxmpp_stanza_get_from (GXMPP_STANZA (out.reply));
  if (g_str_equal (specs[id].kind, "prosody"))
    g_assert_null (ping_from);
  else
    g_assert_cmpstr (gxmpp_jid_to_string (ping_from), ==, gxmpp_test_server_get_jid (servers[id], "alice"));
  iq_outcome_clear (&out);

  /* Private XML storage, asked of the account's own bare JID: the server
   * answers for it, from the same places. */
  alice_bare = gxmpp_jid_to_bare (gxmpp_session_get_jid (alice));
  private_payload = gxmpp_node_new ("query", "jabber:iq:private");
  gxmpp_node_add_child (private_payload, "storage", "storage:bookmarks");
  private = gxmpp_iq_new (GXMPP_IQ_TYPE_GET, alice_bare, private_payload);
  send_iq_and_wait (alice, private, FALSE, &out);
  g_assert_no_error (out.error);
  g_assert_cmpint (gxmpp_iq_get_iq_type (out.reply), ==, GXMPP_IQ_TYPE_RESULT);
  if (g_str_equal (specs[id].kind, "prosody"))
    g_assert_null (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)));
  else
    g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)), alice_bare));
  iq_outcome_clear (&out);

  close_session (alice);
  close_session (bob);
  bob_clear (&b);
}

static void
test_iq_error (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppIq) request = NULL;
  g_autoptr(GXmppIq) again = NULL;
  g_autoptr(GXmppStanzaErrorDetails) details = NULL;
  GXmppStanzaErrorDetails *from_error;
  GXmppNode *app;
  IqOutcome out;
  Bob b;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_serve (&b, bob, BOB_REFUSES);

  request = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "widget");
  send_iq_and_wait (alice, request, FALSE, &out);
  g_assert_null (out.reply);
  g_assert_error (out.error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  assert_has (out.error->message, "no such widget");
  from_error = gxmpp_stanza_error_details_from_gerror (out.error);
  g_assert_nonnull (from_error);
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (from_error), ==, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (from_error), ==, "no such widget");
  gxmpp_stanza_error_details_free (from_error);
  iq_outcome_clear (&out);

  /* The reply itself carries all of it. */
  again = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "widget");
  send_iq_and_wait (alice, again, TRUE, &out);
  g_assert_no_error (out.error);
  g_assert_cmpint (gxmpp_iq_get_iq_type (out.reply), ==, GXMPP_IQ_TYPE_ERROR);
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)), gxmpp_session_get_jid (bob)));
  details = gxmpp_stanza_get_error (GXMPP_STANZA (out.reply));
  g_assert_cmpint (gxmpp_stanza_error_details_get_condition (details), ==, GXMPP_STANZA_ERROR_ITEM_NOT_FOUND);
  g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (details), ==, GXMPP_STANZA_ERROR_TYPE_CANCEL);
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text (details), ==, "no such widget");
  g_assert_cmpstr (gxmpp_stanza_error_details_get_text_lang (details), ==, "en");
  app = gxmpp_stanza_error_details_get_application_element (details);
  g_assert_true (gxmpp_node_is (app, "no-widget", NS_TEST));
  iq_outcome_clear (&out);

  close_session (alice);
  close_session (bob);
  bob_clear (&b);
}

/* Requests nobody handles: bob's session answers service-unavailable
 * (RFC 6120 8.4) for a namespace without a handler and for a type
 * without one; the server answers for a resource that is not there. */
static void
test_iq_unhandled (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppJid) absent = NULL;
  Bob b;
  struct {
    GXmppIqType type;
    const char *ns;
    gboolean to_absent;
  } cases[] = {
    { GXMPP_IQ_TYPE_GET, NS_NOBODY, FALSE },
    { GXMPP_IQ_TYPE_SET, NS_TEST, FALSE },
    { GXMPP_IQ_TYPE_GET, NS_TEST, TRUE },
  };

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_serve (&b, bob, BOB_REVERSES);
  absent = gxmpp_jid_with_resource (gxmpp_session_get_jid (bob), "not-here", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GXmppJid *to = cases[i].to_absent ? absent : gxmpp_session_get_jid (bob);
      g_autoptr(GXmppIq) request = test_request (cases[i].type, to, cases[i].ns, "?");
      g_autoptr(GXmppIq) again = test_request (cases[i].type, to, cases[i].ns, "?");
      g_autoptr(GXmppStanzaErrorDetails) details = NULL;
      IqOutcome out;

      send_iq_and_wait (alice, request, FALSE, &out);
      g_assert_error (out.error, GXMPP_STANZA_ERROR, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
      iq_outcome_clear (&out);

      send_iq_and_wait (alice, again, TRUE, &out);
      g_assert_no_error (out.error);
      /* From exactly where it went, also when the server answers. */
      g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)), to));
      details = gxmpp_stanza_get_error (GXMPP_STANZA (out.reply));
      g_assert_cmpint (gxmpp_stanza_error_details_get_condition (details), ==, GXMPP_STANZA_ERROR_SERVICE_UNAVAILABLE);
      g_assert_cmpint (gxmpp_stanza_error_details_get_error_type (details), ==, GXMPP_STANZA_ERROR_TYPE_CANCEL);
      iq_outcome_clear (&out);
    }
  g_assert_cmpuint (b.requests->len, ==, 0);

  close_session (alice);
  close_session (bob);
  bob_clear (&b);
}

/* A reply that comes too late, after the per-call timeout or a cancel, is
 * not a reply any more: it goes through the dispatch like any stanza. */
static void
test_iq_timeout_and_cancel (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GPtrArray) at_alice = stanza_list ();
  GXmppJid *bob_jid;
  Bob b;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_jid = gxmpp_session_get_jid (bob);
  bob_serve (&b, bob, BOB_KEEPS);
  g_signal_connect (alice, "stanza", G_CALLBACK (on_collect), at_alice);

  for (guint cancel = 0; cancel < 2; cancel++)
    {
      g_autoptr(GXmppIq) request = test_request (GXMPP_IQ_TYPE_GET, bob_jid, NS_TEST, cancel ? "cancel me" : "slow");
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      GXmppStanza *late;
      IqOutcome out = { FALSE, NULL, NULL };

      gxmpp_session_send_iq_async (alice, request, cancel ? 0 : 300, cancellable, on_iq_reply, &out);
      WAIT_UNTIL (b.requests->len == cancel + 1);
      if (cancel)
        {
          g_assert_false (out.done);
          g_cancellable_cancel (cancellable);
        }
      WAIT_UNTIL (out.done);
      g_assert_null (out.reply);
      if (cancel)
        g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      else
        g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      iq_outcome_clear (&out);

      g_assert_true (gxmpp_iq_request_reply_result (b.requests->pdata[cancel], NULL, &error));
      g_assert_no_error (error);
      WAIT_UNTIL (count_from (at_alice, bob_jid) == cancel + 1);
      late = nth_from (at_alice, bob_jid, cancel);
      g_assert_true (GXMPP_IS_IQ (late));
      g_assert_cmpint (gxmpp_iq_get_iq_type (GXMPP_IQ (late)), ==, GXMPP_IQ_TYPE_RESULT);
      g_assert_cmpstr (gxmpp_stanza_get_id (late), ==, gxmpp_stanza_get_id (GXMPP_STANZA (request)));
      g_assert_cmpint (gxmpp_session_get_state (alice), ==, GXMPP_SESSION_STATE_READY);
    }

  close_session (alice);
  close_session (bob);
  bob_clear (&b);
}

/* alice closes while bob still holds her request. */
static void
test_iq_pending_when_closed (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppIq) request = NULL;
  g_autoptr(GError) error = NULL;
  IqOutcome out = { FALSE, NULL, NULL };
  gboolean closed = FALSE;
  Bob b;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_serve (&b, bob, BOB_KEEPS);

  request = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "never");
  gxmpp_session_send_iq_async (alice, request, 0, NULL, on_iq_reply, &out);
  WAIT_UNTIL (b.requests->len == 1);
  gxmpp_session_close_async (alice, NULL, session_close_cb, &closed);
  WAIT_UNTIL (out.done && closed);
  g_assert_null (out.reply);
  g_assert_error (out.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  g_assert_cmpstr (out.error->message, ==, "The session closed before the reply came: The session was closed");
  iq_outcome_clear (&out);

  /* bob can still answer; nobody listens any more. */
  g_assert_true (gxmpp_iq_request_reply_result (b.requests->pdata[0], NULL, &error));
  g_assert_no_error (error);
  close_session (bob);
  bob_clear (&b);
}

/* 8. SECURITY: carol forges replies to alice's request to bob.
 *
 * A reply is matched on its id and on coming from where the request
 * went (gxmpp-session.c reply_sender_ok()). carol learns the id the
 * way an attacker would (here bob's IQ handler shows it; a malicious bob
 * resource, a log, or a predictable generator would do), and sends both
 * a result and an error with it before bob answers. The server stamps
 * carol's own address on them: alice's request must not complete with
 * them, and it must complete with bob's real answer afterwards. */

static void
send_forged (GXmppSession *carol,
             GXmppJid     *to,
             const char   *id,
             gboolean      error_reply)
{
  g_autofree char *xml = NULL;
  g_autoptr(GXmppNode) node = NULL;
  g_autoptr(GXmppStanza) stanza = NULL;
  g_autoptr(GError) error = NULL;

  if (error_reply)
    xml = g_markup_printf_escaped ("<iq xmlns='jabber:client' type='error' id='%s' to='%s'>"
                                   "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                   "</error></iq>", id, gxmpp_jid_to_string (to));
  else
    xml = g_markup_printf_escaped ("<iq xmlns='jabber:client' type='result' id='%s' to='%s'>"
                                   "<answer xmlns='" NS_TEST "'><text>forged by carol</text></answer></iq>",
                                   id, gxmpp_jid_to_string (to));
  node = gxmpp_node_new_from_string (xml, -1, NULL, &error);
  g_assert_no_error (error);
  stanza = gxmpp_stanza_new_from_node (node, &error);
  g_assert_no_error (error);
  send_or_fail (carol, stanza);
}

static gboolean
is_base64url (const char *id)
{
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static void
test_iq_spoofed_reply (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppSession) carol = NULL;
  g_autoptr(GPtrArray) at_alice = stanza_list ();
  g_autoptr(GXmppIq) request = NULL;
  g_autoptr(GXmppIq) second = NULL;
  g_autoptr(GXmppNode) real = NULL;
  g_autoptr(GError) error = NULL;
  GXmppJid *carol_jid;
  const char *request_id;
  IqOutcome out = { FALSE, NULL, NULL };
  IqOutcome out2 = { FALSE, NULL, NULL };
  Bob b;

  NEED_SERVER (id);
  alice = login (id, "alice");
  bob = login (id, "bob");
  carol = login (id, "carol");
  carol_jid = gxmpp_session_get_jid (carol);
  bob_serve (&b, bob, BOB_KEEPS);
  g_signal_connect (alice, "stanza", G_CALLBACK (on_collect), at_alice);

  request = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "who are you?");
  gxmpp_session_send_iq_async (alice, request, 0, NULL, on_iq_reply, &out);
  /* Ids come from GnuTLS's random generator: 96 bits, base64url. */
  request_id = gxmpp_stanza_get_id (GXMPP_STANZA (request));
  g_assert_cmpuint (strlen (request_id), ==, 16);
  g_assert_true (is_base64url (request_id));
  WAIT_UNTIL (b.requests->len == 1);
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (gxmpp_iq_request_get_iq (b.requests->pdata[0]))), ==,
                   request_id);

  send_forged (carol, gxmpp_session_get_jid (alice), request_id, FALSE);
  send_forged (carol, gxmpp_session_get_jid (alice), request_id, TRUE);
  send_chat (carol, gxmpp_session_get_jid (alice), "did it work?");
  /* In order from one sender: once the message is there, so are both. */
  WAIT_UNTIL (count_from (at_alice, carol_jid) == 3);

  g_assert_false (out.done);
  for (guint i = 0; i < 2; i++)
    {
      GXmppStanza *forged = nth_from (at_alice, carol_jid, i);

      /* Not taken for a reply: dispatched like any stanza. */
      g_assert_true (GXMPP_IS_IQ (forged));
      g_assert_cmpstr (gxmpp_stanza_get_id (forged), ==, request_id);
      g_assert_cmpint (gxmpp_iq_get_iq_type (GXMPP_IQ (forged)), ==,
                       i == 0 ? GXMPP_IQ_TYPE_RESULT : GXMPP_IQ_TYPE_ERROR);
    }
  g_assert_cmpint (gxmpp_session_get_state (alice), ==, GXMPP_SESSION_STATE_READY);

  /* bob's answer is the reply. */
  real = answer_payload ("bob, for real");
  g_assert_true (gxmpp_iq_request_reply_result (b.requests->pdata[0], real, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (GXMPP_STANZA (out.reply)), gxmpp_session_get_jid (bob)));
  g_assert_cmpstr (gxmpp_node_get_child_text (gxmpp_iq_get_payload (out.reply), "text", NS_TEST), ==,
                   "bob, for real");
  /* ... and went to send_iq only. */
  g_assert_cmpuint (count_from (at_alice, gxmpp_session_get_jid (bob)), ==, 0);
  iq_outcome_clear (&out);

  /* A second request gets another id. */
  second = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "again");
  gxmpp_session_send_iq_async (alice, second, 0, NULL, on_iq_reply, &out2);
  g_assert_cmpstr (gxmpp_stanza_get_id (GXMPP_STANZA (second)), !=, request_id);
  WAIT_UNTIL (b.requests->len == 2);
  g_assert_true (gxmpp_iq_request_reply_result (b.requests->pdata[1], NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (out2.done);
  g_assert_no_error (out2.error);
  iq_outcome_clear (&out2);

  close_session (alice);
  close_session (bob);
  close_session (carol);
  bob_clear (&b);
}

/* 9. Inboxes */

typedef struct {
  gboolean done;
  GXmppStanza *stanza;
  GError *error;
} PullOutcome;

static void
on_pulled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  PullOutcome *out = user_data;

  out->stanza = gxmpp_inbox_pull_finish (GXMPP_INBOX (source), result, &out->error);
  out->done = TRUE;
}

static void
on_waited_message (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PullOutcome *out = user_data;

  out->stanza = GXMPP_STANZA (gxmpp_inbox_wait_message_finish (GXMPP_INBOX (source), result, &out->error));
  out->done = TRUE;
}

static void
on_waited_presence (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  PullOutcome *out = user_data;

  out->stanza = GXMPP_STANZA (gxmpp_inbox_wait_presence_finish (GXMPP_INBOX (source), result, &out->error));
  out->done = TRUE;
}

static void
pull_outcome_clear (PullOutcome *out)
{
  g_clear_object (&out->stanza);
  g_clear_error (&out->error);
  out->done = FALSE;
}

/* The next stanza, which must be a message with @body. */
static void
pull_expect_body (GXmppInbox *inbox,
                  const char *body)
{
  PullOutcome out = { FALSE, NULL, NULL };

  gxmpp_inbox_pull_async (inbox, NULL, on_pulled, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  g_assert_true (GXMPP_IS_MESSAGE (out.stanza));
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (out.stanza), NULL), ==, body);
  pull_outcome_clear (&out);
}

typedef struct {
  const char *want;
  GPtrArray *offered;       /* bodies or statuses seen, char * */
} Filter;

static gboolean
message_body_is (GXmppStanza *stanza,
                 gpointer     user_data)
{
  Filter *filter = user_data;
  const char *body = gxmpp_message_get_body (GXMPP_MESSAGE (stanza), NULL);

  g_ptr_array_add (filter->offered, g_strdup (body));
  return g_strcmp0 (body, filter->want) == 0;
}

static gboolean
presence_status_is (GXmppStanza *stanza,
                    gpointer     user_data)
{
  Filter *filter = user_data;
  const char *status = gxmpp_presence_get_status (GXMPP_PRESENCE (stanza), NULL);

  g_ptr_array_add (filter->offered, g_strdup (status));
  return g_strcmp0 (status, filter->want) == 0;
}

static void
test_inbox (gconstpointer data)
{
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppInbox) inbox = NULL;
  g_autoptr(GPtrArray) offered = g_ptr_array_new_with_free_func (g_free);
  const char *bodies[] = { "one", "two", "three", "four" };
  Filter filter = { "three", offered };
  PullOutcome out = { FALSE, NULL, NULL };
  GXmppJid *bob_jid;

  NEED_SERVER (PROSODY);
  alice = login (PROSODY, "alice");
  bob = login (PROSODY, "bob");
  bob_jid = gxmpp_session_get_jid (bob);
  inbox = gxmpp_session_open_inbox (bob);
  g_assert_cmpuint (gxmpp_inbox_get_length (inbox), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    send_chat (alice, bob_jid, bodies[i]);
  pull_expect_body (inbox, "one");

  /* A filter: "two" is offered, refused and dropped. */
  gxmpp_inbox_wait_message_async (inbox, message_body_is, &filter, NULL, NULL, on_waited_message, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (out.stanza), NULL), ==, "three");
  g_assert_true (gxmpp_jid_equal (gxmpp_stanza_get_from (out.stanza), gxmpp_session_get_jid (alice)));
  g_assert_cmpuint (offered->len, ==, 2);
  g_assert_cmpstr (offered->pdata[0], ==, "two");
  g_assert_cmpstr (offered->pdata[1], ==, "three");
  pull_outcome_clear (&out);
  pull_expect_body (inbox, "four");
  g_assert_cmpuint (gxmpp_inbox_get_length (inbox), ==, 0);

  /* Presence: the messages in between stay for the next pull. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GXmppPresence) presence = gxmpp_presence_new (GXMPP_PRESENCE_TYPE_AVAILABLE, bob_jid);

      gxmpp_presence_set_status (presence, NULL, i == 0 ? "away" : "here");
      send_or_fail (alice, presence);
    }
  send_chat (alice, bob_jid, "not a presence");
  g_ptr_array_set_size (offered, 0);
  filter.want = "here";
  gxmpp_inbox_wait_presence_async (inbox, presence_status_is, &filter, NULL, NULL, on_waited_presence, &out);
  WAIT_UNTIL (out.done);
  g_assert_no_error (out.error);
  g_assert_cmpstr (gxmpp_presence_get_status (GXMPP_PRESENCE (out.stanza), NULL), ==, "here");
  g_assert_cmpuint (offered->len, ==, 2);
  pull_outcome_clear (&out);
  pull_expect_body (inbox, "not a presence");

  /* After the session closes: what is left, then the reason. */
  send_chat (alice, bob_jid, "last");
  send_chat (alice, bob_jid, "after last");
  WAIT_UNTIL (gxmpp_inbox_get_length (inbox) == 2);
  close_session (bob);
  pull_expect_body (inbox, "last");
  pull_expect_body (inbox, "after last");
  gxmpp_inbox_pull_async (inbox, NULL, on_pulled, &out);
  WAIT_UNTIL (out.done);
  g_assert_null (out.stanza);
  g_assert_error (out.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  pull_outcome_clear (&out);

  close_session (alice);
}

/* 9. Closing, and the end of the server */

/* close_async: our closing tag, then the server's; ::closed once, with
 * no reason. */
static void
test_close (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppMessage) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  const char *sent, *received;
  SessionWatch watch;

  NEED_SERVER (id);
  alice = login (id, "alice");
  session_watch (&watch, alice);

  start_capture ();
  close_session (alice);
  log = stop_capture ();

  sent = strstr (log, "SEND </stream:stream>");
  received = strstr (log, "RECV </stream:stream>");
  g_assert_nonnull (sent);
  g_assert_nonnull (received);
  g_assert_true (sent < received);
  g_assert_null (strstr (log, "did not close the stream in time"));
  g_assert_cmpuint (watch.closed, ==, 1);
  g_assert_null (watch.reason);
  assert_states (&watch, GXMPP_SESSION_STATE_CLOSING, GXMPP_SESSION_STATE_CLOSED, -1);

  /* Closed is closed; closing again succeeds at once, quietly. */
  late = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, gxmpp_session_get_jid (alice));
  g_assert_false (gxmpp_session_send (alice, GXMPP_STANZA (late), &error));
  g_assert_error (error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
  close_session (alice);
  g_assert_cmpuint (watch.closed, ==, 1);
  session_watch_clear (&watch);
}

/* The same full JID again: the server ends the older session. */
static void
test_closed_by_conflict (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) first = NULL;
  g_autoptr(GXmppSession) second = NULL;
  SessionWatch watch;

  NEED_SERVER (id);
  first = login_with_resource (id, "alice", "twin");
  g_assert_cmpstr (gxmpp_jid_get_resource (gxmpp_session_get_jid (first)), ==, "twin");
  session_watch (&watch, first);
  second = login_with_resource (id, "alice", "twin");
  WAIT_UNTIL (watch.closed == 1);

  g_test_message ("%s: %s", specs[id].name, watch.reason->message);
  g_assert_error (watch.reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_CONFLICT);
  assert_states (&watch, GXMPP_SESSION_STATE_CLOSED, -1);
  g_assert_true (gxmpp_jid_equal (gxmpp_session_get_jid (first), gxmpp_session_get_jid (second)));
  g_assert_cmpint (gxmpp_session_get_state (second), ==, GXMPP_SESSION_STATE_READY);
  close_session (second);
  close_session (first);        /* closed already: succeeds, no signal */
  g_assert_cmpuint (watch.closed, ==, 1);
  session_watch_clear (&watch);
}

/* Re-entrancy: bob's message handler answers and closes his session, or
 * drops its last reference. */

typedef struct {
  GXmppSession *session;      /* for dropping: the test's only reference */
  gboolean drop;
  guint messages;
  gboolean close_done;
} Reentry;

static gboolean
on_message_reenter (GXmppSession *session,
                    GXmppMessage *message,
                    gpointer      user_data)
{
  Reentry *r = user_data;
  g_autoptr(GXmppMessage) answer = gxmpp_message_answer (message, NULL);

  r->messages++;
  gxmpp_message_set_body (answer, NULL, "goodbye from bob");
  send_or_fail (session, answer);
  if (r->drop)
    g_clear_object (&r->session);
  else
    gxmpp_session_close_async (session, NULL, session_close_cb, &r->close_done);
  return TRUE;
}

static gboolean
body_from_is (GPtrArray  *list,
              GXmppJid   *from,
              const char *body)
{
  for (guint i = 0; i < list->len; i++)
    {
      GXmppStanza *s = list->pdata[i];

      if (GXMPP_IS_MESSAGE (s) && gxmpp_jid_equal (gxmpp_stanza_get_from (s), from) &&
          g_strcmp0 (gxmpp_message_get_body (GXMPP_MESSAGE (s), NULL), body) == 0)
        return TRUE;
    }
  return FALSE;
}

/* glib-networking may finalize a TLS connection in a worker thread. */
static void
on_finalized_elsewhere (gpointer  user_data,
                        GObject  *where_the_object_was)
{
  g_atomic_int_set ((gint *) user_data, 0);
  g_main_context_wakeup (NULL);
}

static void
test_reentrancy (gconstpointer data)
{
  gboolean drop = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppJid) bob_jid = NULL;
  g_autoptr(GPtrArray) at_alice = stanza_list ();
  Reentry r = { NULL, drop, 0, FALSE };
  GXmppSession *alive;
  gint tls_alive = 1;
  SessionWatch watch;

  NEED_SERVER (PROSODY);
  alice = login (PROSODY, "alice");
  r.session = login (PROSODY, "bob");
  bob_jid = gxmpp_jid_ref (gxmpp_session_get_jid (r.session));
  alive = r.session;
  g_object_add_weak_pointer (G_OBJECT (alive), (gpointer *) &alive);
  g_object_weak_ref (G_OBJECT (gxmpp_session_get_tls_connection (r.session)), on_finalized_elsewhere, &tls_alive);
  session_watch (&watch, r.session);
  g_signal_connect (r.session, "message", G_CALLBACK (on_message_reenter), &r);
  g_signal_connect (alice, "message", G_CALLBACK (on_collect), at_alice);

  send_chat (alice, bob_jid, "close now");
  send_chat (alice, bob_jid, "and again");
  /* bob's answer went out before his closing tag. */
  WAIT_UNTIL (body_from_is (at_alice, bob_jid, "goodbye from bob"));
  if (drop)
    {
      WAIT_UNTIL (alive == NULL);
      /* Nobody left to tell: no closed signal. */
      g_assert_cmpuint (watch.closed, ==, 0);
    }
  else
    {
      WAIT_UNTIL (r.close_done);
      g_assert_cmpint (gxmpp_session_get_state (r.session), ==, GXMPP_SESSION_STATE_CLOSED);
      g_assert_cmpuint (watch.closed, ==, 1);
      g_assert_null (watch.reason);
      g_clear_object (&r.session);
      g_assert_null (alive);
    }
  WAIT_UNTIL (!g_atomic_int_get (&tls_alive));
  /* The second message came while closing, or to a session gone. */
  g_assert_cmpuint (r.messages, ==, 1);
  session_watch_clear (&watch);
  close_session (alice);
}

/* Why a session ended when its server went away. Prosody ends every
 * stream with system-shutdown before it exits, with the reason it was
 * given as its text (the test server asks on the admin socket, giving
 * "Restarting"). ejabberd 23.01 (ejabberd_sm:host_down/1) queues system-shutdown
 * to each session's process and then has the supervisor terminate them:
 * a session whose process goes first sees its connection closed without
 * the stream error (and without TLS close_notify), G_TLS_ERROR_EOF. */
static void
assert_shutdown_reason (ServerId      id,
                        const GError *reason)
{
  if (id == EJABBERD && g_error_matches (reason, G_TLS_ERROR, G_TLS_ERROR_EOF))
    return;
  g_assert_error (reason, GXMPP_STREAM_ERROR, GXMPP_STREAM_ERROR_SYSTEM_SHUTDOWN);
  if (id == PROSODY)
    assert_has (reason->message, "Restarting");
}

/* The server goes away: restarted (Prosody) or stopped (ejabberd). Both
 * sessions are disconnected with the server's reason and reconnect as
 * their (default) policy says. After the restart they are ready again on
 * fresh streams (no stream management here): the IQ in flight fails with
 * GXMPP_ERROR_CONNECTION_LOST, the inbox goes on and sees what comes
 * next. Against the stopped server the attempts fail until the
 * application closes the session, which fails the IQ and the inbox with
 * GXMPP_ERROR_CLOSED. */
static void
test_server_shutdown (gconstpointer data)
{
  ServerId id = GPOINTER_TO_INT (data);
  GXmppTestServer *server = get_server (id);
  g_autoptr(GXmppSession) alice = NULL;
  g_autoptr(GXmppSession) bob = NULL;
  g_autoptr(GXmppInbox) inbox = NULL;
  g_autoptr(GXmppIq) request = NULL;
  g_autoptr(GError) error = NULL;
  IqOutcome out = { FALSE, NULL, NULL };
  PullOutcome pulled = { FALSE, NULL, NULL };
  SessionWatch watch_alice, watch_bob;
  gboolean restart = id == PROSODY;
  Bob b;

  if (server == NULL)
    return;
  alice = login (id, "alice");
  bob = login (id, "bob");
  bob_serve (&b, bob, BOB_KEEPS);
  session_watch (&watch_alice, alice);
  session_watch (&watch_bob, bob);
  inbox = gxmpp_session_open_inbox (alice);
  gxmpp_inbox_pull_async (inbox, NULL, on_pulled, &pulled);
  request = test_request (GXMPP_IQ_TYPE_GET, gxmpp_session_get_jid (bob), NS_TEST, "still there?");
  gxmpp_session_send_iq_async (alice, request, 0, NULL, on_iq_reply, &out);
  WAIT_UNTIL (b.requests->len == 1);

  /* The fixture runs this main context while it waits. */
  if (restart)
    g_assert_true (gxmpp_test_server_restart (server, &error));
  else
    g_assert_true (gxmpp_test_server_stop (server, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_alice.disconnected && watch_bob.disconnected);

  g_test_message ("%s %s: alice's session disconnected: %s (%s %d); bob's: %s (%s %d)", specs[id].name,
                  restart ? "restarted" : "stopped", watch_alice.disconnect_reason->message,
                  g_quark_to_string (watch_alice.disconnect_reason->domain),
                  watch_alice.disconnect_reason->code, watch_bob.disconnect_reason->message,
                  g_quark_to_string (watch_bob.disconnect_reason->domain), watch_bob.disconnect_reason->code);
  assert_shutdown_reason (id, watch_alice.disconnect_reason);
  assert_shutdown_reason (id, watch_bob.disconnect_reason);
  g_assert_cmpuint (watch_alice.closed, ==, 0);
  g_assert_cmpint (g_array_index (watch_alice.states, GXmppSessionState, 0), ==,
                   GXMPP_SESSION_STATE_DISCONNECTED);

  if (restart)
    {
      g_autoptr(GXmppMessage) message = NULL;

      /* Back on the same port, with the same accounts. */
      WAIT_UNTIL (watch_alice.reconnected && watch_bob.reconnected && out.done);
      g_assert_cmpuint (watch_alice.resumed, ==, 0);
      g_assert_cmpint (gxmpp_session_get_state (alice), ==, GXMPP_SESSION_STATE_READY);
      g_assert_null (out.reply);
      g_assert_error (out.error, GXMPP_ERROR, GXMPP_ERROR_CONNECTION_LOST);
      g_assert_false (pulled.done);

      message = gxmpp_message_new (GXMPP_MESSAGE_TYPE_CHAT, gxmpp_session_get_jid (alice));
      gxmpp_message_set_body (message, NULL, "after the restart");
      g_assert_true (gxmpp_session_send (bob, GXMPP_STANZA (message), &error));
      g_assert_no_error (error);
      WAIT_UNTIL (pulled.done);
      g_assert_no_error (pulled.error);
      g_assert_true (GXMPP_IS_MESSAGE (pulled.stanza));
      g_assert_cmpstr (gxmpp_message_get_body (GXMPP_MESSAGE (pulled.stanza), NULL), ==, "after the restart");
      close_session (alice);
      close_session (bob);
    }
  else
    {
      /* Trying, and failing, to reach the stopped server. */
      WAIT_UNTIL (watch_alice.states->len >= 3);
      g_assert_cmpint (g_array_index (watch_alice.states, GXmppSessionState, 1), ==,
                       GXMPP_SESSION_STATE_CONNECTING);
      g_assert_cmpint (g_array_index (watch_alice.states, GXmppSessionState, 2), ==,
                       GXMPP_SESSION_STATE_DISCONNECTED);
      g_assert_false (out.done);
      close_session (alice);
      close_session (bob);
      g_assert_cmpuint (watch_alice.closed, ==, 1);
      g_assert_null (watch_alice.reason);
      g_assert_error (out.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
      g_assert_error (pulled.error, GXMPP_ERROR, GXMPP_ERROR_CLOSED);
    }
  iq_outcome_clear (&out);
  pull_outcome_clear (&pulled);
  session_watch_clear (&watch_alice);
  session_watch_clear (&watch_bob);
  bob_clear (&b);
}

int
main (int   argc,
      char *argv[])
{
  static const ServerId talking[] = { PROSODY, EJABBERD };
  static const ServerId passwords[] = { PROSODY, PROSODY_OPEN, EJABBERD };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  /* Each server's tests together, in this order (GTest runs a suite's
   * own cases before its sub-suites: every path has the same depth). */
  for (ServerId id = 0; id < N_SERVERS; id++)
    {
      const char *name = specs[id].name;
      gpointer idp = GINT_TO_POINTER (id);

#define ADD(area, test_name, data, func) \
  G_STMT_START { \
    g_autofree char *path_ = g_strdup_printf ("/session-servers/%s/%s/%s", name, area, test_name); \
    g_test_add_data_func (path_, data, func); \
  } G_STMT_END

      for (guint i = 0; i < G_N_ELEMENTS (mechanism_cases); i++)
        if (mechanism_cases[i].server == id)
          ADD ("sasl", mechanism_cases[i].name, &mechanism_cases[i], test_mechanism);
      if (id == EJABBERD)
        ADD ("sasl", "slixmpp-plus-control", NULL, test_ejabberd_plus_control);

      for (guint i = 0; i < G_N_ELEMENTS (passwords); i++)
        if (passwords[i] == id)
          {
            ADD ("password", "non-ascii", idp, test_non_ascii_password);
            ADD ("password", "wrong", idp, test_wrong_password);
          }
      if (id == PROSODY_OPEN)
        ADD ("sasl", "anonymous", NULL, test_anonymous);

      for (guint i = 0; i < G_N_ELEMENTS (policy_cases); i++)
        if (policy_cases[i].server == id)
          ADD ("tls", policy_cases[i].name, &policy_cases[i], test_tls_policy);
      if (id == PROSODY)
        {
          ADD ("tls", "direct-to-starttls-port", NULL, test_direct_to_starttls_port);
          ADD ("certificate", "untrusted", GINT_TO_POINTER (0), test_certificate);
          ADD ("certificate", "refused-by-handler", GINT_TO_POINTER (1), test_certificate);
          ADD ("certificate", "accepted-by-handler", GINT_TO_POINTER (2), test_certificate);
        }

      for (guint i = 0; i < G_N_ELEMENTS (talking); i++)
        if (talking[i] == id)
          {
            ADD ("stanzas", "messages", idp, test_messages);
            ADD ("stanzas", "large-message", idp, test_large_message);
            if (id == PROSODY)
              ADD ("stanzas", "too-large-message", idp, test_too_large_message);
            ADD ("stanzas", "presence", idp, test_presence);
            ADD ("iq", "result", idp, test_iq_result);
            ADD ("iq", "error", idp, test_iq_error);
            ADD ("iq", "unhandled", idp, test_iq_unhandled);
            ADD ("iq", "timeout-and-cancel", idp, test_iq_timeout_and_cancel);
            ADD ("iq", "pending-when-closed", idp, test_iq_pending_when_closed);
            ADD ("iq", "spoofed-reply", idp, test_iq_spoofed_reply);
            if (id == PROSODY)
              ADD ("inbox", "pull-and-wait", NULL, test_inbox);
            ADD ("close", "both-ways", idp, test_close);
            ADD ("close", "conflict", idp, test_closed_by_conflict);
            if (id == PROSODY)
              {
                ADD ("reentrancy", "close-in-message-handler", GINT_TO_POINTER (FALSE), test_reentrancy);
                ADD ("reentrancy", "drop-in-message-handler", GINT_TO_POINTER (TRUE), test_reentrancy);
              }
            /* Last: the server goes away. */
            ADD ("end", id == PROSODY ? "server-restart" : "server-stop", idp, test_server_shutdown);
          }
#undef ADD
    }

  status = g_test_run ();
  /* Sessions dropped while ready close in the background: done before the
   * servers go, and before valgrind looks. */
  session_wait_for_streams ();

  for (guint i = 0; i < N_SERVERS; i++)
    {
      g_clear_pointer (&servers[i], gxmpp_test_server_free);
      g_clear_error (&server_errors[i]);
    }
  return status;
}
