"""What the oracles share: comparing the model's lines with the C's, and
rebasing the counters the C carries on from one input to the next."""

import re


def first_difference(expected: list[str], actual: list[str]) -> str | None:
    """Where the C's lines (`actual`) depart from the model's, if they do."""
    for n, (e, a) in enumerate(zip(expected, actual)):
        if e != a:
            return f"line {n}: the model says {e!r}, the C {a!r}"
    if len(expected) != len(actual):
        return f"the model says {len(expected)} lines, the C {len(actual)}"
    return None


def relative(lines: list[str]) -> list[str]:
    """seq= and n= counted from the first of the input: the scheduler's
    request and round numbers carry on across inputs."""
    firsts: dict[str, int] = {}

    def rebase(m: re.Match) -> str:
        value = int(m.group(2), 16)
        return f"{m.group(1)}={value - firsts.setdefault(m.group(1), value):#x}"
    return [re.sub(r"\b(seq|n)=0x([0-9a-f]+)", rebase, line) for line in lines]
