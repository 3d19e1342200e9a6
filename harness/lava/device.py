"""The device dictionary, as a LAVA server makes it: LAVA's own device-type
templates (Debian's lava-server package, unpacked by `make deps` without
installing the server) rendered with jinja2 and the job's context."""

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .. import paths
from ..errors import ToolMissing

TEMPLATES = paths.REPO / ".deps" / "lava-server" / "usr" / "share" / "lava-server" / "device-types"


def render(device_type: str, context: dict) -> str:
    """The device dictionary (YAML) of a device of `device_type` for a job
    with `context`."""
    if not (TEMPLATES / f"{device_type}.jinja2").is_file():
        raise ToolMissing(f"LAVA's device-type templates are not in {TEMPLATES} "
                          "(Debian's lava-server package, unpacked by `make deps`)")
    # As the server's environment: sandboxed, blocks trimmed, no escaping.
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                               trim_blocks=True, autoescape=False)
    # A server's device dictionary extends the type's template; the device
    # itself sets nothing more here.
    return env.from_string(f"{{% extends '{device_type}.jinja2' %}}").render(**context)
