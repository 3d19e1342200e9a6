"""The names of a bundle's files: the writer and the reader share them."""

BOARD = "board.toml"
SCENARIO = "scenario.toml"
IMAGES = "images"  # directory: every image, by its file name
IMAGE_INDEX = "images.json"  # file name -> role, guest, sha256, build id, key
DESCRIPTION_DTS = "description.dts"
DESCRIPTION_DTB = "description.dtb"
MEMORY = "memory"  # directory: guest-physical reads, <address>.bin
STAGE2 = "stage2.txt"
DISK_BEFORE = "disk-before.img"
DISK_AFTER = "disk-after.img"
RUN = "run.json"  # the run options
REPLAY = "replay.bin"
QEMU_COMMAND = "qemu-cmdline.txt"
SERIAL_LOG = "serial.log"
TRACE = "trace.jsonl"
RESULT = "result.json"
VERSIONS = "versions.json"


def memory_dump(addr: int) -> str:
    return f"{addr:#014x}.bin"
