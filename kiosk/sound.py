"""The kiosk's loudspeaker: one WAV clip at a time, freed as soon as it ends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.audio import SoundLoader


class Speaker:
    """Plays clips from any thread; ``voice_on`` says (at play time) whether they are heard."""

    def __init__(self, voice_on: Callable[[], bool]) -> None:
        self._voice_on = voice_on
        self._sound: Any = None

    def play(self, path: Path) -> None:
        """Play a WAV clip (from any thread), cutting off the one playing."""

        def start(_dt: float) -> None:
            if self._sound is not None:
                old, self._sound = self._sound, None
                old.stop()
                old.unload()
            sound = SoundLoader.load(str(path))
            if sound is None:
                return
            self._sound = sound
            sound.bind(on_stop=self._done)
            if self._voice_on():
                sound.play()
            else:
                self._done(sound)

        Clock.schedule_once(start)

    def hush(self) -> None:
        """Stop the clip playing (voice switched off)."""
        if self._sound is not None:
            self._sound.stop()

    def _done(self, sound: Any) -> None:
        """A clip ended: free it (decoded to the sound device's format it takes several MB)."""
        if sound is self._sound:
            self._sound = None
        sound.unload()
