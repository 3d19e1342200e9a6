"""The iosched target's inputs (fuzz/targets/iosched.c) run through the
model of the scheduler: harness/models/virtio_blk.py's dispatch order for
every round, and the rules iosched.h states for the rest (a round at the
tick the oldest request not held has waited IOSCHED_MAX_WAIT_TICKS ticks;
a held VM's requests left queued; a forgotten VM's dropped). The trace it
predicts must be the C's, line for line: sequence numbers and round
numbers counted from the input's first, since the C's carry on across
inputs."""

from harness.models.virtio_blk import FLUSH, GET_ID, IN, OUT, Queued, Request, dispatch_order
from harness.spec import BARRIER
from oracle_lines import first_difference, relative

MAX_VMS, QUEUE_MAX, MAX_WAIT_TICKS = 8, 128, 10
TYPES = (IN, OUT, FLUSH, GET_ID, 2)


def predict(data: bytes) -> list[str]:
    lines: list[str] = []
    queue: list[tuple[Queued, int]] = []  # with the tick of its submission
    held: set[int] = set()
    queued = [0] * MAX_VMS
    seq = rounds = ticks = 0

    def pending() -> list[tuple[Queued, int]]:
        return [(q, since) for q, since in queue if q.vm not in held]

    def round_() -> None:
        nonlocal queue, rounds
        ready = pending()
        if not ready:
            return
        lines.append(f"blk-round n={rounds:#x}")
        rounds += 1
        for q in dispatch_order([q for q, _ in ready]):
            lines.append(f"blk-dispatch vm={q.vm:#x} seq={q.seq:#x}")
            lines.append(f"blk-done vm={q.vm:#x} seq={q.seq:#x} status={q.request.sector % 3:#x}")
            queued[q.vm] -= 1
        queue = [(q, since) for q, since in queue if q.vm in held]

    i = 0
    while i + 2 <= len(data):
        op, vm = data[i] % 6, data[i + 1] % MAX_VMS
        if op == 0 and i + 4 <= len(data):
            kind, ioprio = data[i + 2], data[i + 3]
            i += 2
            if queued[vm] < QUEUE_MAX:
                r = Request(TYPES[kind % 5] | (BARRIER if kind & 0x80 else 0), ioprio, kind >> 3,
                            0xdead)
                queue.append((Queued(vm, 0, seq, r), ticks))
                queued[vm] += 1
                lines.append(f"blk-req vm={vm:#x} seq={seq:#x} type={r.type:#x} "
                             f"ioprio={ioprio:#x} sector={r.sector:#x} len={r.length:#x}")
                seq += 1
        elif op == 1:
            ticks += 1
            ready = pending()
            if ready and ticks - ready[0][1] >= MAX_WAIT_TICKS:
                round_()
        elif op == 2:
            round_()
        elif op == 3 and vm not in held:
            queue = [(q, since) for q, since in queue if q.vm != vm]
            queued[vm] = 0
        elif op == 4:
            held.symmetric_difference_update({vm})
        elif op == 5:
            lines.append(f"pending {int(bool(pending()))}")
        i += 2
    return lines


def check(data: bytes, lines: list[str]) -> str | None:
    """Where the C's trace (`lines`) departs from the model's, if it does."""
    return first_difference(predict(data), relative(lines))
