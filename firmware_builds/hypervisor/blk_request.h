/* One virtio-blk request as the back-end hands it to the host I/O
 * scheduler: what the guest asked, where its buffers are (IPAs, already
 * validated), and, once done, what became of it. */
#ifndef ZVM_BLK_REQUEST_H
#define ZVM_BLK_REQUEST_H

#include <stdint.h>

#define BLK_MAX_SEGS	8
/* The most requests one VM has in the scheduler at once: the back-end's
 * queue size, which it keeps each VM within; the scheduler's pool holds
 * that many for every VM. */
#define BLK_QUEUE_MAX	128

struct vm;

struct blk_request {
	struct vm *vm;			/* the scheduler only compares it */
	uint32_t seq;			/* submission order, all VMs */
	uint32_t since;			/* the scheduler's tick count at submission */
	uint16_t head;			/* the guest's descriptor chain */
	uint16_t vm_id;			/* the VM's id, for the scheduler's trace */
	uint32_t type, ioprio;		/* type with the barrier flag */
	uint64_t sector;
	uint64_t len;			/* data bytes: eight buffers may exceed 4 GiB */
	uint32_t nsegs;
	uint64_t seg_ipa[BLK_MAX_SEGS];
	uint32_t seg_len[BLK_MAX_SEGS];
	uint64_t status_ipa;
	uint8_t status;
	uint8_t queued;			/* took a place in the scheduler (vblk in_flight) */
	uint32_t written;		/* bytes written into device-writable buffers */
	struct blk_request *next;
};

#endif
