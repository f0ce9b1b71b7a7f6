/* gxmpp-negotiation-private.h: from a connection to a ready stream
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gxmpp-auth.h"
#include "gxmpp-jid.h"
#include "gxmpp-session-config.h"
#include "gxmpp-stream.h"
#include "gxmpp-transport-private.h"

G_BEGIN_DECLS

/* The state of one negotiation, shared by the steps. */
typedef struct {
  GXmppSessionConfig *config;
  GXmppStreamConfig *stream_config;
  GXmppAuth *auth;                  /* NULL: an unauthenticated stream */
  char *domain;
  GXmppStream *stream;
  GXmppNode *features;              /* the last stream features */
  gboolean authenticated;
  GXmppJid *jid;                    /* once bound */
  char *mechanism;                  /* the SASL mechanism used */
  GXmppAcceptCertificateFunc accept_certificate;
  gpointer accept_data;

  /* Binding again after a lost connection: the resource to ask for (the
   * one bound before), instead of the auth's. */
  char *resource;

  /* Stream management (XEP-0198). In: */
  gboolean sm_wanted;               /* enable it when the server offers it */
  char *sm_resume_id;               /* the stream to resume, or NULL */
  GXmppJid *sm_resume_jid;          /* the full JID it was bound to */
  guint32 sm_handled;               /* the stanzas of it we handled */
  /* Out: */
  gboolean sm_resumed;              /* the stream was resumed */
  gboolean sm_have_h;               /* sm_h came with <resumed/> or <failed/> */
  guint32 sm_h;
  gboolean sm_enabled;              /* enabled on this stream */
  char *sm_id;                      /* its id, when it can be resumed */

  /* Stanzas that came once bound, while a later step waited for its
   * answer (before <enabled/>: never counted); the session dispatches
   * them first. */
  GQueue early;
} GXmppNegotiation;

/* A negotiation step: STARTTLS, SASL, resource binding, legacy session.
 * Each is a small object; the driver runs, in order, each step that
 * applies to the features the server offers. */
#define GXMPP_TYPE_STEP (gxmpp_step_get_type ())
G_DECLARE_DERIVABLE_TYPE (GXmppStep, gxmpp_step, GXMPP, STEP, GObject)

typedef enum {
  GXMPP_STEP_CONTINUE,   /* go on with the same stream */
  GXMPP_STEP_RESTART,    /* open a new stream first (after TLS, SASL) */
} GXmppStepOutcome;

struct _GXmppStepClass
{
  GObjectClass parent_class;

  /* TRUE to run; FALSE without error to skip; FALSE with an error when
   * the features make going on impossible or unsafe. */
  gboolean (* applies) (GXmppStep         *step,
                        GXmppNegotiation  *negotiation,
                        GError           **error);
  void (* run_async) (GXmppStep           *step,
                      GXmppNegotiation    *negotiation,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data);
  /* Returns a GXmppStepOutcome, or -1 with @error set. */
  int (* run_finish) (GXmppStep     *step,
                      GAsyncResult  *result,
                      GError       **error);
};

GXmppStep *gxmpp_step_starttls_new (void);
GXmppStep *gxmpp_step_sasl_new (void);
GXmppStep *gxmpp_step_bind_new (void);
GXmppStep *gxmpp_step_session_new (void);
GXmppStep *gxmpp_step_sm_resume_new (void);
GXmppStep *gxmpp_step_sm_enable_new (void);

/* For the steps: sends an IQ and reads the stream until its reply (other
 * elements are dropped: nothing else is expected during negotiation). The
 * reply node has type result or error. */
void gxmpp_negotiation_iq_async (GXmppNegotiation    *negotiation,
                                 GXmppNode           *iq,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
GXmppNode *gxmpp_negotiation_iq_finish (GAsyncResult  *result,
                                        GError       **error);

/* The whole negotiation: connect (SRV or the configured address), TLS,
 * SASL, bind, and the legacy session when needed, following see-other-host
 * redirects. @negotiation is filled in; on success its stream is ready. */
void gxmpp_negotiate_async (GXmppNegotiation    *negotiation,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);
gboolean gxmpp_negotiate_finish (GAsyncResult  *result,
                                 GError       **error);

void gxmpp_negotiation_clear (GXmppNegotiation *negotiation);

/* Before negotiating again on a new connection: forgets the stream, its
 * features and what was negotiated on it; keeps the settings. Resumes the
 * stream management session @resume_id (bound to @jid, of which @handled
 * stanzas were handled) if not NULL; binds @jid's resource otherwise. */
void gxmpp_negotiation_reset (GXmppNegotiation *negotiation,
                              GXmppJid         *jid,
                              const char       *resume_id,
                              guint32           handled);

/* Something a step read while it waited for its answer: a stanza once
 * bound is kept for the session (in @negotiation's early queue), anything
 * else is ignored. FALSE with @error when the server sent more stanzas
 * than a negotiation keeps. */
gboolean gxmpp_negotiation_keep_early (GXmppNegotiation  *negotiation,
                                       GXmppNode         *element,
                                       GError           **error);

/* Strict base64 as SASL uses it in XMPP: "=" is empty. */
GBytes *gxmpp_sasl_decode (const char *text);
char *gxmpp_sasl_encode (GBytes *data);

G_END_DECLS
