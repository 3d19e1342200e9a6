#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "description.h"
#include "iosched.h"
#include "locks.h"
#include "psci.h"
#include "shell.h"
#include "vm.h"
#include "vm_mem.h"
#include "vm_sched.h"
#include "vm_sched.h"
#include "vuart.h"

#define PROMPT		"zvm> "
#define MAX_LINE	80
#define MAX_WORDS	4

#define EXIT_KEY	0x1d	/* Ctrl-]: back from a VM's console to the shell */

static int enabled;
static struct vm *connected;	/* the VM console input goes to, if any */
static char typed[sizeof(PROMPT) - 1 + MAX_LINE] = PROMPT;
static unsigned long typed_len;		/* the prompt and the input so far */
static unsigned long input_len;
static char last;
static unsigned int lines_run;	/* for @zvm shell-ready, which the harness waits for */

int shell_enabled(void)
{
	return enabled;
}

void shell_configure(const struct description *desc)
{
	enabled = desc->shell;
}

static void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void print(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	console_line(line, n);
}

/* A refusal: an error line for people, an event for the harness. */
static void refuse(const char *reason, const char *fmt, const char *what)
{
	char why[96];

	snprintf(why, sizeof(why), fmt, what);
	print("error: %s", why);
	zvm_trace("shell-error", "reason=%s", reason);
}

static const char *state_name(enum vm_state s)
{
	static const char *const names[] = {
		[VM_FREE] = "free", [VM_CREATED] = "created", [VM_RUNNING] = "running",
		[VM_PAUSED] = "paused", [VM_EXITED] = "exited",
	};
	return names[s];
}

/* A decimal or 0x hexadecimal number. By hand: strtoul (and strtok) keep
 * state in thread-local storage, whose register at EL2 holds a guest's
 * TPIDR_EL0 here. */
static int parse_number(const char *s, unsigned long *out)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long v = 0;

	s += hex ? 2 : 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			hex && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			hex && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

		if (d < 0 || v > (~0UL - d) / (hex ? 16 : 10))
			return 0;
		v = v * (hex ? 16 : 10) + d;
	}
	*out = v;
	return 1;
}

/* The VM `-n ID` names, or NULL (refused). */
static struct vm *vm_named(int argc, char **argv)
{
	unsigned long id;

	if (argc != 3 || strcmp(argv[1], "-n") != 0) {
		refuse("bad-argument", "usage: %s -n ID", argv[0]);
		return 0;
	}
	struct vm *vm = parse_number(argv[2], &id) ? vm_by_id(id) : 0;

	if (!vm)
		refuse("no-such-vm", "no VM %s", argv[2]);
	return vm;
}

static void cmd_new(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-t") != 0) {
		refuse("bad-argument", "usage: %s -t TEMPLATE", argv[0]);
		return;
	}
	const struct vm_config *cfg = vm_template(argv[2]);

	if (!cfg) {
		refuse("no-such-template", "no VM offered as %s", argv[2]);
		return;
	}
	struct vm *vm = vm_new(cfg);

	if (!vm) {
		refuse("no-memory", "no place or memory for %s", argv[2]);
		return;
	}
	print("vm %u created", vm->id);
}

static void cmd_run(int argc, char **argv)
{
	struct vm *vm = vm_named(argc, argv);

	if (!vm)
		return;
	if (vm->state != VM_CREATED && vm->state != VM_PAUSED) {
		refuse("wrong-state", "VM is %s", state_name(vm->state));
		return;
	}
	if (vm->state == VM_PAUSED)
		iosched_hold(vm, 0);
	vm_set_state(vm, VM_RUNNING);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)	/* their CPUs may be idle */
		vcpu_kick(&vm->vcpus[i]);
	zvm_trace("vm-run", "vm=0x%x", vm->id);
}

static void cmd_pause(int argc, char **argv)
{
	struct vm *vm = vm_named(argc, argv);

	if (!vm)
		return;
	if (vm->state != VM_RUNNING) {
		refuse("wrong-state", "VM is %s", state_name(vm->state));
		return;
	}
	vm_set_state(vm, VM_PAUSED);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)	/* stopped where they run */
		vcpu_kick(&vm->vcpus[i]);
	iosched_hold(vm, 1);
	zvm_trace("vm-pause", "vm=0x%x", vm->id);
}

static void cmd_delete(int argc, char **argv)
{
	struct vm *vm = vm_named(argc, argv);

	if (!vm)
		return;
	if (vm->state == VM_PAUSED)
		iosched_hold(vm, 0);
	vm_delete(vm);
}

static void cmd_connect(int argc, char **argv)
{
	struct vm *vm = vm_named(argc, argv);

	if (!vm)
		return;
	if (vm->state == VM_EXITED) {
		refuse("wrong-state", "VM is %s", state_name(vm->state));
		return;
	}
	print("connected to %s: Ctrl-] to return", vm->name);
	zvm_trace("vm-connect", "vm=0x%x", vm->id);
	connected = vm;
	vuart_connect(vm, 1);
}

static void disconnect(void)
{
	console_rx_hold(0);
	vuart_connect(connected, 0);
	zvm_trace("vm-disconnect", "vm=0x%x", connected->id);
	connected = 0;
}

static void cmd_info(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		refuse("bad-argument", "usage: %s", "info");
		return;
	}
	print("%-3s %-16s %-16s %-8s %-10s %s", "id", "name", "kind", "state", "memory", "vcpus");
	for (int place = 0; place < MAX_VMS; place++) {
		struct vm *vm = vm_at(place);

		if (vm)
			print("%-3u %-16s %-16s %-8s 0x%-8lx %d", vm->id, vm->name,
			      vm->cfg->guest, state_name(vm->state), vm->cfg->mem_size, 1);
	}
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#ifdef CONFIG_VM_DYNAMIC_MEMORY
	lock_take(&mem_lock);
	vm_mem_report_stats();
	lock_give(&mem_lock);
#endif
	psci_system_off();
}

static const struct {
	const char *name;
	void (*run)(int argc, char **argv);
} commands[] = {
	{ "new", cmd_new }, { "run", cmd_run }, { "pause", cmd_pause },
	{ "delete", cmd_delete }, { "info", cmd_info }, { "connect", cmd_connect },
	{ "poweroff", cmd_poweroff },
};

static void execute(char *line)
{
	char *argv[MAX_WORDS + 1];
	int argc = 0;

	for (char *p = line; *p;) {	/* words between spaces, each ended in place */
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (*p && argc <= MAX_WORDS)
			argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (argc && strcmp(argv[0], "zvm") == 0) {	/* as ZVM's own shell spells it */
		argc--;
		memmove(argv, argv + 1, argc * sizeof(argv[0]));
	}
	if (!argc)
		return;
	if (argc > MAX_WORDS) {
		refuse("bad-argument", "too many words after %s", argv[0]);
		return;
	}
	for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].run(argc, argv);
			return;
		}
	refuse("unknown-command", "unknown command %s", argv[0]);
}

static void prompt(void)
{
	zvm_trace("shell-ready", "n=0x%x", lines_run);
	input_len = 0;
	typed_len = sizeof(PROMPT) - 1;
	console_partial(typed, &typed_len);
	console_partial_show();
}

void shell_start(void)
{
	console_rx_enable();
	prompt();
}

static void received(char c)
{
	char *input = typed + sizeof(PROMPT) - 1;

	if (c == '\n' && last == '\r')
		return;		/* CR LF: one end of line */
	console_partial_show();
	if (c == '\r' || c == '\n') {
		console_write("\n", 1);
		input[input_len] = 0;
		console_partial(0, 0);	/* the command's output: lines of their own */
		execute(input);
		lines_run++;
		if (!connected)
			prompt();
	} else if ((c == 0x7f || c == '\b') && input_len) {
		input_len--;
		typed_len--;
		console_write("\b \b", 3);
	} else if (c >= 0x20 && c < 0x7f && input_len < MAX_LINE - 1) {
		input[input_len++] = c;
		typed_len++;
		console_write(&c, 1);
	}
}

void shell_service(void)
{
	int c;

	while ((c = console_getc()) >= 0) {
		if (!connected) {
			received((char)c);
		} else if (c == EXIT_KEY) {
			disconnect();
			prompt();
		} else {
			vuart_receive(connected, (char)c);
		}
		last = (char)c;
		if (connected && vuart_rx_full(&connected->uart)) {
			console_rx_hold(1);	/* until the VM reads (vuart_rx_drained) */
			return;
		}
	}
}

void shell_uart_drained(struct vm *vm)
{
	if (vm == connected)
		console_rx_hold(0);
}

void shell_forget(struct vm *vm)
{
	if (vm != connected)
		return;
	disconnect();
	prompt();
}
