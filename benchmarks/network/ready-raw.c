/* ready-raw.c: figure 4's floor, a raw client that only does the exchange
 *
 * Connect, TLS, SCRAM-SHA-1 and bind with nothing else: a TCP socket,
 * GnuTLS (the TLS library xmpp-glib uses through glib-networking, so the
 * handshake costs the same), SCRAM-SHA-1 by hand (GnuTLS's PBKDF2, HMAC
 * and SHA-1), and substring matching instead of an XML parser. It waits
 * for each answer before the next request, as RFC 6120 asks (no
 * pipelining), and checks each answer (STARTTLS offered, the server's
 * certificate for "localhost" against --ca-file, the SCRAM nonce and the
 * server's signature, the bound JID). GLib is used for base64 only.
 *
 * In one warm process, --samples connections one after the other; a sample
 * is the wall time from socket() to the bind result; the stream is then
 * closed (not timed). One connection before the samples is not counted.
 * --direct does TLS from the first byte (XEP-0368, ALPN "xmpp-client").
 * Prints
 *
 *   RESULT library=raw sample=I ms=T
 *
 * for each sample, then one line with the mechanism and the TLS version.
 * The password (ASCII: no SASLprep here) comes from BENCH_PASSWORD.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define STREAM_HEADER \
  "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' " \
  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"

typedef struct {
  int fd;
  gnutls_session_t tls;
  GString *in;
} Conn;

static gnutls_certificate_credentials_t credentials;
static const char *password;

static void
die (const char *what,
     const char *detail)
{
  fprintf (stderr, "ready-raw: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit (EXIT_FAILURE);
}

static void
conn_write (Conn       *conn,
            const char *data)
{
  size_t len = strlen (data), done = 0;

  while (done < len)
    {
      ssize_t n;

      if (conn->tls != NULL)
        n = gnutls_record_send (conn->tls, data + done, len - done);
      else
        n = send (conn->fd, data + done, len - done, MSG_NOSIGNAL);
      if (n < 0 && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || errno == EINTR))
        continue;
      if (n <= 0)
        die ("writing", conn->tls ? gnutls_strerror ((int) n) : g_strerror (errno));
      done += (size_t) n;
    }
}

/* Reads until @until is in what was read since the last conn_reset(). */
static const char *
conn_read_until (Conn       *conn,
                 const char *until)
{
  while (strstr (conn->in->str, until) == NULL)
    {
      char buf[16384];
      ssize_t n;

      if (conn->tls != NULL)
        n = gnutls_record_recv (conn->tls, buf, sizeof buf);
      else
        n = recv (conn->fd, buf, sizeof buf, 0);
      if (n < 0 && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || errno == EINTR))
        continue;
      if (n == 0)
        die ("the server closed the connection, waiting for", until);
      if (n < 0)
        die ("reading", conn->tls ? gnutls_strerror ((int) n) : g_strerror (errno));
      g_string_append_len (conn->in, buf, n);
      if (strstr (conn->in->str, "<failure") != NULL || strstr (conn->in->str, "<stream:error") != NULL)
        die ("the server refused", conn->in->str);
    }
  return conn->in->str;
}

static void
conn_reset (Conn *conn)
{
  g_string_truncate (conn->in, 0);
}

/* The character data of the first <@name ...>...</@name> in @xml. */
static char *
element_text (const char *xml,
              const char *name)
{
  g_autofree char *open = g_strdup_printf ("<%s", name);
  g_autofree char *close = g_strdup_printf ("</%s>", name);
  const char *start = strstr (xml, open), *end;

  if (start == NULL || (start = strchr (start, '>')) == NULL ||
      (end = strstr (start, close)) == NULL)
    return NULL;
  return g_strndup (start + 1, end - start - 1);
}

static void
start_tls (Conn    *conn,
           gboolean direct)
{
  int ret;

  if (gnutls_init (&conn->tls, GNUTLS_CLIENT) < 0 ||
      gnutls_set_default_priority (conn->tls) < 0 ||
      gnutls_credentials_set (conn->tls, GNUTLS_CRD_CERTIFICATE, credentials) < 0 ||
      gnutls_server_name_set (conn->tls, GNUTLS_NAME_DNS, "localhost", strlen ("localhost")) < 0)
    die ("setting up TLS", NULL);
  gnutls_session_set_verify_cert (conn->tls, "localhost", 0);
  if (direct)
    {
      gnutls_datum_t alpn = { (unsigned char *) "xmpp-client", strlen ("xmpp-client") };

      gnutls_alpn_set_protocols (conn->tls, &alpn, 1, 0);
    }
  gnutls_transport_set_int (conn->tls, conn->fd);
  do
    ret = gnutls_handshake (conn->tls);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    die ("the TLS handshake", gnutls_strerror (ret));
}

static void
hmac_sha1 (const void *key,
           size_t      key_len,
           const void *data,
           size_t      len,
           guint8      out[20])
{
  if (gnutls_hmac_fast (GNUTLS_MAC_SHA1, key, key_len, data, len, out) < 0)
    die ("HMAC-SHA-1", NULL);
}

static void
scram_sha1 (Conn *conn)
{
  guint8 nonce_bytes[18], salted[20], client_key[20], stored_key[20], signature[20];
  guint8 proof[20], server_key[20], server_signature[20];
  g_autofree char *nonce = NULL, *client_first_bare = NULL, *message = NULL;
  g_autofree char *challenge = NULL, *server_first = NULL, *final_bare = NULL;
  g_autofree char *auth_message = NULL, *proof64 = NULL, *final = NULL, *success = NULL;
  g_autofree char *expected = NULL, *server_final = NULL, *sig64 = NULL;
  g_autofree guchar *salt = NULL, *server_final_raw = NULL;
  g_auto(GStrv) fields = NULL;
  const char *r = NULL, *s = NULL, *i = NULL;
  gsize salt_len = 0, len = 0;
  gnutls_datum_t key, salt_datum;

  if (gnutls_rnd (GNUTLS_RND_NONCE, nonce_bytes, sizeof nonce_bytes) < 0)
    die ("random", NULL);
  nonce = g_base64_encode (nonce_bytes, sizeof nonce_bytes);
  client_first_bare = g_strdup_printf ("n=alice,r=%s", nonce);
  {
    g_autofree char *first = g_strdup_printf ("n,,%s", client_first_bare);
    g_autofree char *first64 = g_base64_encode ((guchar *) first, strlen (first));

    message = g_strdup_printf ("<auth xmlns='" NS_SASL "' mechanism='SCRAM-SHA-1'>%s</auth>", first64);
  }
  conn_reset (conn);
  conn_write (conn, message);

  challenge = element_text (conn_read_until (conn, "</challenge>"), "challenge");
  server_first = (char *) g_base64_decode (challenge, &len);
  server_first = g_realloc (server_first, len + 1);
  server_first[len] = '\0';
  fields = g_strsplit (server_first, ",", -1);
  for (char **f = fields; *f != NULL; f++)
    {
      if (g_str_has_prefix (*f, "r="))
        r = *f + 2;
      else if (g_str_has_prefix (*f, "s="))
        s = *f + 2;
      else if (g_str_has_prefix (*f, "i="))
        i = *f + 2;
    }
  if (r == NULL || s == NULL || i == NULL || !g_str_has_prefix (r, nonce) || atoi (i) <= 0)
    die ("a bad SCRAM challenge", server_first);
  salt = g_base64_decode (s, &salt_len);

  key.data = (unsigned char *) password;
  key.size = strlen (password);
  salt_datum.data = salt;
  salt_datum.size = salt_len;
  if (gnutls_pbkdf2 (GNUTLS_MAC_SHA1, &key, &salt_datum, atoi (i), salted, sizeof salted) < 0)
    die ("PBKDF2", NULL);
  hmac_sha1 (salted, sizeof salted, "Client Key", 10, client_key);
  if (gnutls_hash_fast (GNUTLS_DIG_SHA1, client_key, sizeof client_key, stored_key) < 0)
    die ("SHA-1", NULL);
  final_bare = g_strdup_printf ("c=biws,r=%s", r);
  auth_message = g_strdup_printf ("%s,%s,%s", client_first_bare, server_first, final_bare);
  hmac_sha1 (stored_key, sizeof stored_key, auth_message, strlen (auth_message), signature);
  for (gsize k = 0; k < sizeof proof; k++)
    proof[k] = client_key[k] ^ signature[k];
  proof64 = g_base64_encode (proof, sizeof proof);
  {
    g_autofree char *client_final = g_strdup_printf ("%s,p=%s", final_bare, proof64);
    g_autofree char *final64 = g_base64_encode ((guchar *) client_final, strlen (client_final));

    final = g_strdup_printf ("<response xmlns='" NS_SASL "'>%s</response>", final64);
  }
  conn_reset (conn);
  conn_write (conn, final);

  success = element_text (conn_read_until (conn, "</success>"), "success");
  if (success == NULL)
    die ("no SCRAM server signature", conn->in->str);
  server_final_raw = g_base64_decode (success, &len);
  server_final = g_strndup ((char *) server_final_raw, len);
  hmac_sha1 (salted, sizeof salted, "Server Key", 10, server_key);
  hmac_sha1 (server_key, sizeof server_key, auth_message, strlen (auth_message), server_signature);
  sig64 = g_base64_encode (server_signature, sizeof server_signature);
  expected = g_strdup_printf ("v=%s", sig64);
  if (strcmp (server_final, expected) != 0)
    die ("the server's SCRAM signature is wrong", server_final);
}

static const char *
tls_version (Conn *conn)
{
  switch (gnutls_protocol_get_version (conn->tls))
    {
    case GNUTLS_TLS1_2:
      return "1.2";
    case GNUTLS_TLS1_3:
      return "1.3";
    default:
      return "other";
    }
}

/* Connect, TLS, SCRAM-SHA-1, bind. */
static void
connect_ready (Conn       *conn,
               const char *host,
               int         port,
               gboolean    direct)
{
  struct sockaddr_in address = { 0 };
  const char *features, *reply;
  int one = 1;

  conn->fd = socket (AF_INET, SOCK_STREAM, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  if (conn->fd < 0 || inet_pton (AF_INET, host, &address.sin_addr) != 1 ||
      connect (conn->fd, (struct sockaddr *) &address, sizeof address) < 0)
    die ("connecting", g_strerror (errno));
  setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  if (direct)
    {
      start_tls (conn, TRUE);
    }
  else
    {
      conn_write (conn, STREAM_HEADER);
      features = conn_read_until (conn, "</stream:features>");
      if (strstr (features, "urn:ietf:params:xml:ns:xmpp-tls") == NULL)
        die ("no STARTTLS offered", features);
      conn_reset (conn);
      conn_write (conn, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      conn_read_until (conn, "<proceed");
      conn_read_until (conn, "/>");
      conn_reset (conn);
      start_tls (conn, FALSE);
    }

  conn_write (conn, STREAM_HEADER);
  features = conn_read_until (conn, "</stream:features>");
  if (strstr (features, ">SCRAM-SHA-1<") == NULL)
    die ("no SCRAM-SHA-1 offered", features);
  scram_sha1 (conn);

  conn_reset (conn);
  conn_write (conn, STREAM_HEADER);
  features = conn_read_until (conn, "</stream:features>");
  if (strstr (features, "urn:ietf:params:xml:ns:xmpp-bind") == NULL)
    die ("no resource binding offered", features);
  conn_reset (conn);
  conn_write (conn, "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                    "<resource>bench</resource></bind></iq>");
  reply = conn_read_until (conn, "</iq>");
  if (strstr (reply, "type='result'") == NULL && strstr (reply, "type=\"result\"") == NULL)
    die ("binding failed", reply);
  if (strstr (reply, "alice@localhost/") == NULL)
    die ("no bound JID", reply);
}

static void
close_stream (Conn *conn)
{
  conn_reset (conn);
  conn_write (conn, "</stream:stream>");
  conn_read_until (conn, "</stream:stream>");
  gnutls_bye (conn->tls, GNUTLS_SHUT_WR);
  gnutls_deinit (conn->tls);
  close (conn->fd);
}

int
main (int    argc,
      char **argv)
{
  static char *opt_host = "127.0.0.1", *opt_ca_file = NULL;
  static int opt_port = 0, opt_samples = 20;
  static gboolean opt_direct = FALSE;
  static const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &opt_host, "Server address (numeric IPv4)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &opt_port, "Server port", "PORT" },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &opt_direct, "TLS from the first byte (XEP-0368)", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "The server's CA", "FILE" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples, "Connections measured", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *tls = NULL;

  password = g_getenv ("BENCH_PASSWORD");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || opt_port <= 0 ||
      opt_ca_file == NULL || opt_samples <= 0 || password == NULL)
    {
      fprintf (stderr, "ready-raw: %s\n",
               error ? error->message : "give --port, --ca-file and BENCH_PASSWORD (see the source)");
      return 2;
    }

  if (gnutls_global_init () < 0 ||
      gnutls_certificate_allocate_credentials (&credentials) < 0 ||
      gnutls_certificate_set_x509_trust_file (credentials, opt_ca_file, GNUTLS_X509_FMT_PEM) <= 0)
    die ("loading the CA file", opt_ca_file);

  /* Sample 0 warms up and is not printed. */
  for (int i = 0; i <= opt_samples; i++)
    {
      Conn conn = { -1, NULL, g_string_new (NULL) };
      gint64 start, end;

      start = g_get_monotonic_time ();
      connect_ready (&conn, opt_host, opt_port, opt_direct);
      end = g_get_monotonic_time ();
      if (i > 0)
        printf ("RESULT library=raw sample=%d ms=%.3f\n", i, (end - start) / 1000.0);
      if (tls == NULL)
        tls = tls_version (&conn);
      close_stream (&conn);
      g_string_free (conn.in, TRUE);
    }

  printf ("RESULT library=raw mechanism=SCRAM-SHA-1 tls=%s\n", tls);
  gnutls_certificate_free_credentials (credentials);
  gnutls_global_deinit ();
  return 0;
}
