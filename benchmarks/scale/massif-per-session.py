#!/usr/bin/env python3
# massif-per-session.py: what one more idle session costs, from two massif snapshots
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where the heap of an idle session goes, by allocation site.

Usage: massif-per-session.py SNAPSHOT_SMALL SNAPSHOT_LARGE SESSIONS_DIFFERENCE [TOP]

The snapshots are detailed massif snapshots of idle-glib (or idle-strophe)
holding two numbers of idle sessions, taken while the sessions are idle:

  valgrind --tool=massif --vgdb=yes --depth=60 --threshold=0.0 \\
      idle-glib ... --sessions 10 --hold 20 &
  # once it has printed its RESULT line:
  vgdb --pid=PID detailed_snapshot small.out

(and the same with --sessions 50 into large.out; the difference is 40).
Prints the heap difference per session, by the library where it was
allocated (the first frame outside libc, GLib and GObject), by the
innermost xmpp-glib frame, and the largest call paths.

Standard library only.
"""

import collections
import re
import sys

NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")


def parse(path):
    """The last detailed snapshot of @path: (total bytes, [(bytes, path)])
    where path is the list of frames from the allocator outwards."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("heap_tree=detailed")]
    if not starts:
        raise SystemExit(f"{path}: no detailed snapshot")
    root, stack = None, []
    for line in lines[starts[-1] + 1:]:
        m = NODE.match(line)
        if not m:
            break
        depth = len(m.group(1))
        node = {"bytes": int(m.group(3)), "desc": m.group(4), "children": []}
        del stack[depth:]
        if stack:
            stack[-1]["children"].append(node)
        else:
            root = node
        stack.append(node)
    leaves = []

    def walk(node, frames):
        own = node["bytes"] - sum(c["bytes"] for c in node["children"])
        if own and frames:
            leaves.append((own, frames))
        for child in node["children"]:
            walk(child, frames + [child["desc"]])

    walk(root, [])
    return root["bytes"], leaves


def library(frame):
    m = re.search(r"\(in (.*?)\)", frame)
    if m:
        return re.sub(r"\.so.*", "", m.group(1).rsplit("/", 1)[-1])
    m = re.search(r"\(([\w\-.]+\.c):\d+\)", frame)
    return m.group(1) if m else frame


def by_library(frames):
    for frame in frames:
        name = library(frame)
        if name not in ("libc", "libglib-2.0", "libgobject-2.0"):
            return name
    return "?"


def by_xmpp_glib(frames):
    for frame in frames:
        if re.search(r"\(gxmpp-[\w\-]+\.c:\d+\)", frame) or "libxmpp-glib" in frame:
            return re.sub(r"^0x[0-9A-Fa-f]+: ", "", frame)
    return "(no xmpp-glib frame)"


def call_path(frames, depth=12):
    names = [re.sub(r"^0x[0-9A-Fa-f]+: ", "", f) for f in frames]
    names = [re.sub(r" \(in .*?\)", "", n) for n in names if not n.startswith("???")]
    return " <- ".join(names[:depth])


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    small_total, small = parse(argv[1])
    large_total, large = parse(argv[2])
    n = int(argv[3])
    top = int(argv[4]) if len(argv) == 5 else 12
    print(f"heap: {small_total:,} -> {large_total:,} bytes: "
          f"{(large_total - small_total) / n:,.0f} bytes per session")
    for title, key in (("by the library that allocated it", by_library),
                       ("by the innermost xmpp-glib frame", by_xmpp_glib),
                       ("by call path", call_path)):
        diff = collections.Counter()
        for size, frames in large:
            diff[key(frames[1:])] += size
        for size, frames in small:
            diff[key(frames[1:])] -= size
        print(f"\n{title}:")
        for name, size in diff.most_common(top):
            print(f"  {size / n:9,.0f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
