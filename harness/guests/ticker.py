"""The ticker guest (firmware_builds/guests/ticker/): it counts the
interrupts of its virtual and physical timers, each re-armed from its
handler, and reports how many came within its time limit. All of them
must. Busy-waiting (no trap between ticks), that needs a hypervisor that
samples a timer's line again when the guest deactivates its interrupt (the
maintenance interrupt), not at its next scheduler tick; waiting in WFI
(`wfi = 1`), one that wakes the VM when its timer expires while another VM
runs."""

from ..errors import ConfigError
from ..expect import Expected
from .base import GuestKind

# ticks to count of each timer, one every period_us of its time, within
# within_ms of it; wfi: wait for them in WFI rather than busy.
DEFAULTS = {"ticks": 20, "period_us": 1000, "within_ms": 400, "wfi": 0}


def params(given: dict[str, int]) -> dict[str, int]:
    return {**DEFAULTS, **given}


class Ticker(GuestKind):
    name = "ticker"
    events = {"ticker-start": frozenset({"ticks", "period-us", "wfi"}),
              "ticks": frozenset({"virtual", "physical"})}

    def validate(self, spec, path, where: str, static: bool) -> None:
        if not static:  # its image and stack pages would fault in under its count
            raise ConfigError(path, where, "the ticker guest needs hypervisor.variant = \"static\"")

    def params(self, scenario, index: int, partitions: list) -> dict[str, int]:
        return params(scenario.vms[index].params)

    def expectations(self, plan, vm, prediction, trace) -> list[Expected]:
        if vm.index in prediction.stopped:
            return []
        p, name = params(vm.spec.params), vm.spec.name
        return [Expected("ticker-start", {"ticks": p["ticks"], "period-us": p["period_us"],
                                          "wfi": int(bool(p["wfi"]))}, vm=name),
                Expected("ticks", {"virtual": p["ticks"], "physical": p["ticks"]}, vm=name)]


KIND = Ticker()
