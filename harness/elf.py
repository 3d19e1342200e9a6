"""ELF images through pyelftools: the flat bytes of the loadable segments
(what the harness stages for the hypervisor to copy into a VM) and symbols."""

from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile


@dataclass(frozen=True)
class FlatImage:
    load_addr: int
    data: bytes
    entry: int
    end: int  # the image's __image_end: the first address past everything it uses


def flatten(path: Path) -> FlatImage:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        segments = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"]]
        start = min(s["p_paddr"] for s in segments)
        end = max(s["p_paddr"] + s["p_filesz"] for s in segments)
        data = bytearray(end - start)
        for s in segments:
            data[s["p_paddr"] - start:s["p_paddr"] - start + s["p_filesz"]] = s.data()
        return FlatImage(start, bytes(data), elf.header["e_entry"], _symbol(elf, "__image_end"))


def _symbol(elf: ELFFile, name: str) -> int:
    found = elf.get_section_by_name(".symtab").get_symbol_by_name(name)
    if not found:
        raise KeyError(f"{name} not in the ELF's symbols")
    return found[0]["st_value"]
