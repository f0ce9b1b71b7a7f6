/* gxmpp-xml-writer.c: serialising nodes and stream framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gxmpp-error.h"
#include "gxmpp-i18n-private.h"
#include "gxmpp-node-private.h"
#include "gxmpp-xml-writer-private.h"

static gboolean
set_invalid_character (GError   **error,
                       gunichar   ch,
                       gboolean   bad_utf8)
{
  if (bad_utf8)
    g_set_error_literal (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER,
                         _("Text is not valid UTF-8 and cannot be sent"));
  else
    g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER,
                 _("Text contains the character U+%04X, which XML cannot carry"),
                 ch);
  return FALSE;
}

/* Appends @text escaped for element content or (when @attribute) for an
 * attribute value in either quote style. Everything a caller gives stays
 * text: markup characters become references, and whitespace that the
 * receiving parser would normalise becomes a character reference.
 * Characters outside XML 1.0's Char production, and invalid UTF-8, are
 * refused and nothing is appended. */
gboolean
gxmpp_xml_append_escaped (GString     *out,
                          const char  *text,
                          gboolean     attribute,
                          GError     **error)
{
  const guchar *p = (const guchar *) text;
  const guchar *run = p;
  gsize start_len = out->len;

  for (;;)
    {
      guchar c = *p;
      const char *replacement;

      if (G_LIKELY (c >= 0x20 && c < 0x80))
        {
          switch (c)
            {
            case '&': replacement = "&amp;"; break;
            case '<': replacement = "&lt;"; break;
            case '>': replacement = "&gt;"; break;
            case '\'': replacement = attribute ? "&apos;" : NULL; break;
            case '"': replacement = attribute ? "&quot;" : NULL; break;
            default: replacement = NULL; break;
            }
          if (replacement == NULL)
            {
              p++;
              continue;
            }
        }
      else if (c >= 0x80)
        {
          gunichar ch = g_utf8_get_char_validated ((const char *) p, -1);

          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            {
              g_string_truncate (out, start_len);
              return set_invalid_character (error, 0, TRUE);
            }
          if (ch == 0xFFFE || ch == 0xFFFF)
            {
              g_string_truncate (out, start_len);
              return set_invalid_character (error, ch, FALSE);
            }
          p = (const guchar *) g_utf8_next_char (p);
          continue;
        }
      else if (c == '\0')
        break;
      else
        {
          switch (c)
            {
            case '\t': replacement = attribute ? "&#9;" : NULL; break;
            case '\n': replacement = attribute ? "&#10;" : NULL; break;
            case '\r': replacement = "&#13;"; break;
            default:
              g_string_truncate (out, start_len);
              return set_invalid_character (error, c, FALSE);
            }
          if (replacement == NULL)
            {
              p++;
              continue;
            }
        }

      g_string_append_len (out, (const char *) run, p - run);
      g_string_append (out, replacement);
      p++;
      run = p;
    }

  g_string_append_len (out, (const char *) run, p - run);
  return TRUE;
}

static gboolean
append_attribute (GString     *out,
                  const char  *prefix,
                  const char  *name,
                  const char  *value,
                  GError     **error)
{
  g_string_append_c (out, ' ');
  if (prefix != NULL)
    {
      g_string_append (out, prefix);
      g_string_append_c (out, ':');
    }
  g_string_append (out, name);
  g_string_append (out, "='");
  if (!gxmpp_xml_append_escaped (out, value, TRUE, error))
    return FALSE;
  g_string_append_c (out, '\'');
  return TRUE;
}

static gboolean
str_equal0 (const char *a,
            const char *b)
{
  return g_strcmp0 (a, b) == 0;
}

static gboolean
invalid_name (GError     **error,
              const char  *name)
{
  g_set_error (error, GXMPP_ERROR, GXMPP_ERROR_INVALID_CHARACTER,
               _("“%s” is not a valid XML name for an element or attribute"), name);
  return FALSE;
}

static gboolean
write_element (GString     *out,
               GXmppNode   *node,
               const char  *default_ns,
               gboolean     stream_prefix,
               GError     **error)
{
  const char *element_prefix = NULL;
  const char *child_default = default_ns;
  const char **attr_ns = NULL;
  guint n_attr_ns = 0;
  guint i;

  if (node->kind == GXMPP_NODE_TEXT)
    return gxmpp_xml_append_escaped (out, node->text, FALSE, error);

  if (!gxmpp_node_name_is_valid (node->name))
    return invalid_name (error, node->name);

  g_string_append_c (out, '<');
  if (stream_prefix && str_equal0 (node->ns, GXMPP_NS_STREAMS))
    {
      element_prefix = "stream";
      g_string_append (out, "stream:");
    }
  g_string_append (out, node->name);

  if (element_prefix == NULL && !str_equal0 (node->ns, default_ns))
    {
      if (!append_attribute (out, NULL, "xmlns", node->ns ? node->ns : "", error))
        return FALSE;
      child_default = node->ns;
    }

  for (i = 0; i < node->n_attrs; i++)
    {
      GXmppNodeAttr *attr = &node->attrs[i];
      char prefix[16];
      guint j;

      if (!gxmpp_node_name_is_valid (attr->name) ||
          !gxmpp_node_attribute_is_allowed (attr->ns, attr->name))
        {
          g_free (attr_ns);
          return invalid_name (error, attr->name);
        }

      if (attr->ns == NULL)
        {
          if (!append_attribute (out, NULL, attr->name, attr->value, error))
            goto fail;
          continue;
        }

      if (strcmp (attr->ns, GXMPP_NS_XML) == 0)
        {
          if (!append_attribute (out, "xml", attr->name, attr->value, error))
            goto fail;
          continue;
        }

      /* Any other namespaced attribute gets a prefix declared right here.
       * Element names never use prefixes (apart from stream:), so these
       * cannot clash with anything in scope. */
      for (j = 0; j < n_attr_ns; j++)
        if (strcmp (attr_ns[j], attr->ns) == 0)
          break;
      g_snprintf (prefix, sizeof prefix, "ns%u", j + 1);
      if (j == n_attr_ns)
        {
          attr_ns = g_renew (const char *, attr_ns, n_attr_ns + 1);
          attr_ns[n_attr_ns++] = attr->ns;
          g_string_append_printf (out, " xmlns:%s='", prefix);
          if (!gxmpp_xml_append_escaped (out, attr->ns, TRUE, error))
            goto fail;
          g_string_append_c (out, '\'');
        }
      if (!append_attribute (out, prefix, attr->name, attr->value, error))
        goto fail;
    }
  g_free (attr_ns);
  attr_ns = NULL;

  if (node->n_children == 0)
    {
      g_string_append (out, "/>");
      return TRUE;
    }

  g_string_append_c (out, '>');
  for (i = 0; i < node->n_children; i++)
    if (!write_element (out, node->children[i], child_default, stream_prefix, error))
      return FALSE;

  g_string_append (out, "</");
  if (element_prefix != NULL)
    {
      g_string_append (out, element_prefix);
      g_string_append_c (out, ':');
    }
  g_string_append (out, node->name);
  g_string_append_c (out, '>');
  return TRUE;

fail:
  g_free (attr_ns);
  return FALSE;
}

gboolean
gxmpp_xml_write_node (GString     *out,
                      GXmppNode   *node,
                      const char  *default_ns,
                      GError     **error)
{
  gsize start_len = out->len;

  if (!write_element (out, node, default_ns, FALSE, error))
    {
      g_string_truncate (out, start_len);
      return FALSE;
    }
  return TRUE;
}

gboolean
gxmpp_xml_write_stream_element (GString     *out,
                                GXmppNode   *node,
                                const char  *content_ns,
                                GError     **error)
{
  gsize start_len = out->len;

  if (!write_element (out, node, content_ns, TRUE, error))
    {
      g_string_truncate (out, start_len);
      return FALSE;
    }
  return TRUE;
}

gboolean
gxmpp_xml_write_stream_open (GString     *out,
                             const char  *content_ns,
                             const char  *to,
                             const char  *from,
                             const char  *lang,
                             const char  *id,
                             GError     **error)
{
  gsize start_len = out->len;

  g_string_append (out, "<?xml version='1.0'?><stream:stream xmlns:stream='" GXMPP_NS_STREAMS "'");
  if (!append_attribute (out, NULL, "xmlns", content_ns, error) ||
      (to != NULL && !append_attribute (out, NULL, "to", to, error)) ||
      (from != NULL && !append_attribute (out, NULL, "from", from, error)) ||
      (id != NULL && !append_attribute (out, NULL, "id", id, error)) ||
      (lang != NULL && !append_attribute (out, "xml", "lang", lang, error)) ||
      !append_attribute (out, NULL, "version", "1.0", error))
    {
      g_string_truncate (out, start_len);
      return FALSE;
    }
  g_string_append_c (out, '>');
  return TRUE;
}

void
gxmpp_xml_write_stream_close (GString *out)
{
  g_string_append (out, "</stream:stream>");
}
