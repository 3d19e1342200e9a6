#ifndef FUZZ_HOSTBLK_FAKE_H
#define FUZZ_HOSTBLK_FAKE_H

/* The host disk (hostblk.h) in memory: HOSTBLK_FAKE_SECTORS sectors, each
 * byte i a function of i (fuzz/oracles/vblk.py knows it), and the last
 * range a request touched, for a target to check. */
#include <stdint.h>

#define HOSTBLK_FAKE_SECTORS	256

extern uint8_t hostblk_fake_disk[HOSTBLK_FAKE_SECTORS * 512];
extern uint64_t hostblk_fake_sector, hostblk_fake_count;	/* the last access */

/* The disk as it was before any write. */
void hostblk_fake_reset(void);

#endif
