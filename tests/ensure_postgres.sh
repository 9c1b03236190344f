#!/bin/sh
# The PostgreSQL tests (decision log, monitor event log, two replicas on one database) start a
# throwaway server of their own from Debian's server programs (initdb, pg_ctl, postgres in
# /usr/lib/postgresql/<major>/bin). make test runs this first: it installs them with apt-get when
# they are missing and this user may (CI runs as root); otherwise it says why, and the PostgreSQL
# tests skip with the same reason (never when CI=true: there they fail).
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "the PostgreSQL server programs are missing: installing Debian's postgresql for the tests"
  export DEBIAN_FRONTEND=noninteractive
  # only the programs: the tests start servers of their own, so no cluster is made nor started here
  mkdir -p /etc/postgresql-common/createcluster.d
  [ -e /etc/postgresql-common/createcluster.d/dialogvakt.conf ] ||
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/dialogvakt.conf
  if apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; then
    exit 0
  fi
  echo "apt-get could not install postgresql; the PostgreSQL tests will fail under CI=true and skip otherwise" >&2
  exit 0
fi
echo "the PostgreSQL server programs are missing and cannot be installed here (needs root and apt-get):" \
     "the PostgreSQL tests will skip (install them with: sudo apt-get install postgresql)" >&2
exit 0
