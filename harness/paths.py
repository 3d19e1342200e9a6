"""Where things live in the repository. Every path is derived from the
package's own location, so the project works from any clone."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ZVM_HIL_FIRMWARE: another firmware tree (make mutants builds altered copies).
FIRMWARE = Path(os.environ.get("ZVM_HIL_FIRMWARE", REPO / "firmware_builds"))
BOARDS = REPO / "boards"
SCENARIOS = FIRMWARE / "scenarios"
KVM_UNIT_TESTS = FIRMWARE / "kvm-unit-tests.toml"  # its tests, each a scenario
# Build outputs and caches; ZVM_HIL_BUILD_DIR moves them (e.g. to a tmpfs).
BUILD = Path(os.environ.get("ZVM_HIL_BUILD_DIR", REPO / "build"))
# Debian's arm64 liblzo2 and libfdt, unpacked by `make deps`.
SYSROOT = REPO / ".deps" / "sysroot"
