"""The kiosk hands back start-up code: a library's read-only pages leave this process's memory, and
only those of the libraries named."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.memory import _read_only_mappings, page_out_start_up_code

SIZE = 8 * 1024 * 1024


def resident_kib(path: Path) -> dict[str, int]:
    """Resident KiB of this process's mappings of ``path``, by their permissions."""
    found: dict[str, int] = {}
    permissions = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and ":" not in fields[0]:
            permissions = fields[1] if len(fields) >= 6 and fields[5] == str(path) else None
        elif permissions and fields[0] == "Rss:":
            found[permissions] = found.get(permissions, 0) + int(fields[1])
    return found


@contextmanager
def mapped(path: Path, *, writable: bool) -> Iterator[mmap.mmap]:
    """``path`` mapped privately (as the loader maps a library), every page touched."""
    with path.open("r+b" if writable else "rb") as file:
        view = mmap.mmap(
            file.fileno(),
            0,
            flags=mmap.MAP_PRIVATE,
            prot=mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0),
        )
    try:
        for offset in range(0, len(view), mmap.PAGESIZE):
            _ = view[offset]  # a read brings the page in
        yield view
    finally:
        view.close()


def a_library(folder: Path, name: str) -> Path:
    path = folder / name
    with path.open("wb") as file:
        file.write(os.urandom(SIZE))
        file.flush()
        os.fsync(file.fileno())  # clean pages, as a library's are
    return path


def test_the_named_librarys_read_only_pages_are_handed_back(tmp_path: Path) -> None:
    code = a_library(tmp_path, "libLLVM-test.so.1")
    with mapped(code, writable=False) as view:
        assert resident_kib(code)["r--p"] >= SIZE // 1024 * 9 // 10
        advised = page_out_start_up_code(("libLLVM",))
        assert advised >= SIZE
        assert resident_kib(code)["r--p"] < SIZE // 1024 // 10
        first = bytes(view[:64])  # what comes back on demand is the file's content
    assert first == code.read_bytes()[:64]


def test_other_libraries_and_written_pages_stay(tmp_path: Path) -> None:
    other = a_library(tmp_path, "libpython-test.so")
    written = a_library(tmp_path, "libLLVM-data.so")
    with mapped(other, writable=False), mapped(written, writable=True) as data:
        data[:5] = b"fixed"  # a relocated page: this process's own copy
        before = {path: resident_kib(path) for path in (other, written)}
        page_out_start_up_code(("libLLVM",))
        assert resident_kib(other) == before[other]
        assert resident_kib(written) == before[written]
        assert bytes(data[:5]) == b"fixed"


def test_the_maps_are_read_for_unwritable_mappings_of_the_named_files(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.write_text(
        "7f0000000000-7f0000400000 r-xp 00000000 fe:00 1 /usr/lib/libLLVM-15.so.1\n"
        "7f0000400000-7f0000500000 r--p 00400000 fe:00 1 /usr/lib/libLLVM-15.so.1\n"
        "7f0000500000-7f0000510000 rw-p 00500000 fe:00 1 /usr/lib/libLLVM-15.so.1\n"
        "7f0000600000-7f0000700000 r-xp 00000000 fe:00 2 /usr/lib/dri/swrast_dri.so\n"
        "7f0000700000-7f0000800000 r--p 00000000 fe:00 3 /opt/libLLVM/notes.txt\n"
        "7f0000800000-7f0000900000 rw-p 00000000 00:00 0\n"
        "7f0000900000-7f0000a00000 r--p 00000000 00:00 0 [vvar]\n"
    )
    assert list(_read_only_mappings(("libLLVM",), maps)) == [
        (0x7F0000000000, 0x400000),
        (0x7F0000400000, 0x100000),
    ]


def test_without_proc_nothing_is_advised(tmp_path: Path) -> None:
    assert page_out_start_up_code(("libLLVM",), maps=tmp_path / "missing") == 0
