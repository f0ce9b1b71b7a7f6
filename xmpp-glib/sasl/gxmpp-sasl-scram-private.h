/* gxmpp-sasl-scram-private.h: SCRAM message checks (RFC 5802, RFC 7677)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GXMPP_SCRAM_SHA1,
  GXMPP_SCRAM_SHA256,
} GXmppScramHash;

/* The length in bytes of the hash's output. */
gsize gxmpp_scram_hash_length (GXmppScramHash hash);

/* A client-first message, split up. */
typedef struct {
  char *gs2_header;             /* "n,,", "y,,", "p=tls-exporter,a=...," */
  char *bare;                   /* client-first-message-bare */
  char *nonce;                  /* the client nonce */
} GXmppScramClientFirst;

/* Splits @msg, a client-first message made by GNU SASL or by
 * gxmpp_scram_client_first_build_y(). FALSE if it is not one. */
gboolean gxmpp_scram_client_first_parse (const char            *msg,
                                         gsize                  len,
                                         GXmppScramClientFirst *out);
void gxmpp_scram_client_first_clear (GXmppScramClientFirst *cf);

/* Makes a client-first message with the GS2 flag "y" ("the client supports
 * channel binding but thinks the server does not"), which GNU SASL 2.2
 * cannot send. @username must be SASLprep'ed. */
gboolean gxmpp_scram_client_first_build_y (const char             *username,
                                           const char             *authzid,
                                           GXmppScramClientFirst  *out,
                                           char                  **message,
                                           GError                **error);

/* A server-first message, checked. */
typedef struct {
  char *nonce;                  /* the combined nonce */
  guchar *salt;
  gsize salt_len;
  guint iterations;
} GXmppScramServerFirst;

/* Checks a server-first message before any key is derived from it: the
 * combined nonce extends @client_nonce, the salt is non-empty base64, the
 * iteration count is a number in [GXMPP_SCRAM_MIN_ITERATIONS,
 * GXMPP_SCRAM_MAX_ITERATIONS], and no mandatory extension ("m=") is asked
 * for. Fails with GXMPP_AUTH_ERROR_INVALID_SERVER_RESPONSE, or for a server
 * error ("e=") with the error it maps to. @out may be NULL. */
gboolean gxmpp_scram_server_first_parse (const char             *msg,
                                         gsize                   len,
                                         const char             *client_nonce,
                                         GXmppScramServerFirst  *out,
                                         GError                **error);
void gxmpp_scram_server_first_clear (GXmppScramServerFirst *sf);

/* Reads a server-final message. On "v=" with a well-formed signature of
 * the hash's length stores "v=<signature>" (without extensions) in
 * @verifier. A server error ("e=") becomes the GXmppAuthError it maps to;
 * anything else, including an empty message, is
 * GXMPP_AUTH_ERROR_SERVER_SIGNATURE_MISMATCH. */
gboolean gxmpp_scram_server_final_parse (const char      *msg,
                                         gsize            len,
                                         GXmppScramHash   hash,
                                         char           **verifier,
                                         GError         **error);

/* Sets @error for a SCRAM server-error-value (RFC 5802 section 7). */
void gxmpp_scram_set_server_error (GError     **error,
                                   const char  *value,
                                   gsize        len);

/* The client-final message of the "y" exchange: GNU SASL derives the keys
 * (gsasl_scram_secrets_from_password(), which applies SASLprep to
 * @password), GnuTLS computes the two HMACs over the AuthMessage. Returns
 * a GSASL_* code; on GSASL_OK stores the message and the expected server
 * verifier ("v=..."). Runs in a worker thread: touches only its arguments. */
int gxmpp_scram_client_final_build_y (GXmppScramHash                hash,
                                      const char                   *password,
                                      const GXmppScramClientFirst  *cf,
                                      const GXmppScramServerFirst  *sf,
                                      const char                   *server_first,
                                      gsize                         server_first_len,
                                      char                        **client_final,
                                      char                        **verifier);

/* Constant-time comparison of two NUL-terminated strings. */
gboolean gxmpp_scram_str_equal (const char *a,
                                const char *b);

G_END_DECLS
