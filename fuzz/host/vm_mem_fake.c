/* vm_read and vm_write (vm_mem.h) over fuzz/host/vm_mem_fake.h's RAM, page
 * by page as vm_mem_copy.c does them: a copy that runs out of RAM is left
 * partly done and fails. Every write the hypervisor makes into a guest is
 * recorded (record.h) with the CRC-32 of what it writes. */
#include <assert.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>

#include "record.h"
#include "vm.h"
#include "vm_mem_fake.h"

#define PAGE 4096UL

void vm_mem_fake_map(struct vm *vm, uint64_t ipa_base, uint64_t size)
{
	uint8_t *ram = (uint8_t *)vm->part.pa_base;

	assert(size % PAGE == 0);
	if (ram && vm->part.size == size) {
		/* Private anonymous pages read as zeros again. */
		assert(madvise(ram, size, MADV_DONTNEED) == 0);
	} else {
		/* Guard pages: PROT_NONE around the RAM. */
		uint8_t *map = mmap(NULL, size + 2 * PAGE, PROT_NONE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		assert(map != MAP_FAILED);
		ram = map + PAGE;
		assert(mprotect(ram, size, PROT_READ | PROT_WRITE) == 0);
	}
	vm->part.ipa_base = ipa_base;
	vm->part.size = size;
	vm->part.pa_base = (uint64_t)ram;
}

uint8_t *vm_mem_fake_at(struct vm *vm, uint64_t ipa, uint64_t len)
{
	uint64_t base = vm->part.ipa_base, size = vm->part.size;

	if (ipa < base || ipa - base > size || len > size - (ipa - base))
		return NULL;
	return (uint8_t *)vm->part.pa_base + (ipa - base);
}

/* vm_mem_resident_pa's part: the host address of one byte of RAM. */
static uint8_t *page_of(struct vm *vm, uint64_t ipa)
{
	uint64_t base = vm->part.ipa_base;

	if (ipa < base || ipa - base >= vm->part.size)
		return NULL;
	return (uint8_t *)vm->part.pa_base + (ipa - base);
}

static int copy(struct vm *vm, uint64_t ipa, uint8_t *buf, uint64_t len, int to_guest)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t chunk = PAGE - ((ipa + done) & (PAGE - 1));
		uint8_t *host;

		if (ipa + done < ipa)
			return -1;
		if (chunk > len - done)
			chunk = len - done;
		host = page_of(vm, ipa + done);
		if (!host)
			return -1;
		if (to_guest)
			memcpy(host, buf + done, chunk);
		else
			memcpy(buf + done, host, chunk);
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
	int bad = copy(vm, ipa, (uint8_t *)src, len, 1);

	record("wr vm=0x%x ipa=0x%lx len=0x%lx crc=0x%08lx bad=%d", vm->id, ipa, len,
	       crc32(0, src, (uInt)len), bad);
	return bad;
}
