/* The hypervisor's console (PL011) and the @zvm trace protocol
 * (docs/trace-protocol.md): one event a line, written whole. */
#ifndef ZVM_CONSOLE_H
#define ZVM_CONSOLE_H

void console_write(const char *s, unsigned long len);

void zvm_trace(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
