/* The hypervisor's console (PL011) and the @zvm trace protocol
 * (docs/trace-protocol.md): one event a line, written whole. */
#ifndef ZVM_CONSOLE_H
#define ZVM_CONSOLE_H

void console_write(const char *s, unsigned long len);
/* A whole line (ending in '\n'): a line of its own, even while a shell
 * line is being typed (that is shown again at the next keystroke). With
 * len 0, only the start of a line of its own. */
void console_line(const char *s, unsigned long len);
/* The line being typed at the shell, its prompt and input so far: `*len`
 * characters at `line`; console_partial_show() writes it unless it is the
 * last thing on the console already. */
void console_partial(const char *line, const unsigned long *len);
void console_partial_show(void);
/* Input: the receive interrupt on (taken at EL2), and the next character
 * received, or -1 when none is waiting. */
void console_rx_enable(void);
int console_getc(void);
/* Input held (its interrupt masked; what comes waits in the UART and the
 * host behind it), or let through again. */
void console_rx_hold(int hold);

void zvm_trace(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
