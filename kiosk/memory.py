"""Memory the kiosk need not hold: label render surfaces, and free heap pages once a screen is drawn.

Kivy's SDL2 text provider draws each label into an SDL surface, copies it into the label's texture
and keeps the surface until the label is drawn again: a second copy of every text on every built
screen (~28 MB at the kiosk's peak, measured with heaptrack). ``drop_label_surfaces`` lets the
surface go once its pixels are copied.

Where the window is an off-screen surface (SDL ``offscreen``: an EGL pbuffer, whose buffer swap does
nothing), no frame is ever flushed: Mesa's llvmpipe keeps binning every frame's draw commands into
one growing scene (~8–15 MB more while the start screen is up, more after taps) until the scene is
full. ``flush_each_frame`` ends each frame with ``glFlush``, as a real window's swap does.

On software GL (Mesa llvmpipe) every new drawing state compiles a shader with LLVM, whose
temporaries are freed at once but leave tens of MB of free pages inside the C heap, between live
blocks, that glibc's own trimming (top of the heap only) never returns. ``malloc_trim(0)`` hands
those pages back; it takes a few milliseconds, so it runs once the screen is still, not per frame.
Elsewhere than glibc it does nothing. Large blocks get mappings of their own
(``fixed_mmap_threshold``), so freeing them returns their memory at once.

Mesa's GL drivers link LLVM (llvmpipe compiles every shader with it). Loading LLVM runs its static
constructors, spread over its whole 100 MB of code, and the kernel maps the file in large pieces
around each: ~46 MB of LLVM's code is resident before the first frame, and stays so, though the
kiosk runs LLVM only while a new drawing state compiles (~5 MB of it). ``page_out_start_up_code``
asks the kernel to reclaim those pages (``MADV_PAGEOUT``, Linux 5.4+), as it would under memory
pressure: they leave the page cache too, and any that LLVM runs again are read back on demand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 64 * 1024
MADV_PAGEOUT = 21  # Linux's madvise advice: reclaim these pages now
START_UP_CODE = ("libLLVM",)  # libraries whose code mostly runs once, when they load


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def fixed_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Give every block of ``size`` bytes or more a mapping of its own, returned to the system when
    freed; False where that is not possible (not glibc).

    glibc raises its mmap threshold each time such a block is freed (up to 32 MB); after that, label
    textures on software GL, receipt images and QR codes come from the heap, and their freed pages
    stay there between live blocks. Measured with 30 tickets: 209 MB held afterwards instead of
    228 MB, a peak of 276 MB instead of 320 MB. Set once, before the window opens, the threshold
    stays where it is.
    """
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, size))


@functools.cache
def _madvise() -> Callable[[int, int, int], int] | None:
    madvise = getattr(_libc(), "madvise", None)
    if madvise is not None:
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        madvise.restype = ctypes.c_int
    return madvise


def _read_only_mappings(names: tuple[str, ...], maps: Path) -> Iterator[tuple[int, int]]:
    """(start, length) of this process's unwritable mappings of files whose names start with one of
    ``names``."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:  # no /proc: not Linux
        return
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or "w" in fields[1]:
            continue
        if os.path.basename(fields[5]).startswith(names):
            start, end = (int(bound, 16) for bound in fields[0].split("-"))
            yield start, end - start


def page_out_start_up_code(
    names: tuple[str, ...] = START_UP_CODE, *, maps: Path = Path("/proc/self/maps")
) -> int:
    """Have the kernel reclaim the resident pages of these libraries' code and constants; returns the
    bytes of mappings advised (0 where that is not possible: not Linux, or before 5.4).

    Always safe: reclaiming is what the kernel does to these pages under memory pressure (written
    pages, such as relocated constants, stay unless there is swap); pages used again come back on
    demand. Measured on software GL: LLVM's resident code 46 MB → under 1 MB, ~5 MB back after the
    guide and ticket screens' first drawing.
    """
    madvise = _madvise()
    if madvise is None:
        return 0
    advised = 0
    for start, length in _read_only_mappings(names, maps):
        if madvise(start, length, MADV_PAGEOUT) == 0:
            advised += length
    return advised


def release_free_memory(*, freeze: bool = False) -> bool:
    """Collect cycles, then return free heap pages and start-up code to the system; False where that
    is not possible.

    ``freeze`` (once the kiosk has started) moves what survives into the collector's permanent
    generation: later collections scan only what came after (~80 ms → a few ms on the UI thread).
    """
    gc.collect()
    if freeze:
        gc.freeze()
    page_out_start_up_code()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def drop_label_surfaces() -> bool:
    """Make Kivy's SDL2 text provider free a label's render surface once its pixels are copied."""
    try:
        from kivy.core.text.text_sdl2 import LabelSDL2
    except ImportError:  # another text provider: nothing to do
        return False
    if getattr(LabelSDL2, "_kiosk_drops_surface", False):
        return True

    def render_end(label: Any) -> Any:
        surface, label._surface = label._surface, None
        return surface.get_data()

    LabelSDL2._render_end = render_end
    LabelSDL2._kiosk_drops_surface = True
    return True


def flush_each_frame(window: Any) -> None:
    """Finish every frame's drawing (``glFlush`` after each flip); a no-op cost where a swap flushes."""
    from kivy.graphics.opengl import glFlush

    window.bind(on_flip=lambda *_: glFlush())
