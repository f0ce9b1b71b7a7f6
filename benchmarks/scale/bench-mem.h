/* bench-mem.h: heap and RSS of this process, and the file descriptor limit,
 * for the scale benchmarks (figures 5, 6 and 7)
 *
 * Header only, C and glibc, no GLib: the libstrophe programs use it too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Bytes malloc() has handed out and not taken back, all arenas: the
 * allocated chunks of the heaps (uordblks) and the chunks of their own
 * mmap() (hblkhd). */
static inline long long
bench_heap_bytes (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return (long long) mi.uordblks + (long long) mi.hblkhd;
}

/* Resident set size, from /proc/self/statm. */
static inline long long
bench_rss_bytes (void)
{
  FILE *f = fopen ("/proc/self/statm", "r");
  long long size = 0, resident = 0;

  if (f == NULL)
    return -1;
  if (fscanf (f, "%lld %lld", &size, &resident) != 2)
    resident = -1;
  fclose (f);
  return resident < 0 ? -1 : resident * sysconf (_SC_PAGESIZE);
}

/* Raises the soft limit on open files to the hard limit; returns the new
 * soft limit. */
static inline long long
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return -1;
  if (rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        {
          getrlimit (RLIMIT_NOFILE, &rl);
        }
    }
  return (long long) rl.rlim_cur;
}

/* Monotonic seconds. */
static inline double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}
