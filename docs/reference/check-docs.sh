#!/bin/sh
# Fails if a public symbol in the GIR has no documentation: a type, a
# function, a parameter, a return value, a member, a constant.
#
# Usage: check-docs.sh GIR
set -eu

if ! command -v gi-docgen >/dev/null 2>&1; then
  echo "gi-docgen is not installed: skipping"
  exit 77
fi

exec gi-docgen check --quiet "$1"
