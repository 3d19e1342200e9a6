#include <string.h>

#include "vm_mem.h"

/* Out of line: one loop for both directions. */
__attribute__((noinline)) static int copy(struct vm *vm, uint64_t ipa, void *buf, uint64_t len, int to_guest)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t pa = vm_mem_resident_pa(vm, ipa + done);
		uint64_t chunk = 4096 - ((ipa + done) & 4095);

		if (pa == ~0UL || ipa + done < ipa)
			return -1;
		if (chunk > len - done)
			chunk = len - done;
		if ((uint64_t)buf + done == pa)
			;	/* already there: the harness loaded it in place */
		else if (to_guest)
			memcpy((void *)pa, (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, (const void *)pa, chunk);
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
