/* gxmpp-sasl-gsasl.c: the built-in mechanisms, driven by GNU SASL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-sasl-private.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"
#include "sasl/gxmpp-sasl-scram-private.h"

/* GXmppSaslGsasl is every built-in mechanism: a GNU SASL client session,
 * with the checks GNU SASL does not make around it.
 *
 * - Credentials are prepared with PRECIS before GNU SASL sees them.
 * - SCRAM: the server-first message is checked (nonce, salt, iteration
 *   bounds, mandatory extensions) before it reaches gsasl_step(), whose key
 *   derivation then runs in a worker thread; the server-final message is
 *   parsed here so that "e=" is reported and a missing "v=" is never
 *   taken for success.
 * - GNU SASL 2.2's SCRAM client fails (GSASL_AUTHENTICATION_ERROR) instead
 *   of sending the GS2 flag "y" when it has channel binding data for a
 *   mechanism without -PLUS. That case is the "y path": the messages are
 *   made in gxmpp-sasl-scram.c, the keys still derived by GNU SASL
 *   (gsasl_scram_secrets_from_password()), the two HMACs over the
 *   AuthMessage computed by GnuTLS.
 */

typedef enum {
  FAMILY_SCRAM,
  FAMILY_DIGEST_MD5,
  FAMILY_PLAIN,
  FAMILY_ANONYMOUS,
  FAMILY_EXTERNAL,
} Family;

typedef struct {
  const char *name;
  Family family;
  GXmppScramHash hash;
  gboolean plus;
} Builtin;

/* Most secure first; gxmpp_sasl_mechanism_list_builtin() keeps this
 * order. */
static const Builtin builtins[] = {
  { "SCRAM-SHA-256-PLUS", FAMILY_SCRAM, GXMPP_SCRAM_SHA256, TRUE },
  { "SCRAM-SHA-1-PLUS", FAMILY_SCRAM, GXMPP_SCRAM_SHA1, TRUE },
  { "SCRAM-SHA-256", FAMILY_SCRAM, GXMPP_SCRAM_SHA256, FALSE },
  { "SCRAM-SHA-1", FAMILY_SCRAM, GXMPP_SCRAM_SHA1, FALSE },
  { "DIGEST-MD5", FAMILY_DIGEST_MD5, 0, FALSE },
  { "PLAIN", FAMILY_PLAIN, 0, FALSE },
  { "ANONYMOUS", FAMILY_ANONYMOUS, 0, FALSE },
  { "EXTERNAL", FAMILY_EXTERNAL, 0, FALSE },
};

static const char * const builtin_names[] = {
  "SCRAM-SHA-256-PLUS",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1",
  "DIGEST-MD5",
  "PLAIN",
  "ANONYMOUS",
  "EXTERNAL",
  NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (builtins) + 1 == G_N_ELEMENTS (builtin_names));

/* Challenges are bounded by the stanza size limit already; this keeps a
 * hostile one away from GNU SASL's parsers in any case. */
#define MAX_CHALLENGE_BYTES (64 * 1024)

typedef enum {
  STATE_IDLE,
  STATE_EXPECT_FIRST,           /* SCRAM server-first, DIGEST-MD5 digest-challenge */
  STATE_EXPECT_FINAL,           /* SCRAM server-final, DIGEST-MD5 rspauth */
  STATE_VERIFIED,               /* the server proved itself in a challenge */
  STATE_SENT,                   /* PLAIN, ANONYMOUS, EXTERNAL: nothing more to do */
  STATE_COMPLETED,
  STATE_FAILED,
} State;

/* GNU SASL's session for one exchange. A worker thread uses it during a
 * derivation, and keeps it alive if the exchange is abandoned meanwhile, so
 * the last reference may be dropped in that thread; only one thread uses
 * it at a time. */
typedef struct {
  gatomicrefcount ref_count;
  Gsasl_session *session;
} Run;

struct _GXmppSaslGsasl
{
  GXmppSaslMechanism parent_instance;

  const Builtin *info;
  State state;
  guint generation;             /* bumped when an exchange is abandoned */
  gboolean busy;                /* a step is running */
  Run *run;                     /* NULL on the y path */

  GXmppScramClientFirst cf;
  gboolean y_path;
  char *password;               /* y path: prepared; wiped */
  char *verifier;               /* y path: the expected "v=..." */
  GBytes *verified_final;       /* the challenge that proved the server */
};

G_DEFINE_FINAL_TYPE (GXmppSaslGsasl, gxmpp_sasl_gsasl, GXMPP_TYPE_SASL_MECHANISM)

/* Test hooks */

static GXmppSaslDeriveHook derive_hook;
static gpointer derive_hook_data;
static gint jobs_alive;

void
gxmpp_sasl_gsasl_set_derive_hook (GXmppSaslDeriveHook hook,
                                  gpointer            user_data)
{
  derive_hook = hook;
  derive_hook_data = user_data;
}

guint
gxmpp_sasl_gsasl_get_jobs_alive (void)
{
  return (guint) g_atomic_int_get (&jobs_alive);
}

/* GNU SASL sessions */

/* GNU SASL keeps properties in strings it allocated; overwrite the secret
 * ones before they are freed. */
static void
wipe_property (Gsasl_session  *session,
               Gsasl_property  prop)
{
  char *value = (char *) gsasl_property_fast (session, prop);

  if (value != NULL)
    gxmpp_sasl_wipe (value, strlen (value));
  gsasl_property_free (session, prop);
}

static void
wipe_secrets (Gsasl_session *session)
{
  wipe_property (session, GSASL_PASSWORD);
  wipe_property (session, GSASL_SCRAM_SALTED_PASSWORD);
}

static void
free_gsasl_output (char   *output,
                   size_t  len)
{
  if (output == NULL)
    return;
  gxmpp_sasl_wipe (output, len);
  gsasl_free (output);
}

/* One GNU SASL context for the process, made on first use and kept: after
 * gsasl_init() it is only read (its table of mechanisms), so sessions may
 * be started and finished from any thread, and gsasl_init() and
 * gsasl_done(), which also initialise the mechanisms' libraries, never run
 * concurrently. No callback is set: every property a session needs is set
 * on it. */
static Gsasl *
get_gsasl (GError **error)
{
  static Gsasl *ctx;
  static int init_rc;

  if (g_once_init_enter (&ctx))
    {
      Gsasl *made = NULL;

      init_rc = gsasl_init (&made);
      g_once_init_leave (&ctx, init_rc == GSASL_OK ? made : GINT_TO_POINTER (1));
    }
  if (ctx == GINT_TO_POINTER (1))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("GNU SASL could not be initialized: %s"), gsasl_strerror (init_rc));
      return NULL;
    }
  return ctx;
}

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
run_unref (Run *run)
{
  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;
  wipe_secrets (run->session);
  gsasl_finish (run->session);
  g_free (run);
}

static Run *
run_new (const char  *name,
         GError     **error)
{
  Gsasl *ctx = get_gsasl (error);
  Gsasl_session *session = NULL;
  Run *run;
  int rc;

  if (ctx == NULL)
    return NULL;
  rc = gsasl_client_start (ctx, name, &session);
  if (rc != GSASL_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("GNU SASL could not start %s: %s"), name, gsasl_strerror (rc));
      return NULL;
    }
  run = g_new0 (Run, 1);
  g_atomic_ref_count_init (&run->ref_count);
  run->session = session;
  return run;
}

/* Sets @error for a GNU SASL failure, with @code for the codes that do not
 * say more themselves. */
static void
set_gsasl_error (GError         **error,
                 int              rc,
                 const char      *name,
                 GXmppAuthError   code)
{
  switch (rc)
    {
    case GSASL_SASLPREP_ERROR:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                   _("The user name or password cannot be prepared with SASLprep for %s"), name);
      break;
    case GSASL_MECHANISM_PARSE_ERROR:
    case GSASL_BASE64_ERROR:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                   _("The server sent %s data that cannot be parsed"), name);
      break;
    case GSASL_MALLOC_ERROR:
    case GSASL_CRYPTO_ERROR:
    case GSASL_MECHANISM_CALLED_TOO_MANY_TIMES:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("GNU SASL failed in %s: %s"), name, gsasl_strerror (rc));
      break;
    default:
      g_set_error (error, GXMPP_AUTH_ERROR, code,
                   _("The %s exchange failed: %s"), name, gsasl_strerror (rc));
      break;
    }
}

/* Steps: what a worker thread gets and gives back */

typedef struct {
  guint generation;
  Run *run;                     /* gsasl path */
  GBytes *challenge;

  gboolean y_path;
  GXmppScramHash hash;
  char *password;               /* y path */
  GXmppScramClientFirst cf;     /* y path */
  GXmppScramServerFirst sf;     /* y path */

  int rc;
  char *output;
  size_t output_len;
  char *verifier;               /* y path */
} Job;

static Job *
job_new (GXmppSaslGsasl *self,
         GBytes         *challenge)
{
  Job *job = g_new0 (Job, 1);

  g_atomic_int_inc (&jobs_alive);
  job->generation = self->generation;
  job->challenge = g_bytes_ref (challenge);
  job->hash = self->info->hash;
  job->y_path = self->y_path;
  if (self->run != NULL)
    job->run = run_ref (self->run);
  return job;
}

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->run, run_unref);
  g_bytes_unref (job->challenge);
  gxmpp_sasl_free_secret (job->password);
  gxmpp_scram_client_first_clear (&job->cf);
  gxmpp_scram_server_first_clear (&job->sf);
  free_gsasl_output (job->output, job->output_len);
  g_free (job->verifier);
  g_free (job);
  g_atomic_int_add (&jobs_alive, -1);
}

/* Runs gsasl_step() on @job's challenge; on any thread. */
static void
job_run_gsasl (Job *job)
{
  gsize len;
  const char *data = g_bytes_get_data (job->challenge, &len);

  job->rc = gsasl_step (job->run->session, data, len, &job->output, &job->output_len);
  if (job->rc != GSASL_OK && job->rc != GSASL_NEEDS_MORE)
    free_gsasl_output (g_steal_pointer (&job->output), job->output_len);
}

/* The derivation, in a worker thread. It touches only the job (and the
 * gsasl session, which no other thread uses meanwhile). */
static void
derive_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;

  if (derive_hook != NULL)
    derive_hook (derive_hook_data);

  if (job->y_path)
    {
      gsize len;
      const char *server_first = g_bytes_get_data (job->challenge, &len);
      g_autofree char *client_final = NULL;

      job->rc = gxmpp_scram_client_final_build_y (job->hash, job->password, &job->cf, &job->sf,
                                                  server_first, len, &client_final, &job->verifier);
      if (job->rc == GSASL_OK)
        {
          job->rc = GSASL_NEEDS_MORE;
          /* Output is freed like GNU SASL's, with free(). */
          job->output_len = strlen (client_final);
          job->output = malloc (job->output_len + 1);
          if (job->output != NULL)
            memcpy (job->output, client_final, job->output_len + 1);
          else
            job->rc = GSASL_MALLOC_ERROR;
        }
      g_clear_pointer (&job->password, gxmpp_sasl_free_secret);
    }
  else
    {
      job_run_gsasl (job);
      /* SCRAM needs the password no more. */
      wipe_secrets (job->run->session);
    }

  g_task_return_boolean (task, TRUE);
}

/* The class */

static void
reset (GXmppSaslGsasl *self)
{
  /* A step still running completes with "aborted". */
  self->generation++;
  self->busy = FALSE;
  self->state = STATE_IDLE;
  self->y_path = FALSE;
  g_clear_pointer (&self->run, run_unref);
  gxmpp_scram_client_first_clear (&self->cf);
  g_clear_pointer (&self->password, gxmpp_sasl_free_secret);
  g_clear_pointer (&self->verifier, g_free);
  g_clear_pointer (&self->verified_final, g_bytes_unref);
}

static void
gxmpp_sasl_gsasl_finalize (GObject *object)
{
  reset (GXMPP_SASL_GSASL (object));

  G_OBJECT_CLASS (gxmpp_sasl_gsasl_parent_class)->finalize (object);
}

static const char *
name_of (GXmppSaslGsasl *self)
{
  return self->info->name;
}

static gboolean
has_usable_channel_binding (GXmppSaslContext *context)
{
  const char *type = NULL;

  return gxmpp_sasl_context_get_channel_binding (context, &type) != NULL &&
         gxmpp_sasl_channel_binding_type_is_supported (type);
}

static gboolean
gxmpp_sasl_gsasl_is_acceptable (GXmppSaslMechanism  *mechanism,
                                GXmppSaslContext    *context,
                                GError             **error)
{
  GXmppSaslGsasl *self = GXMPP_SASL_GSASL (mechanism);
  const Builtin *info = self->info;

  switch (info->family)
    {
    case FAMILY_SCRAM:
    case FAMILY_DIGEST_MD5:
    case FAMILY_PLAIN:
      if (gxmpp_sasl_context_get_username (context) == NULL ||
          gxmpp_sasl_context_get_password (context) == NULL)
        {
          g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                       _("%s needs a user name and a password"), info->name);
          return FALSE;
        }
      break;
    case FAMILY_ANONYMOUS:
    case FAMILY_EXTERNAL:
    default:
      break;
    }

  if (info->plus)
    {
      const char *type = NULL;

      if (gxmpp_sasl_context_get_channel_binding (context, &type) == NULL)
        {
          g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                       _("%s needs channel binding data from the TLS connection, and there is none"),
                       info->name);
          return FALSE;
        }
      if (!gxmpp_sasl_channel_binding_type_is_supported (type))
        {
          g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                       _("%s needs channel binding of the type tls-exporter or tls-unique, not %s"),
                       info->name, type);
          return FALSE;
        }
    }

  if (info->family == FAMILY_PLAIN && !gxmpp_sasl_context_is_secure (context))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED,
                           _("PLAIN is not used on an unencrypted connection, where it would expose the password"));
      return FALSE;
    }
  if (info->family == FAMILY_EXTERNAL && !gxmpp_sasl_context_is_secure (context))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ENCRYPTION_REQUIRED,
                           _("EXTERNAL is not used on an unencrypted connection"));
      return FALSE;
    }
  if (info->family == FAMILY_DIGEST_MD5 && gxmpp_sasl_context_get_hostname (context) == NULL)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM,
                           _("DIGEST-MD5 needs the server's domain"));
      return FALSE;
    }
  return TRUE;
}

/* GNU SASL applies SASLprep (RFC 4013, through libidn) to the SCRAM user
 * name and password itself, after the library's PRECIS preparation. Check
 * now that it will succeed, so that the failure is reported before
 * anything is sent, and say which of the two it is. */
static gboolean
check_saslprep (const char  *prepared,
                gboolean     is_password,
                char       **saslprepped,
                GError     **error)
{
  char *out = NULL;
  int rc = gsasl_saslprep (prepared, GSASL_ALLOW_UNASSIGNED, &out, NULL);

  if (rc != GSASL_OK || out == NULL || *out == '\0')
    {
      if (out != NULL)
        {
          gxmpp_sasl_wipe (out, strlen (out));
          gsasl_free (out);
        }
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SASLPREP_FAILED,
                           is_password
                           ? _("The password cannot be prepared with SASLprep, which SCRAM applies (it may mix writing directions or contain a prohibited character)")
                           : _("The user name cannot be prepared with SASLprep, which SCRAM applies"));
      return FALSE;
    }

  if (saslprepped != NULL)
    *saslprepped = g_strdup (out);
  gxmpp_sasl_wipe (out, strlen (out));
  gsasl_free (out);
  return TRUE;
}

static gboolean
start_y_path (GXmppSaslGsasl    *self,
              GXmppSaslContext  *context,
              const char        *username,
              char              *password,
              GBytes           **initial_response,
              GError           **error)
{
  g_autofree char *saslname = NULL;
  g_autofree char *message = NULL;

  if (!check_saslprep (username, FALSE, &saslname, error))
    {
      gxmpp_sasl_free_secret (password);
      return FALSE;
    }
  if (!gxmpp_scram_client_first_build_y (saslname, gxmpp_sasl_context_get_authzid (context),
                                         &self->cf, &message, error))
    {
      gxmpp_sasl_free_secret (password);
      return FALSE;
    }
  self->y_path = TRUE;
  self->password = password;
  self->state = STATE_EXPECT_FIRST;
  *initial_response = g_bytes_new (message, strlen (message));
  return TRUE;
}

static gboolean
gxmpp_sasl_gsasl_start (GXmppSaslMechanism  *mechanism,
                        GXmppSaslContext    *context,
                        GBytes             **initial_response,
                        GError             **error)
{
  GXmppSaslGsasl *self = GXMPP_SASL_GSASL (mechanism);
  const Builtin *info = self->info;
  g_autofree char *username = NULL;
  char *password = NULL;
  const char *cb_type = NULL;
  GBytes *cb_data;
  Gsasl_session *session;
  char *output = NULL;
  size_t output_len = 0;
  int rc;

  reset (self);
  self->state = STATE_FAILED;
  *initial_response = NULL;

  if (!gxmpp_sasl_gsasl_is_acceptable (mechanism, context, error))
    return FALSE;

  if (info->family == FAMILY_SCRAM || info->family == FAMILY_DIGEST_MD5 ||
      info->family == FAMILY_PLAIN)
    {
      if (!gxmpp_sasl_prepare_username (gxmpp_sasl_context_get_username (context), &username, error))
        return FALSE;
      if (!gxmpp_sasl_prepare_password (gxmpp_sasl_context_get_password (context), &password, error))
        return FALSE;
      if (info->family == FAMILY_SCRAM &&
          (!check_saslprep (username, FALSE, NULL, error) ||
           !check_saslprep (password, TRUE, NULL, error)))
        {
          gxmpp_sasl_free_secret (password);
          return FALSE;
        }
    }

  cb_data = gxmpp_sasl_context_get_channel_binding (context, &cb_type);

  /* RFC 5802 section 6: a client that supports channel binding but sees no
   * -PLUS mechanism says so with "y", so that a server that does support
   * it detects the downgrade. GNU SASL cannot send "y". If the server does
   * offer channel binding and the application chose not to use it, "n" is
   * the truthful flag. */
  if (info->family == FAMILY_SCRAM && !info->plus &&
      has_usable_channel_binding (context) && !gxmpp_sasl_context_server_offers_plus (context))
    {
      if (!start_y_path (self, context, username, password, initial_response, error))
        return FALSE;
      return TRUE;
    }

  self->run = run_new (info->name, error);
  if (self->run == NULL)
    {
      gxmpp_sasl_free_secret (password);
      return FALSE;
    }
  session = self->run->session;

  gsasl_property_set (session, GSASL_SERVICE, gxmpp_sasl_context_get_service (context));
  if (gxmpp_sasl_context_get_hostname (context) != NULL)
    gsasl_property_set (session, GSASL_HOSTNAME, gxmpp_sasl_context_get_hostname (context));
  if (username != NULL)
    gsasl_property_set (session, GSASL_AUTHID, username);
  if (password != NULL)
    gsasl_property_set (session, GSASL_PASSWORD, password);
  gxmpp_sasl_free_secret (g_steal_pointer (&password));
  if (gxmpp_sasl_context_get_authzid (context) != NULL)
    gsasl_property_set (session, GSASL_AUTHZID, gxmpp_sasl_context_get_authzid (context));

  switch (info->family)
    {
    case FAMILY_SCRAM:
      if (info->plus)
        {
          /* Only the property of the context's type: GNU SASL takes
           * tls-exporter when both are set. */
          g_autofree char *b64 = g_base64_encode (g_bytes_get_data (cb_data, NULL),
                                                  g_bytes_get_size (cb_data));

          gsasl_property_set (session,
                              strcmp (cb_type, "tls-exporter") == 0 ? GSASL_CB_TLS_EXPORTER
                                                                    : GSASL_CB_TLS_UNIQUE,
                              b64);
        }
      break;
    case FAMILY_DIGEST_MD5:
      /* Authentication only: no integrity or confidentiality layer. */
      gsasl_property_set (session, GSASL_QOP, "qop-auth");
      self->state = STATE_EXPECT_FIRST;
      return TRUE;    /* the server speaks first */
    case FAMILY_ANONYMOUS:
      /* RFC 4505 allows an empty trace, but some servers (GNU SASL's
       * among them) take an empty message for none and ask again; a
       * constant token says nothing about the user. */
      gsasl_property_set (session, GSASL_ANONYMOUS_TOKEN, "anonymous");
      break;
    case FAMILY_PLAIN:
    case FAMILY_EXTERNAL:
    default:
      break;
    }

  rc = gsasl_step (session, NULL, 0, &output, &output_len);

  if (info->family == FAMILY_SCRAM)
    {
      if (rc != GSASL_NEEDS_MORE)
        {
          free_gsasl_output (output, output_len);
          set_gsasl_error (error, rc, info->name, GXMPP_AUTH_ERROR_MALFORMED_REQUEST);
          return FALSE;
        }
      if (!gxmpp_scram_client_first_parse (output, output_len, &self->cf) ||
          self->cf.nonce == NULL)
        {
          free_gsasl_output (output, output_len);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("GNU SASL made a %s message the library cannot read"), info->name);
          return FALSE;
        }
      /* Make sure the GS2 header says what it must. */
      {
        g_autofree char *expected = info->plus ? g_strdup_printf ("p=%s,", cb_type) : g_strdup ("n,");

        if (!g_str_has_prefix (self->cf.gs2_header, expected))
          {
            free_gsasl_output (output, output_len);
            g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH,
                         _("GNU SASL did not use the expected channel binding flag for %s"),
                         info->name);
            return FALSE;
          }
      }
      self->state = STATE_EXPECT_FIRST;
    }
  else
    {
      if (rc != GSASL_OK)
        {
          free_gsasl_output (output, output_len);
          set_gsasl_error (error, rc, info->name, GXMPP_AUTH_ERROR_MALFORMED_REQUEST);
          return FALSE;
        }
      wipe_secrets (session);
      self->state = STATE_SENT;
    }

  *initial_response = gxmpp_sasl_bytes_new_secret (output != NULL ? output : "", output_len);
  free_gsasl_output (output, output_len);
  return TRUE;
}

/* The step after a derivation, back on the caller's main context. */
static void
derive_done (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GXmppSaslGsasl *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  /* The exchange was abandoned (restarted, completed or finalized) while
   * this step ran: its result belongs to nobody. */
  if (job->generation != self->generation)
    {
      g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED,
                               _("The authentication exchange was abandoned"));
      return;
    }
  self->busy = FALSE;

  /* Cancelled: the callback runs at once, while the derivation may still
   * go on; the exchange is over and whatever it produces is dropped with
   * the job. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->state = STATE_FAILED;
      g_task_return_error (task, error);
      return;
    }

  if (job->rc != GSASL_NEEDS_MORE)
    {
      self->state = STATE_FAILED;
      set_gsasl_error (&error, job->rc, name_of (self),
                       job->rc == GSASL_AUTHENTICATION_ERROR ? GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE
                                                             : GXMPP_AUTH_ERROR_MALFORMED_REQUEST);
      g_task_return_error (task, error);
      return;
    }

  if (job->y_path)
    self->verifier = g_steal_pointer (&job->verifier);
  self->state = STATE_EXPECT_FINAL;
  g_task_return_pointer (task,
                         gxmpp_sasl_bytes_new_secret (job->output != NULL ? job->output : "",
                                                      job->output_len),
                         (GDestroyNotify) g_bytes_unref);
}

static void
step_scram_server_first (GXmppSaslGsasl *self,
                         GTask          *task,
                         GBytes         *challenge)
{
  gsize len;
  const char *data = g_bytes_get_data (challenge, &len);
  g_autoptr(GTask) derive = NULL;
  GXmppScramServerFirst sf = { 0 };
  GError *error = NULL;
  Job *job;

  /* Everything a hostile server could abuse is checked before any key is
   * derived. */
  if (!gxmpp_scram_server_first_parse (data, len, self->cf.nonce, &sf, &error))
    {
      self->state = STATE_FAILED;
      g_task_return_error (task, error);
      return;
    }

  job = job_new (self, challenge);
  if (self->y_path)
    {
      job->password = g_strdup (self->password);
      job->cf.gs2_header = g_strdup (self->cf.gs2_header);
      job->cf.bare = g_strdup (self->cf.bare);
      job->cf.nonce = g_strdup (self->cf.nonce);
      job->sf = sf;
      /* The password is needed no more here. */
      g_clear_pointer (&self->password, gxmpp_sasl_free_secret);
    }
  else
    gxmpp_scram_server_first_clear (&sf);

  self->busy = TRUE;
  derive = g_task_new (self, g_task_get_cancellable (task), derive_done, g_object_ref (task));
  g_task_set_source_tag (derive, step_scram_server_first);
  g_task_set_name (derive, "[gxmpp] SCRAM key derivation");
  g_task_set_task_data (derive, job, job_free);
  g_task_set_return_on_cancel (derive, TRUE);
  g_task_run_in_thread (derive, derive_thread);
}

/* A step that is quick, run here: gsasl_step() without a derivation. */
static GBytes *
step_now (GXmppSaslGsasl  *self,
          GBytes          *challenge,
          int             *rc)
{
  Job *job = job_new (self, challenge);
  GBytes *output;

  job_run_gsasl (job);
  *rc = job->rc;
  output = job->output != NULL ? gxmpp_sasl_bytes_new_secret (job->output, job->output_len)
                               : g_bytes_new (NULL, 0);
  job_free (job);
  return output;
}

static gboolean
check_scram_server_final (GXmppSaslGsasl  *self,
                          GBytes          *data,
                          GError         **error)
{
  gsize len;
  const char *msg = data != NULL ? g_bytes_get_data (data, &len) : NULL;
  g_autofree char *verifier = NULL;
  gboolean verified;

  if (msg == NULL)
    len = 0;
  if (!gxmpp_scram_server_final_parse (msg, len, self->info->hash, &verifier, error))
    return FALSE;

  if (self->y_path)
    verified = self->verifier != NULL && gxmpp_scram_str_equal (verifier, self->verifier);
  else
    {
      g_autoptr(GBytes) v = g_bytes_new (verifier, strlen (verifier));
      g_autoptr(GBytes) out = NULL;
      int rc;

      out = step_now (self, v, &rc);
      verified = rc == GSASL_OK;
    }

  if (!verified)
    {
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                   _("The server's %s signature is wrong: it does not know the password, "
                     "or the exchange was tampered with"), name_of (self));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_digest_rspauth (GXmppSaslGsasl  *self,
                      GBytes          *data,
                      GError         **error)
{
  g_autoptr(GBytes) out = NULL;
  int rc;

  if (data == NULL || g_bytes_get_size (data) == 0)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server reported success without proving that it knows the password"));
      return FALSE;
    }
  out = step_now (self, data, &rc);
  if (rc != GSASL_OK)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server's DIGEST-MD5 response authentication (rspauth) is missing or wrong"));
      return FALSE;
    }
  return TRUE;
}

static void
gxmpp_sasl_gsasl_step_async (GXmppSaslMechanism  *mechanism,
                             GBytes              *challenge,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GXmppSaslGsasl *self = GXMPP_SASL_GSASL (mechanism);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gxmpp_sasl_gsasl_step_async);
  g_task_set_name (task, "[gxmpp] SASL step");

  if (self->busy)
    {
      /* Not a reason to end the exchange: the caller misbehaves, not the
       * server. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("A challenge is already being answered"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      self->state = STATE_FAILED;
      return;
    }
  if (g_bytes_get_size (challenge) > MAX_CHALLENGE_BYTES)
    {
      self->state = STATE_FAILED;
      g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                               _("The server's challenge is too large"));
      return;
    }

  /* Past this point the outcome must match the state, so a late
   * cancellation does not replace a result; a derivation in progress is
   * cancelled through its own task. */
  g_task_set_check_cancellable (task, FALSE);

  switch (self->state)
    {
    case STATE_EXPECT_FIRST:
      if (self->info->family == FAMILY_SCRAM)
        {
          /* Cancelling the derivation cancels the step. */
          step_scram_server_first (self, task, challenge);
          return;
        }
      else
        {
          g_autoptr(GBytes) response = NULL;
          int rc;

          if (g_bytes_get_size (challenge) == 0)
            {
              self->state = STATE_FAILED;
              g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                                       _("The server sent an empty DIGEST-MD5 challenge"));
              return;
            }
          response = step_now (self, challenge, &rc);
          wipe_secrets (self->run->session);
          if (rc != GSASL_NEEDS_MORE)
            {
              self->state = STATE_FAILED;
              set_gsasl_error (&error, rc, name_of (self), GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
              g_task_return_error (task, error);
              return;
            }
          self->state = STATE_EXPECT_FINAL;
          g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) g_bytes_unref);
          return;
        }

    case STATE_EXPECT_FINAL:
      {
        gboolean ok = self->info->family == FAMILY_SCRAM
                      ? check_scram_server_final (self, challenge, &error)
                      : check_digest_rspauth (self, challenge, &error);

        if (!ok)
          {
            self->state = STATE_FAILED;
            g_task_return_error (task, error);
            return;
          }
        /* Proven; the client's answer to the final challenge is empty. */
        self->state = STATE_VERIFIED;
        self->verified_final = g_bytes_ref (challenge);
        g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
        return;
      }

    case STATE_VERIFIED:
    case STATE_SENT:
      self->state = STATE_FAILED;
      g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                               _("The server sent a challenge, which %s does not expect at this point"),
                               name_of (self));
      return;

    case STATE_IDLE:
    case STATE_COMPLETED:
    case STATE_FAILED:
    default:
      g_task_return_new_error (task, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED,
                               _("No %s authentication exchange is in progress"), name_of (self));
      return;
    }
}

static GBytes *
gxmpp_sasl_gsasl_step_finish (GXmppSaslMechanism  *mechanism,
                              GAsyncResult        *result,
                              GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, mechanism), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gxmpp_sasl_gsasl_step_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
gxmpp_sasl_gsasl_complete (GXmppSaslMechanism  *mechanism,
                           GBytes              *additional_data,
                           GError             **error)
{
  GXmppSaslGsasl *self = GXMPP_SASL_GSASL (mechanism);
  gboolean has_data = additional_data != NULL && g_bytes_get_size (additional_data) > 0;
  gboolean ok;

  if (additional_data != NULL && g_bytes_get_size (additional_data) > MAX_CHALLENGE_BYTES)
    {
      reset (self);
      self->state = STATE_FAILED;
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                           _("The server's success data is too large"));
      return FALSE;
    }

  if (self->busy)
    {
      /* Success while the client has not even answered the challenge:
       * the server cannot have verified the client, and has proved
       * nothing. */
      reset (self);
      self->state = STATE_FAILED;
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server reported success before the exchange was over"));
      return FALSE;
    }

  switch (self->state)
    {
    case STATE_SENT:
      /* PLAIN, ANONYMOUS, EXTERNAL: nothing to verify. */
      ok = TRUE;
      break;

    case STATE_VERIFIED:
      /* Some servers repeat the final message in <success/>. */
      ok = !has_data || g_bytes_equal (additional_data, self->verified_final);
      if (!ok)
        g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                     _("The server sent unexpected %s data with its success"), name_of (self));
      break;

    case STATE_EXPECT_FINAL:
      ok = self->info->family == FAMILY_SCRAM
           ? check_scram_server_final (self, additional_data, error)
           : check_digest_rspauth (self, additional_data, error);
      break;

    case STATE_EXPECT_FIRST:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                   _("The server reported success before any %s challenge, without proving that it knows the password"),
                   name_of (self));
      ok = FALSE;
      break;

    case STATE_IDLE:
    case STATE_COMPLETED:
    case STATE_FAILED:
    default:
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED,
                   _("No %s authentication exchange is in progress"), name_of (self));
      ok = FALSE;
      break;
    }

  /* The exchange is over either way: drop GNU SASL's state now. */
  reset (self);
  self->state = ok ? STATE_COMPLETED : STATE_FAILED;
  return ok;
}

static void
gxmpp_sasl_gsasl_class_init (GXmppSaslGsaslClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GXmppSaslMechanismClass *mechanism_class = GXMPP_SASL_MECHANISM_CLASS (klass);

  object_class->finalize = gxmpp_sasl_gsasl_finalize;

  mechanism_class->is_acceptable = gxmpp_sasl_gsasl_is_acceptable;
  mechanism_class->start = gxmpp_sasl_gsasl_start;
  mechanism_class->step_async = gxmpp_sasl_gsasl_step_async;
  mechanism_class->step_finish = gxmpp_sasl_gsasl_step_finish;
  mechanism_class->complete = gxmpp_sasl_gsasl_complete;
}

static void
gxmpp_sasl_gsasl_init (GXmppSaslGsasl *self)
{
  self->state = STATE_IDLE;
}

const char * const *
gxmpp_sasl_gsasl_list (void)
{
  return builtin_names;
}

GXmppSaslMechanism *
gxmpp_sasl_gsasl_new (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (builtins); i++)
    if (g_ascii_strcasecmp (builtins[i].name, name) == 0)
      {
        GXmppSaslGsasl *self = g_object_new (GXMPP_TYPE_SASL_GSASL, "name", builtins[i].name, NULL);

        self->info = &builtins[i];
        return GXMPP_SASL_MECHANISM (self);
      }
  return NULL;
}
