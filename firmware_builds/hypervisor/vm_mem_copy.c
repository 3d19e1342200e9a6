#include <string.h>

#include "locks.h"
#include "vm_mem.h"

/* One page's part of a copy, under the memory lock: a fault of a sibling
 * vCPU on another CPU may swap the page out once it is let go. */
static int copy_page(struct vm *vm, uint64_t ipa, uint8_t *buf, uint64_t len, int to_guest)
{
	uint64_t pa;

	lock_take(&mem_lock);
	pa = vm_mem_resident_pa(vm, ipa);
	if (pa == ~0UL)
		;
	else if ((uint64_t)buf == pa)
		;	/* already there: the harness loaded it in place */
	else if (to_guest)
		memcpy((void *)pa, buf, len);
	else
		memcpy(buf, (const void *)pa, len);
	lock_give(&mem_lock);
	return pa == ~0UL ? -1 : 0;
}

/* Out of line: one loop for both directions. */
__attribute__((noinline)) static int copy(struct vm *vm, uint64_t ipa, void *buf, uint64_t len, int to_guest)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t chunk = 4096 - ((ipa + done) & 4095);

		if (ipa + done < ipa)
			return -1;
		if (chunk > len - done)
			chunk = len - done;
		if (copy_page(vm, ipa + done, (uint8_t *)buf + done, chunk, to_guest))
			return -1;
		done += chunk;
	}
	return 0;
}

int vm_read(struct vm *vm, uint64_t ipa, void *dst, uint64_t len)
{
	return copy(vm, ipa, dst, len, 0);
}

int vm_write(struct vm *vm, uint64_t ipa, const void *src, uint64_t len)
{
	return copy(vm, ipa, (void *)src, len, 1);
}
