#!/bin/sh
# The browser tests (tests/browser) drive Debian's chromium. make test runs this first: it
# installs chromium with apt-get when it is missing and this user may (CI runs as root);
# otherwise it says why, and the browser tests skip with the same reason (never when CI=true).
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  echo "apt-get could not install chromium; the browser tests will fail under CI=true and skip otherwise" >&2
  exit 0
fi
echo "chromium is missing and cannot be installed here (needs root and apt-get): the browser tests will skip" \
     "(install it with: sudo apt-get install chromium)" >&2
exit 0
