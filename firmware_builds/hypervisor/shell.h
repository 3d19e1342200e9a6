/* The hypervisor's shell on its console, in the spirit of ZVM's `zvm`
 * commands (the `zvm ` prefix may be typed or not):
 *
 *   new -t TEMPLATE   a VM from one the description offers, not yet running
 *   run -n ID         runs it, or resumes it after `pause`
 *   pause -n ID       its vCPU stops and its queued I/O waits
 *   delete -n ID      stops it and releases all of it, its id included
 *   info              a table of the VMs: id, name, kind, state, memory, vCPUs
 *   connect -n ID     console input to the VM's UART and its output here,
 *                     unprefixed, until Ctrl-] (or its end)
 *   poweroff          the end of the run
 *
 * Each change is traced (@zvm vm-create, vm-run, vm-pause, vm-exit,
 * vm-delete) and each refusal too (@zvm shell-error, and an `error:` line):
 * a refused command changes nothing. See docs/shell.md. */
#ifndef ZVM_SHELL_H
#define ZVM_SHELL_H

struct description;

/* Whether the description asked for the shell (then the system powers off
 * only at `poweroff`). */
int shell_enabled(void);
void shell_configure(const struct description *desc);
/* Console input on, and the first prompt. */
void shell_start(void);
/* Reads what the console received, and runs each line typed (or, while
 * connected to a VM, gives it to the VM's UART). */
void shell_service(void);
/* The VM read from a full receive FIFO: if it is the connected one, the
 * console's input flows again. */
struct vm;
void shell_uart_drained(struct vm *vm);
/* The VM is gone (exited, deleted): if its console was connected, the
 * shell has it back. */
void shell_forget(struct vm *vm);

#endif
