#include <assert.h>
#include <stddef.h>

#include "iosched.h"
#include "iosched_pool.h"

void assert_iosched_pool_whole(void)
{
	static struct blk_request *all[IOSCHED_POOL];
	int n = 0;

	while (n < IOSCHED_POOL && (all[n] = iosched_alloc()) != NULL)
		n++;
	assert(n == IOSCHED_POOL && iosched_alloc() == NULL);
	while (n)
		iosched_free(all[--n]);
	assert(!iosched_pending());
}
