/* fuzz-sasl.c: libFuzzer target for the client SASL mechanisms
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input plays the server of one exchange with a built-in mechanism
 * (SCRAM-SHA-1/256 and their -PLUS, DIGEST-MD5, PLAIN, ANONYMOUS,
 * EXTERNAL):
 *
 *   byte 0      the mechanism (index into gxmpp_sasl_mechanism_list_builtin())
 *   byte 1      flags: 1 secure connection, 2 channel binding data,
 *               4 of type tls-unique (else tls-exporter), 8 an authzid,
 *               16 the server offers a -PLUS mechanism, 32 report success
 *               while a SCRAM derivation still runs
 *   the rest    the server's messages, separated by NUL bytes; each starts
 *               with 'c' (a challenge: the rest of it), 's' (success with
 *               the rest as additional data) or 'n' (success without data).
 *               Anything else is a challenge as a whole.
 *
 * In a message, "{server}" becomes what GNU SASL's server, run alongside on
 * the client's messages, would send at that point (so that the fuzzer
 * reaches the states past a valid server-first and a valid signature), and
 * "{nonce}" the client nonce of a SCRAM exchange.
 *
 * Every outcome must be a GError of the documented domains; crashes, leaks,
 * hangs and sanitizer reports are failures.
 */

#include <string.h>

#include <gsasl.h>

#include "fuzz-common.h"
#include "gxmpp-error.h"
#include "gxmpp-sasl-context.h"
#include "gxmpp-sasl-mechanism.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"
#include "sasl/gxmpp-sasl-scram-private.h"

#define USERNAME "juliet"
#define PASSWORD "pencil"
#define DOMAIN "example.com"

/* More iterations only make an execution slower, not another path. */
#define MAX_FUZZ_ITERATIONS 8192

typedef struct {
  gboolean done;
  GBytes *output;
  GError *error;
} StepResult;

static void
on_step (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  StepResult *r = user_data;

  r->output = gxmpp_sasl_mechanism_step_finish (GXMPP_SASL_MECHANISM (source), result, &r->error);
  r->done = TRUE;
}

/* GNU SASL's server, as an oracle for "{server}". */

static int
server_callback (Gsasl          *ctx,
                 Gsasl_session  *session,
                 Gsasl_property  prop)
{
  switch (prop)
    {
    case GSASL_PASSWORD:
      gsasl_property_set (session, GSASL_PASSWORD, PASSWORD);
      return GSASL_OK;
    case GSASL_VALIDATE_ANONYMOUS:
    case GSASL_VALIDATE_EXTERNAL:
      return GSASL_OK;
    default:
      return GSASL_NO_CALLBACK;
    }
}

static Gsasl *
server_ctx (void)
{
  static Gsasl *ctx;

  if (ctx == NULL)
    {
      if (gsasl_init (&ctx) != GSASL_OK)
        fuzz_fail ("gsasl_init failed");
      gsasl_callback_set (ctx, server_callback);
    }
  return ctx;
}

typedef struct {
  Gsasl_session *session;       /* NULL once it failed or finished */
  GString *next;                /* what it sends next */
} Oracle;

static void
oracle_feed (Oracle *oracle,
             GBytes *client)
{
  char *out = NULL;
  size_t out_len = 0;
  int rc;

  g_string_truncate (oracle->next, 0);
  if (oracle->session == NULL)
    return;
  rc = gsasl_step (oracle->session,
                   client != NULL ? g_bytes_get_data (client, NULL) : NULL,
                   client != NULL ? g_bytes_get_size (client) : 0,
                   &out, &out_len);
  if (rc == GSASL_OK || rc == GSASL_NEEDS_MORE)
    g_string_append_len (oracle->next, out != NULL ? out : "", out_len);
  gsasl_free (out);
  if (rc != GSASL_NEEDS_MORE)
    g_clear_pointer (&oracle->session, gsasl_finish);
}

static GBytes *
expand (const char   *msg,
        gsize         len,
        const Oracle *oracle,
        const char   *nonce)
{
  GString *s = g_string_sized_new (len);
  gsize i = 0;

  while (i < len)
    {
      if (len - i >= 8 && memcmp (msg + i, "{server}", 8) == 0)
        {
          g_string_append_len (s, oracle->next->str, oracle->next->len);
          i += 8;
        }
      else if (len - i >= 7 && memcmp (msg + i, "{nonce}", 7) == 0)
        {
          g_string_append (s, nonce != NULL ? nonce : "");
          i += 7;
        }
      else
        g_string_append_c (s, msg[i++]);
    }
  return g_string_free_to_bytes (s);
}

static void
check_error (const GError *error)
{
  if (error == NULL)
    fuzz_fail ("a failure without a GError");
  if (error->domain != GXMPP_AUTH_ERROR && error->domain != G_IO_ERROR)
    fuzz_fail ("an error of an unexpected domain: %s", g_quark_to_string (error->domain));
}

static void
wait_for_jobs (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* Abandoned derivations finish in their worker thread. */
  while (gxmpp_sasl_gsasl_get_jobs_alive () > 0)
    {
      if (g_get_monotonic_time () > deadline)
        fuzz_fail ("a SCRAM derivation did not finish");
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (100);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char * const *names = gxmpp_sasl_mechanism_list_builtin ();
  guint n_names = g_strv_length ((char **) names);
  const char *name;
  guint flags;
  GXmppSaslContext *context;
  GXmppSaslMechanism *mechanism;
  GBytes *initial = NULL;
  GError *error = NULL;
  GXmppScramClientFirst cf = { 0 };
  gboolean is_scram;
  Oracle oracle = { NULL, NULL };
  const char *p, *end;
  gboolean verbose;

  if (size < 2 || size > 64 * 1024)
    return 0;
  verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  name = names[data[0] % n_names];
  flags = data[1];
  is_scram = g_str_has_prefix (name, "SCRAM-");

  context = gxmpp_sasl_context_new (DOMAIN);
  gxmpp_sasl_context_set_credentials (context, USERNAME, PASSWORD);
  gxmpp_sasl_context_set_secure (context, (flags & 1) != 0);
  if (flags & 2)
    {
      GBytes *cb = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);

      gxmpp_sasl_context_set_channel_binding (context, (flags & 4) ? "tls-unique" : "tls-exporter", cb);
      g_bytes_unref (cb);
    }
  if (flags & 8)
    gxmpp_sasl_context_set_authzid (context, "romeo@" DOMAIN);
  {
    const char * const with_plus[] = { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
                                       "SCRAM-SHA-1", "DIGEST-MD5", "PLAIN", NULL };
    const char * const without_plus[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "PLAIN", NULL };

    gxmpp_sasl_context_set_server_mechanisms (context, (flags & 16) ? with_plus : without_plus);
  }

  mechanism = gxmpp_sasl_mechanism_new (name, &error);
  if (mechanism == NULL)
    fuzz_fail ("built-in mechanism %s cannot be made: %s", name, error->message);

  if (!gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error))
    {
      if (verbose)
        fprintf (stderr, "%s: start: %s\n", name, error->message);
      check_error (error);
      g_clear_error (&error);
      goto out;
    }

  if (is_scram)
    {
      gsize len;
      const char *msg = g_bytes_get_data (initial, &len);

      if (!gxmpp_scram_client_first_parse (msg, len, &cf))
        fuzz_fail ("the SCRAM client-first message cannot be read back");
    }

  oracle.next = g_string_new (NULL);
  if (gsasl_server_start (server_ctx (), name, &oracle.session) == GSASL_OK)
    {
      const char *cb_type = NULL;
      GBytes *cb = gxmpp_sasl_context_get_channel_binding (context, &cb_type);

      gsasl_property_set (oracle.session, GSASL_SERVICE, "xmpp");
      gsasl_property_set (oracle.session, GSASL_HOSTNAME, DOMAIN);
      gsasl_property_set (oracle.session, GSASL_REALM, DOMAIN);
      if (cb != NULL)
        {
          char *b64 = g_base64_encode (g_bytes_get_data (cb, NULL), g_bytes_get_size (cb));

          gsasl_property_set (oracle.session,
                              g_strcmp0 (cb_type, "tls-unique") == 0 ? GSASL_CB_TLS_UNIQUE
                                                                     : GSASL_CB_TLS_EXPORTER,
                              b64);
          g_free (b64);
        }
      /* DIGEST-MD5 has no initial response: the server speaks first. */
      oracle_feed (&oracle, initial != NULL && g_bytes_get_size (initial) > 0 ? initial : NULL);
    }
  else
    oracle.session = NULL;

  p = (const char *) data + 2;
  end = (const char *) data + size;
  while (p <= end)
    {
      const char *nul = memchr (p, '\0', end - p);
      const char *msg_end = nul != NULL ? nul : end;
      char kind = p < msg_end ? *p : 'c';
      const char *body = (kind == 'c' || kind == 's' || kind == 'n') && p < msg_end ? p + 1 : p;
      GBytes *message = expand (body, msg_end - body, &oracle, cf.nonce);

      if (kind == 's' || kind == 'n')
        {
          gboolean ok = gxmpp_sasl_mechanism_complete (mechanism, kind == 's' ? message : NULL, &error);

          if (verbose)
            fprintf (stderr, "%s: complete: %s\n", name, ok ? "ok" : error->message);
          if (!ok)
            {
              check_error (error);
              g_clear_error (&error);
            }
          else if (error != NULL)
            fuzz_fail ("success with an error set");
          g_bytes_unref (message);
          break;
        }
      else
        {
          StepResult r = { FALSE, NULL, NULL };

          if (is_scram && cf.nonce != NULL)
            {
              GXmppScramServerFirst sf = { 0 };
              gsize len;
              const char *text = g_bytes_get_data (message, &len);
              gboolean slow = gxmpp_scram_server_first_parse (text, len, cf.nonce, &sf, NULL) &&
                              sf.iterations > MAX_FUZZ_ITERATIONS;

              gxmpp_scram_server_first_clear (&sf);
              if (slow)
                {
                  g_bytes_unref (message);
                  break;
                }
            }

          gxmpp_sasl_mechanism_step_async (mechanism, message, NULL, on_step, &r);
          g_bytes_unref (message);
          if ((flags & 32) && !r.done)
            {
              /* Success while the client still derives its keys. */
              if (gxmpp_sasl_mechanism_complete (mechanism, NULL, &error))
                fuzz_fail ("success accepted while a step was running");
              check_error (error);
              g_clear_error (&error);
            }
          while (!r.done)
            g_main_context_iteration (NULL, TRUE);
          if (verbose)
            fprintf (stderr, "%s: step: %s\n", name, r.output != NULL ? "answered" : r.error->message);
          if (r.output == NULL)
            {
              check_error (r.error);
              g_clear_error (&r.error);
              break;
            }
          if (r.error != NULL)
            fuzz_fail ("a step gave output and an error");
          oracle_feed (&oracle, r.output);
          g_bytes_unref (r.output);
        }

      if (nul == NULL)
        break;
      p = nul + 1;
    }

out:
  g_clear_pointer (&initial, g_bytes_unref);
  g_clear_pointer (&oracle.session, gsasl_finish);
  if (oracle.next != NULL)
    g_string_free (oracle.next, TRUE);
  gxmpp_scram_client_first_clear (&cf);
  g_object_unref (mechanism);
  g_object_unref (context);
  wait_for_jobs ();
  return 0;
}
