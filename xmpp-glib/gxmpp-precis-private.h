/* gxmpp-precis-private.h: PRECIS string preparation (RFC 8264, RFC 8265)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The PRECIS derived property (RFC 8264 section 8). FREE_PVAL is the value
 * "ID_DIS or FREE_PVAL": valid in the FreeformClass, disallowed in the
 * IdentifierClass. The values are those of gxmpp-precis-table.h. */
typedef enum {
  GXMPP_PRECIS_DISALLOWED = 0,
  GXMPP_PRECIS_PVALID     = 1,
  GXMPP_PRECIS_FREE_PVAL  = 2,
  GXMPP_PRECIS_CONTEXTJ   = 3,
  GXMPP_PRECIS_CONTEXTO   = 4,
  GXMPP_PRECIS_UNASSIGNED = 5,
} GXmppPrecisClass;

/* Bidi_Class values, in the order of the generator's BIDI_CLASSES. Only
 * meaningful for code points whose class is not DISALLOWED or UNASSIGNED. */
typedef enum {
  GXMPP_BIDI_L, GXMPP_BIDI_R, GXMPP_BIDI_AL, GXMPP_BIDI_EN, GXMPP_BIDI_ES,
  GXMPP_BIDI_ET, GXMPP_BIDI_AN, GXMPP_BIDI_CS, GXMPP_BIDI_NSM, GXMPP_BIDI_BN,
  GXMPP_BIDI_B, GXMPP_BIDI_S, GXMPP_BIDI_WS, GXMPP_BIDI_ON, GXMPP_BIDI_LRE,
  GXMPP_BIDI_LRO, GXMPP_BIDI_RLE, GXMPP_BIDI_RLO, GXMPP_BIDI_PDF,
  GXMPP_BIDI_LRI, GXMPP_BIDI_RLI, GXMPP_BIDI_FSI, GXMPP_BIDI_PDI,
} GXmppBidiClass;

/* Joining_Type values, in the order of the generator's JOINING_TYPES. Only
 * meaningful where the Bidi_Class is. */
typedef enum {
  GXMPP_JOINING_U, GXMPP_JOINING_C, GXMPP_JOINING_D, GXMPP_JOINING_R,
  GXMPP_JOINING_L, GXMPP_JOINING_T,
} GXmppJoiningType;

/* Bits of a table entry (see gen-precis-table.py). */
#define GXMPP_PRECIS_CLASS_MASK      0x0007
#define GXMPP_PRECIS_BIDI_SHIFT      3
#define GXMPP_PRECIS_BIDI_MASK       0x001f
#define GXMPP_PRECIS_JOINING_SHIFT   8
#define GXMPP_PRECIS_JOINING_MASK    0x0007
#define GXMPP_PRECIS_CASED           (1u << 11)
#define GXMPP_PRECIS_CASE_IGNORABLE  (1u << 12)
#define GXMPP_PRECIS_WIDTH           (1u << 13)
#define GXMPP_PRECIS_SPACE           (1u << 14)
#define GXMPP_PRECIS_NFC_MAYBE       (1u << 15)

typedef enum {
  /* RFC 8265 section 3.3: width mapping, toLowerCase, NFC, the Bidi Rule,
   * IdentifierClass. */
  GXMPP_PRECIS_USERNAME_CASE_MAPPED,
  /* RFC 8265 section 4.2: non-ASCII spaces to U+0020, NFC, FreeformClass. */
  GXMPP_PRECIS_OPAQUE_STRING,
} GXmppPrecisProfile;

typedef enum {
  GXMPP_PRECIS_OK,
  GXMPP_PRECIS_ERROR_EMPTY,
  /* @bad_char is not allowed by the profile's string class */
  GXMPP_PRECIS_ERROR_DISALLOWED,
  /* @bad_char is not assigned in the table's Unicode version */
  GXMPP_PRECIS_ERROR_UNASSIGNED,
  /* @bad_char is CONTEXTJ or CONTEXTO and its rule (RFC 5892 appendix A)
   * does not hold */
  GXMPP_PRECIS_ERROR_CONTEXT,
  /* the Bidi Rule (RFC 5893 section 2) fails at @bad_char */
  GXMPP_PRECIS_ERROR_BIDI,
} GXmppPrecisStatus;

const char *gxmpp_precis_get_unicode_version (void);
gsize gxmpp_precis_get_table_size (void);

guint gxmpp_precis_lookup (gunichar c);
GXmppPrecisClass gxmpp_precis_get_class (gunichar c);
GXmppBidiClass gxmpp_precis_get_bidi_class (gunichar c);
GXmppJoiningType gxmpp_precis_get_joining_type (gunichar c);
/* The <wide>/<narrow> decomposition of @c, or @c itself. */
gunichar gxmpp_precis_width_map (gunichar c);

/* Unicode toLowerCase (Default Case Conversion, Unicode section 3.13),
 * independent of the locale: the simple mappings of UnicodeData.txt plus
 * U+0130 -> U+0069 U+0307 and the Final_Sigma rule. Returns a newly
 * allocated, 0-terminated array; @out_len (optional) gets its length. */
gunichar *gxmpp_precis_to_lower (const gunichar *in,
                                 gsize           len,
                                 gsize          *out_len);

/* TRUE if the context rule of RFC 5892 appendix A for @s[@i] holds. Code
 * points without a rule give FALSE. */
gboolean gxmpp_precis_context_rule_holds (const gunichar *s,
                                          gsize           len,
                                          gsize           i);

/* The Bidi Rule of RFC 5893 section 2 on @s, which must be non-empty.
 * Returns TRUE if it holds; otherwise sets @bad_char (optional) to the
 * code point where it fails. */
gboolean gxmpp_precis_bidi_rule_holds (const gunichar *s,
                                       gsize           len,
                                       gunichar       *bad_char);

/* Applies @profile to @len bytes of @in, which must be valid UTF-8. On
 * success stores the prepared string (newly allocated, NUL-terminated) in
 * @out and its length in bytes in @out_len. On failure returns the reason
 * and, for the reasons that concern one character, stores it in @bad_char
 * (otherwise 0). */
GXmppPrecisStatus gxmpp_precis_enforce (GXmppPrecisProfile   profile,
                                        const char          *in,
                                        gsize                len,
                                        char               **out,
                                        gsize               *out_len,
                                        gunichar            *bad_char);

G_END_DECLS
