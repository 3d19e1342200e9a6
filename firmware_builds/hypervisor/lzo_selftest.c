#include <stdint.h>
#include <string.h>

#include <lzo/lzo1x.h>

#include "console.h"
#include "selftest.h"

#define SELFTEST_LEN	0x10000
#define CHUNK		256

static uint8_t plain[SELFTEST_LEN];
static uint8_t packed[SELFTEST_LEN + SELFTEST_LEN / 16 + 64 + 3];
static uint8_t unpacked[SELFTEST_LEN];
static uint8_t lzo_work[LZO1X_1_MEM_COMPRESS] __attribute__((aligned(16)));

/* The selftest pattern: 256-byte chunks cycling through zeros, repeated text
 * and xorshift32 noise (one little-endian 32-bit word per step).
 * harness/models/patterns.py builds the same bytes. */
static void fill_pattern(uint8_t *buf, unsigned long len)
{
	static const char text[] = "zvm-hil lzo selftest ";
	uint32_t state = 0x2545f491;

	for (unsigned long i = 0; i < len; i++) {
		switch ((i / CHUNK) % 3) {
		case 0:
			buf[i] = 0;
			break;
		case 1:
			buf[i] = (uint8_t)text[i % (sizeof(text) - 1)];
			break;
		default:
			if (i % 4 == 0) {
				state ^= state << 13;
				state ^= state >> 17;
				state ^= state << 5;
			}
			buf[i] = (uint8_t)(state >> (8 * (i % 4)));
		}
	}
}

/* CRC-32 (IEEE 802.3, as zlib's crc32), bit by bit: small, and fast enough
 * for one self-test. */
static uint32_t crc32(const uint8_t *p, unsigned long len)
{
	uint32_t crc = 0xffffffff;

	for (unsigned long i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

void lzo_selftest(void)
{
	lzo_uint clen = sizeof(packed), dlen = sizeof(unpacked);
	int ok;

	if (lzo_init() != LZO_E_OK) {
		zvm_trace("lzo-selftest", "ok=0x0 reason=lzo-init");
		return;
	}
	fill_pattern(plain, SELFTEST_LEN);
	ok = lzo1x_1_compress(plain, SELFTEST_LEN, packed, &clen, lzo_work) == LZO_E_OK &&
	     lzo1x_decompress_safe(packed, clen, unpacked, &dlen, NULL) == LZO_E_OK &&
	     dlen == SELFTEST_LEN && memcmp(plain, unpacked, SELFTEST_LEN) == 0;
	zvm_trace("lzo-selftest", "len=0x%x clen=0x%lx hash=0x%08x ok=0x%x",
		  SELFTEST_LEN, (unsigned long)clen, crc32(packed, clen), ok);
}
