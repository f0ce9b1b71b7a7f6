/* gxmpp-transport.c: finding and reaching the server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-transport-private.h"

#define XMPP_CLIENT_PORT 5222
#define XMPPS_CLIENT_PORT 5223

void
gxmpp_candidate_free (GXmppCandidate *candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->host);
  g_free (candidate);
}

static GXmppCandidate *
candidate_new (const char *host,
               guint16     port,
               guint16     priority,
               guint16     weight,
               gboolean    direct_tls)
{
  GXmppCandidate *candidate = g_new0 (GXmppCandidate, 1);

  candidate->host = g_strdup (host);
  candidate->port = port;
  candidate->priority = priority;
  candidate->weight = weight;
  candidate->direct_tls = direct_tls;
  return candidate;
}

static int
compare_priority (gconstpointer a,
                  gconstpointer b)
{
  const GXmppCandidate *ca = *(GXmppCandidate * const *) a;
  const GXmppCandidate *cb = *(GXmppCandidate * const *) b;

  if (ca->priority != cb->priority)
    return ca->priority < cb->priority ? -1 : 1;
  /* Zero weights first within a priority, as RFC 2782 asks; the weighted
   * selection below does the rest. */
  if ((ca->weight == 0) != (cb->weight == 0))
    return ca->weight == 0 ? -1 : 1;
  return 0;
}

void
gxmpp_transport_sort_candidates (GPtrArray *candidates)
{
  guint start = 0;

  g_ptr_array_sort (candidates, compare_priority);

  /* RFC 2782: within a priority, repeatedly pick a record at random with
   * probability proportional to its weight. */
  while (start < candidates->len)
    {
      guint16 priority = ((GXmppCandidate *) candidates->pdata[start])->priority;
      guint end = start;

      while (end < candidates->len && ((GXmppCandidate *) candidates->pdata[end])->priority == priority)
        end++;

      for (guint first = start; first + 1 < end; first++)
        {
          guint64 sum = 0, pick, running = 0;
          guint i;

          for (i = first; i < end; i++)
            sum += ((GXmppCandidate *) candidates->pdata[i])->weight;

          pick = sum > 0 ? (guint64) g_random_int_range (0, (gint32) MIN (sum, G_MAXINT32 - 1) + 1) : 0;
          for (i = first; i < end; i++)
            {
              running += ((GXmppCandidate *) candidates->pdata[i])->weight;
              if (running >= pick)
                break;
            }
          if (i >= end)
            i = end - 1;

          if (i != first)
            {
              gpointer chosen = candidates->pdata[i];

              memmove (&candidates->pdata[first + 1], &candidates->pdata[first],
                       (i - first) * sizeof (gpointer));
              candidates->pdata[first] = chosen;
            }
        }

      start = end;
    }
}

/* Lookup */

typedef struct {
  GXmppStreamConfig *config;
  char *domain;
  GPtrArray *candidates;
  guint pending;
  gboolean xmpp_refused;       /* "_xmpp-client" target "." */
  gboolean xmpps_refused;
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_clear_object (&data->config);
  g_free (data->domain);
  g_ptr_array_unref (data->candidates);
  g_free (data);
}

static void
lookup_done (GTask *task)
{
  LookupData *data = g_task_get_task_data (task);
  GXmppTlsPolicy policy = gxmpp_stream_config_get_tls_policy (data->config);
  gboolean want_direct = policy != GXMPP_TLS_POLICY_REFUSE;
  gboolean want_starttls = policy != GXMPP_TLS_POLICY_DIRECT;
  GPtrArray *candidates;

  if (data->candidates->len > 0)
    {
      gxmpp_transport_sort_candidates (data->candidates);
      g_task_return_pointer (task, g_ptr_array_ref (data->candidates), (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  /* A "." target means the service is decidedly not available (RFC 2782);
   * that is not a reason to guess a host. */
  if ((data->xmpp_refused || !want_starttls) && (data->xmpps_refused || !want_direct) &&
      (data->xmpp_refused || data->xmpps_refused))
    {
      g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_NO_SERVICE,
                               _("The domain %s does not offer XMPP service"), data->domain);
      return;
    }

  /* No records at all: the domain itself, on the standard ports (RFC 6120
   * section 3.2.2), without consulting /etc/services. */
  candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_candidate_free);
  if (want_starttls && !data->xmpp_refused)
    g_ptr_array_add (candidates, candidate_new (data->domain, XMPP_CLIENT_PORT, 0, 0, FALSE));
  if (want_direct && !data->xmpps_refused && policy == GXMPP_TLS_POLICY_DIRECT)
    g_ptr_array_add (candidates, candidate_new (data->domain, XMPPS_CLIENT_PORT, 0, 0, TRUE));
  g_task_return_pointer (task, candidates, (GDestroyNotify) g_ptr_array_unref);
}

typedef struct {
  GTask *task;
  gboolean direct;
} SrvQuery;

static void
on_srv_records (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SrvQuery *query = user_data;
  g_autoptr(GTask) task = query->task;
  gboolean direct = query->direct;
  LookupData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *records, *l;
  guint n_records = 0;
  gboolean refused = FALSE;

  g_free (query);
  records = g_resolver_lookup_records_finish (G_RESOLVER (source), result, &error);

  for (l = records; l != NULL; l = l->next)
    {
      guint16 priority, weight, port;
      const char *target;

      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
      n_records++;
      if (strcmp (target, ".") == 0 || *target == '\0')
        {
          refused = TRUE;
          continue;
        }
      g_ptr_array_add (data->candidates, candidate_new (target, port, priority, weight, direct));
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);

  /* RFC 2782: "." only means "no service" as the single record. */
  refused = refused && n_records == 1;
  if (direct)
    data->xmpps_refused = refused;
  else
    data->xmpp_refused = refused;

  if (error != NULL && !g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    g_debug ("SRV lookup for %s failed: %s", data->domain, error->message);

  if (--data->pending == 0)
    lookup_done (task);
}

void
gxmpp_transport_lookup_async (GXmppStreamConfig   *config,
                              const char          *domain,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GXmppTlsPolicy policy = gxmpp_stream_config_get_tls_policy (config);
  g_autoptr(GResolver) resolver = NULL;
  LookupData *data;

  g_task_set_source_tag (task, gxmpp_transport_lookup_async);
  g_task_set_name (task, "[gxmpp] SRV lookup");

  data = g_new0 (LookupData, 1);
  data->config = g_object_ref (config);
  data->domain = g_strdup (domain);
  data->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_candidate_free);
  g_task_set_task_data (task, data, (GDestroyNotify) lookup_data_free);

  resolver = gxmpp_stream_config_get_resolver (config) != NULL
             ? g_object_ref (gxmpp_stream_config_get_resolver (config))
             : g_resolver_get_default ();

  for (guint i = 0; i < 2; i++)
    {
      gboolean direct = i == 1;
      g_autofree char *rrname = NULL;
      SrvQuery *query;

      if ((direct && policy == GXMPP_TLS_POLICY_REFUSE) ||
          (!direct && policy == GXMPP_TLS_POLICY_DIRECT))
        continue;

      rrname = g_strdup_printf ("%s.%s", direct ? "_xmpps-client._tcp" : "_xmpp-client._tcp", domain);
      query = g_new (SrvQuery, 1);
      query->task = g_object_ref (task);
      query->direct = direct;
      data->pending++;
      g_resolver_lookup_records_async (resolver, rrname, G_RESOLVER_RECORD_SRV, cancellable,
                                       on_srv_records, query);
    }

  g_object_unref (task);
}

GPtrArray *
gxmpp_transport_lookup_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Connecting */

typedef struct {
  GXmppStreamConfig *config;
  char *domain;
  GPtrArray *candidates;
  guint next;
  GSocketClient *client;
  GString *failures;
  gboolean direct_tls;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_clear_object (&data->config);
  g_free (data->domain);
  g_clear_pointer (&data->candidates, g_ptr_array_unref);
  g_clear_object (&data->client);
  g_string_free (data->failures, TRUE);
  g_free (data);
}

static GSocketClient *
new_socket_client (void)
{
  GSocketClient *client = g_socket_client_new ();

  /* TLS is ours to do: the identity to check is the XMPP domain, not the
   * host name GSocketClient would use. */
  g_socket_client_set_tls (client, FALSE);
  return client;
}

static void try_next_candidate (GTask *task);

/* The stream writes whole elements, a batch at a time, so Nagle's
 * algorithm only holds them back: with the peer's delayed ACK, each small
 * exchange of the negotiation (a stream header, <auth/>) could wait ~40 ms
 * on loopback, which doubled the time to ready in benchmarks/network. */
static void
set_no_delay (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GError) error = NULL;

  if (g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV4 &&
      g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV6)
    return;
  if (!g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, &error))
    g_debug ("Could not turn off Nagle's algorithm: %s", error->message);
}

static void
on_candidate_connected (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;
  GXmppCandidate *candidate = data->candidates->pdata[data->next - 1];

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection != NULL)
    {
      data->direct_tls = candidate->direct_tls;
      set_no_delay (connection);
      g_debug ("Connected to %s port %u%s", candidate->host, candidate->port,
               candidate->direct_tls ? " (direct TLS)" : "");
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("Could not connect to %s port %u: %s", candidate->host, candidate->port, error->message);
  if (data->failures->len > 0)
    g_string_append (data->failures, "; ");
  g_string_append_printf (data->failures, "%s:%u: %s", candidate->host, candidate->port, error->message);
  try_next_candidate (g_steal_pointer (&task));
}

static void
try_next_candidate (GTask *task)
{
  ConnectData *data = g_task_get_task_data (task);
  GXmppCandidate *candidate;

  if (data->next >= data->candidates->len)
    {
      g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_CONNECTION_FAILED,
                               _("Could not connect to the server of %s (%s)"),
                               data->domain, data->failures->str);
      g_object_unref (task);
      return;
    }

  candidate = data->candidates->pdata[data->next++];
  g_socket_client_connect_to_host_async (data->client, candidate->host, candidate->port,
                                         g_task_get_cancellable (task),
                                         on_candidate_connected, task);
}

static void
on_candidates (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->candidates = gxmpp_transport_lookup_finish (result, &error);
  if (data->candidates == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  try_next_candidate (g_steal_pointer (&task));
}

static void
on_address_connected (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_CONNECTION_FAILED,
                                 _("Could not connect to the server: %s"), error->message);
      return;
    }

  set_no_delay (connection);
  g_task_return_pointer (task, connection, g_object_unref);
}

void
gxmpp_transport_connect_async (GXmppStreamConfig   *config,
                               const char          *domain,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ConnectData *data = g_new0 (ConnectData, 1);
  GSocketConnectable *address = gxmpp_stream_config_get_server_address (config);

  g_task_set_source_tag (task, gxmpp_transport_connect_async);
  g_task_set_name (task, "[gxmpp] connect");

  data->config = g_object_ref (config);
  data->domain = g_strdup (domain);
  data->client = new_socket_client ();
  data->failures = g_string_new (NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);

  if (address != NULL)
    {
      data->direct_tls = gxmpp_stream_config_get_tls_policy (config) == GXMPP_TLS_POLICY_DIRECT;
      g_socket_client_connect_async (data->client, address, cancellable, on_address_connected, task);
      return;
    }

  gxmpp_transport_lookup_async (config, domain, cancellable, on_candidates, task);
}

void
gxmpp_transport_connect_to_async (const char          *host,
                                  guint16              port,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ConnectData *data = g_new0 (ConnectData, 1);

  g_task_set_source_tag (task, gxmpp_transport_connect_async);
  g_task_set_name (task, "[gxmpp] connect to redirect");

  data->client = new_socket_client ();
  data->failures = g_string_new (NULL);
  data->domain = g_strdup (host);
  data->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) gxmpp_candidate_free);
  g_ptr_array_add (data->candidates, candidate_new (host, port, 0, 0, FALSE));
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);

  try_next_candidate (task);
}

GIOStream *
gxmpp_transport_connect_finish (GAsyncResult  *result,
                                gboolean      *direct_tls,
                                GError       **error)
{
  ConnectData *data;
  GIOStream *stream;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  data = g_task_get_task_data (G_TASK (result));
  stream = g_task_propagate_pointer (G_TASK (result), error);
  if (direct_tls != NULL)
    *direct_tls = stream != NULL && data->direct_tls;
  return stream;
}

/* TLS */

typedef struct {
  GXmppAcceptCertificateFunc accept;
  gpointer accept_data;
  char *domain;
  gulong accept_handler;
} TlsData;

static void
tls_data_free (TlsData *data)
{
  g_free (data->domain);
  g_free (data);
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TlsData *data = user_data;

  if (data->accept == NULL)
    return FALSE;
  return data->accept (connection, certificate, errors, data->accept_data);
}

static GError *
certificate_error (const char           *domain,
                   GTlsCertificateFlags  flags,
                   const GError         *original)
{
  const char *why;

  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    why = _("it is not valid for this domain");
  else if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    why = _("it is not signed by a trusted authority");
  else if (flags & G_TLS_CERTIFICATE_EXPIRED)
    why = _("it has expired");
  else if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    why = _("it is not valid yet");
  else if (flags & G_TLS_CERTIFICATE_REVOKED)
    why = _("it has been revoked");
  else if (flags & G_TLS_CERTIFICATE_INSECURE)
    why = _("it uses an insecure algorithm");
  else
    why = original->message;

  /* Translators: the first %s is a domain, the second says why */
  return g_error_new (GXMPP_ERROR, GXMPP_ERROR_BAD_CERTIFICATE,
                      _("The certificate of %s was refused: %s"), domain, why);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TlsData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GTlsConnection *connection = G_TLS_CONNECTION (source);
  gboolean ok;

  ok = g_tls_connection_handshake_finish (connection, result, &error);

  /* The connection outlives this handshake; its decision-maker does not. */
  g_clear_signal_handler (&data->accept_handler, connection);

  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        g_task_return_error (task, certificate_error (data->domain,
                                                     g_tls_connection_get_peer_certificate_errors (connection),
                                                     error));
      else
        g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED,
                                 _("The TLS handshake with %s failed: %s"), data->domain, error->message);
      return;
    }

  g_debug ("TLS established with %s", data->domain);
  g_task_return_pointer (task, g_object_ref (connection), g_object_unref);
}

/* A TLS client connection over @base for @identity, trusting @database
 * (or, if %NULL, the backend's default database: the system's trust).
 *
 * The database is given while the connection is made, not set afterwards:
 * glib-networking's GnuTLS backend (2.74) builds the connection's GnuTLS
 * credentials, with a trust list parsed from its database, when it is
 * made, and again each time the database changes. Made with the default
 * database and then given another, a connection would parse the whole
 * system trust store (/etc/ssl/certs, about 3.8 MB and 9 ms of CPU on
 * Debian 12) only to drop it at once. The verification is the same. */
static GIOStream *
new_client_connection (GIOStream           *base,
                       GSocketConnectable  *identity,
                       GTlsDatabase        *database,
                       GError             **error)
{
  if (database == NULL)
    return g_tls_client_connection_new (base, identity, error);

  /* What g_tls_client_connection_new() does, with the database. */
  return g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                         NULL, error,
                         "base-io-stream", base,
                         "server-identity", identity,
                         "database", database,
                         NULL);
}

void
gxmpp_transport_start_tls_async (GIOStream                  *base,
                                 const char                 *domain,
                                 GXmppStreamConfig          *config,
                                 gboolean                    direct,
                                 GXmppAcceptCertificateFunc  accept_certificate,
                                 gpointer                    accept_data,
                                 GCancellable               *cancellable,
                                 GAsyncReadyCallback         callback,
                                 gpointer                    user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;
  TlsData *data;

  g_task_set_source_tag (task, gxmpp_transport_start_tls_async);
  g_task_set_name (task, "[gxmpp] TLS handshake");

  data = g_new0 (TlsData, 1);
  data->accept = accept_certificate;
  data->accept_data = accept_data;
  data->domain = g_strdup (domain);
  g_task_set_task_data (task, data, (GDestroyNotify) tls_data_free);

  /* The certificate must be for the XMPP domain, whatever host we reached
   * (RFC 6120 section 13.7.2.1; CVE-2022-26491 is what happens otherwise). */
  identity = g_network_address_new (domain, XMPP_CLIENT_PORT);
  tls = new_client_connection (base, identity, gxmpp_stream_config_get_tls_database (config), &error);
  if (tls == NULL)
    {
      g_task_return_new_error (task, GXMPP_ERROR, GXMPP_ERROR_TLS_FAILED,
                               _("TLS is not available: %s"), error->message);
      g_object_unref (task);
      return;
    }

  if (gxmpp_stream_config_get_tls_interaction (config) != NULL)
    g_tls_connection_set_interaction (G_TLS_CONNECTION (tls), gxmpp_stream_config_get_tls_interaction (config));
  if (gxmpp_stream_config_get_tls_certificate (config) != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), gxmpp_stream_config_get_tls_certificate (config));
  if (direct)
    {
      /* XEP-0368 asks for ALPN "xmpp-client" on direct TLS. */
      static const char * const protocols[] = { "xmpp-client", NULL };

      g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);
    }

  data->accept_handler = g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), data);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, cancellable, on_handshake, task);
  g_object_unref (tls);
}

GTlsConnection *
gxmpp_transport_start_tls_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
