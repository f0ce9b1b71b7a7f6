#!/usr/bin/python3
# runner.py: runs one PyGObject test module against the build tree
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run the unittest cases of one test module and report them as TAP.

Usage: runner.py tests/python/test_foo.py

tests/python/meson.build sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the
build tree and GXMPP_TEST_LIBDIR to the directory the library must come
from. Before running anything this checks that GXmpp really was loaded from
there, so the tests never pass against an installed copy by accident.

Test modules import GXmpp and GLib as usual:

    import gi
    gi.require_version("GXmpp", "1.0")
    from gi.repository import GLib, GXmpp
"""

import importlib.util
import os
import sys
import unittest


class TapResult(unittest.TestResult):
    """Prints one TAP line per test as it finishes."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def _report(self, ok, test, directive=""):
        self.count += 1
        status = "ok" if ok else "not ok"
        print(f"{status} {self.count} {test.id()}{directive}", flush=True)

    def _diagnose(self, test, err):
        text = self._exc_info_to_string(err, test)
        for line in text.rstrip("\n").split("\n"):
            print(f"# {line}")
        sys.stdout.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._report(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report(False, test)
        self._diagnose(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._report(False, test)
        self._diagnose(test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._report(True, test, f" # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._report(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._report(False, test, " # unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._report(False, subtest)
            self._diagnose(test, err)


def check_build_tree(GXmpp):
    """Fails unless GXmpp's typelib and library come from GXMPP_TEST_LIBDIR."""
    libdir = os.environ.get("GXMPP_TEST_LIBDIR")
    if not libdir:
        return "GXMPP_TEST_LIBDIR is not set; run the tests through meson test"
    libdir = os.path.realpath(libdir)

    import gi
    typelib = gi.Repository.get_default().get_typelib_path("GXmpp")
    if os.path.dirname(os.path.realpath(typelib)) != libdir:
        return f"GXmpp typelib loaded from {typelib}, not from {libdir}"

    GXmpp.Node.new("probe", None)  # makes sure the library is loaded
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = {line.split()[-1] for line in maps if "libxmpp-glib-" in line}
    for path in paths:
        if os.path.dirname(os.path.realpath(path)) != libdir:
            return f"libxmpp-glib loaded from {path}, not from {libdir}"
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]

    try:
        import gi
    except ImportError:
        print("1..0 # SKIP PyGObject (Debian package python3-gi) is not installed")
        return 0

    gi.require_version("GXmpp", "1.0")
    from gi.repository import GXmpp

    problem = check_build_tree(GXmpp)
    if problem is not None:
        print(f"Bail out! {problem}")
        return 1

    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # unittest finds setUpModule/tearDownModule through sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)

    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = TapResult()
    suite.run(result)

    if result.count == 0:
        print(f"not ok 1 {name} defines no tests")
        result.count = 1
        print("1..1")
        return 1

    print(f"1..{result.count}")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
