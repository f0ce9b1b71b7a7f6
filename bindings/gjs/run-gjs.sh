#!/bin/sh
# Runs a GJS script as a test; skips when gjs is not installed.
# Usage: run-gjs.sh SCRIPT.js
set -eu

if ! command -v gjs >/dev/null 2>&1; then
  echo "gjs is not installed: skipping"
  exit 77
fi

exec gjs -m "$1"
