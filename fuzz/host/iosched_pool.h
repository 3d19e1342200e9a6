#ifndef FUZZ_IOSCHED_POOL_H
#define FUZZ_IOSCHED_POOL_H

#include "blk_request.h"
#include "description.h"

/* The scheduler's pool (iosched.c): a place for every VM's queue. */
#define IOSCHED_POOL	(MAX_VMS * BLK_QUEUE_MAX)

/* Between inputs, every VM forgotten: asserts the pool holds all its
 * requests again (none leaked, none twice) and nothing is pending. */
void assert_iosched_pool_whole(void);

#endif
