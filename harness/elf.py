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


def flatten(path: Path, end_symbol: str | None = "__image_end") -> FlatImage:
    """The ELF's loaded bytes from its first to its last; its end at
    `end_symbol`, or with None past its last segment in memory (bss too)."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        segments = [s for s in loads if s["p_filesz"]]
        start = min(s["p_paddr"] for s in segments)
        end = max(s["p_paddr"] + s["p_filesz"] for s in segments)
        data = bytearray(end - start)
        for s in segments:
            data[s["p_paddr"] - start:s["p_paddr"] - start + s["p_filesz"]] = s.data()
        image_end = (symbol(elf, end_symbol) if end_symbol else
                     max(s["p_paddr"] + s["p_memsz"] for s in loads))
        return FlatImage(start, bytes(data), elf.header["e_entry"], image_end)


def code_range(path: Path) -> tuple[int, int]:
    """The addresses of the ELF's executable loaded segments: [first, last)."""
    with open(path, "rb") as f:
        code = [s for s in ELFFile(f).iter_segments()
                if s["p_type"] == "PT_LOAD" and s["p_flags"] & 1]  # PF_X
        return min(s["p_vaddr"] for s in code), max(s["p_vaddr"] + s["p_memsz"] for s in code)


def symbolize(path: Path, addr: int) -> str:
    """`function (file:line)` for an address in the ELF, from its symbols and
    DWARF line table; what is known when only part of it is."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        function = _function_at(elf, addr)
        where = _line_at(elf, addr) if elf.has_dwarf_info() else None
    text = function or f"{addr:#x}"
    return f"{text} ({where})" if where else text


def _function_at(elf: ELFFile, addr: int) -> str | None:
    symtab = elf.get_section_by_name(".symtab")
    best = None
    for sym in symtab.iter_symbols() if symtab else ():
        if sym["st_info"]["type"] != "STT_FUNC":
            continue
        start, size = sym["st_value"], sym["st_size"]
        if start <= addr < start + max(size, 1):
            best = sym.name
    return best


def _line_at(elf: ELFFile, addr: int) -> str | None:
    previous = None
    for address, name, line, end in line_rows(elf):
        if previous and previous[0] <= addr < address:
            return f"{previous[1]}:{previous[2]}"
        previous = None if end else (address, name, line)
    return None


def line_rows(elf: ELFFile):
    """Every row of the ELF's DWARF line tables, compilation unit by unit:
    (address, file name, line, whether it ends a sequence). DWARF 5 numbers
    a table's files from 0 (GCC 12's default), earlier versions from 1."""
    dwarf = elf.get_dwarf_info()
    for cu in dwarf.iter_CUs():
        program = dwarf.line_program_for_CU(cu)
        if program is None:
            continue
        names, first = program["file_entry"], 1 if program["version"] < 5 else 0
        for entry in program.get_entries():
            state = entry.state
            if state is None:
                continue
            index = state.file - first
            name = names[index].name.decode() if 0 <= index < len(names) else "?"
            yield state.address, name, state.line, state.end_sequence


def symbol(elf: ELFFile, name: str) -> int:
    """The address of the symbol `name` (KeyError if it has none)."""
    found = elf.get_section_by_name(".symtab").get_symbol_by_name(name)
    if not found:
        raise KeyError(f"{name} not in the ELF's symbols")
    return found[0]["st_value"]
