/* gxmpp-sasl-scram.c: SCRAM message checks (RFC 5802, RFC 7677)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gsasl.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-sasl-mechanism.h"
#include "gxmpp-sasl-private.h"
#include "sasl/gxmpp-sasl-scram-private.h"

/* GNU SASL's SCRAM client draws 18 random bytes for its nonce; the "y"
 * exchange does the same. */
#define CLIENT_NONCE_BYTES 18

gsize
gxmpp_scram_hash_length (GXmppScramHash hash)
{
  return hash == GXMPP_SCRAM_SHA256 ? 32 : 20;
}

gboolean
gxmpp_scram_str_equal (const char *a,
                       const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i;
  guchar diff = la != lb;

  for (i = 0; i < la && i < lb; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];
  return diff == 0;
}

/* RFC 4648 base64 with padding, nothing else: GLib's decoder skips
 * characters it does not know, which would hide a malformed salt. */
static gboolean
is_strict_base64 (const char *s,
                  gsize       len)
{
  gsize i, pad = 0;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  for (i = 0; i < len; i++)
    {
      char c = s[i];

      if (c == '=')
        {
          if (i < len - 2)
            return FALSE;
          pad++;
        }
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return FALSE;
    }
  return pad <= 2;
}

static guchar *
decode_base64 (const char *s,
               gsize       len,
               gsize      *out_len)
{
  g_autofree char *copy = g_strndup (s, len);

  return g_base64_decode (copy, out_len);
}

/* An attribute of a SCRAM message: "x=value", value up to the next ','. */
typedef struct {
  char name;
  const char *value;
  gsize len;
} Attr;

/* Splits @msg at ','. FALSE if an attribute is not ALPHA "=" value (the
 * value may be empty here; the callers check what they need). */
static gboolean
split_attrs (const char  *msg,
             gsize        len,
             GArray      *attrs)
{
  const char *p = msg, *end = msg + len;

  while (p <= end)
    {
      const char *comma = memchr (p, ',', end - p);
      const char *stop = comma != NULL ? comma : end;
      Attr attr;

      if (stop - p < 2 || !g_ascii_isalpha (p[0]) || p[1] != '=')
        return FALSE;
      attr.name = p[0];
      attr.value = p + 2;
      attr.len = stop - (p + 2);
      g_array_append_val (attrs, attr);
      if (comma == NULL)
        break;
      p = comma + 1;
    }
  return TRUE;
}

static gboolean
is_printable_ascii (const char *s,
                    gsize       len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if ((guchar) s[i] < 0x21 || (guchar) s[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* A server's message must be UTF-8 without control characters or NUL. */
static gboolean
is_clean_text (const char *msg,
               gsize       len)
{
  gsize i;

  if (!g_utf8_validate_len (msg, len, NULL))
    return FALSE;
  for (i = 0; i < len; i++)
    if ((guchar) msg[i] < 0x20 || msg[i] == 0x7f)
      return FALSE;
  return TRUE;
}

void
gxmpp_scram_client_first_clear (GXmppScramClientFirst *cf)
{
  g_clear_pointer (&cf->gs2_header, g_free);
  g_clear_pointer (&cf->bare, g_free);
  g_clear_pointer (&cf->nonce, g_free);
}

gboolean
gxmpp_scram_client_first_parse (const char            *msg,
                                gsize                  len,
                                GXmppScramClientFirst *out)
{
  const char *first_comma, *second_comma, *end = msg + len;
  g_autoptr(GArray) attrs = g_array_new (FALSE, FALSE, sizeof (Attr));
  guint i;

  memset (out, 0, sizeof *out);
  if (memchr (msg, '\0', len) != NULL)
    return FALSE;

  /* gs2-header = gs2-cbind-flag "," [ authzid ] "," */
  first_comma = memchr (msg, ',', len);
  if (first_comma == NULL)
    return FALSE;
  second_comma = memchr (first_comma + 1, ',', end - (first_comma + 1));
  if (second_comma == NULL)
    return FALSE;

  if (!split_attrs (second_comma + 1, end - (second_comma + 1), attrs) ||
      attrs->len < 2 ||
      g_array_index (attrs, Attr, 0).name != 'n' ||
      g_array_index (attrs, Attr, 1).name != 'r')
    return FALSE;

  for (i = 1; i < attrs->len; i++)
    {
      Attr *attr = &g_array_index (attrs, Attr, i);

      if (attr->name == 'r')
        {
          if (attr->len == 0 || !is_printable_ascii (attr->value, attr->len))
            return FALSE;
          out->nonce = g_strndup (attr->value, attr->len);
          break;
        }
    }

  out->gs2_header = g_strndup (msg, second_comma + 1 - msg);
  out->bare = g_strndup (second_comma + 1, end - (second_comma + 1));
  return TRUE;
}

/* "," becomes "=2C" and "=" becomes "=3D" (RFC 5802 section 5.1). */
static void
append_saslname (GString    *out,
                 const char *name)
{
  for (; *name != '\0'; name++)
    {
      if (*name == ',')
        g_string_append (out, "=2C");
      else if (*name == '=')
        g_string_append (out, "=3D");
      else
        g_string_append_c (out, *name);
    }
}

gboolean
gxmpp_scram_client_first_build_y (const char             *username,
                                  const char             *authzid,
                                  GXmppScramClientFirst  *out,
                                  char                  **message,
                                  GError                **error)
{
  char random[CLIENT_NONCE_BYTES];
  char *nonce = NULL;
  GString *header, *bare;
  int rc;

  memset (out, 0, sizeof *out);
  *message = NULL;

  rc = gsasl_nonce (random, sizeof random);
  if (rc == GSASL_OK)
    rc = gsasl_base64_to (random, sizeof random, &nonce, NULL);
  gxmpp_sasl_wipe (random, sizeof random);
  if (rc != GSASL_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not make a SCRAM nonce: %s"), gsasl_strerror (rc));
      return FALSE;
    }

  header = g_string_new ("y,");
  if (authzid != NULL)
    {
      g_string_append (header, "a=");
      append_saslname (header, authzid);
    }
  g_string_append_c (header, ',');

  bare = g_string_new ("n=");
  append_saslname (bare, username);
  g_string_append (bare, ",r=");
  g_string_append (bare, nonce);

  out->nonce = g_strdup (nonce);
  gsasl_free (nonce);
  *message = g_strconcat (header->str, bare->str, NULL);
  out->gs2_header = g_string_free (header, FALSE);
  out->bare = g_string_free (bare, FALSE);
  return TRUE;
}

void
gxmpp_scram_server_first_clear (GXmppScramServerFirst *sf)
{
  g_clear_pointer (&sf->nonce, g_free);
  g_clear_pointer (&sf->salt, g_free);
  sf->salt_len = 0;
  sf->iterations = 0;
}

static void
set_invalid (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE, message);
}

gboolean
gxmpp_scram_server_first_parse (const char             *msg,
                                gsize                   len,
                                const char             *client_nonce,
                                GXmppScramServerFirst  *out,
                                GError                **error)
{
  g_autoptr(GArray) attrs = g_array_new (FALSE, FALSE, sizeof (Attr));
  const Attr *nonce, *salt, *iter;
  gsize client_len = strlen (client_nonce), salt_len = 0, i;
  guint64 iterations = 0;
  g_autofree guchar *salt_bytes = NULL;

  if (out != NULL)
    memset (out, 0, sizeof *out);

  if (len == 0)
    {
      set_invalid (error, _("The server's first SCRAM message is empty"));
      return FALSE;
    }
  if (!is_clean_text (msg, len) || !split_attrs (msg, len, attrs))
    {
      set_invalid (error, _("The server's first SCRAM message is malformed"));
      return FALSE;
    }

  /* A server error where the server-first message should be. */
  if (g_array_index (attrs, Attr, 0).name == 'e')
    {
      const Attr *e = &g_array_index (attrs, Attr, 0);

      gxmpp_scram_set_server_error (error, e->value, e->len);
      return FALSE;
    }

  /* reserved-mext: a mandatory extension this client cannot know. */
  for (i = 0; i < attrs->len; i++)
    if (g_array_index (attrs, Attr, i).name == 'm')
      {
        set_invalid (error, _("The server requires a SCRAM extension (m=) that the library does not support"));
        return FALSE;
      }

  if (attrs->len < 3 ||
      g_array_index (attrs, Attr, 0).name != 'r' ||
      g_array_index (attrs, Attr, 1).name != 's' ||
      g_array_index (attrs, Attr, 2).name != 'i')
    {
      set_invalid (error, _("The server's first SCRAM message lacks the nonce, salt or iteration count"));
      return FALSE;
    }
  nonce = &g_array_index (attrs, Attr, 0);
  salt = &g_array_index (attrs, Attr, 1);
  iter = &g_array_index (attrs, Attr, 2);

  /* The combined nonce: ours, then the server's part. */
  if (nonce->len < client_len || memcmp (nonce->value, client_nonce, client_len) != 0)
    {
      set_invalid (error, _("The server's SCRAM nonce does not begin with the client's nonce"));
      return FALSE;
    }
  if (nonce->len == client_len)
    {
      set_invalid (error, _("The server did not add its own part to the SCRAM nonce"));
      return FALSE;
    }
  if (!is_printable_ascii (nonce->value, nonce->len))
    {
      set_invalid (error, _("The server's SCRAM nonce contains characters that are not allowed"));
      return FALSE;
    }

  if (salt->len == 0)
    {
      set_invalid (error, _("The server's SCRAM salt is empty"));
      return FALSE;
    }
  if (!is_strict_base64 (salt->value, salt->len))
    {
      set_invalid (error, _("The server's SCRAM salt is not valid base64"));
      return FALSE;
    }
  salt_bytes = decode_base64 (salt->value, salt->len, &salt_len);
  if (salt_len == 0)
    {
      set_invalid (error, _("The server's SCRAM salt is empty"));
      return FALSE;
    }

  /* posit-number = %x31-39 *DIGIT; ten digits are enough to exceed any
   * count the library accepts without overflowing. */
  if (iter->len == 0 || iter->len > 10 || iter->value[0] < '1' || iter->value[0] > '9')
    {
      set_invalid (error, _("The server's SCRAM iteration count is not a positive number"));
      return FALSE;
    }
  for (i = 0; i < iter->len; i++)
    {
      if (!g_ascii_isdigit (iter->value[i]))
        {
          set_invalid (error, _("The server's SCRAM iteration count is not a positive number"));
          return FALSE;
        }
      iterations = iterations * 10 + (guint64) (iter->value[i] - '0');
    }
  if (iterations < GXMPP_SCRAM_MIN_ITERATIONS || iterations > GXMPP_SCRAM_MAX_ITERATIONS)
    {
      g_set_error (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE,
                   _("The server asks for %" G_GUINT64_FORMAT " SCRAM iterations; "
                     "the library accepts %d to %d"),
                   iterations, GXMPP_SCRAM_MIN_ITERATIONS, GXMPP_SCRAM_MAX_ITERATIONS);
      return FALSE;
    }

  /* Further attributes are extensions (RFC 5802 section 7), which are
   * ignored; split_attrs() has checked their syntax. */

  if (out != NULL)
    {
      out->nonce = g_strndup (nonce->value, nonce->len);
      out->salt = g_steal_pointer (&salt_bytes);
      out->salt_len = salt_len;
      out->iterations = (guint) iterations;
    }
  return TRUE;
}

void
gxmpp_scram_set_server_error (GError     **error,
                              const char  *value,
                              gsize        len)
{
  static const struct {
    const char *name;
    GXmppAuthError code;
  } map[] = {
    { "invalid-encoding", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "extensions-not-supported", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "invalid-proof", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "channel-bindings-dont-match", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "server-does-support-channel-binding", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "channel-binding-not-supported", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "unsupported-channel-binding-type", GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH },
    { "unknown-user", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
    { "invalid-username-encoding", GXMPP_AUTH_ERROR_MALFORMED_REQUEST },
    { "no-resources", GXMPP_AUTH_ERROR_TEMPORARY_AUTH_FAILURE },
    { "other-error", GXMPP_AUTH_ERROR_NOT_AUTHORIZED },
  };
  GXmppAuthError code = GXMPP_AUTH_ERROR_NOT_AUTHORIZED;
  g_autoptr(GString) shown = g_string_new (NULL);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (map); i++)
    if (strlen (map[i].name) == len && memcmp (map[i].name, value, len) == 0)
      code = map[i].code;

  /* Only a short run of printable ASCII from the server goes into the
   * message. */
  for (i = 0; i < len && i < 64; i++)
    g_string_append_c (shown, g_ascii_isprint (value[i]) ? value[i] : '?');

  if (code == GXMPP_AUTH_ERROR_CHANNEL_BINDING_MISMATCH)
    g_set_error (error, GXMPP_AUTH_ERROR, code,
                 _("The server refused the channel binding (%s); the connection may have been intercepted"),
                 shown->str);
  else
    g_set_error (error, GXMPP_AUTH_ERROR, code,
                 _("The server refused the authentication (%s)"), shown->str);
}

gboolean
gxmpp_scram_server_final_parse (const char      *msg,
                                gsize            len,
                                GXmppScramHash   hash,
                                char           **verifier,
                                GError         **error)
{
  g_autoptr(GArray) attrs = g_array_new (FALSE, FALSE, sizeof (Attr));
  const Attr *first;
  g_autofree guchar *signature = NULL;
  gsize signature_len = 0;

  *verifier = NULL;

  if (len == 0)
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server reported success without proving that it knows the password"));
      return FALSE;
    }
  if (!is_clean_text (msg, len) || !split_attrs (msg, len, attrs))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server's final SCRAM message is malformed and proves nothing"));
      return FALSE;
    }

  first = &g_array_index (attrs, Attr, 0);
  if (first->name == 'e')
    {
      gxmpp_scram_set_server_error (error, first->value, first->len);
      return FALSE;
    }
  if (first->name != 'v')
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server's final SCRAM message has no server signature"));
      return FALSE;
    }

  if (is_strict_base64 (first->value, first->len))
    signature = decode_base64 (first->value, first->len, &signature_len);
  if (signature_len != gxmpp_scram_hash_length (hash))
    {
      g_set_error_literal (error, GXMPP_AUTH_ERROR, GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH,
                           _("The server's SCRAM signature is malformed"));
      return FALSE;
    }

  *verifier = g_strdup_printf ("v=%.*s", (int) first->len, first->value);
  return TRUE;
}

int
gxmpp_scram_client_final_build_y (GXmppScramHash                hash,
                                  const char                   *password,
                                  const GXmppScramClientFirst  *cf,
                                  const GXmppScramServerFirst  *sf,
                                  const char                   *server_first,
                                  gsize                         server_first_len,
                                  char                        **client_final,
                                  char                        **verifier)
{
  gnutls_mac_algorithm_t mac = hash == GXMPP_SCRAM_SHA256 ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA1;
  gsize hash_len = gxmpp_scram_hash_length (hash);
  char salted[GSASL_HASH_MAX_SIZE], client_key[GSASL_HASH_MAX_SIZE];
  char server_key[GSASL_HASH_MAX_SIZE], stored_key[GSASL_HASH_MAX_SIZE];
  guchar client_signature[GSASL_HASH_MAX_SIZE], server_signature[GSASL_HASH_MAX_SIZE];
  g_autofree char *cbind = NULL, *without_proof = NULL, *auth_message = NULL;
  g_autofree char *proof = NULL, *signature = NULL;
  gsize i;
  int rc;

  *client_final = NULL;
  *verifier = NULL;

  /* SaltedPassword, ClientKey, ServerKey and StoredKey, from GNU SASL. */
  rc = gsasl_scram_secrets_from_password (hash == GXMPP_SCRAM_SHA256 ? GSASL_HASH_SHA256 : GSASL_HASH_SHA1,
                                          password, sf->iterations,
                                          (const char *) sf->salt, sf->salt_len,
                                          salted, client_key, server_key, stored_key);
  gxmpp_sasl_wipe (salted, sizeof salted);
  if (rc != GSASL_OK)
    goto out;

  /* client-final-message-without-proof: c= is the base64 of the GS2
   * header alone ("y" carries no channel binding data). */
  cbind = g_base64_encode ((const guchar *) cf->gs2_header, strlen (cf->gs2_header));
  without_proof = g_strdup_printf ("c=%s,r=%s", cbind, sf->nonce);
  auth_message = g_strdup_printf ("%s,%.*s,%s", cf->bare, (int) server_first_len, server_first,
                                  without_proof);

  /* ClientSignature := HMAC(StoredKey, AuthMessage);
   * ClientProof := ClientKey XOR ClientSignature;
   * ServerSignature := HMAC(ServerKey, AuthMessage) */
  if (gnutls_hmac_fast (mac, stored_key, hash_len, auth_message, strlen (auth_message),
                        client_signature) < 0 ||
      gnutls_hmac_fast (mac, server_key, hash_len, auth_message, strlen (auth_message),
                        server_signature) < 0)
    {
      rc = GSASL_CRYPTO_ERROR;
      goto out;
    }
  for (i = 0; i < hash_len; i++)
    client_signature[i] ^= (guchar) client_key[i];

  proof = g_base64_encode (client_signature, hash_len);
  signature = g_base64_encode (server_signature, hash_len);
  *client_final = g_strdup_printf ("%s,p=%s", without_proof, proof);
  *verifier = g_strdup_printf ("v=%s", signature);
  rc = GSASL_OK;

out:
  gxmpp_sasl_wipe (client_key, sizeof client_key);
  gxmpp_sasl_wipe (server_key, sizeof server_key);
  gxmpp_sasl_wipe (stored_key, sizeof stored_key);
  gxmpp_sasl_wipe (client_signature, sizeof client_signature);
  gxmpp_sasl_wipe (server_signature, sizeof server_signature);
  return rc;
}
