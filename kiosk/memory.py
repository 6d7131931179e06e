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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 64 * 1024


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


def release_free_memory(*, freeze: bool = False) -> bool:
    """Collect cycles, then return free heap pages to the system; False where that is not possible.

    ``freeze`` (once the kiosk has started) moves what survives into the collector's permanent
    generation: later collections scan only what came after (~80 ms → a few ms on the UI thread).
    """
    gc.collect()
    if freeze:
        gc.freeze()
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
