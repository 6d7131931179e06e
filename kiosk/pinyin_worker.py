"""Helper process: pinyin of Chinese texts (JSON list on stdin → JSON object on stdout).

pypinyin's dictionaries take about 55 MB; kept out of the kiosk's own process, they cost memory
only for the second it takes to read a new catalogue or prompt. Results are cached by kiosk.pinyin.
"""

from __future__ import annotations

import json
import sys

from pypinyin import Style, lazy_pinyin


def reading(text: str) -> dict[str, str]:
    """Tone-numbered syllables (for espeak-ng), initials and toneless pinyin (for search)."""
    tones = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    plain = lazy_pinyin(text, style=Style.NORMAL)
    initials = "".join(p[0] for p in plain if p and p[0].isascii() and p[0].isalnum())
    return {
        "tones": " ".join(tones),
        "initials": initials.lower(),
        "plain": "".join(p for p in plain if p.isascii()).lower().replace(" ", ""),
    }


def main() -> None:
    """Read the texts, write their readings."""
    texts = json.load(sys.stdin)
    json.dump({t: reading(t) for t in texts}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
