"""`zvm-hil run --repeat N` (and pytest's `--zvm-repeat N`): one scenario
run N times, side by side up to the machine's cores, and what differed
between the runs: how many passed, whether their traces were the same
(timing fields aside) and, for each run that parted from the first, where,
in the words `repro` uses; each failure is counted across the runs. Under
--deterministic the runs must be the same; without it, this is a flake
hunter."""

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .repro import first_divergence
from .runner import RunOptions, RunResult, prepare, run_scenario


@dataclass
class Repeated:
    results: list[RunResult]
    divergences: dict[int, str]  # run number (from 1) -> where it parted from run 1

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def identical(self) -> bool:
        return not self.divergences

    def failing_runs(self) -> list[int]:
        return [n for n, r in enumerate(self.results, 1) if not r.passed]

    def report(self) -> str:
        runs, first = len(self.results), self.results[0]
        lines = [f"{runs} runs of {first.scenario.name} on {first.board.name}: "
                 f"{self.passed} passed"]
        if self.identical:
            lines.append(f"traces: all {runs} identical (timing fields aside)")
        else:
            lines.append(f"traces: {runs - len(self.divergences)} of {runs} as run 1")
            lines += [f"  run {n}: {d}" for n, d in sorted(self.divergences.items())]
        failures = Counter(f for r in self.results for f in dict.fromkeys(r.failures))
        for failure, count in failures.most_common():
            which = [n for n, r in enumerate(self.results, 1) if failure in r.failures]
            lines.append(f"failed in {count} of {runs} runs ({', '.join(map(str, which))}): "
                         f"{failure}")
        return "\n".join(lines)


def compare(results: list[RunResult]) -> Repeated:
    reference = results[0].trace.events
    return Repeated(results, {n: d for n, r in enumerate(results[1:], 2)
                              if (d := first_divergence(reference, r.trace.events))})


def repeat(board, scenario, count: int, options: RunOptions | None = None,
           jobs: int | None = None) -> Repeated:
    """`count` runs of `scenario`, at most `jobs` (default: the cores) at once."""
    options = options or RunOptions()
    prepare(board, scenario, options.images)  # build once, before the runs share the cache
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda _: run_scenario(board, scenario, options=options),
                                range(count)))
    return compare(results)
