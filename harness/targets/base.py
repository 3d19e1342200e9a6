"""The one interface every target implements: take the images and give a
console; let the board run; say what went wrong in its own words; stop.
Reading guest memory is optional (`reads_memory`), and so is handing back
the disk (`disk_after`): the judge skips what a target cannot give."""

from pathlib import Path


class Target:
    reads_memory = False

    def __init__(self, board, options):
        self.board, self.options = board, options
        self.command: list[str] = []  # what was run, for the bundle
        self.run_id = ""
        self.shutdown_reason: str | None = None
        self.console = None  # what start() returned
        # The lines the target types at the shell itself (a LAVA job's
        # script); None: the harness types them.
        self.typed: list[str] | None = None

    def will_run(self, scenario, hypervisor, plan) -> None:
        """What is about to run, for a target that writes its own job."""

    def start(self, image: Path, loaders: tuple[tuple[Path, int], ...], disk: Path | None,
              vms: int = 0):
        """Loads the images and returns the board's console (a Console),
        before the board runs its first instruction where it can. `vms`:
        how many VMs the hypervisor will run."""
        raise NotImplementedError

    def run(self) -> None:
        """Lets the board run."""

    def console_closed(self, last_event) -> str:
        """The failure when the console closes before the firmware's end."""
        return (f"console closed before the firmware finished: {self.closed_reason()}; "
                f"last trace event: {last_event or 'none'}")

    def closed_reason(self) -> str:
        return "the board closed its console"

    def after_poweroff(self, grace: float) -> str | None:
        """A failure if the board did not power off as the firmware said it would."""
        return None

    def read_memory(self, addr: int, length: int) -> bytes:
        raise NotImplementedError

    def registers(self) -> list[dict] | None:
        """The EL2 registers read from the CPU after switches to VMs; None:
        the target cannot read them."""
        return None

    def stage2_snapshots(self) -> list[dict] | None:
        """The stage-2 tables read after unmaps, in order; None: the target
        cannot read them."""
        return None

    def disk_after(self, disk: Path | None) -> bytes | None:
        """The disk image as the run left it, once stopped (None: not ours to read)."""
        return disk.read_bytes() if disk is not None else None

    def verdict(self) -> list[str]:
        """What the target itself found wrong with the run, once it ended
        (LAVA's job result and failed cases); [] for most."""
        return []

    def files(self) -> dict[str, str]:
        """Files of its own for the run's bundle (a LAVA job and its log), by name."""
        return {}

    def stop(self) -> None:
        """Stops the board; always safe to call, and leaves nothing running.
        Here: closes the console."""
        if self.console is not None:
            self.console.close()
            self.console = None
