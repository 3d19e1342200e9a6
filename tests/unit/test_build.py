"""The content-hash cache: a no-op build compiles nothing, a one-file change
recompiles that file only, and the build id follows the content."""

import dataclasses
import os
import shutil
import subprocess

import pytest

from harness import build


@pytest.fixture
def program(tmp_path):
    """The real hypervisor program, from a copy of its sources we may edit."""
    real = build.hypervisor_program()
    src = tmp_path / "src"
    shutil.copytree(real.source_dirs[0], src)
    return dataclasses.replace(real, source_dirs=(src,), linker_script=src / "link.ld")


@pytest.fixture
def compiler_calls(monkeypatch):
    calls = []
    real_popen = subprocess.Popen

    def counting_popen(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_popen(cmd, *args, **kwargs)

    monkeypatch.setattr(build.subprocess, "Popen", counting_popen)
    return calls


def compiled_sources(calls):
    return sorted(c[c.index("-c") + 1].rsplit("/", 1)[1] for c in calls if "-c" in c)


def test_noop_rebuild_runs_no_compiler(program, tmp_path, compiler_calls):
    builder = build.Builder(tmp_path / "out")
    first = builder.build(program)
    assert first.path.exists() and len(compiled_sources(compiler_calls)) == len(program.sources())
    mtime = first.path.stat().st_mtime_ns
    compiler_calls.clear()
    again = builder.build(program)
    assert again == first and compiler_calls == [] and again.path.stat().st_mtime_ns == mtime


def test_one_file_change_recompiles_that_file(program, tmp_path, compiler_calls):
    builder = build.Builder(tmp_path / "out")
    first = builder.build(program)
    main_c = program.source_dirs[0] / "main.c"
    main_c.write_text(main_c.read_text() + "\n/* changed */\n")
    compiler_calls.clear()
    second = builder.build(program)
    assert compiled_sources(compiler_calls) == ["main.c"]
    assert second.build_id != first.build_id and second.path != first.path


def test_header_change_recompiles_everything(program, tmp_path, compiler_calls):
    builder = build.Builder(tmp_path / "out")
    builder.build(program)
    header = program.source_dirs[0] / "console.h"
    header.write_text(header.read_text() + "\n")
    compiler_calls.clear()
    builder.build(program)
    assert len(compiled_sources(compiler_calls)) == len(program.sources())


def test_defines_change_the_image(program, tmp_path):
    builder = build.Builder(tmp_path / "out")
    plain = builder.build(program)
    faulty = builder.build(dataclasses.replace(program, defines=("ZVM_SELFTEST_PANIC",)))
    assert faulty.build_id != plain.build_id


def test_compile_error_is_reported_with_the_file(program, tmp_path):
    (program.source_dirs[0] / "main.c").write_text("this is not C\n")
    with pytest.raises(build.HarnessError, match=r"compiling .*main.c failed:\n.*error"):
        build.Builder(tmp_path / "out").build(program)
    assert not list((tmp_path / "out" / "obj").glob(".*.tmp"))


def test_bad_define_and_variant_are_refused():
    with pytest.raises(build.HarnessError, match="not NAME or NAME=VALUE"):
        build.check_defines(("X; rm -rf",))
    with pytest.raises(build.HarnessError, match="unknown hypervisor variant 'turbo'"):
        build.hypervisor_program("turbo")


def test_a_same_size_change_within_one_clock_tick_is_seen(program, tmp_path):
    """The no-op path trusts sizes and time stamps only for inputs older than
    the file system's clock tick: a change that keeps both is still hashed."""
    builder = build.Builder(tmp_path / "out")
    main_c = program.source_dirs[0] / "main.c"
    main_c.write_text(main_c.read_text() + "\n/* a */\n")
    stamp = main_c.stat().st_mtime_ns
    first = builder.build(program)
    main_c.write_text(main_c.read_text().replace("/* a */", "/* b */"))
    os.utime(main_c, ns=(stamp, stamp))  # as if within the same tick
    assert builder.build(program).build_id != first.build_id
