/* gxmpp-test-server.h: a private Prosody or ejabberd for a test program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GXMPP_TEST_SERVER_ERROR (gxmpp_test_server_error_quark ())

/**
 * GXmppTestServerError:
 * @GXMPP_TEST_SERVER_ERROR_UNAVAILABLE: the server cannot run here (not
 *   installed, or ejabberd without root): the test should skip. With
 *   GXMPP_TEST_REQUIRE_SERVERS=1 in the environment this is FAILED instead.
 * @GXMPP_TEST_SERVER_ERROR_FAILED: anything else.
 */
typedef enum
{
  GXMPP_TEST_SERVER_ERROR_UNAVAILABLE,
  GXMPP_TEST_SERVER_ERROR_FAILED,
} GXmppTestServerError;

GQuark gxmpp_test_server_error_quark (void);

/**
 * GXmppTestServer:
 *
 * A server started by tests/support/xmpp-test-server.py on 127.0.0.1, with
 * its own CA, accounts (alice, bob, carol, dave) and temporary directory.
 * The script stops the server when this test process goes away, however it
 * goes (even SIGKILL).
 *
 * The calls that wait for the script (start, restart, register, stop)
 * iterate the thread-default main context of the thread that started the
 * server meanwhile, so a client running on that context keeps running
 * (and sees the server go away during a restart).
 */
typedef struct _GXmppTestServer GXmppTestServer;

/* @server: "prosody" or "ejabberd" (NULL: prosody); @options: the script's
 * options, e.g. {"--tls12-only", "--smacks", "--resume-timeout", "3", NULL}. */
GXmppTestServer    *gxmpp_test_server_start          (const char         *server,
                                                      const char * const *options,
                                                      GError            **error);

/* Starts a server, or marks the test skipped (unavailable) or failed and
 * returns NULL. */
GXmppTestServer    *gxmpp_test_server_start_or_skip  (const char         *server,
                                                      const char * const *options);

const char         *gxmpp_test_server_get_kind       (GXmppTestServer *self);
const char         *gxmpp_test_server_get_domain     (GXmppTestServer *self);
const char         *gxmpp_test_server_get_host       (GXmppTestServer *self);
guint16             gxmpp_test_server_get_port       (GXmppTestServer *self);
guint16             gxmpp_test_server_get_direct_tls_port (GXmppTestServer *self);
/* host:port (or the direct TLS port) as a connectable; transfer full. */
GSocketConnectable *gxmpp_test_server_get_address    (GXmppTestServer *self,
                                                      gboolean         direct_tls);
const char         *gxmpp_test_server_get_ca_file    (GXmppTestServer *self);
/* A database that trusts the server's CA only; transfer none. */
GTlsDatabase       *gxmpp_test_server_get_tls_database (GXmppTestServer *self);
/* "1.3" or "1.2": what the script's own STARTTLS negotiated. */
const char         *gxmpp_test_server_get_tls_version (GXmppTestServer *self);
/* The SASL mechanisms offered after STARTTLS, sorted. */
const char * const *gxmpp_test_server_get_mechanisms (GXmppTestServer *self);
gboolean            gxmpp_test_server_offers_mechanism (GXmppTestServer *self,
                                                        const char      *mechanism);
/* "anon.localhost" with --anonymous, NULL otherwise. */
const char         *gxmpp_test_server_get_anonymous_domain (GXmppTestServer *self);

/* "alice@localhost" for "alice"; NULL for an unknown account. */
const char         *gxmpp_test_server_get_jid        (GXmppTestServer *self,
                                                      const char      *account);
const char         *gxmpp_test_server_get_password   (GXmppTestServer *self,
                                                      const char      *account);
/* dave's password as the server stores it (NFC) is get_password ("dave");
 * this is the same password decomposed (NFD), as a user may type it. */
const char         *gxmpp_test_server_get_dave_password_nfd (GXmppTestServer *self);

const char         *gxmpp_test_server_get_tmpdir     (GXmppTestServer *self);
const char         *gxmpp_test_server_get_log_path   (GXmppTestServer *self);
/* The script's process id (as a string), e.g. to kill it in a test. */
const char         *gxmpp_test_server_get_script_pid (GXmppTestServer *self);
/* Everything the script said about the server: an a{sv}, transfer none. */
GVariant           *gxmpp_test_server_get_info       (GXmppTestServer *self);

/* Stops the server and starts it again on the same ports with the same
 * data; returns when it accepts streams again. */
gboolean            gxmpp_test_server_restart        (GXmppTestServer *self,
                                                      GError         **error);
/* Creates an account user@domain; get_jid()/get_password() know it after. */
gboolean            gxmpp_test_server_register       (GXmppTestServer *self,
                                                      const char      *user,
                                                      const char      *password,
                                                      GError         **error);
/* Stops the server and waits for the script to exit. The getters keep
 * working. Called by _free() if needed. */
gboolean            gxmpp_test_server_stop           (GXmppTestServer *self,
                                                      GError         **error);
void                gxmpp_test_server_free           (GXmppTestServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppTestServer, gxmpp_test_server_free)

G_END_DECLS
