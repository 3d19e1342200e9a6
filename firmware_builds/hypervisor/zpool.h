/* The compression partition: a region taken from the heap at boot, in which
 * swapped-out blocks are kept LZO-compressed, with its own allocator. */
#ifndef ZVM_ZPOOL_H
#define ZVM_ZPOOL_H

#include <stdint.h>

#define ZPOOL_GRANULE	16

/* 0, or -1 when the heap cannot hold it. Reports @zvm zpool. */
int zpool_init(uint64_t size);
int zpool_enabled(void);
/* Offset into the zpool, or -1 when full. */
int64_t zpool_store(const void *data, uint64_t len);
const void *zpool_data(uint64_t offset);
void zpool_release(uint64_t offset, uint64_t len);
void zpool_stored(int delta);
/* @zvm zpool [vm=..] size=.. used=.. stored=..; vm < 0: none. */
void zpool_report(int vm);

#endif
