/* fuzz-negotiation.c: libFuzzer target for the negotiation state machine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input plays the server of a whole negotiation (gxmpp_negotiate_async:
 * stream header, features, STARTTLS, SASL, resource binding, the legacy
 * session, stream management), over a real connection to a Unix socket
 * this program listens on (abstract namespace: nothing on disk):
 *
 *   byte 0      flags: bits 0-1 the credentials (0 a password, 1 ANONYMOUS,
 *               2 none, 3 EXTERNAL), 4 TLS policy "prefer" (else "refuse"),
 *               8 stream management wanted, 16 resume a stream management
 *               session, 32 a small stanza size limit
 *   the rest    what the server sends, in segments separated by NUL bytes
 *               (never valid in XML). A segment is sent when the client has
 *               nothing left to do but wait for the server; after the last
 *               one the server shuts its side down.
 *
 * In a segment, {id} becomes the id of the last element the client sent
 * with one, {nonce} the SCRAM client nonce of its last <auth/>, and
 * {b64:TEXT} the base64 of TEXT (after the other substitutions), as in
 * tests/support/scripted-server.h.
 *
 * The negotiation must end, with success or a GError, within a bounded
 * number of main loop iterations once the server has closed; afterwards
 * every stream and SASL job must be gone. Crashes, leaks, hangs and
 * sanitizer reports are failures.
 *
 * Lookups are kept off the network: a see-other-host redirect to a name
 * meets a resolver that knows no names, and proxies are not looked up. A
 * redirect to an IP literal does connect to it.
 */

#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "fuzz-common.h"
#include "gxmpp-error.h"
#include "gxmpp-negotiation-private.h"
#include "gxmpp-stream-private.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"

#define DOMAIN "example.com"
#define MAX_ITERATIONS 20000

/* A resolver that knows no name. */

#define FUZZ_TYPE_RESOLVER (fuzz_resolver_get_type ())
G_DECLARE_FINAL_TYPE (FuzzResolver, fuzz_resolver, FUZZ, RESOLVER, GResolver)

struct _FuzzResolver
{
  GResolver parent_instance;
};

G_DEFINE_FINAL_TYPE (FuzzResolver, fuzz_resolver, G_TYPE_RESOLVER)

static GList *
fuzz_lookup_by_name (GResolver     *resolver,
                     const char    *hostname,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no names while fuzzing: %s", hostname);
  return NULL;
}

static void
fuzz_lookup_async (GResolver           *resolver,
                   const char          *name,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_task_report_new_error (resolver, callback, user_data, fuzz_lookup_async, G_RESOLVER_ERROR,
                           G_RESOLVER_ERROR_NOT_FOUND, "no names while fuzzing: %s", name);
}

static GList *
fuzz_lookup_finish (GResolver     *resolver,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
fuzz_lookup_by_name_with_flags (GResolver                 *resolver,
                                const char                *hostname,
                                GResolverNameLookupFlags   flags,
                                GCancellable              *cancellable,
                                GError                   **error)
{
  return fuzz_lookup_by_name (resolver, hostname, cancellable, error);
}

static void
fuzz_lookup_by_name_with_flags_async (GResolver                 *resolver,
                                      const char                *hostname,
                                      GResolverNameLookupFlags   flags,
                                      GCancellable              *cancellable,
                                      GAsyncReadyCallback        callback,
                                      gpointer                   user_data)
{
  fuzz_lookup_async (resolver, hostname, cancellable, callback, user_data);
}

static GList *
fuzz_lookup_records (GResolver            *resolver,
                     const char           *rrname,
                     GResolverRecordType   record_type,
                     GCancellable         *cancellable,
                     GError              **error)
{
  return fuzz_lookup_by_name (resolver, rrname, cancellable, error);
}

static void
fuzz_lookup_records_async (GResolver           *resolver,
                           const char          *rrname,
                           GResolverRecordType  record_type,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  fuzz_lookup_async (resolver, rrname, cancellable, callback, user_data);
}

static char *
fuzz_lookup_by_address (GResolver     *resolver,
                        GInetAddress  *address,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_set_error_literal (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no names while fuzzing");
  return NULL;
}

static void
fuzz_resolver_class_init (FuzzResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_name = fuzz_lookup_by_name;
  resolver_class->lookup_by_name_async = fuzz_lookup_async;
  resolver_class->lookup_by_name_finish = fuzz_lookup_finish;
  resolver_class->lookup_by_name_with_flags = fuzz_lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = fuzz_lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = fuzz_lookup_finish;
  resolver_class->lookup_records = fuzz_lookup_records;
  resolver_class->lookup_records_async = fuzz_lookup_records_async;
  resolver_class->lookup_records_finish = fuzz_lookup_finish;
  resolver_class->lookup_by_address = fuzz_lookup_by_address;
}

static void
fuzz_resolver_init (FuzzResolver *self)
{
}

/* The listening socket, made once per process. */

static GSocket *listener;
static GSocketAddress *listen_address;

static void
setup_once (void)
{
  GError *error = NULL;
  GResolver *resolver;
  char *name;

  if (listener != NULL)
    return;

  /* Before GIO picks its proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  resolver = g_object_new (FUZZ_TYPE_RESOLVER, NULL);
  g_resolver_set_default (resolver);
  g_object_unref (resolver);

  name = g_strdup_printf ("xmpp-glib-fuzz-negotiation-%d-%d", (int) getpid (), g_random_int ());
  listen_address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  g_free (name);
  listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (listener == NULL || !g_socket_bind (listener, listen_address, FALSE, &error) ||
      !g_socket_listen (listener, &error))
    fuzz_fail ("cannot listen: %s", error->message);
  g_socket_set_blocking (listener, FALSE);
}

/* Substitutions */

/* The value of attribute @attr="..." or '...' of the last element that has
 * it in @text, or NULL. */
static char *
last_attribute (const char *text,
                const char *attr)
{
  char *needle = g_strdup_printf (" %s=", attr);
  const char *p = text, *found = NULL;
  char *value = NULL;

  while ((p = strstr (p, needle)) != NULL)
    {
      found = p;
      p++;
    }
  if (found != NULL)
    {
      const char *start = found + strlen (needle);
      char quote = *start;
      const char *end;

      if ((quote == '"' || quote == '\'') && (end = strchr (start + 1, quote)) != NULL)
        value = g_strndup (start + 1, end - start - 1);
    }
  g_free (needle);
  return value;
}

/* The client nonce in the base64 text of the client's last <auth/>. */
static char *
last_nonce (const char *text)
{
  const char *p = text, *found = NULL;
  const char *start, *end, *r;
  char *b64, *nonce = NULL;
  guchar *decoded;
  gsize len;

  while ((p = strstr (p, "<auth ")) != NULL)
    {
      found = p;
      p++;
    }
  if (found == NULL || (start = strchr (found, '>')) == NULL || (end = strchr (start, '<')) == NULL)
    return NULL;
  b64 = g_strndup (start + 1, end - start - 1);
  decoded = g_base64_decode (b64, &len);
  g_free (b64);
  if (decoded != NULL)
    {
      char *msg = g_strndup ((const char *) decoded, len);

      if ((r = strstr (msg, ",r=")) != NULL)
        {
          const char *stop = strchr (r + 3, ',');

          nonce = stop != NULL ? g_strndup (r + 3, stop - r - 3) : g_strdup (r + 3);
        }
      g_free (msg);
    }
  g_free (decoded);
  return nonce;
}

/* The index of the '}' that closes the '{' at @open, or 0. */
static gsize
matching_brace (const char *seg,
                gsize       open,
                gsize       len)
{
  guint depth = 0;
  gsize i;

  for (i = open; i < len; i++)
    if (seg[i] == '{')
      depth++;
    else if (seg[i] == '}' && --depth == 0)
      return i;
  return 0;
}

static void
expand_into (GString    *out,
             const char *seg,
             gsize       len,
             const char *client)
{
  gsize i = 0;
  gsize close;

  while (i < len)
    {
      if (len - i >= 4 && memcmp (seg + i, "{id}", 4) == 0)
        {
          char *id = last_attribute (client, "id");

          g_string_append (out, id != NULL ? id : "");
          g_free (id);
          i += 4;
        }
      else if (len - i >= 7 && memcmp (seg + i, "{nonce}", 7) == 0)
        {
          char *nonce = last_nonce (client);

          g_string_append (out, nonce != NULL ? nonce : "");
          g_free (nonce);
          i += 7;
        }
      else if (len - i >= 5 && memcmp (seg + i, "{b64:", 5) == 0 && (close = matching_brace (seg, i, len)) != 0)
        {
          GString *inner = g_string_new (NULL);
          char *b64;

          expand_into (inner, seg + i + 5, close - (i + 5), client);
          b64 = g_base64_encode ((const guchar *) inner->str, inner->len);
          g_string_append (out, b64);
          g_free (b64);
          g_string_free (inner, TRUE);
          i = close + 1;
        }
      else
        g_string_append_c (out, seg[i++]);
    }
}

/* One negotiation */

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Outcome;

static void
on_negotiated (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ok = gxmpp_negotiate_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static gboolean
on_guard (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @context until *@flag or @ms milliseconds pass; FALSE then. */
static gboolean
iterate_until (GMainContext   *context,
               const gboolean *flag,
               guint           ms)
{
  gboolean expired = FALSE;
  GSource *guard = g_timeout_source_new (ms);

  g_source_set_callback (guard, on_guard, &expired, NULL);
  g_source_attach (guard, context);
  while (!*flag && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (guard);
  g_source_unref (guard);
  return *flag;
}

static gboolean
wait_idle (GMainContext *context,
           guint         ms)
{
  gboolean expired = FALSE;
  gboolean dispatched = FALSE;
  GSource *guard = g_timeout_source_new (ms);

  g_source_set_callback (guard, on_guard, &expired, NULL);
  g_source_attach (guard, context);
  g_main_context_iteration (context, TRUE);
  dispatched = !expired;
  g_source_destroy (guard);
  g_source_unref (guard);
  return dispatched;
}

static gboolean
drain (GSocket *server,
       GString *client)
{
  char buf[4096];
  gssize n;
  gboolean got = FALSE;

  while ((n = g_socket_receive (server, buf, sizeof buf, NULL, NULL)) > 0)
    {
      /* Keep the tail: enough for the substitutions. */
      g_string_append_len (client, buf, n);
      got = TRUE;
    }
  if (client->len > 64 * 1024)
    g_string_erase (client, 0, client->len - 32 * 1024);
  return got;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GXmppNegotiation negotiation = { 0 };
  GMainContext *context;
  GCancellable *cancellable;
  Outcome outcome = { FALSE, FALSE, NULL };
  GSocket *server = NULL;
  GString *client;
  guint flags;
  const char *p, *end;
  gboolean eof_sent = FALSE;
  guint i;
  gboolean streams_gone;

  if (size < 1 || size > 64 * 1024)
    return 0;
  setup_once ();
  flags = data[0];
  p = (const char *) data + 1;
  end = (const char *) data + size;

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  cancellable = g_cancellable_new ();
  client = g_string_new (NULL);

  negotiation.config = gxmpp_session_config_new ();
  negotiation.stream_config = gxmpp_stream_config_new ();
  gxmpp_stream_config_set_server_address (negotiation.stream_config, G_SOCKET_CONNECTABLE (listen_address));
  gxmpp_stream_config_set_tls_policy (negotiation.stream_config,
                                      (flags & 4) ? GXMPP_TLS_POLICY_PREFER : GXMPP_TLS_POLICY_REFUSE);
  if (flags & 32)
    gxmpp_stream_config_set_max_stanza_size (negotiation.stream_config, 1024);
  switch (flags & 3)
    {
    case 0:
      negotiation.auth = gxmpp_auth_new_password ("juliet", "pencil");
      gxmpp_auth_set_resource (negotiation.auth, "balcony");
      break;
    case 1:
      negotiation.auth = gxmpp_auth_new_anonymous ();
      break;
    case 2:
      negotiation.auth = NULL;
      break;
    default:
      negotiation.auth = gxmpp_auth_new_external (NULL);
      break;
    }
  negotiation.domain = g_strdup (DOMAIN);
  negotiation.sm_wanted = (flags & 8) != 0;
  if (flags & 16)
    {
      GXmppJid *jid = gxmpp_jid_new ("juliet@" DOMAIN "/balcony", NULL);

      gxmpp_negotiation_reset (&negotiation, jid, "fuzz-resume-id", 3);
      gxmpp_jid_unref (jid);
    }

  gxmpp_negotiate_async (&negotiation, cancellable, on_negotiated, &outcome);

  for (i = 0; i < MAX_ITERATIONS && !outcome.done; i++)
    {
      gboolean progressed;

      if (server == NULL)
        {
          server = g_socket_accept (listener, NULL, NULL);
          if (server != NULL)
            g_socket_set_blocking (server, FALSE);
        }

      progressed = g_main_context_iteration (context, FALSE);
      if (server != NULL && drain (server, client))
        progressed = TRUE;
      if (progressed)
        continue;

      /* Nothing to dispatch now. A worker thread (a SCRAM derivation, a
       * TLS handshake) may still be busy: wait a little for it. Without
       * one the client is idle: a Unix socket hands writes over at once. */
      if ((gxmpp_sasl_gsasl_get_jobs_alive () > 0 || (flags & 4)) && wait_idle (context, 20))
        continue;

      if (server == NULL)
        continue;
      if (p <= end && !eof_sent)
        {
          const char *nul = memchr (p, '\0', end - p);
          const char *seg_end = nul != NULL ? nul : end;
          GString *out = g_string_new (NULL);
          gsize sent = 0;

          expand_into (out, p, seg_end - p, client->str);
          while (sent < out->len)
            {
              gssize n = g_socket_send (server, out->str + sent, out->len - sent, NULL, NULL);

              if (n <= 0)
                break;
              sent += n;
            }
          g_string_free (out, TRUE);
          p = nul != NULL ? nul + 1 : end + 1;
          continue;
        }
      if (!eof_sent)
        {
          g_socket_shutdown (server, FALSE, TRUE, NULL);
          eof_sent = TRUE;
          continue;
        }
      /* Everything sent and the server's side shut: the client must end
       * on its own now. */
      if (!iterate_until (context, &outcome.done, 5000))
        fuzz_fail ("the negotiation did not end after the server closed");
    }

  if (!outcome.done)
    {
      /* A server that keeps the client busy: only the iteration bound
       * stops it. Cancelling must end it. */
      g_cancellable_cancel (cancellable);
      if (!iterate_until (context, &outcome.done, 5000))
        fuzz_fail ("the negotiation did not end when cancelled");
    }

  if (!outcome.ok)
    {
      if (outcome.error == NULL)
        fuzz_fail ("a failed negotiation without a GError");
      if (g_getenv ("FUZZ_VERBOSE") != NULL)
        fprintf (stderr, "negotiation failed: %s %d: %s\n", g_quark_to_string (outcome.error->domain),
                 outcome.error->code, outcome.error->message);
      g_clear_error (&outcome.error);
    }
  else
    {
      if (outcome.error != NULL)
        fuzz_fail ("success with an error set");
      if (negotiation.stream == NULL)
        fuzz_fail ("success without a stream");
      if (negotiation.auth != NULL && negotiation.jid == NULL && !negotiation.sm_resumed)
        fuzz_fail ("an authenticated negotiation ended without a JID");
      if (g_getenv ("FUZZ_VERBOSE") != NULL)
        fprintf (stderr, "negotiation succeeded: %s%s%s\n",
                 negotiation.jid != NULL ? gxmpp_jid_to_string (negotiation.jid) : "(no JID)",
                 negotiation.sm_enabled ? ", stream management" : "",
                 negotiation.sm_resumed ? ", resumed" : "");
    }

  /* Close our side; the client's stream then closes on its own. */
  if (server != NULL)
    {
      g_socket_close (server, NULL);
      g_clear_object (&server);
    }
  /* A connection made but never accepted (a redirect back to us cannot
   * happen, but an accept may have raced the end). */
  while ((server = g_socket_accept (listener, NULL, NULL)) != NULL)
    {
      g_socket_close (server, NULL);
      g_clear_object (&server);
    }
  gxmpp_negotiation_clear (&negotiation);

  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (!(streams_gone = gxmpp_stream_count_alive () == 0 && gxmpp_sasl_gsasl_get_jobs_alive () == 0) &&
           g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (100);
  }
  if (!streams_gone)
    fuzz_fail ("%u streams and %u SASL jobs still alive after the negotiation",
               gxmpp_stream_count_alive (), gxmpp_sasl_gsasl_get_jobs_alive ());

  while (g_main_context_iteration (context, FALSE))
    ;
  g_string_free (client, TRUE);
  g_object_unref (cancellable);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return 0;
}
