"""A stand-in for a physical board in the lab, for the serial-board tests:
`start` powers it on (QEMU with its console as a TCP serial server, the
images placed as a board's load command would), `stop` powers it off."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def start(args) -> int:
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on",
           "-cpu", "cortex-a57", "-m", "256M", "-nodefaults", "-display", "none",
           "-chardev", f"socket,id=s0,host=127.0.0.1,port={args.port},server=on,wait=on",
           "-serial", "chardev:s0", "-kernel", args.hypervisor]
    for item in filter(None, args.loaders.split(",")):
        path, addr = item.rsplit("@", 1)
        cmd += ["-device", f"loader,file={path},addr={addr},force-raw=on"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    Path(args.pidfile).write_text(str(proc.pid))
    # Powered on once its console listens (or it has failed, and says why).
    while proc.poll() is None:
        if _listening(proc.pid, args.port):  # not by connecting: QEMU takes one client
            return 0
        time.sleep(0.02)
    print(proc.stderr.read().decode(errors="replace"), file=sys.stderr)
    return 1


def _listening(pid: int, port: int) -> bool:
    """Whether process `pid` has a socket listening on `port`."""
    inodes = {fields[9] for fields in (line.split() for line in
                                       Path("/proc/net/tcp").read_text().splitlines()[1:])
              if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A"}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in {f"socket:[{i}]" for i in inodes}:
                return True
        except OSError:
            continue
    return False


def stop(args) -> int:
    pidfile = Path(args.pidfile)
    if pidfile.exists():
        try:
            os.killpg(int(pidfile.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass
        pidfile.unlink()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=("start", "stop"))
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--port", type=int)
    ap.add_argument("--hypervisor")
    ap.add_argument("--loaders", default="")
    args = ap.parse_args()
    return start(args) if args.action == "start" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
