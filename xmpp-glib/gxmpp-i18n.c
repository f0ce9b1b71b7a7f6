/* gxmpp-i18n.c: translatable messages with a lazily bound text domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <libintl.h>

#include "gxmpp-i18n-private.h"

/* The library never calls textdomain(): that belongs to the application.
 * It binds its own domain the first time a message is translated, so an
 * application that never shows an xmpp-glib message pays nothing. */
static gpointer
bind_domain (gpointer data)
{
  bindtextdomain (GETTEXT_PACKAGE, GXMPP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  return NULL;
}

const char *
gxmpp_gettext (const char *msgid)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, bind_domain, NULL);
  return dgettext (GETTEXT_PACKAGE, msgid);
}
