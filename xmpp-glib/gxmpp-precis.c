/* gxmpp-precis.c: PRECIS string preparation (RFC 8264, RFC 8265)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The profiles the JID code needs, UsernameCaseMapped and OpaqueString,
 * over a generated table of Unicode properties (gxmpp-precis-table.h) and
 * GLib's Unicode functions. GLib 2.74 and the table are both Unicode 15.0;
 * tests/test-precis.c checks that they agree on what is assigned.
 */

#include "config.h"

#include <string.h>

#include "gxmpp-precis-private.h"
#include "gxmpp-precis-table.h"

#define MAX_UNICHAR 0x10FFFF

/* Code points with special handling. */
#define ZWNJ 0x200C
#define ZWJ 0x200D
#define MIDDLE_DOT 0x00B7
#define GREEK_KERAIA 0x0375
#define HEBREW_GERESH 0x05F3
#define HEBREW_GERSHAYIM 0x05F4
#define KATAKANA_MIDDLE_DOT 0x30FB
#define CAPITAL_I_WITH_DOT 0x0130
#define CAPITAL_SIGMA 0x03A3
#define SMALL_SIGMA 0x03C3
#define SMALL_FINAL_SIGMA 0x03C2
#define VIRAMA 9        /* Canonical_Combining_Class */

static inline guint
lookup (gunichar c)
{
  if (G_UNLIKELY (c > MAX_UNICHAR))
    return GXMPP_PRECIS_DISALLOWED;
  return gxmpp_precis_stage2[gxmpp_precis_stage1[c >> GXMPP_PRECIS_BLOCK_SHIFT]]
                            [c & ((1u << GXMPP_PRECIS_BLOCK_SHIFT) - 1)];
}

static inline GXmppPrecisClass
entry_class (guint entry)
{
  return (GXmppPrecisClass) (entry & GXMPP_PRECIS_CLASS_MASK);
}

static inline GXmppBidiClass
entry_bidi (guint entry)
{
  return (GXmppBidiClass) ((entry >> GXMPP_PRECIS_BIDI_SHIFT) & GXMPP_PRECIS_BIDI_MASK);
}

static inline GXmppJoiningType
entry_joining (guint entry)
{
  return (GXmppJoiningType) ((entry >> GXMPP_PRECIS_JOINING_SHIFT) & GXMPP_PRECIS_JOINING_MASK);
}

const char *
gxmpp_precis_get_unicode_version (void)
{
  return GXMPP_PRECIS_UNICODE_VERSION;
}

gsize
gxmpp_precis_get_table_size (void)
{
  G_STATIC_ASSERT (sizeof gxmpp_precis_stage1 + sizeof gxmpp_precis_stage2 +
                   sizeof gxmpp_precis_width_table + sizeof gxmpp_precis_lower_extra ==
                   GXMPP_PRECIS_TABLE_SIZE);
  return GXMPP_PRECIS_TABLE_SIZE;
}

guint
gxmpp_precis_lookup (gunichar c)
{
  return lookup (c);
}

GXmppPrecisClass
gxmpp_precis_get_class (gunichar c)
{
  return entry_class (lookup (c));
}

GXmppBidiClass
gxmpp_precis_get_bidi_class (gunichar c)
{
  return entry_bidi (lookup (c));
}

GXmppJoiningType
gxmpp_precis_get_joining_type (gunichar c)
{
  return entry_joining (lookup (c));
}

gunichar
gxmpp_precis_width_map (gunichar c)
{
  gsize lo = 0, hi = G_N_ELEMENTS (gxmpp_precis_width_table);

  if (!(lookup (c) & GXMPP_PRECIS_WIDTH))
    return c;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (gxmpp_precis_width_table[mid].from == c)
        return gxmpp_precis_width_table[mid].to;
      if (gxmpp_precis_width_table[mid].from < c)
        lo = mid + 1;
      else
        hi = mid;
    }

  g_assert_not_reached ();
  return c;
}

/* The simple lowercase mapping of UnicodeData.txt. */
static gunichar
simple_lower (gunichar c)
{
  gsize lo = 0, hi = G_N_ELEMENTS (gxmpp_precis_lower_extra);

  if (G_LIKELY (c < GXMPP_PRECIS_LOWER_EXTRA_MIN || c > GXMPP_PRECIS_LOWER_EXTRA_MAX))
    return g_unichar_tolower (c);

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (gxmpp_precis_lower_extra[mid].from == c)
        return gxmpp_precis_lower_extra[mid].to;
      if (gxmpp_precis_lower_extra[mid].from < c)
        lo = mid + 1;
      else
        hi = mid;
    }
  return g_unichar_tolower (c);
}

/* Final_Sigma (Unicode section 3.13, table 3-17): Σ is preceded by a cased
 * letter and then zero or more case-ignorable characters, and is not
 * followed by zero or more case-ignorable characters and then a cased
 * letter. The "before" half is tracked by the caller; this is the "after"
 * half. A code point that is both cased and case-ignorable may play either
 * role, so cased is tested first. */
static gboolean
followed_by_cased (const gunichar *s,
                   gsize           len,
                   gsize           i)
{
  for (i++; i < len; i++)
    {
      guint entry = lookup (s[i]);

      if (entry & GXMPP_PRECIS_CASED)
        return TRUE;
      if (!(entry & GXMPP_PRECIS_CASE_IGNORABLE))
        return FALSE;
    }
  return FALSE;
}

gunichar *
gxmpp_precis_to_lower (const gunichar *in,
                       gsize           len,
                       gsize          *out_len)
{
  /* U+0130 is the only code point whose lower case is longer, and Final_Sigma
   * the only context that matters (the generator checks SpecialCasing.txt
   * for that). */
  gunichar *out = g_new (gunichar, 2 * len + 1);
  gboolean after_cased = FALSE;
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    {
      gunichar c = in[i];
      guint entry = lookup (c);

      if (c == CAPITAL_I_WITH_DOT)
        {
          out[n++] = 0x0069;
          out[n++] = 0x0307;
        }
      else if (c == CAPITAL_SIGMA)
        {
          if (after_cased && !followed_by_cased (in, len, i))
            out[n++] = SMALL_FINAL_SIGMA;
          else
            out[n++] = SMALL_SIGMA;
        }
      else
        {
          out[n++] = simple_lower (c);
        }

      if (entry & GXMPP_PRECIS_CASED)
        after_cased = TRUE;
      else if (!(entry & GXMPP_PRECIS_CASE_IGNORABLE))
        after_cased = FALSE;
    }

  out[n] = 0;
  if (out_len != NULL)
    *out_len = n;
  return out;
}

static gboolean
is_virama (gunichar c)
{
  return g_unichar_combining_class (c) == VIRAMA;
}

gboolean
gxmpp_precis_context_rule_holds (const gunichar *s,
                                 gsize           len,
                                 gsize           i)
{
  gunichar c, before, after;

  g_return_val_if_fail (i < len, FALSE);

  c = s[i];
  before = i > 0 ? s[i - 1] : 0;
  after = i + 1 < len ? s[i + 1] : 0;

  switch (c)
    {
    case ZWNJ:
      {
        /* RFC 5892 A.1: after a virama, or
         * (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D}) */
        gsize j, k;
        GXmppJoiningType jt;

        if (i > 0 && is_virama (before))
          return TRUE;

        for (j = i; j > 0 && gxmpp_precis_get_joining_type (s[j - 1]) == GXMPP_JOINING_T; j--)
          ;
        if (j == 0)
          return FALSE;
        jt = gxmpp_precis_get_joining_type (s[j - 1]);
        if (jt != GXMPP_JOINING_L && jt != GXMPP_JOINING_D)
          return FALSE;

        for (k = i + 1; k < len && gxmpp_precis_get_joining_type (s[k]) == GXMPP_JOINING_T; k++)
          ;
        if (k == len)
          return FALSE;
        jt = gxmpp_precis_get_joining_type (s[k]);
        return jt == GXMPP_JOINING_R || jt == GXMPP_JOINING_D;
      }

    case ZWJ:
      /* A.2 */
      return i > 0 && is_virama (before);

    case MIDDLE_DOT:
      /* A.3: between two 'l' */
      return before == 0x006C && after == 0x006C;

    case GREEK_KERAIA:
      /* A.4: followed by a Greek character */
      return i + 1 < len && g_unichar_get_script (after) == G_UNICODE_SCRIPT_GREEK;

    case HEBREW_GERESH:
    case HEBREW_GERSHAYIM:
      /* A.5, A.6: preceded by a Hebrew character */
      return i > 0 && g_unichar_get_script (before) == G_UNICODE_SCRIPT_HEBREW;

    case KATAKANA_MIDDLE_DOT:
      /* A.7: some character of the string is Hiragana, Katakana or Han */
      for (gsize j = 0; j < len; j++)
        {
          GUnicodeScript script = g_unichar_get_script (s[j]);

          if (script == G_UNICODE_SCRIPT_HIRAGANA ||
              script == G_UNICODE_SCRIPT_KATAKANA ||
              script == G_UNICODE_SCRIPT_HAN)
            return TRUE;
        }
      return FALSE;

    default:
      if (c >= 0x0660 && c <= 0x0669)
        {
          /* A.8: no Extended Arabic-Indic digit in the string */
          for (gsize j = 0; j < len; j++)
            if (s[j] >= 0x06F0 && s[j] <= 0x06F9)
              return FALSE;
          return TRUE;
        }
      if (c >= 0x06F0 && c <= 0x06F9)
        {
          /* A.9: no Arabic-Indic digit in the string */
          for (gsize j = 0; j < len; j++)
            if (s[j] >= 0x0660 && s[j] <= 0x0669)
              return FALSE;
          return TRUE;
        }
      return FALSE;
    }
}

gboolean
gxmpp_precis_bidi_rule_holds (const gunichar *s,
                              gsize           len,
                              gunichar       *bad_char)
{
  GXmppBidiClass first;
  gboolean rtl, has_en = FALSE, has_an = FALSE;
  gsize last;

  g_return_val_if_fail (len > 0, FALSE);

#define FAIL_AT(c) G_STMT_START { if (bad_char) *bad_char = (c); return FALSE; } G_STMT_END

  /* 1. The first character must be L, R or AL. */
  first = gxmpp_precis_get_bidi_class (s[0]);
  if (first != GXMPP_BIDI_L && first != GXMPP_BIDI_R && first != GXMPP_BIDI_AL)
    FAIL_AT (s[0]);
  rtl = first != GXMPP_BIDI_L;

  for (gsize i = 0; i < len; i++)
    {
      GXmppBidiClass bc = gxmpp_precis_get_bidi_class (s[i]);

      switch (bc)
        {
        case GXMPP_BIDI_R:
        case GXMPP_BIDI_AL:
        case GXMPP_BIDI_AN:
          /* 2. / 5.: R, AL, AN only in RTL strings */
          if (!rtl)
            FAIL_AT (s[i]);
          if (bc == GXMPP_BIDI_AN)
            {
              /* 4. not both EN and AN */
              if (has_en)
                FAIL_AT (s[i]);
              has_an = TRUE;
            }
          break;
        case GXMPP_BIDI_L:
          /* 2. no L in RTL strings */
          if (rtl)
            FAIL_AT (s[i]);
          break;
        case GXMPP_BIDI_EN:
          if (rtl && has_an)
            FAIL_AT (s[i]);
          has_en = TRUE;
          break;
        case GXMPP_BIDI_ES:
        case GXMPP_BIDI_CS:
        case GXMPP_BIDI_ET:
        case GXMPP_BIDI_ON:
        case GXMPP_BIDI_BN:
        case GXMPP_BIDI_NSM:
          break;
        default:
          FAIL_AT (s[i]);
        }
    }

  /* 3. / 6.: the last character other than NSM must be R, AL, EN or AN
   * (RTL), L or EN (LTR). */
  for (last = len; last > 0 && gxmpp_precis_get_bidi_class (s[last - 1]) == GXMPP_BIDI_NSM; last--)
    ;
  if (last == 0)
    FAIL_AT (s[0]);
  {
    GXmppBidiClass bc = gxmpp_precis_get_bidi_class (s[last - 1]);
    gboolean ok;

    if (rtl)
      ok = bc == GXMPP_BIDI_R || bc == GXMPP_BIDI_AL || bc == GXMPP_BIDI_EN || bc == GXMPP_BIDI_AN;
    else
      ok = bc == GXMPP_BIDI_L || bc == GXMPP_BIDI_EN;
    if (!ok)
      FAIL_AT (s[last - 1]);
  }

#undef FAIL_AT
  return TRUE;
}

/* NFC_Quick_Check (UAX #15 section 9): TRUE if @s is certainly in NFC. */
static gboolean
nfc_quick_check (const gunichar *s,
                 gsize           len)
{
  guint8 last_ccc = 0;

  for (gsize i = 0; i < len; i++)
    {
      guint8 ccc;

      if (s[i] < 0x300)
        {
          last_ccc = 0;
          continue;
        }
      if (lookup (s[i]) & GXMPP_PRECIS_NFC_MAYBE)
        return FALSE;
      ccc = (guint8) g_unichar_combining_class (s[i]);
      if (ccc != 0 && last_ccc > ccc)
        return FALSE;
      last_ccc = ccc;
    }
  return TRUE;
}

static gboolean
has_rtl (const gunichar *s,
         gsize           len)
{
  for (gsize i = 0; i < len; i++)
    {
      GXmppBidiClass bc = gxmpp_precis_get_bidi_class (s[i]);

      if (bc == GXMPP_BIDI_R || bc == GXMPP_BIDI_AL || bc == GXMPP_BIDI_AN)
        return TRUE;
    }
  return FALSE;
}

GXmppPrecisStatus
gxmpp_precis_enforce (GXmppPrecisProfile   profile,
                      const char          *in,
                      gsize                len,
                      char               **out,
                      gsize               *out_len,
                      gunichar            *bad_char)
{
  gboolean identifier = profile == GXMPP_PRECIS_USERNAME_CASE_MAPPED;
  g_autofree gunichar *s = NULL;
  glong n_chars = 0;
  gsize n;

  g_return_val_if_fail (in != NULL || len == 0, GXMPP_PRECIS_ERROR_EMPTY);
  g_return_val_if_fail (out != NULL, GXMPP_PRECIS_ERROR_EMPTY);
  g_return_val_if_fail (len <= G_MAXLONG, GXMPP_PRECIS_ERROR_EMPTY);

  *out = NULL;
  if (out_len != NULL)
    *out_len = 0;
  if (bad_char != NULL)
    *bad_char = 0;

  if (len == 0)
    return GXMPP_PRECIS_ERROR_EMPTY;

  s = g_utf8_to_ucs4_fast (in, (glong) len, &n_chars);
  n = (gsize) n_chars;

  /* Mapping */
  if (identifier)
    {
      gunichar *lowered;

      for (gsize i = 0; i < n; i++)
        s[i] = gxmpp_precis_width_map (s[i]);
      lowered = gxmpp_precis_to_lower (s, n, &n);
      g_free (s);
      s = lowered;
    }
  else
    {
      for (gsize i = 0; i < n; i++)
        if (s[i] >= 0x80 && (lookup (s[i]) & GXMPP_PRECIS_SPACE))
          s[i] = 0x0020;
    }

  /* Normalization */
  if (!nfc_quick_check (s, n))
    {
      g_autofree char *utf8 = g_ucs4_to_utf8 (s, (glong) n, NULL, NULL, NULL);
      g_autofree char *nfc = g_utf8_normalize (utf8, -1, G_NORMALIZE_NFC);

      g_free (s);
      s = g_utf8_to_ucs4_fast (nfc, -1, &n_chars);
      n = (gsize) n_chars;
    }

  if (n == 0)
    return GXMPP_PRECIS_ERROR_EMPTY;

  /* The string class */
  for (gsize i = 0; i < n; i++)
    {
      switch (entry_class (lookup (s[i])))
        {
        case GXMPP_PRECIS_PVALID:
        case GXMPP_PRECIS_CONTEXTJ:
        case GXMPP_PRECIS_CONTEXTO:
          break;
        case GXMPP_PRECIS_FREE_PVAL:
          if (!identifier)
            break;
          if (bad_char != NULL)
            *bad_char = s[i];
          return GXMPP_PRECIS_ERROR_DISALLOWED;
        case GXMPP_PRECIS_UNASSIGNED:
          if (bad_char != NULL)
            *bad_char = s[i];
          return GXMPP_PRECIS_ERROR_UNASSIGNED;
        case GXMPP_PRECIS_DISALLOWED:
        default:
          if (bad_char != NULL)
            *bad_char = s[i];
          return GXMPP_PRECIS_ERROR_DISALLOWED;
        }
    }

  /* Context rules, now that every neighbour is known to be valid */
  for (gsize i = 0; i < n; i++)
    {
      GXmppPrecisClass cls = entry_class (lookup (s[i]));

      if ((cls == GXMPP_PRECIS_CONTEXTJ || cls == GXMPP_PRECIS_CONTEXTO) &&
          !gxmpp_precis_context_rule_holds (s, n, i))
        {
          if (bad_char != NULL)
            *bad_char = s[i];
          return GXMPP_PRECIS_ERROR_CONTEXT;
        }
    }

  /* Directionality */
  if (identifier && has_rtl (s, n) &&
      !gxmpp_precis_bidi_rule_holds (s, n, bad_char))
    return GXMPP_PRECIS_ERROR_BIDI;

  {
    glong written = 0;

    *out = g_ucs4_to_utf8 (s, (glong) n, NULL, &written, NULL);
    if (out_len != NULL)
      *out_len = (gsize) written;
  }

  return GXMPP_PRECIS_OK;
}
