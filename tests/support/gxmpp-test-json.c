/* gxmpp-test-json.c: just enough JSON for the test support programs
 *
 * The server script and the slixmpp peer talk JSON lines; GLib has no JSON
 * parser and the support library must not need json-glib.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gxmpp-test-json.h"

#include <string.h>

#define MAX_DEPTH 64

typedef struct
{
  const char *p;
  const char *end;
  GError    **error;
} Parser;

static GVariant *parse_value (Parser *ps, guint depth);

static gboolean
fail (Parser     *ps,
      const char *what)
{
  if (ps->error != NULL && *ps->error == NULL)
    g_set_error (ps->error, G_VARIANT_PARSE_ERROR, G_VARIANT_PARSE_ERROR_FAILED,
                 "JSON: %s at \"%.20s\"", what, ps->p);
  return FALSE;
}

static void
skip_space (Parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static gboolean
expect (Parser     *ps,
        const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (ps->end - ps->p) < n || memcmp (ps->p, word, n) != 0)
    return fail (ps, "unexpected text");
  ps->p += n;
  return TRUE;
}

static gboolean
hex4 (Parser   *ps,
      gunichar *out)
{
  gunichar value = 0;

  if (ps->end - ps->p < 4)
    return fail (ps, "short \\u escape");
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (ps->p[i]);
      if (digit < 0)
        return fail (ps, "bad \\u escape");
      value = value * 16 + (gunichar) digit;
    }
  ps->p += 4;
  *out = value;
  return TRUE;
}

static char *
parse_string (Parser *ps)
{
  GString *s;

  if (ps->p >= ps->end || *ps->p != '"')
    {
      fail (ps, "expected a string");
      return NULL;
    }
  ps->p++;
  s = g_string_new (NULL);
  while (ps->p < ps->end && *ps->p != '"')
    {
      unsigned char c = (unsigned char) *ps->p;

      if (c < 0x20)
        goto error;
      if (c != '\\')
        {
          g_string_append_c (s, (char) c);
          ps->p++;
          continue;
        }
      ps->p++;
      if (ps->p >= ps->end)
        goto error;
      switch (*ps->p++)
        {
        case '"': g_string_append_c (s, '"'); break;
        case '\\': g_string_append_c (s, '\\'); break;
        case '/': g_string_append_c (s, '/'); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            gunichar u, low;

            if (!hex4 (ps, &u))
              goto error;
            if (u >= 0xD800 && u < 0xDC00)
              {
                if (!expect (ps, "\\u") || !hex4 (ps, &low) || low < 0xDC00 || low > 0xDFFF)
                  goto error;
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (u >= 0xDC00 && u < 0xE000)
              goto error;
            if (u == 0)
              goto error; /* no NUL in C strings */
            g_string_append_unichar (s, u);
          }
          break;
        default:
          goto error;
        }
    }
  if (ps->p >= ps->end)
    goto error;
  ps->p++;
  if (!g_utf8_validate (s->str, (gssize) s->len, NULL))
    goto error;
  return g_string_free (s, FALSE);

error:
  fail (ps, "bad string");
  g_string_free (s, TRUE);
  return NULL;
}

static GVariant *
parse_number (Parser *ps)
{
  const char *start = ps->p;
  gboolean is_float = FALSE;
  char *text, *end;
  GVariant *v = NULL;

  if (ps->p < ps->end && *ps->p == '-')
    ps->p++;
  while (ps->p < ps->end && (g_ascii_isdigit (*ps->p) || strchr (".eE+-", *ps->p) != NULL))
    {
      if (strchr (".eE", *ps->p) != NULL)
        is_float = TRUE;
      ps->p++;
    }
  text = g_strndup (start, (gsize) (ps->p - start));
  if (is_float)
    {
      double d = g_ascii_strtod (text, &end);
      if (*end == '\0' && end != text)
        v = g_variant_new_double (d);
    }
  else
    {
      gint64 i = g_ascii_strtoll (text, &end, 10);
      if (*end == '\0' && end != text)
        v = g_variant_new_int64 (i);
    }
  g_free (text);
  if (v == NULL)
    {
      ps->p = start;
      fail (ps, "bad number");
    }
  return v;
}

static GVariant *
parse_object (Parser *ps,
              guint   depth)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  ps->p++; /* { */
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == '}')
    {
      ps->p++;
      return g_variant_builder_end (&b);
    }
  for (;;)
    {
      g_autofree char *key = NULL;
      GVariant *value;

      skip_space (ps);
      key = parse_string (ps);
      if (key == NULL)
        break;
      skip_space (ps);
      if (!expect (ps, ":"))
        break;
      value = parse_value (ps, depth + 1);
      if (value == NULL)
        break;
      g_variant_builder_add (&b, "{sv}", key, value);
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',')
        {
          ps->p++;
          continue;
        }
      if (ps->p < ps->end && *ps->p == '}')
        {
          ps->p++;
          return g_variant_builder_end (&b);
        }
      fail (ps, "expected , or }");
      break;
    }
  g_variant_builder_clear (&b);
  return NULL;
}

static GVariant *
parse_array (Parser *ps,
             guint   depth)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  ps->p++; /* [ */
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == ']')
    {
      ps->p++;
      return g_variant_builder_end (&b);
    }
  for (;;)
    {
      GVariant *value = parse_value (ps, depth + 1);

      if (value == NULL)
        break;
      g_variant_builder_add (&b, "v", value);
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',')
        {
          ps->p++;
          continue;
        }
      if (ps->p < ps->end && *ps->p == ']')
        {
          ps->p++;
          return g_variant_builder_end (&b);
        }
      fail (ps, "expected , or ]");
      break;
    }
  g_variant_builder_clear (&b);
  return NULL;
}

static GVariant *
parse_value (Parser *ps,
             guint   depth)
{
  if (depth > MAX_DEPTH)
    {
      fail (ps, "nested too deeply");
      return NULL;
    }
  skip_space (ps);
  if (ps->p >= ps->end)
    {
      fail (ps, "unexpected end");
      return NULL;
    }
  switch (*ps->p)
    {
    case '{':
      return parse_object (ps, depth);
    case '[':
      return parse_array (ps, depth);
    case '"':
      {
        char *s = parse_string (ps);
        return s != NULL ? g_variant_new_take_string (s) : NULL;
      }
    case 't':
      return expect (ps, "true") ? g_variant_new_boolean (TRUE) : NULL;
    case 'f':
      return expect (ps, "false") ? g_variant_new_boolean (FALSE) : NULL;
    case 'n':
      return expect (ps, "null") ? g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL) : NULL;
    default:
      return parse_number (ps);
    }
}

GVariant *
gxmpp_test_json_parse (const char  *text,
                       gssize       length,
                       GError     **error)
{
  Parser ps;
  GVariant *v;

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = (gssize) strlen (text);
  ps.p = text;
  ps.end = text + length;
  ps.error = error;
  v = parse_value (&ps, 0);
  if (v == NULL)
    return NULL;
  g_variant_ref_sink (v);
  skip_space (&ps);
  if (ps.p != ps.end)
    {
      fail (&ps, "trailing text");
      g_variant_unref (v);
      return NULL;
    }
  return v;
}

void
gxmpp_test_json_append_string (GString    *out,
                               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

GVariant *
gxmpp_test_json_get (GVariant   *object,
                     const char *key)
{
  g_autoptr(GVariant) boxed = NULL;

  if (object == NULL || !g_variant_is_of_type (object, G_VARIANT_TYPE_VARDICT))
    return NULL;
  boxed = g_variant_lookup_value (object, key, NULL);
  if (boxed == NULL)
    return NULL;
  if (g_variant_is_of_type (boxed, G_VARIANT_TYPE_VARIANT))
    return g_variant_get_variant (boxed);
  return g_steal_pointer (&boxed);
}

const char *
gxmpp_test_json_get_string (GVariant   *object,
                            const char *key)
{
  const char *s;

  if (object == NULL || !g_variant_is_of_type (object, G_VARIANT_TYPE_VARDICT))
    return NULL;
  if (g_variant_lookup (object, key, "&s", &s))
    return s;
  return NULL;
}

gint64
gxmpp_test_json_get_int (GVariant   *object,
                         const char *key,
                         gint64      fallback)
{
  gint64 i;

  if (object == NULL || !g_variant_is_of_type (object, G_VARIANT_TYPE_VARDICT))
    return fallback;
  if (g_variant_lookup (object, key, "x", &i))
    return i;
  return fallback;
}

gboolean
gxmpp_test_json_get_bool (GVariant   *object,
                          const char *key,
                          gboolean    fallback)
{
  gboolean b;

  if (object == NULL || !g_variant_is_of_type (object, G_VARIANT_TYPE_VARDICT))
    return fallback;
  if (g_variant_lookup (object, key, "b", &b))
    return b;
  return fallback;
}
