/* net-common.h: what the network benchmark programs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Header-only: a monotonic clock, the TLS version of an xmpp-glib session
 * (when xmpp-glib's headers come first), and picking the SASL mechanism
 * and TLS version out of libstrophe's debug log (libstrophe has no API
 * for either).
 */

#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double
bench_now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

#ifdef GXMPP_TYPE_SESSION
static inline const char *
bench_tls_version (GXmppSession *session)
{
  GTlsConnection *tls = gxmpp_session_get_tls_connection (session);

  if (tls == NULL)
    return "none";
  switch (g_tls_connection_get_protocol_version (tls))
    {
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "1.3";
    default:
      return "other";
    }
}
#endif

/* From one line of libstrophe's log (@area, @msg): the mechanism of the
 * first <auth/> into @mechanism and the first "TLSv1.x" into @tls, each
 * only while still empty. Lines of @skip_area (unless NULL) are not
 * searched for <auth/>. BENCH_STROPHE_LOG=1 copies the log to stderr. */
static inline void
bench_strophe_note_log (const char *area,
                        const char *msg,
                        const char *skip_area,
                        char       *mechanism,
                        size_t      mechanism_size,
                        char       *tls,
                        size_t      tls_size)
{
  const char *p;

  if (getenv ("BENCH_STROPHE_LOG") != NULL)
    fprintf (stderr, "strophe %s: %s\n", area, msg);
  if (mechanism[0] == '\0' && (skip_area == NULL || strcmp (area, skip_area) != 0) &&
      (p = strstr (msg, "<auth ")) != NULL && (p = strstr (p, "mechanism=")) != NULL)
    {
      char quote = p[10];
      const char *start = p + 11, *end = strchr (start, quote);

      if (end != NULL && (size_t) (end - start) < mechanism_size)
        {
          memcpy (mechanism, start, end - start);
          mechanism[end - start] = '\0';
        }
    }
  if (tls[0] == '\0' && (p = strstr (msg, "TLSv1.")) != NULL)
    {
      size_t n = strspn (p, "TLSv1.0123");

      if (n < tls_size)
        {
          memcpy (tls, p, n);
          tls[n] = '\0';
        }
    }
}
