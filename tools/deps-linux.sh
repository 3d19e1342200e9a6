#!/bin/sh
# Unpacks Debian's arm64 cloud kernel (its Image, and the virtio modules) and
# busybox-static into a directory of its own: the Linux guest's assets. The
# kernel is the one linux-image-cloud-arm64 currently names. Needs the arm64
# architecture in dpkg (tools/deps-sysroot.sh adds it).
set -eu
dest=$1
meta=linux-image-cloud-arm64:arm64
kernel=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-arm64\).*/\1/p' | head -n1)
if [ -z "$kernel" ]; then
	[ "$(id -u)" = 0 ] || { echo "no $meta in apt's lists; as root run: apt-get update" >&2; exit 1; }
	apt-get update -qq
	kernel=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-arm64\).*/\1/p' | head -n1)
fi
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
chmod 755 "$download"   # apt's sandbox user must be able to write there
(cd "$download" && apt-get download -qq "${kernel%:arm64}:arm64" busybox-static:arm64 2>/dev/null)
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/root"
for deb in "$download"/*.deb; do
	dpkg -x "$deb" "$dest.tmp/root"
done
# Keep what a guest needs: the kernel's Image (possibly gzip-compressed), the
# four virtio modules, busybox. The rest of the package is ~100 MB of modules.
# Found by name: where they sit in the package moves between releases
# (/lib or /usr/lib).
version=${kernel#linux-image-}
pkg="$dest.tmp/root"
one() { found=$(find "$pkg" "$@" | head -n1); [ -n "$found" ] || { echo "not in the packages: $*" >&2; exit 1; }; echo "$found"; }
mkdir -p "$dest.tmp/modules"
cp "$(one -name "vmlinuz-$version")" "$dest.tmp/vmlinuz"
for m in virtio virtio_ring virtio_mmio virtio_blk; do
	cp "$(one -path "*/$version/*" -name "$m.ko")" "$dest.tmp/modules/"
done
cp "$(one -path "*/bin/busybox" -type f)" "$dest.tmp/busybox"
echo "$version" > "$dest.tmp/version"
rm -rf "$dest.tmp/root"
(cd "$dest.tmp" && sha256sum vmlinuz busybox modules/*.ko > SHA256SUMS)
rm -rf "$dest"
mv "$dest.tmp" "$dest"
