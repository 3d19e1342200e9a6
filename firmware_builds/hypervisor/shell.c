#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "description.h"
#include "iosched.h"
#include "psci.h"
#include "shell.h"
#include "vm.h"
#include "vm_mem.h"
#include "vm_sched.h"

#define PROMPT		"zvm> "
#define MAX_LINE	80
#define MAX_WORDS	4

static int enabled;
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

/* The VM `-n ID` names, or NULL (refused). */
static struct vm *vm_named(int argc, char **argv)
{
	char *end;

	if (argc != 3 || strcmp(argv[1], "-n") != 0) {
		refuse("bad-argument", "usage: %s -n ID", argv[0]);
		return 0;
	}
	unsigned long id = strtoul(argv[2], &end, 0);
	struct vm *vm = *argv[2] && !*end ? vm_by_id(id) : 0;

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
	vm->state = VM_RUNNING;
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
	vm->state = VM_PAUSED;
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
	vm_mem_report_stats();
#endif
	psci_system_off();
}

static const struct {
	const char *name;
	void (*run)(int argc, char **argv);
} commands[] = {
	{ "new", cmd_new }, { "run", cmd_run }, { "pause", cmd_pause },
	{ "delete", cmd_delete }, { "info", cmd_info }, { "poweroff", cmd_poweroff },
};

static void execute(char *line)
{
	char *argv[MAX_WORDS + 1];
	int argc = 0;

	for (char *w = strtok(line, " \t"); w; w = strtok(NULL, " \t"))
		if (argc <= MAX_WORDS)
			argv[argc++] = w;
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
		received((char)c);
		last = (char)c;
	}
}
