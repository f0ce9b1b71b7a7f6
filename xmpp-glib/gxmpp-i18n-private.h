/* gxmpp-i18n-private.h: translatable messages with a lazily bound text domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *gxmpp_gettext (const char *msgid) G_GNUC_FORMAT (1);

#define _(String) gxmpp_gettext (String)
#define N_(String) (String)

G_END_DECLS
