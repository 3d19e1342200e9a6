/* What the statically linked libraries expect from their environment. */
#include <stdint.h>

#include "console.h"

void halt(void) __attribute__((noreturn));

/* libfdt.a from Debian is built with the stack protector. */
uintptr_t __stack_chk_guard = 0x5a766d2d68696c00UL;

__attribute__((noreturn)) void __stack_chk_fail(void)
{
	zvm_trace("panic", "reason=stack-smashed");
	halt();
}
