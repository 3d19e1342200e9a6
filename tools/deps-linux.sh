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
# Keep what a guest needs: the kernel (gzip-compressed Image), the four virtio
# modules, busybox. The rest of the package is ~100 MB of modules.
version=${kernel#linux-image-}
mkdir -p "$dest.tmp/modules"
cp "$dest.tmp/root/boot/vmlinuz-$version" "$dest.tmp/vmlinuz"
for m in virtio virtio_ring virtio_mmio virtio_blk; do
	find "$dest.tmp/root/lib/modules/$version" -name "$m.ko*" -exec cp {} "$dest.tmp/modules/" \;
done
cp "$dest.tmp/root/bin/busybox" "$dest.tmp/busybox"
echo "$version" > "$dest.tmp/version"
rm -rf "$dest.tmp/root"
(cd "$dest.tmp" && sha256sum vmlinuz busybox modules/*.ko > SHA256SUMS)
rm -rf "$dest"
mv "$dest.tmp" "$dest"
