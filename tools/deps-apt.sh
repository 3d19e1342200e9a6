#!/bin/sh
# Installs the Debian packages given as arguments, if any is missing.
# Cheap when all are there (one dpkg-query); as non-root it prints the exact
# command to run instead of failing later deep inside a build.
set -eu
missing=""
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "zvm-hil needs these Debian packages:$missing" >&2
	echo "install them as root with:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "installing Debian packages:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
