"""The kiosk's colours: the hall's blue and red, and a high-contrast set (yellow and white on black)."""

from __future__ import annotations

RGBA = tuple[float, float, float, float]

NORMAL: dict[str, RGBA] = {
    "bg": (0.95, 0.96, 0.98, 1),
    "ink": (0.08, 0.1, 0.14, 1),
    "muted": (0.33, 0.37, 0.43, 1),
    "heading": (0.04, 0.25, 0.52, 1),
    "header": (0.04, 0.25, 0.52, 1),
    "header_ink": (1, 1, 1, 1),
    "card": (1, 1, 1, 1),
    "card_line": (0.4, 0.45, 0.53, 1),  # outlines ≥ 3:1 against bg, card and quiet (WCAG 1.4.11)
    "button": (0.07, 0.38, 0.72, 1),
    "button_ink": (1, 1, 1, 1),
    "accent": (0.76, 0.11, 0.11, 1),
    "accent_ink": (1, 1, 1, 1),
    "quiet": (0.86, 0.9, 0.96, 1),
    "quiet_ink": (0.04, 0.2, 0.45, 1),
    "pressed": (0.55, 0.66, 0.82, 1),
    "outline": (0.4, 0.45, 0.53, 1),
    "warn": (0.78, 0.1, 0.08, 1),
    "warn_ink": (1, 1, 1, 1),
}

CONTRAST: dict[str, RGBA] = {
    "bg": (0, 0, 0, 1),
    "ink": (1, 1, 1, 1),
    "muted": (0.92, 0.92, 0.92, 1),
    "heading": (1, 0.92, 0, 1),
    "header": (0, 0, 0, 1),
    "header_ink": (1, 0.92, 0, 1),
    "card": (0, 0, 0, 1),
    "card_line": (1, 1, 1, 1),
    "button": (1, 0.92, 0, 1),
    "button_ink": (0, 0, 0, 1),
    "accent": (0, 0.9, 1, 1),
    "accent_ink": (0, 0, 0, 1),
    "quiet": (0, 0, 0, 1),
    "quiet_ink": (1, 0.92, 0, 1),
    "pressed": (1, 1, 1, 1),
    "outline": (1, 1, 1, 1),
    "warn": (1, 0.92, 0, 1),
    "warn_ink": (0, 0, 0, 1),
}


def palette(high_contrast: bool) -> dict[str, RGBA]:
    """The colour set to use."""
    return CONTRAST if high_contrast else NORMAL
