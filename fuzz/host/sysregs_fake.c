/* fuzz/host/sysreg_access.h: system registers as variables, by name, all
 * zero until written. */
#include <assert.h>
#include <string.h>

#include "sysreg_access.h"

static struct {
	const char *name;	/* a string literal of the caller's */
	uint64_t value;
} regs[64];
static unsigned int nr_regs;

uint64_t *sysreg_fake(const char *name)
{
	for (unsigned int i = 0; i < nr_regs; i++)
		if (regs[i].name == name || strcmp(regs[i].name, name) == 0)
			return &regs[i].value;
	assert(nr_regs < sizeof(regs) / sizeof(regs[0]));
	regs[nr_regs].name = name;
	return &regs[nr_regs++].value;
}
