/* gxmpp-test-process.h: a helper program that talks JSON lines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A child process whose stdout is read as JSON lines, one JSON object a
 * line, in the background on the thread-default main context of the
 * thread that spawned it. Waiting for a line iterates that context, so
 * whatever else runs on it (a client session under test) keeps running.
 * Its stdin is a pipe for commands; its stderr is inherited. */
typedef struct _GXmppTestProcess GXmppTestProcess;

/* Decides whether a line is the one being waited for. */
typedef gboolean (*GXmppTestLineFunc) (GVariant *line,
                                       gpointer  user_data);

GXmppTestProcess *gxmpp_test_process_spawn      (const char * const *argv,
                                                 GError            **error);

const char       *gxmpp_test_process_get_name   (GXmppTestProcess   *self);
const char       *gxmpp_test_process_get_identifier (GXmppTestProcess *self);

gboolean          gxmpp_test_process_send       (GXmppTestProcess   *self,
                                                 const char         *line,
                                                 GError            **error);

/* Returns the first line (an a{sv}, transfer full) for which @match returns
 * TRUE (any line if @match is NULL), dropping the lines before it if @drop
 * is TRUE or keeping them queued otherwise. Fails on timeout, on EOF and
 * on a line that is not JSON. */
GVariant         *gxmpp_test_process_wait_line  (GXmppTestProcess   *self,
                                                 GXmppTestLineFunc   match,
                                                 gpointer            user_data,
                                                 gboolean            drop,
                                                 guint               timeout_ms,
                                                 GError            **error);

/* The line at the head of the queue without waiting, or NULL. */
GVariant         *gxmpp_test_process_pop_line   (GXmppTestProcess   *self);

gboolean          gxmpp_test_process_at_eof     (GXmppTestProcess   *self);

/* Closes stdin and waits (iterating the context) up to @timeout_ms for the
 * process to exit; SIGKILL after that. Returns the exit status, or -1 if
 * it was killed by a signal. */
int               gxmpp_test_process_finish     (GXmppTestProcess   *self,
                                                 guint               timeout_ms);

void              gxmpp_test_process_free       (GXmppTestProcess   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GXmppTestProcess, gxmpp_test_process_free)

G_END_DECLS
