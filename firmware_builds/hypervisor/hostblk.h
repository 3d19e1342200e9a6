/* The hypervisor's own driver for QEMU's virtio-blk device (virtio-mmio,
 * modern interface), which holds every VM's disk. Synchronous: one request
 * at a time, polled to completion, or under counted time slept for with the
 * other CPUs paused (cpu_pause.h). */
#ifndef ZVM_HOSTBLK_H
#define ZVM_HOSTBLK_H

#include <stdint.h>

#define HOSTBLK_MAX_BYTES	0x10000	/* the bounce buffer: largest request */

/* Finds and sets up the device; 0, or -1 when there is none. */
int hostblk_init(int under_counted_time);
/* A virtio-blk status (OK, IOERR). */
uint8_t hostblk_rw(int write, uint64_t sector, void *buf, uint32_t len);
uint8_t hostblk_flush(void);
/* Counter ticks spent waiting for the device since the last call: host time
 * (under -icount, how many times the wait loop ran), for the scheduler to
 * hide from the guests. */
uint64_t hostblk_take_waited(void);

#endif
