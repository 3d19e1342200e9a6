/* fuzz/host/hostblk_fake.h: the host disk in memory. A request beyond the
 * disk is the hypervisor's bug, not an I/O error: it stops the target. */
#include <assert.h>
#include <string.h>
#include <zlib.h>

#include "hostblk.h"
#include "hostblk_fake.h"
#include "record.h"
#include "virtio.h"

uint8_t hostblk_fake_disk[HOSTBLK_FAKE_SECTORS * 512];
uint64_t hostblk_fake_sector, hostblk_fake_count;

void hostblk_fake_reset(void)
{
	static uint8_t pristine[sizeof(hostblk_fake_disk)];
	static int made;

	if (!made) {
		for (uint32_t i = 0; i < sizeof(pristine); i++)
			pristine[i] = (uint8_t)(i * 0x9e3779b1u >> 24);
		made = 1;
	}
	memcpy(hostblk_fake_disk, pristine, sizeof(pristine));
	hostblk_fake_count = 0;
}

int hostblk_init(int under_counted_time)
{
	(void)under_counted_time;
	hostblk_fake_reset();
	return 0;
}

uint8_t hostblk_rw(int write, uint64_t sector, void *buf, uint32_t len)
{
	uint8_t *at = hostblk_fake_disk + sector * 512;

	assert(len && len % 512 == 0 && len <= HOSTBLK_MAX_BYTES);
	assert(sector <= HOSTBLK_FAKE_SECTORS && len / 512 <= HOSTBLK_FAKE_SECTORS - sector);
	hostblk_fake_sector = sector;
	hostblk_fake_count = len / 512;
	if (write)
		memcpy(at, buf, len);
	else
		memcpy(buf, at, len);
	record("disk write=%d sector=0x%lx len=0x%x crc=0x%08lx", write, sector, len,
	       crc32(0, at, len));
	return VIRTIO_BLK_S_OK;
}

uint8_t hostblk_flush(void)
{
	record("disk flush");
	return VIRTIO_BLK_S_OK;
}

uint64_t hostblk_take_waited(void)
{
	return 0;
}
