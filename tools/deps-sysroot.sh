#!/bin/sh
# Unpacks Debian packages into a project-local directory without installing
# them: the arm64 static libraries and headers (liblzo2, libfdt) that the
# firmware links against, and LAVA's device-type templates. Needs the arm64
# architecture in dpkg (added here, as root) for `apt-get download`.
set -eu
sysroot=$1
shift
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" != 0 ]; then
		echo "the firmware links Debian's arm64 liblzo2 and libfdt; as root run:" >&2
		echo "  dpkg --add-architecture arm64 && apt-get update && make deps" >&2
		exit 1
	fi
	dpkg --add-architecture arm64
	apt-get update -qq
fi
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
chmod 755 "$download"   # apt's sandbox user must be able to write there
if ! (cd "$download" && apt-get download -qq "$@" 2>/dev/null); then
	[ "$(id -u)" = 0 ] || { echo "apt-get download $* failed; as root run: apt-get update" >&2; exit 1; }
	apt-get update -qq
	(cd "$download" && apt-get download -qq "$@" 2>/dev/null)
fi
rm -rf "$sysroot.tmp"
mkdir -p "$sysroot.tmp"
for deb in "$download"/*.deb; do
	dpkg -x "$deb" "$sysroot.tmp"
done
rm -rf "$sysroot"
mv "$sysroot.tmp" "$sysroot"
