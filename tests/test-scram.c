/* test-scram.c: the SCRAM mechanisms: RFC vectors, hostile servers,
 * channel binding, and the key derivation off the main thread
 *
 * How the RFC vectors are checked. GNU SASL picks the client nonce itself,
 * from 18 bytes of getrandom() (gsasl_nonce()), base64-encoded to 24
 * characters. Two ways are used:
 *
 * - RFC 5802's nonce, "fyko+d2lbbFgONRv9qkxdawL", is exactly the base64 of
 *   18 bytes. This program defines getrandom(), which the dynamic linker
 *   binds GNU SASL's call to, and hands it those bytes once; the whole RFC
 *   5802 exchange then runs through the real mechanism byte for byte.
 * - RFC 7677's nonce ("rOprNGfwEbeRWgbNEkqO", 15 bytes) and the XMPP
 *   example's (24 bytes) cannot come out of GNU SASL. For them a reference
 *   implementation of the RFC formulas on GnuTLS (sasl-test-support.h) is
 *   first checked against all three RFC transcripts, and then plays the
 *   server, with the RFC's password, salt, count and server nonce, against
 *   the real mechanism and its random nonce.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE

#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sasl-test-support.h"
#include "sasl/gxmpp-sasl-gsasl-private.h"
#include "sasl/gxmpp-sasl-scram-private.h"

/* getrandom() with a script */

static guchar scripted_random[64];
static gsize scripted_len;

ssize_t
getrandom (void         *buf,
           size_t        buflen,
           unsigned int  flags)
{
  /* Hand out the scripted bytes once, to a request of exactly their size;
   * everyone else (GnuTLS, GLib) gets the kernel's. */
  if (scripted_len != 0 && buflen == scripted_len)
    {
      memcpy (buf, scripted_random, buflen);
      scripted_len = 0;
      return (ssize_t) buflen;
    }
  return syscall (SYS_getrandom, buf, buflen, flags);
}

static void
script_nonce (const char *b64)
{
  gsize len;
  g_autofree guchar *raw = g_base64_decode (b64, &len);
  g_autofree char *again = g_base64_encode (raw, len);

  g_assert_cmpuint (len, ==, 18);
  g_assert_cmpstr (again, ==, b64);
  memcpy (scripted_random, raw, len);
  scripted_len = len;
}

/* The derivation hook */

typedef struct {
  GMutex mutex;
  GCond cond;
  guint calls;
  GThread *thread;
  gboolean block;
  gboolean released;
} Hook;

static Hook hook;

static void
derive_hook (gpointer user_data)
{
  g_mutex_lock (&hook.mutex);
  hook.calls++;
  hook.thread = g_thread_self ();
  g_cond_broadcast (&hook.cond);
  while (hook.block && !hook.released)
    g_cond_wait (&hook.cond, &hook.mutex);
  g_mutex_unlock (&hook.mutex);
}

static guint
hook_calls (void)
{
  guint calls;

  g_mutex_lock (&hook.mutex);
  calls = hook.calls;
  g_mutex_unlock (&hook.mutex);
  return calls;
}

static void
hook_block (void)
{
  g_mutex_lock (&hook.mutex);
  hook.block = TRUE;
  hook.released = FALSE;
  g_mutex_unlock (&hook.mutex);
}

static void
hook_release (void)
{
  g_mutex_lock (&hook.mutex);
  hook.released = TRUE;
  hook.block = FALSE;
  g_cond_broadcast (&hook.cond);
  g_mutex_unlock (&hook.mutex);
}

/* Waits (without running the main context) until the hook was called
 * @calls times, that is until a derivation has reached its worker. */
static void
hook_wait_calls (guint calls)
{
  g_mutex_lock (&hook.mutex);
  while (hook.calls < calls)
    g_cond_wait (&hook.cond, &hook.mutex);
  g_mutex_unlock (&hook.mutex);
}

/* Abandoned derivations finish in the background; wait for them so that
 * nothing is left running when a test ends. */
static void
wait_jobs_done (void)
{
  while (gxmpp_sasl_gsasl_get_jobs_alive () > 0)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Helpers */

static char *
nonce_of (const char *client_first)
{
  const char *r = strstr (client_first, ",r=");
  const char *end;

  g_assert_nonnull (r);
  r += 3;
  end = strchr (r, ',');
  return end != NULL ? g_strndup (r, end - r) : g_strdup (r);
}

static GBytes *
server_first_bytes (RefScramServer *server,
                    const char     *client_first)
{
  const char *server_first = ref_scram_server_first (server, client_first);

  return g_bytes_new (server_first, strlen (server_first));
}

static GXmppSaslMechanism *
make_mechanism (const char *name)
{
  g_autoptr(GError) error = NULL;
  GXmppSaslMechanism *mechanism = gxmpp_sasl_mechanism_new (name, &error);

  g_assert_no_error (error);
  return mechanism;
}

/* RFC vectors */

#define RFC5802_CLIENT_FIRST "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
#define RFC5802_SERVER_FIRST "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
#define RFC5802_CLIENT_FINAL "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define RFC5802_SERVER_FINAL "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="

#define RFC7677_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC7677_SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC7677_CLIENT_FINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC7677_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

#define XMPP_CLIENT_FIRST "n,,n=juliet,r=oMsTAAwAAAAMAAAANP0TAAAAAABPU0AA"
#define XMPP_SERVER_FIRST "r=oMsTAAwAAAAMAAAANP0TAAAAAABPU0AAe124695b-69a9-4de6-9c30-b51b3808c59e,s=NjhkYTM0MDgtNGY0Zi00NjdmLTkxMmUtNDlmNTNmNDNkMDMz,i=4096"
#define XMPP_CLIENT_FINAL "c=biws,r=oMsTAAwAAAAMAAAANP0TAAAAAABPU0AAe124695b-69a9-4de6-9c30-b51b3808c59e,p=UA57tM/SvpATBkH2FXs0WDXvJYw="
#define XMPP_SERVER_FINAL "v=pNNDFVEQxuXxCoSEiW8GEZ+1RSo="

/* PBKDF2-HMAC-SHA1 (RFC 6070): the reference Hi(). */
static void
test_reference_hi (void)
{
  static const struct {
    guint iterations;
    const char *hex;
  } vectors[] = {
    { 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6" },
    { 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957" },
    { 4096, "4b007901b765489abead49d926f721d065a429c1" },
  };
  gsize i, j;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      guchar out[20];
      GString *hex = g_string_new (NULL);

      ref_hi (FALSE, "password", (const guchar *) "salt", 4, vectors[i].iterations, out);
      for (j = 0; j < sizeof out; j++)
        g_string_append_printf (hex, "%02x", out[j]);
      g_assert_cmpstr (hex->str, ==, vectors[i].hex);
      g_string_free (hex, TRUE);
    }
}

/* The reference server reproduces each RFC transcript exactly. */
static void
check_reference_transcript (gboolean    sha256,
                            const char *password,
                            const char *salt_b64,
                            const char *server_nonce,
                            const char *client_first,
                            const char *server_first,
                            const char *client_final,
                            const char *server_final)
{
  RefScramServer server = { sha256, password, salt_b64, 4096, server_nonce, NULL, NULL, NULL, NULL, NULL };
  g_autofree char *final = NULL;
  g_autofree char *proof = NULL, *signature = NULL;

  g_assert_cmpstr (ref_scram_server_first (&server, client_first), ==, server_first);
  final = ref_scram_server_final (&server, client_final);
  g_assert_cmpstr (final, ==, server_final);

  /* and the proof itself */
  ref_scram (sha256, password, salt_b64, 4096, server.auth_message, &proof, &signature);
  g_assert_cmpstr (strstr (client_final, ",p=") + 3, ==, proof);
  g_assert_cmpstr (server_final + 2, ==, signature);
  ref_scram_server_clear (&server);
}

static void
test_reference_transcripts (void)
{
  check_reference_transcript (FALSE, "pencil", "QSXCR+Q6sek8bf92", "3rfcNHYJY1ZVvWVs7j",
                              RFC5802_CLIENT_FIRST, RFC5802_SERVER_FIRST,
                              RFC5802_CLIENT_FINAL, RFC5802_SERVER_FINAL);
  check_reference_transcript (TRUE, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                              RFC7677_CLIENT_FIRST, RFC7677_SERVER_FIRST,
                              RFC7677_CLIENT_FINAL, RFC7677_SERVER_FINAL);
  check_reference_transcript (FALSE, "r0m30myr0m30", "NjhkYTM0MDgtNGY0Zi00NjdmLTkxMmUtNDlmNTNmNDNkMDMz",
                              "e124695b-69a9-4de6-9c30-b51b3808c59e",
                              XMPP_CLIENT_FIRST, XMPP_SERVER_FIRST,
                              XMPP_CLIENT_FINAL, XMPP_SERVER_FINAL);
}

/* RFC 5802 section 5, byte for byte through the real mechanism. */
static void
test_rfc5802_exact (gconstpointer data)
{
  gboolean final_in_challenge = GPOINTER_TO_INT (data);
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *final = NULL;

  script_nonce ("fyko+d2lbbFgONRv9qkxdawL");
  initial = start_text (mechanism, context, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (scripted_len, ==, 0);   /* GNU SASL took exactly the 18 bytes */
  g_assert_cmpstr (initial, ==, RFC5802_CLIENT_FIRST);

  final = step_text (mechanism, RFC5802_SERVER_FIRST, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (final, ==, RFC5802_CLIENT_FINAL);

  if (final_in_challenge)
    {
      g_autofree char *empty = step_text (mechanism, RFC5802_SERVER_FINAL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (empty, ==, "");
      g_assert_true (complete_text (mechanism, NULL, &error));
    }
  else
    g_assert_true (complete_text (mechanism, RFC5802_SERVER_FINAL, &error));
  g_assert_no_error (error);
}

/* The real mechanism against the reference server. */
static gboolean
exchange_with_reference (GXmppSaslMechanism  *mechanism,
                         GXmppSaslContext    *context,
                         RefScramServer      *server,
                         GError             **error)
{
  g_autofree char *initial = NULL, *client_final = NULL, *server_final = NULL;

  initial = start_text (mechanism, context, error);
  if (initial == NULL)
    return FALSE;
  client_final = step_text (mechanism, ref_scram_server_first (server, initial), error);
  if (client_final == NULL)
    return FALSE;
  server_final = ref_scram_server_final (server, client_final);
  g_assert_nonnull (server_final);     /* the reference accepted the proof */
  return complete_text (mechanism, server_final, error);
}

static void
test_rfc7677_reference (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-256");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { TRUE, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096,
                            "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (exchange_with_reference (mechanism, context, &server, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (server.gs2_header, "n,"));
  ref_scram_server_clear (&server);
}

static void
test_xmpp_example_reference (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("juliet", "r0m30myr0m30", FALSE);
  RefScramServer server = { FALSE, "r0m30myr0m30", "NjhkYTM0MDgtNGY0Zi00NjdmLTkxMmUtNDlmNTNmNDNkMDMz", 4096,
                            "e124695b-69a9-4de6-9c30-b51b3808c59e", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (exchange_with_reference (mechanism, context, &server, &error));
  g_assert_no_error (error);
  ref_scram_server_clear (&server);
}

/* Hostile server-first messages: each refused before any derivation. */

typedef struct {
  const char *template;          /* NONCE: the client nonce */
  GXmppAuthError code;
} Hostile;

static void
test_hostile_server_first (gconstpointer data)
{
  const Hostile *hostile = data;
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-256");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *nonce = NULL, *challenge = NULL, *response = NULL;
  guint calls;

  initial = start_text (mechanism, context, &error);
  g_assert_no_error (error);
  nonce = nonce_of (initial);
  {
    GString *text = g_string_new (hostile->template);

    g_string_replace (text, "NONCE", nonce, 0);
    challenge = g_string_free (text, FALSE);
  }

  calls = hook_calls ();
  g_test_timer_start ();
  response = step_text (mechanism, challenge, &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, (gint) hostile->code);
  g_assert_null (response);
  g_assert_false (g_utf8_strlen (error->message, -1) == 0);
  g_test_message ("%s: %s", challenge, error->message);

  /* Refused before any key derivation: the derivation hook never ran (and
   * 2^31 iterations would take most of an hour). */
  g_assert_cmpuint (hook_calls (), ==, calls);
  g_assert_cmpfloat (g_test_timer_elapsed (), <, 5.0);

  /* The exchange is over. */
  g_clear_error (&error);
  response = step_text (mechanism, challenge, &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_assert_cmpuint (hook_calls (), ==, calls);
}

static const Hostile hostile_cases[] = {
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=1", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4095", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=1000001", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=2147483647", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4294967296", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=99999999999999999999999", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=-1", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=abc", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=04096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=+4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4096 ", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=XXXXNONCE,s=QSXCR+Q6sek8bf92,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCE,s=QSXCR+Q6sek8bf92,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf9!,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf9,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXC=R+Q6sek8bf9,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s====,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "m=must-understand,r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4096,m=late", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "s=QSXCR+Q6sek8bf92,r=NONCESRV,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4096,", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESRV,s=QSXCR+Q6sek8bf92,i=4096,garbage", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "r=NONCESR\tV,s=QSXCR+Q6sek8bf92,i=4096", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "hello", GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE },
  { "e=other-error", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
  { "e=unknown-user", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
  { "e=no-resources", GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE },
};

static void
test_server_first_nul (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *nonce = NULL, *text = NULL;
  g_autoptr(GBytes) challenge = NULL, response = NULL;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  nonce = nonce_of (initial);
  text = g_strdup_printf ("r=%sSRV,s=QSXCR+Q6sek8bf92,i=4096", nonce);
  text[strlen (nonce) + 3] = '\0';       /* a NUL inside the server's nonce part */
  challenge = g_bytes_new (text, strlen (nonce) + strlen ("r=SRV,s=QSXCR+Q6sek8bf92,i=4096"));
  response = step_bytes (mechanism, challenge, NULL, &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
  g_assert_cmpuint (hook_calls (), ==, calls);
}

/* The bounds themselves are accepted (checked without deriving 10^6
 * iterations, which take long under valgrind). */
static void
test_iteration_bounds (void)
{
  static const struct {
    const char *count;
    gboolean ok;
  } cases[] = {
    { "4095", FALSE }, { "4096", TRUE }, { "100000", TRUE },
    { "1000000", TRUE }, { "1000001", FALSE }, { "9999999999", FALSE },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *msg = g_strdup_printf ("r=abcdefSRV,s=QSXCR+Q6sek8bf92,i=%s,x=ext", cases[i].count);
      GXmppScramServerFirst sf = { 0 };
      g_autoptr(GError) error = NULL;
      gboolean ok = gxmpp_scram_server_first_parse (msg, strlen (msg), "abcdef", &sf, &error);

      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (sf.iterations, ==, (guint) g_ascii_strtoull (cases[i].count, NULL, 10));
          g_assert_cmpstr (sf.nonce, ==, "abcdefSRV");
          g_assert_cmpuint (sf.salt_len, ==, 12);
        }
      else
        g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
      gxmpp_scram_server_first_clear (&sf);
    }
}

/* Server-final messages */

typedef struct {
  GXmppSaslMechanism *mechanism;
  GXmppSaslContext *context;
  RefScramServer server;
  char *server_final;            /* the correct one */
} Final;

/* Runs an exchange with the reference server up to the server-final
 * message. */
static void
final_setup (Final      *f,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *client_final = NULL;

  f->mechanism = make_mechanism (name);
  f->context = make_context ("user", "pencil", FALSE);
  f->server = (RefScramServer) { strstr (name, "256") != NULL, "pencil", "QSXCR+Q6sek8bf92", 4096,
                                 "3rfcNHYJY1ZVvWVs7j", NULL, NULL, NULL, NULL, NULL };
  initial = start_text (f->mechanism, f->context, &error);
  g_assert_no_error (error);
  client_final = step_text (f->mechanism, ref_scram_server_first (&f->server, initial), &error);
  g_assert_no_error (error);
  f->server_final = ref_scram_server_final (&f->server, client_final);
  g_assert_nonnull (f->server_final);
}

static void
final_teardown (Final *f)
{
  g_object_unref (f->mechanism);
  g_object_unref (f->context);
  ref_scram_server_clear (&f->server);
  g_free (f->server_final);
}

/* A signature of the right length and syntax, but wrong. */
static char *
wrong_signature (const char *right)
{
  char *wrong = g_strdup (right);

  wrong[2] = wrong[2] == 'A' ? 'B' : 'A';
  return wrong;
}

static void
test_final_success_data (void)
{
  static const struct {
    const char *data;           /* NULL: the correct v=; "WRONG": a wrong v= */
    gint code;                  /* -1: accepted */
  } cases[] = {
    { NULL, -1 },
    { "WRONG", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "NONE", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },     /* no data at all */
    { "x=1", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "v=", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "v=AAAA", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },   /* wrong length */
    { "v=not base64!", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "garbage", GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH },
    { "e=invalid-proof", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "e=unknown-user", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "e=other-error", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "e=something-new", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "e=channel-bindings-dont-match", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "e=server-does-support-channel-binding", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "e=channel-binding-not-supported", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "e=unsupported-channel-binding-type", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "e=invalid-encoding", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "e=extensions-not-supported", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "e=invalid-username-encoding", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "e=no-resources", GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE },
  };
  const char *names[] = { "SCRAM-SHA-1", "SCRAM-SHA-256" };
  gsize i, n;

  for (n = 0; n < G_N_ELEMENTS (names); n++)
    for (i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        Final f;
        g_autoptr(GError) error = NULL;
        g_autofree char *wrong = NULL;
        const char *data;
        gboolean ok;

        final_setup (&f, names[n]);
        wrong = wrong_signature (f.server_final);
        if (cases[i].data == NULL)
          data = f.server_final;
        else if (strcmp (cases[i].data, "WRONG") == 0)
          data = wrong;
        else if (strcmp (cases[i].data, "NONE") == 0)
          data = NULL;
        else
          data = cases[i].data;

        ok = complete_text (f.mechanism, data, &error);
        if (cases[i].code < 0)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
          }
        else
          {
            g_assert_error (error, GXMPP_AUTH_ERROR, cases[i].code);
            g_assert_false (ok);
          }

        /* With extensions after v=, the right signature still counts. */
        if (cases[i].data == NULL)
          {
            g_autofree char *extended = NULL;

            final_teardown (&f);
            final_setup (&f, names[n]);
            extended = g_strdup_printf ("%s,x=extension", f.server_final);
            g_assert_true (complete_text (f.mechanism, extended, &error));
            g_assert_no_error (error);
          }
        final_teardown (&f);
      }
}

/* The server signature in a challenge, before an empty <success/>. */
static void
test_final_in_challenge (void)
{
  Final f;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL, *wrong = NULL;

  /* right, then empty success: accepted */
  final_setup (&f, "SCRAM-SHA-256");
  response = step_text (f.mechanism, f.server_final, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response, ==, "");
  g_assert_true (complete_text (f.mechanism, NULL, &error));
  g_assert_no_error (error);
  final_teardown (&f);
  g_clear_pointer (&response, g_free);

  /* right, then success repeating it: accepted */
  final_setup (&f, "SCRAM-SHA-256");
  response = step_text (f.mechanism, f.server_final, &error);
  g_assert_no_error (error);
  g_assert_true (complete_text (f.mechanism, f.server_final, &error));
  g_assert_no_error (error);
  final_teardown (&f);
  g_clear_pointer (&response, g_free);

  /* right, then success with other data: refused */
  final_setup (&f, "SCRAM-SHA-256");
  response = step_text (f.mechanism, f.server_final, &error);
  g_assert_no_error (error);
  g_assert_false (complete_text (f.mechanism, "v=AAAA", &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
  g_clear_error (&error);
  final_teardown (&f);
  g_clear_pointer (&response, g_free);

  /* right, then another challenge: refused */
  final_setup (&f, "SCRAM-SHA-1");
  response = step_text (f.mechanism, f.server_final, &error);
  g_assert_no_error (error);
  g_clear_pointer (&response, g_free);
  response = step_text (f.mechanism, f.server_final, &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
  g_clear_error (&error);
  final_teardown (&f);

  /* wrong in the challenge: refused there, and the empty success after it
   * is no success */
  final_setup (&f, "SCRAM-SHA-1");
  wrong = wrong_signature (f.server_final);
  response = step_text (f.mechanism, wrong, &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  g_assert_null (response);
  g_clear_error (&error);
  g_assert_false (complete_text (f.mechanism, NULL, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_clear_error (&error);
  final_teardown (&f);

  /* e= in the challenge */
  final_setup (&f, "SCRAM-SHA-1");
  response = step_text (f.mechanism, "e=channel-bindings-dont-match", &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH);
  g_clear_error (&error);
  final_teardown (&f);

  /* an empty challenge where the signature belongs */
  final_setup (&f, "SCRAM-SHA-1");
  response = step_text (f.mechanism, "", &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  g_clear_error (&error);
  final_teardown (&f);
}

/* <success/> before any challenge proves nothing. */
static void
test_success_before_challenge (void)
{
  const char *data[] = { NULL, "", RFC5802_SERVER_FINAL, "e=other-error" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (data); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
      g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
      g_autoptr(GError) error = NULL;
      g_autofree char *initial = start_text (mechanism, context, &error);

      g_assert_no_error (error);
      g_assert_false (complete_text (mechanism, data[i], &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
    }
}

/* <success/> while the client is still deriving its proof. */
static void
test_success_during_derivation (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { FALSE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL;
  g_autoptr(GBytes) challenge = NULL;
  GAsyncResult *result = NULL;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&server, initial);
  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, NULL, got_result, &result);
  hook_wait_calls (calls + 1);

  g_assert_false (complete_text (mechanism, RFC5802_SERVER_FINAL, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
  g_clear_error (&error);

  hook_release ();
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (gxmpp_sasl_mechanism_step_finish (mechanism, result, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_object_unref (result);
  wait_jobs_done ();
  ref_scram_server_clear (&server);
}

/* Asynchronous steps */

static gboolean
count_tick (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

/* The derivation runs in another thread, and the main loop keeps running
 * while it does. */
static void
test_derivation_off_main_thread (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-256");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { TRUE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *server_final = NULL, *client_final = NULL;
  g_autoptr(GBytes) challenge = NULL, response = NULL;
  GAsyncResult *result = NULL;
  guint calls = hook_calls (), ticks = 0, source;

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&server, initial);

  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, NULL, got_result, &result);
  /* Returned at once, with the derivation waiting in its worker. */
  hook_wait_calls (calls + 1);
  g_assert_null (result);
  g_assert_true (hook.thread != g_thread_self ());

  /* The main context dispatches while the derivation is in progress. */
  source = g_idle_add (count_tick, &ticks);
  while (ticks < 50)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (source);
  g_assert_null (result);

  hook_release ();
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response = gxmpp_sasl_mechanism_step_finish (mechanism, result, &error);
  g_assert_no_error (error);
  g_object_unref (result);

  client_final = bytes_to_text (response);
  server_final = ref_scram_server_final (&server, client_final);
  g_assert_nonnull (server_final);
  g_assert_true (complete_text (mechanism, server_final, &error));
  g_assert_no_error (error);
  ref_scram_server_clear (&server);
  wait_jobs_done ();
}

/* Cancelling gives G_IO_ERROR_CANCELLED at once, though the derivation is
 * still running; its late result is discarded. */
static void
test_cancel_derivation (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { FALSE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  RefScramServer again = server;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *response = NULL;
  g_autoptr(GBytes) challenge = NULL;
  GAsyncResult *result = NULL;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&server, initial);

  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, cancellable, got_result, &result);
  hook_wait_calls (calls + 1);

  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* The worker is still blocked in the hook: the callback did not wait. */
  g_assert_true (hook.block && !hook.released);
  g_assert_null (gxmpp_sasl_mechanism_step_finish (mechanism, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Let the derivation finish; nothing reaches the mechanism. */
  hook_release ();
  wait_jobs_done ();
  g_assert_null (result);

  /* The exchange is over... */
  response = step_text (mechanism, "v=AAAA", &error);
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_clear_error (&error);

  /* ...and a new one works. */
  ref_scram_server_clear (&server);
  g_assert_true (exchange_with_reference (mechanism, context, &again, &error));
  g_assert_no_error (error);
  ref_scram_server_clear (&again);

  /* Cancelled before the step starts: no derivation at all. */
  {
    g_autoptr(GCancellable) cancelled = g_cancellable_new ();
    RefScramServer third = { FALSE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
    g_autoptr(GBytes) sf = NULL, out = NULL;

    g_free (initial);
    initial = start_text (mechanism, context, &error);
    sf = server_first_bytes (&third, initial);
    calls = hook_calls ();
    g_cancellable_cancel (cancelled);
    out = step_bytes (mechanism, sf, cancelled, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (hook_calls (), ==, calls);
    ref_scram_server_clear (&third);
  }
}

/* start() during a derivation abandons it: its step completes with
 * "aborted", the new exchange is unaffected. */
static void
test_restart_during_derivation (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer first = { FALSE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  RefScramServer second = first;
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *initial2 = NULL, *client_final = NULL, *server_final = NULL;
  g_autoptr(GBytes) challenge = NULL;
  GAsyncResult *result = NULL;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&first, initial);
  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, NULL, got_result, &result);
  hook_wait_calls (calls + 1);

  initial2 = start_text (mechanism, context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (initial2, !=, initial);     /* a new nonce */

  hook_release ();
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (gxmpp_sasl_mechanism_step_finish (mechanism, result, &error));
  g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
  g_clear_error (&error);
  g_object_unref (result);

  client_final = step_text (mechanism, ref_scram_server_first (&second, initial2), &error);
  g_assert_no_error (error);
  server_final = ref_scram_server_final (&second, client_final);
  g_assert_nonnull (server_final);
  g_assert_true (complete_text (mechanism, server_final, &error));
  g_assert_no_error (error);
  ref_scram_server_clear (&first);
  ref_scram_server_clear (&second);
  wait_jobs_done ();
}

/* The caller drops its mechanism during a derivation: the step still
 * completes, nothing is freed too early. */
static void
test_unref_during_derivation (void)
{
  GXmppSaslMechanism *mechanism = make_mechanism ("SCRAM-SHA-256");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { TRUE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL;
  g_autoptr(GBytes) challenge = NULL;
  GAsyncResult *result = NULL;
  GWeakRef weak;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&server, initial);
  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, NULL, got_result, &result);
  hook_wait_calls (calls + 1);
  g_weak_ref_init (&weak, mechanism);
  g_object_unref (mechanism);

  hook_release ();
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autoptr(GXmppSaslMechanism) alive = g_weak_ref_get (&weak);
    g_autoptr(GBytes) response = NULL;

    g_assert_nonnull (alive);
    response = gxmpp_sasl_mechanism_step_finish (alive, result, &error);
    g_assert_no_error (error);
    g_assert_nonnull (response);
  }
  g_object_unref (result);
  wait_jobs_done ();
  {
    GObject *gone = g_weak_ref_get (&weak);

    g_assert_null (gone);
  }
  g_weak_ref_clear (&weak);
  ref_scram_server_clear (&server);
}

/* A second challenge while one is answered is the caller's mistake. */
static void
test_step_pending (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", FALSE);
  RefScramServer server = { FALSE, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL, *client_final = NULL, *server_final = NULL;
  g_autoptr(GBytes) challenge = NULL, response = NULL, second = NULL;
  GAsyncResult *result = NULL;
  guint calls = hook_calls ();

  initial = start_text (mechanism, context, &error);
  challenge = server_first_bytes (&server, initial);
  hook_block ();
  gxmpp_sasl_mechanism_step_async (mechanism, challenge, NULL, got_result, &result);
  hook_wait_calls (calls + 1);

  second = step_bytes (mechanism, challenge, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  hook_release ();
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response = gxmpp_sasl_mechanism_step_finish (mechanism, result, &error);
  g_assert_no_error (error);
  g_object_unref (result);
  client_final = bytes_to_text (response);
  server_final = ref_scram_server_final (&server, client_final);
  g_assert_nonnull (server_final);
  g_assert_true (complete_text (mechanism, server_final, &error));
  ref_scram_server_clear (&server);
  wait_jobs_done ();
}

/* Channel binding */

static GBytes *
bytes_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* -PLUS binds to the context's data, of either type, with GNU SASL's
 * server as the peer. */
static void
test_plus (gconstpointer data)
{
  const char *type = data;
  const char *names[] = { "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", TRUE);
      g_autoptr(GBytes) cb = bytes_of ("0123456789abcdef0123456789abcdef");
      g_autoptr(GBytes) other = bytes_of ("0123456789abcdef0123456789abcdeX");
      ServerConfig config = { "pencil", NULL, NULL, NULL, 0, FALSE };
      ExchangeResult result;
      g_autofree char *expected = g_strdup_printf ("p=%s,,n=user,r=", type);

      gxmpp_sasl_context_set_channel_binding (context, type, cb);

      /* the server has the same data */
      if (strcmp (type, "tls-exporter") == 0)
        config.cb_exporter = cb;
      else
        config.cb_unique = cb;
      g_assert_true (run_exchange (mechanism, context, &config, &result));
      g_assert_true (g_str_has_prefix (result.initial_response, expected));
      exchange_result_clear (&result);

      /* with the reference server checking c= byte for byte */
      {
        RefScramServer server = { strstr (names[i], "256") != NULL, "pencil", "QSXCR+Q6sek8bf92", 4096,
                                  "SRV", cb, NULL, NULL, NULL, NULL };
        g_autoptr(GError) error = NULL;

        g_assert_true (exchange_with_reference (mechanism, context, &server, &error));
        g_assert_no_error (error);
        ref_scram_server_clear (&server);
      }

      /* the server sees another channel (a man in the middle): refused */
      if (strcmp (type, "tls-exporter") == 0)
        config.cb_exporter = other;
      else
        config.cb_unique = other;
      g_assert_false (run_exchange (mechanism, context, &config, &result));
      g_assert_cmpint (result.server_rc, ==, GSASL_AUTHENTICATION_ERROR);
      g_assert_false (result.client_ok);
      exchange_result_clear (&result);
    }
}

/* -PLUS is not acceptable without data, or with a type GNU SASL cannot
 * use; it does not start either. */
static void
test_plus_without_data (void)
{
  const char *names[] = { "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism (names[i]);
      g_autoptr(GXmppSaslContext) context = make_context ("user", "pencil", TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) initial = NULL;

      g_assert_false (gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
      g_assert_nonnull (strstr (error->message, "channel binding"));
      g_clear_error (&error);
      g_assert_false (gxmpp_sasl_mechanism_start (mechanism, context, &initial, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
      g_assert_null (initial);
      g_clear_error (&error);

      set_binding (context, "tls-server-end-point", "0123456789abcdef");
      g_assert_false (gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_NO_ACCEPTABLE_MECHANISM);
      g_clear_error (&error);

      set_binding (context, "tls-exporter", "0123456789abcdef");
      g_assert_true (gxmpp_sasl_mechanism_is_acceptable (mechanism, context, &error));
      g_assert_no_error (error);
    }
}

/* The downgrade: the client has channel binding data, the server's -PLUS
 * offer is gone. The client says "y" (RFC 5802 section 6); a server that
 * supports channel binding then refuses, one that does not accepts. GNU
 * SASL itself cannot send "y": its client fails when it has channel binding
 * data for a mechanism without -PLUS (checked here, so that the day it
 * learns, this test says so). */
static void
test_y_flag (gconstpointer data)
{
  const char *name = data;
  gboolean sha256 = strstr (name, "256") != NULL;
  g_autoptr(GBytes) cb = bytes_of ("0123456789abcdef0123456789abcdef");
  const char *offered[] = { "SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN", NULL };
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
  g_autoptr(GError) error = NULL;
  ExchangeResult result;
  ServerConfig config = { "pencil", NULL, NULL, NULL, 0, FALSE };

  gxmpp_sasl_context_set_secure (context, TRUE);
  gxmpp_sasl_context_set_channel_binding (context, "tls-exporter", cb);
  gxmpp_sasl_context_set_server_mechanisms (context, offered);

  /* GNU SASL 2.2 on its own */
  {
    Gsasl *ctx;
    Gsasl_session *session;
    char *out = NULL;
    size_t len = 0;
    int rc;

    g_assert_cmpint (gsasl_init (&ctx), ==, GSASL_OK);
    g_assert_cmpint (gsasl_client_start (ctx, name, &session), ==, GSASL_OK);
    gsasl_property_set (session, GSASL_AUTHID, "user");
    gsasl_property_set (session, GSASL_PASSWORD, "pencil");
    gsasl_property_set (session, GSASL_CB_TLS_EXPORTER, "MDEyMzQ1Njc4OWFiY2RlZg==");
    rc = gsasl_step (session, NULL, 0, &out, &len);
    if (rc == GSASL_NEEDS_MORE)
      g_test_message ("GNU SASL now sends %.*s for %s with channel binding data", (int) len, out, name);
    else
      g_test_message ("GNU SASL fails with %s for %s with channel binding data",
                      gsasl_strerror_name (rc), name);
    gsasl_free (out);
    gsasl_finish (session);
    gsasl_done (ctx);
  }

  {
    g_autoptr(GXmppSaslMechanism) mechanism = NULL;
    const char *only[] = { name, NULL };

    gxmpp_sasl_context_set_server_mechanisms (context, only);
    mechanism = gxmpp_auth_select_mechanism (auth, context, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (mechanism), ==, name);

    /* a server without channel binding support accepts "y" */
    g_assert_true (run_exchange (mechanism, context, &config, &result));
    g_assert_true (g_str_has_prefix (result.initial_response, "y,,n=user,r="));
    g_assert_cmpuint (strlen (result.initial_response), ==, strlen ("y,,n=user,r=") + 24);
    exchange_result_clear (&result);

    /* a server that supports channel binding (it has the data) detects
     * the downgrade */
    config.cb_exporter = cb;
    g_assert_false (run_exchange (mechanism, context, &config, &result));
    g_assert_cmpint (result.server_rc, ==, GSASL_AUTHENTICATION_ERROR);
    g_assert_false (result.client_ok);
    exchange_result_clear (&result);
    config.cb_unique = cb;
    config.cb_exporter = NULL;
    g_assert_false (run_exchange (mechanism, context, &config, &result));
    g_assert_cmpint (result.server_rc, ==, GSASL_AUTHENTICATION_ERROR);
    exchange_result_clear (&result);

    /* the "y" exchange checked independently, c=eSws and all, with the
     * server signature verified and a wrong one refused */
    {
      RefScramServer server = { sha256, "pencil", "QSXCR+Q6sek8bf92", 4096, "SRV", NULL, NULL, NULL, NULL, NULL };
      g_autofree char *initial = NULL, *client_final = NULL, *server_final = NULL, *wrong = NULL;

      g_assert_true (exchange_with_reference (mechanism, context, &server, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (server.gs2_header, ==, "y,,");
      ref_scram_server_clear (&server);

      initial = start_text (mechanism, context, &error);
      client_final = step_text (mechanism, ref_scram_server_first (&server, initial), &error);
      g_assert_true (g_str_has_prefix (client_final, "c=eSws,r="));
      server_final = ref_scram_server_final (&server, client_final);
      wrong = wrong_signature (server_final);
      g_assert_false (complete_text (mechanism, wrong, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH);
      g_clear_error (&error);
      g_assert_false (complete_text (mechanism, server_final, &error));
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_ABORTED);
      g_clear_error (&error);
      ref_scram_server_clear (&server);
    }

    /* hostile server-first messages are refused on this path too, before
     * any derivation */
    {
      g_autofree char *initial = start_text (mechanism, context, &error);
      g_autofree char *nonce = nonce_of (initial);
      g_autofree char *challenge = g_strdup_printf ("r=%sSRV,s=QSXCR+Q6sek8bf92,i=2147483647", nonce);
      g_autofree char *response = NULL;
      guint calls = hook_calls ();

      response = step_text (mechanism, challenge, &error);
      g_assert_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE);
      g_assert_cmpuint (hook_calls (), ==, calls);
      g_clear_error (&error);
    }

    /* a wrong password fails at the server */
    {
      g_autoptr(GXmppSaslContext) wrong = gxmpp_sasl_context_new ("example.com");

      gxmpp_sasl_context_set_credentials (wrong, "user", "crayon");
      gxmpp_sasl_context_set_channel_binding (wrong, "tls-exporter", cb);
      gxmpp_sasl_context_set_server_mechanisms (wrong, only);
      config.cb_unique = NULL;
      g_assert_false (run_exchange (mechanism, wrong, &config, &result));
      g_assert_cmpint (result.server_rc, ==, GSASL_AUTHENTICATION_ERROR);
      g_assert_true (g_str_has_prefix (result.initial_response, "y,,"));
      exchange_result_clear (&result);
    }

    /* authzid and escaping on this path */
    {
      g_autoptr(GXmppSaslContext) other = gxmpp_sasl_context_new ("example.com");
      g_autofree char *initial = NULL;

      gxmpp_sasl_context_set_credentials (other, "a,b=c", "pencil");
      gxmpp_sasl_context_set_authzid (other, "admin@example.com");
      gxmpp_sasl_context_set_channel_binding (other, "tls-unique", cb);
      gxmpp_sasl_context_set_server_mechanisms (other, only);
      g_assert_true (run_exchange (mechanism, other, &config, &result));
      g_assert_true (g_str_has_prefix (result.initial_response, "y,a=admin@example.com,n=a=2Cb=3Dc,r="));
      g_assert_cmpstr (result.server_authid, ==, "a,b=c");
      g_assert_cmpstr (result.server_authzid, ==, "admin@example.com");
      exchange_result_clear (&result);
    }
  }
}

/* Without channel binding data the flag is "n"; with data but a server
 * that offers -PLUS which the application chose not to use, also "n". */
static void
test_n_flag (void)
{
  g_autoptr(GBytes) cb = bytes_of ("0123456789abcdef0123456789abcdef");
  const char *with_plus[] = { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", NULL };
  const char *names[] = { "SCRAM-SHA-256", NULL };
  g_autoptr(GXmppAuth) auth = gxmpp_auth_new_password ("user", "pencil");
  g_autoptr(GError) error = NULL;
  ServerConfig config = { "pencil", NULL, NULL, NULL, 0, FALSE };
  ExchangeResult result;

  {
    g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
    g_autoptr(GXmppSaslMechanism) mechanism = NULL;

    gxmpp_sasl_context_set_server_mechanisms (context, with_plus);
    mechanism = gxmpp_auth_select_mechanism (auth, context, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (gxmpp_sasl_mechanism_get_name (mechanism), ==, "SCRAM-SHA-256");
    g_assert_true (run_exchange (mechanism, context, &config, &result));
    g_assert_true (g_str_has_prefix (result.initial_response, "n,,n=user,r="));
    exchange_result_clear (&result);
  }

  {
    g_autoptr(GXmppSaslContext) context = gxmpp_auth_create_context (auth, "example.com");
    g_autoptr(GXmppSaslMechanism) mechanism = NULL;

    g_assert_true (gxmpp_auth_set_mechanism_names (auth, names, &error));
    gxmpp_sasl_context_set_channel_binding (context, "tls-exporter", cb);
    gxmpp_sasl_context_set_server_mechanisms (context, with_plus);
    mechanism = gxmpp_auth_select_mechanism (auth, context, &error);
    g_assert_no_error (error);
    config.cb_exporter = cb;
    g_assert_true (run_exchange (mechanism, context, &config, &result));
    g_assert_true (g_str_has_prefix (result.initial_response, "n,,n=user,r="));
    exchange_result_clear (&result);
  }
}

/* The user name is escaped in n= and the authzid in a= (RFC 5802 5.1). */
static void
test_escaping (void)
{
  g_autoptr(GXmppSaslMechanism) mechanism = make_mechanism ("SCRAM-SHA-1");
  g_autoptr(GXmppSaslContext) context = make_context ("a,b=c", "pencil", FALSE);
  ServerConfig config = { "pencil", NULL, NULL, NULL, 0, FALSE };
  ExchangeResult result;

  gxmpp_sasl_context_set_authzid (context, "x,y=z@example.com");
  g_assert_true (run_exchange (mechanism, context, &config, &result));
  g_assert_true (g_str_has_prefix (result.initial_response, "n,a=x=2Cy=3Dz@example.com,n=a=2Cb=3Dc,r="));
  g_assert_cmpstr (result.server_authid, ==, "a,b=c");
  g_assert_cmpstr (result.server_authzid, ==, "x,y=z@example.com");
  exchange_result_clear (&result);
}

int
main (int    argc,
      char **argv)
{
  gsize i;
  int ret;

  g_test_init (&argc, &argv, NULL);

  gxmpp_sasl_gsasl_set_derive_hook (derive_hook, NULL);

  g_test_add_func ("/scram/reference/rfc6070-hi", test_reference_hi);
  g_test_add_func ("/scram/reference/transcripts", test_reference_transcripts);
  g_test_add_data_func ("/scram/rfc5802/exact", GINT_TO_POINTER (FALSE), test_rfc5802_exact);
  g_test_add_data_func ("/scram/rfc5802/exact-final-in-challenge", GINT_TO_POINTER (TRUE), test_rfc5802_exact);
  g_test_add_func ("/scram/rfc7677/reference-server", test_rfc7677_reference);
  g_test_add_func ("/scram/xmpp-example/reference-server", test_xmpp_example_reference);

  for (i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/scram/hostile/server-first/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (path, &hostile_cases[i], test_hostile_server_first);
    }
  g_test_add_func ("/scram/hostile/server-first/nul", test_server_first_nul);
  g_test_add_func ("/scram/hostile/iteration-bounds", test_iteration_bounds);
  g_test_add_func ("/scram/hostile/server-final/success-data", test_final_success_data);
  g_test_add_func ("/scram/hostile/server-final/in-challenge", test_final_in_challenge);
  g_test_add_func ("/scram/hostile/success-before-challenge", test_success_before_challenge);
  g_test_add_func ("/scram/hostile/success-during-derivation", test_success_during_derivation);

  g_test_add_func ("/scram/async/off-main-thread", test_derivation_off_main_thread);
  g_test_add_func ("/scram/async/cancel", test_cancel_derivation);
  g_test_add_func ("/scram/async/restart", test_restart_during_derivation);
  g_test_add_func ("/scram/async/unref", test_unref_during_derivation);
  g_test_add_func ("/scram/async/pending", test_step_pending);

  g_test_add_data_func ("/scram/channel-binding/plus/tls-exporter", "tls-exporter", test_plus);
  g_test_add_data_func ("/scram/channel-binding/plus/tls-unique", "tls-unique", test_plus);
  g_test_add_func ("/scram/channel-binding/plus-without-data", test_plus_without_data);
  g_test_add_data_func ("/scram/channel-binding/y-flag/sha-1", "SCRAM-SHA-1", test_y_flag);
  g_test_add_data_func ("/scram/channel-binding/y-flag/sha-256", "SCRAM-SHA-256", test_y_flag);
  g_test_add_func ("/scram/channel-binding/n-flag", test_n_flag);
  g_test_add_func ("/scram/escaping", test_escaping);

  ret = g_test_run ();
  wait_jobs_done ();
  gxmpp_sasl_gsasl_set_derive_hook (NULL, NULL);
  return ret;
}
