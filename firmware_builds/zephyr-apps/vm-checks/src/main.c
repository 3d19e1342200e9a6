/* What a Zephyr guest sees of its VM: time that goes on at the rate the
 * counter's frequency says, a timer that wakes a sleeping thread, threads
 * that hand over to each other, and RAM where its devicetree says. */
#include <zephyr/kernel.h>
#include <zephyr/linker/linker-defs.h>
#include <zephyr/ztest.h>

ZTEST(vm, test_counter_frequency_is_the_systems)
{
	uint64_t cntfrq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(cntfrq));
	zassert_equal(sys_clock_hw_cycles_per_sec(), cntfrq,
		      "the kernel counts %u Hz, CNTFRQ_EL0 says %llu", sys_clock_hw_cycles_per_sec(),
		      cntfrq);
}

ZTEST(vm, test_a_sleep_lasts_its_time)
{
	int64_t before = k_uptime_get();

	k_msleep(20);
	int64_t slept = k_uptime_get() - before;

	if (IS_ENABLED(CONFIG_VM_CHECKS_INVERTED))
		zassert_true(slept < 20, "slept %lld ms", slept);
	else
		zassert_true(slept >= 20, "slept %lld ms", slept);
}

static K_SEM_DEFINE(handed, 0, 1);
static K_THREAD_STACK_DEFINE(other_stack, 1024);
static struct k_thread other;

static void give(void *a, void *b, void *c)
{
	k_msleep(5);
	k_sem_give(&handed);
}

ZTEST(vm, test_another_thread_hands_over)
{
	k_thread_create(&other, other_stack, K_THREAD_STACK_SIZEOF(other_stack), give, NULL, NULL,
			NULL, K_PRIO_PREEMPT(1), 0, K_NO_WAIT);
	zassert_ok(k_sem_take(&handed, K_MSEC(1000)), "the other thread never gave");
	k_thread_join(&other, K_FOREVER);
}

ZTEST(vm, test_ram_is_where_the_devicetree_says)
{
	uintptr_t here = (uintptr_t)&handed;

	zassert_true(here >= DT_REG_ADDR(DT_CHOSEN(zephyr_sram)) &&
		     here < DT_REG_ADDR(DT_CHOSEN(zephyr_sram)) + DT_REG_SIZE(DT_CHOSEN(zephyr_sram)),
		     "a variable at %p, outside RAM", (void *)here);
}

ZTEST_SUITE(vm, NULL, NULL, NULL, NULL, NULL);
