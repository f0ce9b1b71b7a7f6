/* gxmpp-roster-file-store.h: rosters kept in files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gxmpp-version-macros.h"
#include "gxmpp-jid.h"
#include "gxmpp-roster-store.h"

G_BEGIN_DECLS

#define GXMPP_TYPE_ROSTER_FILE_STORE (gxmpp_roster_file_store_get_type ())

GXMPP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GXmppRosterFileStore, gxmpp_roster_file_store, GXMPP, ROSTER_FILE_STORE, GObject)

GXMPP_AVAILABLE_IN_ALL
GXmppRosterFileStore *gxmpp_roster_file_store_new (GFile *directory);
GXMPP_AVAILABLE_IN_ALL
GXmppRosterFileStore *gxmpp_roster_file_store_new_for_file (GFile *file);

GXMPP_AVAILABLE_IN_ALL
GFile *gxmpp_roster_file_store_get_directory (GXmppRosterFileStore *store);
GXMPP_AVAILABLE_IN_ALL
GFile *gxmpp_roster_file_store_get_file (GXmppRosterFileStore *store,
                                         GXmppJid             *account);

G_END_DECLS
