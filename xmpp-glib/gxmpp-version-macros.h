/* gxmpp-version-macros.h: symbol visibility and availability macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GXMPP_INSIDE) && !defined(GXMPP_COMPILATION)
#error "Only <xmpp-glib/xmpp-glib.h> can be included directly."
#endif

#include <glib.h>

#include "gxmpp-version.h"

#ifndef _GXMPP_EXTERN
# if defined(_WIN32) && !defined(GXMPP_STATIC_COMPILATION)
#  ifdef GXMPP_COMPILATION
#   define _GXMPP_EXTERN __declspec(dllexport) extern
#  else
#   define _GXMPP_EXTERN __declspec(dllimport) extern
#  endif
# else
#  define _GXMPP_EXTERN __attribute__((visibility("default"))) extern
# endif
#endif

#define GXMPP_VERSION_1_0 (GXMPP_ENCODE_VERSION (1, 0, 0))

#define GXMPP_AVAILABLE_IN_ALL _GXMPP_EXTERN
#define GXMPP_AVAILABLE_IN_1_0 _GXMPP_EXTERN
