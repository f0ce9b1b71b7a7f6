/* fuzz-driver.c: runs a libFuzzer target over files, without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * So that the fuzz targets and their corpus run in the normal test suite
 * with any compiler. Arguments are files or directories of files.
 */

#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
run_path (const char *path)
{
  GError *error = NULL;
  char *contents;
  gsize length;
  guint count = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir *dir = g_dir_open (path, 0, &error);
      const char *name;

      if (dir == NULL)
        g_error ("%s", error->message);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);

          count += run_path (child);
          g_free (child);
        }
      g_dir_close (dir);
      return count;
    }

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  g_free (contents);
  return 1;
}

int
main (int argc, char **argv)
{
  guint count = 0;
  int i;

  for (i = 1; i < argc; i++)
    count += run_path (argv[i]);

  printf ("1..1\nok 1 - %u inputs\n", count);
  return 0;
}
