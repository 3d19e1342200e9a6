/* Boot-time self-checks of the linked libraries, each reported as a trace
 * event that the harness compares with its own computation. */
#ifndef ZVM_SELFTEST_H
#define ZVM_SELFTEST_H

/* Reports @zvm board mem=.. cpus=.. read with libfdt from QEMU's board DTB. */
void board_selftest(const void *board_dtb);

/* Reports @zvm lzo-selftest len=.. clen=.. hash=.. ok=..: liblzo2's
 * lzo1x_1_compress of the documented pattern (harness/models/patterns.py). */
void lzo_selftest(void);

#endif
