/* test-precis.c: the PRECIS table, profiles and rules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>
#include <string.h>

#include <xmpp-glib/xmpp-glib.h>

#include "gxmpp-precis-private.h"

/* Helpers */

static gunichar *
ucs4 (const char  *utf8,
      gsize       *len)
{
  glong n = 0;
  gunichar *s = g_utf8_to_ucs4_fast (utf8, -1, &n);

  *len = (gsize) n;
  return s;
}

static char *
to_lower_utf8 (const char *utf8)
{
  gsize len, out_len;
  g_autofree gunichar *s = ucs4 (utf8, &len);
  g_autofree gunichar *lower = gxmpp_precis_to_lower (s, len, &out_len);

  g_assert_cmpuint (lower[out_len], ==, 0);
  return g_ucs4_to_utf8 (lower, (glong) out_len, NULL, NULL, NULL);
}

static gboolean
context_holds (const char *utf8,
               gunichar    c)
{
  gsize len;
  g_autofree gunichar *s = ucs4 (utf8, &len);

  for (gsize i = 0; i < len; i++)
    if (s[i] == c)
      return gxmpp_precis_context_rule_holds (s, len, i);

  g_assert_not_reached ();
  return FALSE;
}

static gboolean
bidi_holds (const char *utf8,
            gunichar   *bad)
{
  gsize len;
  g_autofree gunichar *s = ucs4 (utf8, &len);

  *bad = 0;
  return gxmpp_precis_bidi_rule_holds (s, len, bad);
}

/* Expects @in to be accepted by @profile and prepared to @expected. */
static void
assert_enforce_ok (GXmppPrecisProfile  profile,
                   const char         *in,
                   const char         *expected)
{
  g_autofree char *out = NULL;
  gsize out_len = 0;
  gunichar bad = 1;
  GXmppPrecisStatus status;

  status = gxmpp_precis_enforce (profile, in, strlen (in), &out, &out_len, &bad);
  if (status != GXMPP_PRECIS_OK)
    g_error ("\"%s\": status %d at U+%04X, expected \"%s\"", in, status, bad, expected);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (out_len, ==, strlen (expected));
  g_assert_cmpuint (bad, ==, 0);
}

/* Expects @in to be refused by @profile with @status at @bad_char. */
static void
assert_enforce_fails (GXmppPrecisProfile  profile,
                      const char         *in,
                      GXmppPrecisStatus   status,
                      gunichar            bad_char)
{
  g_autofree char *out = NULL;
  gunichar bad = 0;
  GXmppPrecisStatus got;

  got = gxmpp_precis_enforce (profile, in, strlen (in), &out, NULL, &bad);
  if (got != status || bad != bad_char)
    g_error ("\"%s\": status %d at U+%04X, expected %d at U+%04X",
             in, got, bad, status, bad_char);
  g_assert_null (out);
}

/* The table */

static void
test_table_version (void)
{
  g_assert_cmpstr (gxmpp_precis_get_unicode_version (), ==, "15.0.0");
  /* Two stages and the width map; a block size change or a broken
   * generator shows up here. */
  g_assert_cmpuint (gxmpp_precis_get_table_size (), >, 8704);
  g_assert_cmpuint (gxmpp_precis_get_table_size (), <, 128 * 1024);
}

static gboolean
is_noncharacter (gunichar c)
{
  return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* GLib's Unicode data (case mapping, normalization, scripts) and the
 * generated table must be of the same Unicode version: they must agree on
 * what is assigned. */
static void
test_table_agrees_with_glib (void)
{
  guint mismatches = 0;

  for (gunichar c = 0; c <= 0x10FFFF; c++)
    {
      gboolean glib_unassigned = g_unichar_type (c) == G_UNICODE_UNASSIGNED && !is_noncharacter (c);
      gboolean table_unassigned = gxmpp_precis_get_class (c) == GXMPP_PRECIS_UNASSIGNED;

      if (glib_unassigned != table_unassigned)
        {
          if (mismatches++ < 10)
            g_test_message ("U+%04X: GLib unassigned %d, table %d", c,
                            glib_unassigned, table_unassigned);
        }
    }
  g_assert_cmpuint (mismatches, ==, 0);
}

static void
test_table_classes (void)
{
  static const struct {
    gunichar c;
    GXmppPrecisClass cls;
  } cases[] = {
    { 'a', GXMPP_PRECIS_PVALID },
    { 'A', GXMPP_PRECIS_PVALID },               /* ASCII7 */
    { '!', GXMPP_PRECIS_PVALID },
    { '~', GXMPP_PRECIS_PVALID },
    { ' ', GXMPP_PRECIS_FREE_PVAL },            /* Spaces */
    { 0x00, GXMPP_PRECIS_DISALLOWED },          /* Controls */
    { 0x09, GXMPP_PRECIS_DISALLOWED },
    { 0x7F, GXMPP_PRECIS_DISALLOWED },
    { 0x85, GXMPP_PRECIS_DISALLOWED },
    { 0x00A0, GXMPP_PRECIS_FREE_PVAL },         /* HasCompat */
    { 0x00AD, GXMPP_PRECIS_DISALLOWED },        /* Default_Ignorable */
    { 0x00B7, GXMPP_PRECIS_CONTEXTO },          /* exceptions */
    { 0x00DF, GXMPP_PRECIS_PVALID },
    { 0x01C5, GXMPP_PRECIS_FREE_PVAL },         /* Lt with compat */
    { 0x0301, GXMPP_PRECIS_PVALID },            /* Mn */
    { 0x0340, GXMPP_PRECIS_FREE_PVAL },         /* canonical singleton */
    { 0x0375, GXMPP_PRECIS_CONTEXTO },
    { 0x0378, GXMPP_PRECIS_UNASSIGNED },
    { 0x03C2, GXMPP_PRECIS_PVALID },
    { 0x05D0, GXMPP_PRECIS_PVALID },
    { 0x05F3, GXMPP_PRECIS_CONTEXTO },
    { 0x05F4, GXMPP_PRECIS_CONTEXTO },
    { 0x0627, GXMPP_PRECIS_PVALID },
    { 0x0640, GXMPP_PRECIS_DISALLOWED },
    { 0x0660, GXMPP_PRECIS_CONTEXTO },
    { 0x0669, GXMPP_PRECIS_CONTEXTO },
    { 0x06F0, GXMPP_PRECIS_CONTEXTO },
    { 0x06F9, GXMPP_PRECIS_CONTEXTO },
    { 0x06FD, GXMPP_PRECIS_PVALID },
    { 0x07FA, GXMPP_PRECIS_DISALLOWED },
    { 0x0958, GXMPP_PRECIS_FREE_PVAL },         /* composition exclusion */
    { 0x0F0B, GXMPP_PRECIS_PVALID },
    { 0x1100, GXMPP_PRECIS_DISALLOWED },        /* OldHangulJamo */
    { 0x1161, GXMPP_PRECIS_DISALLOWED },
    { 0x11A8, GXMPP_PRECIS_DISALLOWED },
    { 0x16EE, GXMPP_PRECIS_FREE_PVAL },         /* Nl without compat */
    { 0x200B, GXMPP_PRECIS_DISALLOWED },
    { 0x200C, GXMPP_PRECIS_CONTEXTJ },
    { 0x200D, GXMPP_PRECIS_CONTEXTJ },
    { 0x2028, GXMPP_PRECIS_DISALLOWED },        /* Zl */
    { 0x20AC, GXMPP_PRECIS_FREE_PVAL },         /* Sc */
    { 0x20DD, GXMPP_PRECIS_FREE_PVAL },         /* Me */
    { 0x2126, GXMPP_PRECIS_FREE_PVAL },         /* OHM SIGN, singleton */
    { 0x212B, GXMPP_PRECIS_FREE_PVAL },         /* ANGSTROM SIGN */
    { 0x2163, GXMPP_PRECIS_FREE_PVAL },         /* ROMAN NUMERAL FOUR */
    { 0x24D9, GXMPP_PRECIS_FREE_PVAL },         /* circled j */
    { 0x265A, GXMPP_PRECIS_FREE_PVAL },         /* BLACK CHESS KING */
    { 0x3000, GXMPP_PRECIS_FREE_PVAL },
    { 0x3007, GXMPP_PRECIS_PVALID },
    { 0x302E, GXMPP_PRECIS_DISALLOWED },
    { 0x303B, GXMPP_PRECIS_DISALLOWED },
    { 0x30AB, GXMPP_PRECIS_PVALID },
    { 0x30FB, GXMPP_PRECIS_CONTEXTO },
    { 0x4E00, GXMPP_PRECIS_PVALID },
    { 0xAC00, GXMPP_PRECIS_PVALID },            /* Hangul syllable */
    { 0xD800, GXMPP_PRECIS_DISALLOWED },        /* surrogate */
    { 0xE000, GXMPP_PRECIS_DISALLOWED },        /* private use */
    { 0xFB01, GXMPP_PRECIS_FREE_PVAL },         /* ligature */
    { 0xFDD0, GXMPP_PRECIS_DISALLOWED },        /* noncharacter */
    { 0xFE0F, GXMPP_PRECIS_DISALLOWED },        /* variation selector */
    { 0xFEFF, GXMPP_PRECIS_DISALLOWED },
    { 0xFF21, GXMPP_PRECIS_FREE_PVAL },         /* fullwidth A */
    { 0xFFFF, GXMPP_PRECIS_DISALLOWED },
    { 0x11F00, GXMPP_PRECIS_PVALID },           /* new in 15.0 (Kawi) */
    { 0x1D173, GXMPP_PRECIS_DISALLOWED },       /* Cf, Default_Ignorable */
    { 0x1D2C0, GXMPP_PRECIS_FREE_PVAL },        /* new in 15.0, No */
    { 0x1F600, GXMPP_PRECIS_FREE_PVAL },        /* emoji */
    { 0x2EBF0, GXMPP_PRECIS_UNASSIGNED },       /* new in 15.1 */
    { 0x31350, GXMPP_PRECIS_PVALID },           /* CJK extension H, 15.0 */
    { 0xE0001, GXMPP_PRECIS_DISALLOWED },       /* LANGUAGE TAG */
    { 0xE0100, GXMPP_PRECIS_DISALLOWED },
    { 0xF0000, GXMPP_PRECIS_DISALLOWED },
    { 0x10FFFD, GXMPP_PRECIS_DISALLOWED },
    { 0x10FFFF, GXMPP_PRECIS_DISALLOWED },
    { 0x110000, GXMPP_PRECIS_DISALLOWED },      /* out of range */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (gxmpp_precis_get_class (cases[i].c) != cases[i].cls)
        g_error ("U+%04X: class %d, expected %d", cases[i].c,
                 gxmpp_precis_get_class (cases[i].c), cases[i].cls);
    }
}

static void
test_table_bidi (void)
{
  static const struct {
    gunichar c;
    GXmppBidiClass bc;
  } cases[] = {
    { 'a', GXMPP_BIDI_L },
    { '1', GXMPP_BIDI_EN },
    { '-', GXMPP_BIDI_ES },
    { '+', GXMPP_BIDI_ES },
    { '.', GXMPP_BIDI_CS },
    { ',', GXMPP_BIDI_CS },
    { '$', GXMPP_BIDI_ET },
    { '!', GXMPP_BIDI_ON },
    { ' ', GXMPP_BIDI_WS },
    { 0x0301, GXMPP_BIDI_NSM },
    { 0x05D0, GXMPP_BIDI_R },
    { 0x0591, GXMPP_BIDI_NSM },
    { 0x0627, GXMPP_BIDI_AL },
    { 0x0661, GXMPP_BIDI_AN },
    { 0x06F1, GXMPP_BIDI_EN },
    { 0x4E00, GXMPP_BIDI_L },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (gxmpp_precis_get_bidi_class (cases[i].c) != cases[i].bc)
        g_error ("U+%04X: bidi class %d, expected %d", cases[i].c,
                 gxmpp_precis_get_bidi_class (cases[i].c), cases[i].bc);
    }
}

static void
test_table_joining (void)
{
  g_assert_cmpint (gxmpp_precis_get_joining_type (0x0628), ==, GXMPP_JOINING_D);  /* beh */
  g_assert_cmpint (gxmpp_precis_get_joining_type (0x0627), ==, GXMPP_JOINING_R);  /* alef */
  g_assert_cmpint (gxmpp_precis_get_joining_type (0x064B), ==, GXMPP_JOINING_T);  /* fathatan */
  g_assert_cmpint (gxmpp_precis_get_joining_type (0x0301), ==, GXMPP_JOINING_T);  /* Mn default */
  g_assert_cmpint (gxmpp_precis_get_joining_type (0xA872), ==, GXMPP_JOINING_L);  /* Phags-pa */
  g_assert_cmpint (gxmpp_precis_get_joining_type ('a'), ==, GXMPP_JOINING_U);
}

static void
test_table_flags (void)
{
  /* Cased and Case_Ignorable (DerivedCoreProperties.txt) */
  g_assert_true (gxmpp_precis_lookup ('A') & GXMPP_PRECIS_CASED);
  g_assert_true (gxmpp_precis_lookup (0x03A3) & GXMPP_PRECIS_CASED);
  g_assert_true (gxmpp_precis_lookup (0x02B0) & GXMPP_PRECIS_CASED);           /* Lm, Other_Lowercase */
  g_assert_false (gxmpp_precis_lookup ('1') & GXMPP_PRECIS_CASED);
  g_assert_false (gxmpp_precis_lookup (0x05D0) & GXMPP_PRECIS_CASED);
  g_assert_true (gxmpp_precis_lookup ('\'') & GXMPP_PRECIS_CASE_IGNORABLE);
  g_assert_true (gxmpp_precis_lookup ('.') & GXMPP_PRECIS_CASE_IGNORABLE);
  g_assert_true (gxmpp_precis_lookup (0x0301) & GXMPP_PRECIS_CASE_IGNORABLE);
  g_assert_true (gxmpp_precis_lookup (0x00AD) & GXMPP_PRECIS_CASE_IGNORABLE);
  g_assert_false (gxmpp_precis_lookup ('a') & GXMPP_PRECIS_CASE_IGNORABLE);
  g_assert_false (gxmpp_precis_lookup ('-') & GXMPP_PRECIS_CASE_IGNORABLE);

  /* Zs */
  g_assert_true (gxmpp_precis_lookup (0x00A0) & GXMPP_PRECIS_SPACE);
  g_assert_true (gxmpp_precis_lookup (0x3000) & GXMPP_PRECIS_SPACE);
  g_assert_true (gxmpp_precis_lookup (0x202F) & GXMPP_PRECIS_SPACE);
  g_assert_false (gxmpp_precis_lookup (0x2028) & GXMPP_PRECIS_SPACE);
  g_assert_false (gxmpp_precis_lookup ('\t') & GXMPP_PRECIS_SPACE);

  /* NFC_Quick_Check */
  g_assert_false (gxmpp_precis_lookup (0x00E9) & GXMPP_PRECIS_NFC_MAYBE);
  g_assert_true (gxmpp_precis_lookup (0x0301) & GXMPP_PRECIS_NFC_MAYBE);       /* Maybe */
  g_assert_true (gxmpp_precis_lookup (0x212B) & GXMPP_PRECIS_NFC_MAYBE);       /* No */
  g_assert_true (gxmpp_precis_lookup (0x1161) & GXMPP_PRECIS_NFC_MAYBE);
}

static void
test_width_map (void)
{
  static const gunichar cases[][2] = {
    { 0xFF21, 'A' },
    { 0xFF41, 'a' },
    { 0xFF10, '0' },
    { 0xFF20, '@' },
    { 0x3000, ' ' },            /* <wide> */
    { 0xFF76, 0x30AB },         /* halfwidth katakana ka */
    { 0xFF9E, 0x3099 },         /* halfwidth voiced sound mark */
    { 0xFFE0, 0x00A2 },         /* fullwidth cent */
    { 0xFFE8, 0x2502 },         /* halfwidth forms light vertical */
    { 0xFFA1, 0x3131 },         /* halfwidth hangul */
    { 'a', 'a' },
    { 0xFB01, 0xFB01 },         /* compatibility, but not width */
    { 0x2460, 0x2460 },
    { 0x1F600, 0x1F600 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmphex (gxmpp_precis_width_map (cases[i][0]), ==, cases[i][1]);

  /* Every code point with the flag has a mapping, and only those change. */
  for (gunichar c = 0; c < 0x10000; c++)
    {
      gboolean flagged = (gxmpp_precis_lookup (c) & GXMPP_PRECIS_WIDTH) != 0;

      g_assert_cmpint (flagged, ==, gxmpp_precis_width_map (c) != c);
    }
}

/* Case mapping */

static void
test_lower_final_sigma (void)
{
  static const char * const cases[][2] = {
    /* The RFC 7622 example: a word-final capital sigma becomes ς */
    { "ΌΣΟΣ", "όσος" },
    { "ΣΑΣ", "σας" },
    { "ΑΣΣ", "ασς" },
    /* Alone, or not preceded by a cased letter: σ */
    { "Σ", "σ" },
    { "1Σ", "1σ" },
    { "-Σ", "-σ" },
    { "ΣΑ", "σα" },
    /* Case-ignorable characters are skipped in both directions */
    { "Α.Σ", "α.ς" },
    { "ΑΣ.", "ας." },
    { "ΑΣ.Α", "ασ.α" },
    { "Α\xcc\x81Σ", "α\xcc\x81ς" },             /* combining acute */
    { "ΑΣ\xcc\x81", "ας\xcc\x81" },
    { "ΑΣ'Α", "ασ'α" },
    /* A cased character after a non-ignorable one does not count */
    { "ΑΣ-Α", "ας-α" },
    { "Α-Σ", "α-σ" },
    /* Other letters */
    { "JULIET", "juliet" },
    { "Ǆ", "ǆ" },                               /* U+01C4 */
    { "ǅ", "ǆ" },                               /* U+01C5, title case */
    { "ẞ", "ß" },                               /* U+1E9E */
    { "ß", "ß" },
    { "Å", "å" },                               /* U+212B ANGSTROM SIGN */
    { "Ω", "ω" },                               /* U+2126 OHM SIGN */
    { "K", "k" },                               /* U+212A KELVIN SIGN */
    { "Ⓙ", "ⓙ" },                               /* So, not done by GLib */
    { "Ⅻ", "ⅻ" },                               /* Nl, not done by GLib */
    { "ＡＢ", "ａｂ" },
    { "ς", "ς" },
    { "σ", "σ" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *lower = to_lower_utf8 (cases[i][0]);

      g_assert_cmpstr (lower, ==, cases[i][1]);
    }
}

static void
test_lower_dotted_i (void)
{
  g_autofree char *lower = to_lower_utf8 ("İSTANBUL");
  g_autofree char *lower_i = NULL;

  /* U+0130 -> U+0069 U+0307, the one unconditional multi-character
   * mapping of SpecialCasing.txt */
  g_assert_cmpstr (lower, ==, "i\xcc\x87stanbul");

  /* Locale independent: 'I' is 'i' also in Turkish. */
  if (setlocale (LC_ALL, "tr_TR.UTF-8") != NULL)
    g_test_message ("testing under tr_TR.UTF-8");
  else
    g_test_message ("no tr_TR.UTF-8 locale; testing under the current one");
  lower_i = to_lower_utf8 ("ISTANBUL");
  g_assert_cmpstr (lower_i, ==, "istanbul");
  setlocale (LC_ALL, "C.UTF-8");
}

/* The simple lowercase mappings of UnicodeData.txt, which the library gets
 * from g_unichar_tolower() and from its own table for what GLib leaves out:
 * every code point, single, must lower-case to its mapping (U+0130 to two
 * code points). */
static void
test_lower_matches_ucd (void)
{
  const char *path = "/usr/share/unicode/UnicodeData.txt";
  g_autofree char *contents = NULL;
  g_autofree gunichar *expected = g_new (gunichar, 0x110000);
  g_auto(GStrv) lines = NULL;
  guint checked = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_test_skip ("no /usr/share/unicode/UnicodeData.txt (Debian package unicode-data)");
      return;
    }

  for (gunichar c = 0; c < 0x110000; c++)
    expected[c] = c;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ";", -1);

      if (g_strv_length (fields) < 14 || fields[13][0] == '\0')
        continue;
      expected[g_ascii_strtoull (fields[0], NULL, 16)] = (gunichar) g_ascii_strtoull (fields[13], NULL, 16);
    }

  for (gunichar c = 0; c < 0x110000; c++)
    {
      g_autofree gunichar *lower = NULL;
      gsize len;

      if (c >= 0xD800 && c <= 0xDFFF)
        continue;
      lower = gxmpp_precis_to_lower (&c, 1, &len);
      if (c == 0x0130)
        {
          g_assert_cmpuint (len, ==, 2);
          g_assert_cmphex (lower[0], ==, 0x0069);
          g_assert_cmphex (lower[1], ==, 0x0307);
          continue;
        }
      g_assert_cmpuint (len, ==, 1);
      if (lower[0] != expected[c])
        g_error ("U+%04X lower-cases to U+%04X, UnicodeData.txt says U+%04X",
                 c, lower[0], expected[c]);
      checked++;
    }
  g_assert_cmpuint (checked, >, 1000000);
}

/* Context rules (RFC 5892 appendix A) */

static void
test_context_zwnj (void)
{
  /* A.1: after a virama */
  g_assert_true (context_holds ("क्\u200Cष", 0x200C));
  /* between dual-joining letters, transparent marks skipped */
  g_assert_true (context_holds ("ب\u200Cب", 0x200C));
  g_assert_true (context_holds ("بً\u200Cًب", 0x200C));
  g_assert_true (context_holds ("ب\u200Cا", 0x200C));          /* D then R */
  g_assert_true (context_holds ("\uA872\u200Cب", 0x200C));     /* L then D */
  /* failures */
  g_assert_false (context_holds ("ا\u200Cب", 0x200C));         /* R before */
  g_assert_false (context_holds ("ب\u200C\uA872", 0x200C));    /* L after */
  g_assert_false (context_holds ("ب\u200Ca", 0x200C));         /* U after */
  g_assert_false (context_holds ("a\u200Cb", 0x200C));
  g_assert_false (context_holds ("\u200Cب", 0x200C));          /* at the start */
  g_assert_false (context_holds ("ب\u200C", 0x200C));          /* at the end */
  g_assert_false (context_holds ("بً\u200C", 0x200C));
  g_assert_false (context_holds ("\u200C", 0x200C));
}

static void
test_context_zwj (void)
{
  /* A.2 */
  g_assert_true (context_holds ("क्\u200Dष", 0x200D));
  g_assert_true (context_holds ("ක්\u200Dය", 0x200D));         /* Sinhala */
  g_assert_false (context_holds ("a\u200Db", 0x200D));
  g_assert_false (context_holds ("\u200Dक", 0x200D));
  g_assert_false (context_holds ("ب\u200Dب", 0x200D));
  /* emoji ZWJ sequences */
  g_assert_false (context_holds ("\U0001F468\u200D\U0001F469", 0x200D));
}

static void
test_context_middle_dot (void)
{
  /* A.3 */
  g_assert_true (context_holds ("l·l", 0x00B7));
  g_assert_true (context_holds ("col·lecció", 0x00B7));
  g_assert_false (context_holds ("a·l", 0x00B7));
  g_assert_false (context_holds ("l·a", 0x00B7));
  g_assert_false (context_holds ("L·L", 0x00B7));
  g_assert_false (context_holds ("l·", 0x00B7));
  g_assert_false (context_holds ("·l", 0x00B7));
  g_assert_false (context_holds ("·", 0x00B7));
}

static void
test_context_greek_keraia (void)
{
  /* A.4 */
  g_assert_true (context_holds ("͵α", 0x0375));
  g_assert_true (context_holds ("α͵β", 0x0375));
  g_assert_false (context_holds ("͵a", 0x0375));
  g_assert_false (context_holds ("α͵", 0x0375));
  g_assert_false (context_holds ("͵", 0x0375));
}

static void
test_context_hebrew (void)
{
  /* A.5, A.6 */
  g_assert_true (context_holds ("א׳", 0x05F3));
  g_assert_true (context_holds ("צה״ל", 0x05F4));
  g_assert_false (context_holds ("a׳", 0x05F3));
  g_assert_false (context_holds ("׳א", 0x05F3));
  g_assert_false (context_holds ("a״", 0x05F4));
  g_assert_false (context_holds ("״", 0x05F4));
}

static void
test_context_katakana_middle_dot (void)
{
  /* A.7 */
  g_assert_true (context_holds ("カ・カ", 0x30FB));
  g_assert_true (context_holds ("ひ・", 0x30FB));            /* Hiragana */
  g_assert_true (context_holds ("・漢", 0x30FB));            /* Han */
  g_assert_true (context_holds ("a・カ", 0x30FB));
  g_assert_false (context_holds ("a・b", 0x30FB));
  g_assert_false (context_holds ("・", 0x30FB));             /* it is Common itself */
  g_assert_false (context_holds ("한・글", 0x30FB));         /* Hangul */
}

static void
test_context_arabic_digits (void)
{
  /* A.8, A.9 */
  g_assert_true (context_holds ("١٢٣", 0x0661));
  g_assert_true (context_holds ("۱۲۳", 0x06F1));
  g_assert_true (context_holds ("ب١", 0x0661));
  g_assert_false (context_holds ("١۲", 0x0661));
  g_assert_false (context_holds ("١۲", 0x06F2));
  g_assert_false (context_holds ("٠ب۹", 0x0660));
  g_assert_false (context_holds ("٠ب۹", 0x06F9));
}

static void
test_context_in_profiles (void)
{
  /* The rules are applied by both profiles, and their failure is reported
   * at the code point. */
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "L·L", "l·l");
  assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "a·b",
                        GXMPP_PRECIS_ERROR_CONTEXT, 0x00B7);
  assert_enforce_ok (GXMPP_PRECIS_OPAQUE_STRING, "क्\u200Dष", "क्\u200Dष");
  assert_enforce_fails (GXMPP_PRECIS_OPAQUE_STRING, "a\u200Db",
                        GXMPP_PRECIS_ERROR_CONTEXT, 0x200D);
  assert_enforce_fails (GXMPP_PRECIS_OPAQUE_STRING, "١۲",
                        GXMPP_PRECIS_ERROR_CONTEXT, 0x0661);
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "カ・カ", "カ・カ");
  assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "・",
                        GXMPP_PRECIS_ERROR_CONTEXT, 0x30FB);
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "͵Α", "͵α");
}

/* The Bidi Rule (RFC 5893 section 2) */

static void
test_bidi_rule (void)
{
  static const struct {
    const char *s;
    gboolean holds;
    gunichar bad;
  } cases[] = {
    { "אב", TRUE, 0 },
    { "ابج", TRUE, 0 },
    { "א1", TRUE, 0 },                  /* 3: may end in EN */
    { "א١", TRUE, 0 },                  /* 3: may end in AN */
    { "א\u0591", TRUE, 0 },             /* 3: trailing NSM skipped */
    { "א-ב", TRUE, 0 },                 /* 2: ES inside */
    { "abc", TRUE, 0 },
    { "a1", TRUE, 0 },                  /* 6: may end in EN */
    { "a\u0301", TRUE, 0 },
    { "a.b", TRUE, 0 },
    { "1א", FALSE, '1' },               /* 1: first must be L, R or AL */
    { "١", FALSE, 0x0661 },
    { "-a", FALSE, '-' },
    { "אa", FALSE, 'a' },               /* 2: no L in RTL */
    { "aא", FALSE, 0x05D0 },            /* 5: no R in LTR */
    { "a١", FALSE, 0x0661 },            /* 5: no AN in LTR */
    { "א١1", FALSE, '1' },              /* 4: not both AN and EN */
    { "א1١", FALSE, 0x0661 },
    { "א-", FALSE, '-' },               /* 3: bad end */
    { "א!", FALSE, '!' },
    { "a-", FALSE, '-' },               /* 6: bad end */
    { "a!\u0301", FALSE, '!' },
    { "a b", FALSE, ' ' },              /* 5: WS not allowed */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gunichar bad = 0;
      gboolean holds = bidi_holds (cases[i].s, &bad);

      if (holds != cases[i].holds || bad != cases[i].bad)
        g_error ("\"%s\": holds %d at U+%04X, expected %d at U+%04X",
                 cases[i].s, holds, bad, cases[i].holds, cases[i].bad);
    }
}

static void
test_bidi_in_profiles (void)
{
  /* UsernameCaseMapped applies the rule to strings with RTL characters
   * only; OpaqueString never. */
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "שלום", "שלום");
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "abc-", "abc-");
  assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "-abc", "-abc");
  assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "aא",
                        GXMPP_PRECIS_ERROR_BIDI, 0x05D0);
  assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "1שלום",
                        GXMPP_PRECIS_ERROR_BIDI, '1');
  assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, "١",
                        GXMPP_PRECIS_ERROR_BIDI, 0x0661);
  assert_enforce_ok (GXMPP_PRECIS_OPAQUE_STRING, "aא", "aא");
  assert_enforce_ok (GXMPP_PRECIS_OPAQUE_STRING, "١", "١");
}

/* Profiles */

static void
test_username_case_mapped (void)
{
  static const char * const ok[][2] = {
    { "juliet", "juliet" },
    { "Juliet", "juliet" },
    { "ＪＵＬＩＥＴ", "juliet" },                 /* width mapping */
    { "ｊｕｌｉｅｔ", "juliet" },
    { "ｶﾞ", "ガ" },                              /* halfwidth, then NFC */
    { "e\xcc\x81", "é" },                          /* NFC */
    { "E\xcc\x81", "é" },
    { "Å", "å" },                                  /* U+212B: lower, NFC */
    { "ᄀ\u1161", "가" },                           /* conjoining jamo compose */
    { "a\u0340", "à" },                            /* a disallowed singleton normalizes away */
    { "ß", "ß" },
    { "ẞ", "ß" },
    { "ΌΣΟΣ", "όσος" },
    { "όσος", "όσος" },
    { "Σ", "σ" },
    { "ς", "ς" },
    { "İ", "i\xcc\x87" },
    { "π", "π" },
    { "fußball", "fußball" },
    { "foo\\20bar", "foo\\20bar" },
    { "\x21\x7E", "!~" },
  };
  static const struct {
    const char *s;
    GXmppPrecisStatus status;
    gunichar bad;
  } bad[] = {
    { "", GXMPP_PRECIS_ERROR_EMPTY, 0 },
    { "a b", GXMPP_PRECIS_ERROR_DISALLOWED, ' ' },
    { "a\xc2\xa0" "b", GXMPP_PRECIS_ERROR_DISALLOWED, 0x00A0 },
    { "a\xe3\x80\x80" "b", GXMPP_PRECIS_ERROR_DISALLOWED, ' ' },    /* U+3000 is <wide> U+0020 */
    { "a\tb", GXMPP_PRECIS_ERROR_DISALLOWED, '\t' },
    { "ﬁ", GXMPP_PRECIS_ERROR_DISALLOWED, 0xFB01 },
    { "Ⓙ", GXMPP_PRECIS_ERROR_DISALLOWED, 0x24D9 },
    { "henryⅣ", GXMPP_PRECIS_ERROR_DISALLOWED, 0x2173 },            /* lower-cased first */
    { "x²", GXMPP_PRECIS_ERROR_DISALLOWED, 0x00B2 },
    { "♚", GXMPP_PRECIS_ERROR_DISALLOWED, 0x265A },
    { "\xf0\x9f\x98\x80", GXMPP_PRECIS_ERROR_DISALLOWED, 0x1F600 },
    { "a\xc2\xad" "b", GXMPP_PRECIS_ERROR_DISALLOWED, 0x00AD },
    { "a\xe2\x80\x8b" "b", GXMPP_PRECIS_ERROR_DISALLOWED, 0x200B },
    { "\xe1\x84\x80", GXMPP_PRECIS_ERROR_DISALLOWED, 0x1100 },
    { "a\xcd\xb8", GXMPP_PRECIS_ERROR_UNASSIGNED, 0x0378 },
    { "\xef\xbf\xbf", GXMPP_PRECIS_ERROR_DISALLOWED, 0xFFFF },
    { "\xee\x80\x80", GXMPP_PRECIS_ERROR_DISALLOWED, 0xE000 },
    { "ـ", GXMPP_PRECIS_ERROR_DISALLOWED, 0x0640 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    assert_enforce_ok (GXMPP_PRECIS_USERNAME_CASE_MAPPED, ok[i][0], ok[i][1]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_enforce_fails (GXMPP_PRECIS_USERNAME_CASE_MAPPED, bad[i].s,
                          bad[i].status, bad[i].bad);
}

static void
test_opaque_string (void)
{
  static const char * const ok[][2] = {
    { "balcony", "balcony" },
    { "Home Desk", "Home Desk" },                  /* case kept */
    { " foo", " foo" },                            /* RFC 7622 erratum 4560 */
    { "ﬁ", "ﬁ" },                                  /* no NFKC */
    { "Ⓙ", "Ⓙ" },
    { "ＡＢ", "ＡＢ" },                            /* no width mapping */
    { "a\xc2\xa0" "b", "a b" },                    /* spaces mapped */
    { "a\xe3\x80\x80" "b", "a b" },
    { "a\xe2\x80\xaf" "b", "a b" },
    { "e\xcc\x81", "é" },                          /* NFC */
    { "Ω", "Ω" },                                  /* U+2126 -> U+03A9 */
    { "Å", "Å" },
    { "♚", "♚" },
    { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
    { "ΌΣΟΣ", "ΌΣΟΣ" },
    { "foo@bar/baz", "foo@bar/baz" },
    { "aא", "aא" },
  };
  static const struct {
    const char *s;
    GXmppPrecisStatus status;
    gunichar bad;
  } bad[] = {
    { "", GXMPP_PRECIS_ERROR_EMPTY, 0 },
    { "a\tb", GXMPP_PRECIS_ERROR_DISALLOWED, '\t' },
    { "a\nb", GXMPP_PRECIS_ERROR_DISALLOWED, '\n' },
    { "a\x7f", GXMPP_PRECIS_ERROR_DISALLOWED, 0x7F },
    { "a\xe2\x80\xa8" "b", GXMPP_PRECIS_ERROR_DISALLOWED, 0x2028 },
    { "\xe2\x9d\xa4\xef\xb8\x8f", GXMPP_PRECIS_ERROR_DISALLOWED, 0xFE0F },  /* ❤️ */
    { "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", GXMPP_PRECIS_ERROR_CONTEXT, 0x200D },
    { "a\xc2\xad", GXMPP_PRECIS_ERROR_DISALLOWED, 0x00AD },
    { "\xcd\xb8", GXMPP_PRECIS_ERROR_UNASSIGNED, 0x0378 },
    { "\xf3\xa0\x80\x81", GXMPP_PRECIS_ERROR_DISALLOWED, 0xE0001 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    assert_enforce_ok (GXMPP_PRECIS_OPAQUE_STRING, ok[i][0], ok[i][1]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_enforce_fails (GXMPP_PRECIS_OPAQUE_STRING, bad[i].s,
                          bad[i].status, bad[i].bad);
}

/* Every valid single code point through both profiles: no crash, and the
 * output, if any, is valid UTF-8 accepted again unchanged (idempotence, RFC
 * 8264 section 7). */
static void
test_idempotent (void)
{
  guint accepted[2] = { 0, 0 };

  for (gunichar c = 0x20; c <= 0x10FFFF; c++)
    {
      char buf[8];
      gsize len;

      if (c >= 0xD800 && c <= 0xDFFF)
        continue;
      if (gxmpp_precis_get_class (c) == GXMPP_PRECIS_UNASSIGNED && c > 0x3FFFF)
        continue;       /* keep the test short: planes 4 to 16 are sparse */

      len = (gsize) g_unichar_to_utf8 (c, buf);
      for (int p = 0; p < 2; p++)
        {
          GXmppPrecisProfile profile = p ? GXMPP_PRECIS_OPAQUE_STRING : GXMPP_PRECIS_USERNAME_CASE_MAPPED;
          g_autofree char *out = NULL;
          g_autofree char *again = NULL;
          gsize out_len;

          if (gxmpp_precis_enforce (profile, buf, len, &out, &out_len, NULL) != GXMPP_PRECIS_OK)
            continue;
          accepted[p]++;
          g_assert_true (g_utf8_validate_len (out, out_len, NULL));
          if (gxmpp_precis_enforce (profile, out, out_len, &again, NULL, NULL) != GXMPP_PRECIS_OK)
            g_error ("U+%04X: prepared to \"%s\", which is refused", c, out);
          g_assert_cmpstr (again, ==, out);
        }
    }

  g_test_message ("accepted: UsernameCaseMapped %u, OpaqueString %u", accepted[0], accepted[1]);
  /* PVALID alone is some 135,000 code points; FreeformClass adds most of
   * the 13,000 FREE_PVAL ones. */
  g_assert_cmpuint (accepted[0], >, 130000);
  g_assert_cmpuint (accepted[1], >, accepted[0] + 10000);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/precis/table/version", test_table_version);
  g_test_add_func ("/precis/table/agrees-with-glib", test_table_agrees_with_glib);
  g_test_add_func ("/precis/table/classes", test_table_classes);
  g_test_add_func ("/precis/table/bidi", test_table_bidi);
  g_test_add_func ("/precis/table/joining", test_table_joining);
  g_test_add_func ("/precis/table/flags", test_table_flags);
  g_test_add_func ("/precis/width-map", test_width_map);
  g_test_add_func ("/precis/lower/final-sigma", test_lower_final_sigma);
  g_test_add_func ("/precis/lower/dotted-i", test_lower_dotted_i);
  g_test_add_func ("/precis/lower/matches-ucd", test_lower_matches_ucd);
  g_test_add_func ("/precis/context/zwnj", test_context_zwnj);
  g_test_add_func ("/precis/context/zwj", test_context_zwj);
  g_test_add_func ("/precis/context/middle-dot", test_context_middle_dot);
  g_test_add_func ("/precis/context/greek-keraia", test_context_greek_keraia);
  g_test_add_func ("/precis/context/hebrew-geresh-gershayim", test_context_hebrew);
  g_test_add_func ("/precis/context/katakana-middle-dot", test_context_katakana_middle_dot);
  g_test_add_func ("/precis/context/arabic-indic-digits", test_context_arabic_digits);
  g_test_add_func ("/precis/context/in-profiles", test_context_in_profiles);
  g_test_add_func ("/precis/bidi/rule", test_bidi_rule);
  g_test_add_func ("/precis/bidi/in-profiles", test_bidi_in_profiles);
  g_test_add_func ("/precis/profile/username-case-mapped", test_username_case_mapped);
  g_test_add_func ("/precis/profile/opaque-string", test_opaque_string);
  g_test_add_func ("/precis/profile/idempotent", test_idempotent);

  return g_test_run ();
}
