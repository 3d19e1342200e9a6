#ifndef FUZZ_BARRIER_FAKE_H
#define FUZZ_BARRIER_FAKE_H

/* For a unit with AArch64 barriers in inline assembly (vblk.c's dmb ish),
 * forced in with -include: on the host an assembler macro that emits
 * nothing (one thread: program order is enough). */
__asm__(".macro dmb option\n.endm");

#endif
