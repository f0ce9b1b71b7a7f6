/* sasl-test-support.h: helpers for the SASL tests
 *
 * - driving a mechanism's step from a main loop;
 * - GNU SASL's *server* side in-process, as the peer of a full exchange;
 * - reference implementations of the SCRAM (RFC 5802) and DIGEST-MD5
 *   (RFC 2831) formulas on GnuTLS's HMAC, PBKDF2 and hashes. They are test
 *   code only; the tests check them against the RFC vectors before using
 *   them to play a server against the library's mechanisms.
 *
 * Everything is static: each test program includes this once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gsasl.h>

#include <xmpp-glib/xmpp-glib.h>

#define UNUSED G_GNUC_UNUSED

/* Main loop helpers */

static UNUSED void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* The bytes as a NUL-terminated string; NULL for NULL. */
static UNUSED char *
bytes_to_text (GBytes *bytes)
{
  gsize len;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return len > 0 ? g_strndup (data, len) : g_strdup ("");
}

/* Runs one step to completion on the thread-default main context. */
static UNUSED GBytes *
step_bytes (GXmppSaslMechanism  *mechanism,
            GBytes              *challenge,
            GCancellable        *cancellable,
            GError             **error)
{
  GAsyncResult *result = NULL;
  GBytes *response;

  gxmpp_sasl_mechanism_step_async (mechanism, challenge, cancellable, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response = gxmpp_sasl_mechanism_step_finish (mechanism, result, error);
  g_object_unref (result);
  return response;
}

/* The same with text: the response as a NUL-terminated string. */
static UNUSED char *
step_text (GXmppSaslMechanism  *mechanism,
           const char          *challenge,
           GError             **error)
{
  g_autoptr(GBytes) in = g_bytes_new (challenge, strlen (challenge));
  g_autoptr(GBytes) out = step_bytes (mechanism, in, NULL, error);

  return bytes_to_text (out);
}


static UNUSED gboolean
complete_text (GXmppSaslMechanism  *mechanism,
               const char          *data,
               GError             **error)
{
  g_autoptr(GBytes) bytes = data != NULL ? g_bytes_new (data, strlen (data)) : NULL;

  return gxmpp_sasl_mechanism_complete (mechanism, bytes, error);
}

/* Starts @mechanism and gives the initial response as text (NULL if there
 * is none). */
static UNUSED char *
start_text (GXmppSaslMechanism  *mechanism,
            GXmppSaslContext    *context,
            GError             **error)
{
  g_autoptr(GBytes) initial = NULL;

  if (!gxmpp_sasl_mechanism_start (mechanism, context, &initial, error))
    return NULL;
  return bytes_to_text (initial);
}

static UNUSED GXmppSaslContext *
make_context (const char *username,
              const char *password,
              gboolean    secure)
{
  GXmppSaslContext *context = gxmpp_sasl_context_new ("example.com");

  gxmpp_sasl_context_set_credentials (context, username, password);
  gxmpp_sasl_context_set_secure (context, secure);
  return context;
}

static UNUSED void
set_binding (GXmppSaslContext *context,
             const char       *type,
             const char       *data)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, strlen (data));

  gxmpp_sasl_context_set_channel_binding (context, type, bytes);
}

/* GNU SASL's server side as the peer */

typedef struct {
  const char *password;         /* what the server stores */
  const char *realm;
  GBytes *cb_exporter;          /* the server's channel binding data */
  GBytes *cb_unique;
  guint iterations;             /* 0: GNU SASL's default, 4096 */
  gboolean final_in_challenge;  /* final data in a challenge, then an empty success */
} ServerConfig;

typedef struct {
  gboolean client_ok;           /* the client accepted the outcome */
  GError *client_error;
  int server_rc;                /* GSASL_OK if the server authenticated the client */
  char *server_authid;
  char *server_authzid;
  char *initial_response;       /* as text, or NULL */
  guint n_challenges;
} ExchangeResult;

static UNUSED void
exchange_result_clear (ExchangeResult *result)
{
  g_clear_error (&result->client_error);
  g_clear_pointer (&result->server_authid, g_free);
  g_clear_pointer (&result->server_authzid, g_free);
  g_clear_pointer (&result->initial_response, g_free);
}

static UNUSED int
server_callback (Gsasl          *ctx,
                 Gsasl_session  *session,
                 Gsasl_property  prop)
{
  const ServerConfig *config = gsasl_session_hook_get (session);

  switch (prop)
    {
    case GSASL_PASSWORD:
      if (config->password == NULL)
        return GSASL_NO_PASSWORD;
      gsasl_property_set (session, GSASL_PASSWORD, config->password);
      return GSASL_OK;
    case GSASL_VALIDATE_ANONYMOUS:
    case GSASL_VALIDATE_EXTERNAL:
      return GSASL_OK;
    default:
      return GSASL_NO_CALLBACK;
    }
}

static UNUSED char *
base64_of (GBytes *bytes)
{
  return g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A full exchange of @mechanism (started in @context) with GNU SASL's
 * server for the same mechanism, framed as XMPP frames it: initial
 * response, challenges and responses, then the server's final data in
 * <success/> (or in a last challenge). Returns TRUE if both sides
 * succeeded. */
static UNUSED gboolean
run_exchange (GXmppSaslMechanism *mechanism,
              GXmppSaslContext   *context,
              const ServerConfig *config,
              ExchangeResult     *result)
{
  const char *name = gxmpp_sasl_mechanism_get_name (mechanism);
  Gsasl *ctx = NULL;
  Gsasl_session *session = NULL;
  g_autoptr(GBytes) input = NULL;
  int rc;

  memset (result, 0, sizeof *result);
  result->server_rc = GSASL_NEEDS_MORE;

  g_assert_cmpint (gsasl_init (&ctx), ==, GSASL_OK);
  gsasl_callback_set (ctx, server_callback);
  g_assert_cmpint (gsasl_server_start (ctx, name, &session), ==, GSASL_OK);
  gsasl_session_hook_set (session, (gpointer) config);
  gsasl_property_set (session, GSASL_SERVICE, "xmpp");
  gsasl_property_set (session, GSASL_HOSTNAME, gxmpp_sasl_context_get_hostname (context));
  if (config->realm != NULL)
    gsasl_property_set (session, GSASL_REALM, config->realm);
  if (config->iterations > 0)
    {
      g_autofree char *iter = g_strdup_printf ("%u", config->iterations);

      gsasl_property_set (session, GSASL_SCRAM_ITER, iter);
    }
  if (config->cb_exporter != NULL)
    {
      g_autofree char *b64 = base64_of (config->cb_exporter);

      gsasl_property_set (session, GSASL_CB_TLS_EXPORTER, b64);
    }
  if (config->cb_unique != NULL)
    {
      g_autofree char *b64 = base64_of (config->cb_unique);

      gsasl_property_set (session, GSASL_CB_TLS_UNIQUE, b64);
    }

  if (!gxmpp_sasl_mechanism_start (mechanism, context, &input, &result->client_error))
    goto out;
  result->initial_response = bytes_to_text (input);

  for (;;)
    {
      char *out = NULL;
      size_t out_len = 0;

      rc = gsasl_step (session,
                       input != NULL ? g_bytes_get_data (input, NULL) : NULL,
                       input != NULL ? g_bytes_get_size (input) : 0,
                       &out, &out_len);
      g_clear_pointer (&input, g_bytes_unref);

      if (rc == GSASL_NEEDS_MORE)
        {
          g_autoptr(GBytes) challenge = g_bytes_new (out, out_len);

          gsasl_free (out);
          result->n_challenges++;
          input = step_bytes (mechanism, challenge, NULL, &result->client_error);
          if (input == NULL)
            goto out;
          continue;
        }

      result->server_rc = rc;
      if (rc != GSASL_OK)
        {
          gsasl_free (out);
          goto out;
        }

      {
        g_autoptr(GBytes) final = out_len > 0 ? g_bytes_new (out, out_len) : NULL;

        gsasl_free (out);
        if (final != NULL && config->final_in_challenge)
          {
            g_autoptr(GBytes) response = NULL;

            result->n_challenges++;
            response = step_bytes (mechanism, final, NULL, &result->client_error);
            if (response == NULL)
              goto out;
            g_assert_cmpuint (g_bytes_get_size (response), ==, 0);
            result->client_ok = gxmpp_sasl_mechanism_complete (mechanism, NULL, &result->client_error);
          }
        else
          result->client_ok = gxmpp_sasl_mechanism_complete (mechanism, final, &result->client_error);
      }
      break;
    }

out:
  if (gsasl_property_fast (session, GSASL_AUTHID) != NULL)
    result->server_authid = g_strdup (gsasl_property_fast (session, GSASL_AUTHID));
  if (gsasl_property_fast (session, GSASL_AUTHZID) != NULL)
    result->server_authzid = g_strdup (gsasl_property_fast (session, GSASL_AUTHZID));
  gsasl_finish (session);
  gsasl_done (ctx);
  return result->client_ok && result->server_rc == GSASL_OK;
}

/* Reference implementations on GnuTLS (test code only) */

static UNUSED gnutls_mac_algorithm_t
ref_mac (gboolean sha256)
{
  return sha256 ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA1;
}

/* Hi() of RFC 5802 section 2.2 is PBKDF2 with HMAC. */
static UNUSED void
ref_hi (gboolean      sha256,
        const char   *password,
        const guchar *salt,
        gsize         salt_len,
        guint         iterations,
        guchar       *out)
{
  gnutls_datum_t key = { (unsigned char *) password, (unsigned int) strlen (password) };
  gnutls_datum_t s = { (unsigned char *) salt, (unsigned int) salt_len };

  g_assert_cmpint (gnutls_pbkdf2 (ref_mac (sha256), &key, &s, iterations, out, sha256 ? 32 : 20), ==, 0);
}

/* ClientProof and ServerSignature (RFC 5802 section 3), base64. */
static UNUSED void
ref_scram (gboolean     sha256,
           const char  *password,
           const char  *salt_b64,
           guint        iterations,
           const char  *auth_message,
           char       **proof,
           char       **signature)
{
  gsize hash_len = sha256 ? 32 : 20, salt_len, i;
  g_autofree guchar *salt = g_base64_decode (salt_b64, &salt_len);
  guchar salted[32], client_key[32], stored_key[32], server_key[32];
  guchar client_signature[32], server_signature[32];

  ref_hi (sha256, password, salt, salt_len, iterations, salted);
  g_assert_cmpint (gnutls_hmac_fast (ref_mac (sha256), salted, hash_len, "Client Key", 10, client_key), ==, 0);
  g_assert_cmpint (gnutls_hash_fast (sha256 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1,
                                     client_key, hash_len, stored_key), ==, 0);
  g_assert_cmpint (gnutls_hmac_fast (ref_mac (sha256), salted, hash_len, "Server Key", 10, server_key), ==, 0);
  g_assert_cmpint (gnutls_hmac_fast (ref_mac (sha256), stored_key, hash_len,
                                     auth_message, strlen (auth_message), client_signature), ==, 0);
  g_assert_cmpint (gnutls_hmac_fast (ref_mac (sha256), server_key, hash_len,
                                     auth_message, strlen (auth_message), server_signature), ==, 0);
  for (i = 0; i < hash_len; i++)
    client_signature[i] ^= client_key[i];
  *proof = g_base64_encode (client_signature, hash_len);
  *signature = g_base64_encode (server_signature, hash_len);
}

/* A SCRAM server on the reference implementation. */
typedef struct {
  gboolean sha256;
  const char *password;
  const char *salt_b64;
  guint iterations;
  const char *server_nonce;     /* appended to the client's */
  GBytes *cb_data;              /* expected in c= after the GS2 header, or NULL */

  char *gs2_header;
  char *client_first_bare;
  char *server_first;
  char *auth_message;
} RefScramServer;

static UNUSED void
ref_scram_server_clear (RefScramServer *server)
{
  g_clear_pointer (&server->gs2_header, g_free);
  g_clear_pointer (&server->client_first_bare, g_free);
  g_clear_pointer (&server->server_first, g_free);
  g_clear_pointer (&server->auth_message, g_free);
}

/* Reads client-first, returns server-first. */
static UNUSED const char *
ref_scram_server_first (RefScramServer *server,
                        const char     *client_first)
{
  const char *bare, *nonce, *end;
  g_autofree char *client_nonce = NULL;

  /* gs2-header: flag "," [authzid] "," */
  bare = strchr (client_first, ',');
  g_assert_nonnull (bare);
  bare = strchr (bare + 1, ',');
  g_assert_nonnull (bare);
  bare++;
  server->gs2_header = g_strndup (client_first, bare - client_first);
  server->client_first_bare = g_strdup (bare);

  nonce = strstr (bare, ",r=");
  g_assert_nonnull (nonce);
  nonce += 3;
  end = strchr (nonce, ',');
  client_nonce = end != NULL ? g_strndup (nonce, end - nonce) : g_strdup (nonce);

  server->server_first = g_strdup_printf ("r=%s%s,s=%s,i=%u", client_nonce, server->server_nonce,
                                          server->salt_b64, server->iterations);
  return server->server_first;
}

/* Checks client-final (nonce, channel binding, proof); returns the
 * server-final message, or NULL if the client's proof is wrong. */
static UNUSED char *
ref_scram_server_final (RefScramServer *server,
                        const char     *client_final)
{
  const char *p = strstr (client_final, ",p=");
  g_autofree char *without_proof = NULL, *proof = NULL, *signature = NULL;
  g_autofree char *expected_c = NULL, *expected_prefix = NULL;
  g_autoptr(GByteArray) cbind = g_byte_array_new ();
  const char *combined_nonce;

  g_assert_nonnull (p);
  without_proof = g_strndup (client_final, p - client_final);

  /* c= is base64 (gs2-header [cb-data]) */
  g_byte_array_append (cbind, (const guint8 *) server->gs2_header, strlen (server->gs2_header));
  if (server->cb_data != NULL)
    g_byte_array_append (cbind, g_bytes_get_data (server->cb_data, NULL), g_bytes_get_size (server->cb_data));
  expected_c = g_base64_encode (cbind->data, cbind->len);
  combined_nonce = strstr (server->server_first, "r=") + 2;
  expected_prefix = g_strdup_printf ("c=%s,r=%.*s", expected_c,
                                     (int) (strchr (combined_nonce, ',') - combined_nonce), combined_nonce);
  g_assert_cmpstr (without_proof, ==, expected_prefix);

  server->auth_message = g_strdup_printf ("%s,%s,%s", server->client_first_bare, server->server_first,
                                          without_proof);
  ref_scram (server->sha256, server->password, server->salt_b64, server->iterations,
             server->auth_message, &proof, &signature);
  if (strcmp (p + 3, proof) != 0)
    return NULL;
  return g_strdup_printf ("v=%s", signature);
}

/* DIGEST-MD5 (RFC 2831 section 2.1.2.1), hex. */
static UNUSED char *
ref_md5_hex (const void *data,
             gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, data, len);
}

static UNUSED char *
ref_digest_md5 (const char *username,
                const char *realm,
                const char *password,
                const char *nonce,
                const char *cnonce,
                const char *nc,
                const char *digest_uri,
                const char *authzid,
                gboolean    rspauth)
{
  guchar secret[16];
  gsize secret_len = sizeof secret;
  g_autofree char *urp = g_strdup_printf ("%s:%s:%s", username, realm, password);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_autoptr(GByteArray) a1 = g_byte_array_new ();
  g_autofree char *a2 = NULL, *ha1 = NULL, *ha2 = NULL, *kd = NULL;

  g_checksum_update (checksum, (const guchar *) urp, strlen (urp));
  g_checksum_get_digest (checksum, secret, &secret_len);

  /* A1 = { H( { username-value, ":", realm-value, ":", passwd } ),
   *        ":", nonce-value, ":", cnonce-value [, ":", authzid-value ] } */
  g_byte_array_append (a1, secret, sizeof secret);
  g_byte_array_append (a1, (const guint8 *) ":", 1);
  g_byte_array_append (a1, (const guint8 *) nonce, strlen (nonce));
  g_byte_array_append (a1, (const guint8 *) ":", 1);
  g_byte_array_append (a1, (const guint8 *) cnonce, strlen (cnonce));
  if (authzid != NULL)
    {
      g_byte_array_append (a1, (const guint8 *) ":", 1);
      g_byte_array_append (a1, (const guint8 *) authzid, strlen (authzid));
    }
  ha1 = ref_md5_hex (a1->data, a1->len);

  /* A2 = { "AUTHENTICATE:", digest-uri-value }; for rspauth { ":", digest-uri-value } */
  a2 = g_strdup_printf ("%s:%s", rspauth ? "" : "AUTHENTICATE", digest_uri);
  ha2 = ref_md5_hex (a2, strlen (a2));

  /* KD (HEX (H (A1)), { nonce, ":", nc, ":", cnonce, ":", qop, ":", HEX (H (A2)) }) */
  kd = g_strdup_printf ("%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
  return ref_md5_hex (kd, strlen (kd));
}

/* Splits a DIGEST-MD5 directive list ("a=b,c=\"d,e\"") into a table. */
static UNUSED GHashTable *
ref_digest_parse (const char *text)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = text;

  while (*p != '\0')
    {
      const char *eq;
      g_autofree char *key = NULL;
      GString *value;

      /* linear white space between directives (RFC 2831 section 7.1) */
      while (*p == ' ' || *p == '\t')
        p++;
      eq = strchr (p, '=');
      g_assert_nonnull (eq);
      value = g_string_new (NULL);
      key = g_strndup (p, eq - p);
      p = eq + 1;
      if (*p == '"')
        {
          for (p++; *p != '"'; p++)
            {
              g_assert_cmpint (*p, !=, '\0');
              if (*p == '\\')
                p++;
              g_string_append_c (value, *p);
            }
          p++;
        }
      else
        while (*p != ',' && *p != '\0')
          g_string_append_c (value, *p++);
      g_hash_table_insert (table, g_steal_pointer (&key), g_string_free (value, FALSE));
      if (*p == ',')
        p++;
    }
  return table;
}
