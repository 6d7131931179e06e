"""The proposal as a profile file: per time block, work profiles and the windows to give them.

``hallq advise`` writes it; ``hallq apply-proposal`` (or the manager page) applies a block of it
through the audited work-profile API (``services.desk.profiles``): a profile is created when no
profile of the hall has its name, then applied to its windows in one step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.simulation.advice import Recommendation
from queue_server.services.advisor.hall import clock
from queue_server.services.desk import profiles
from queue_server.services.unit_of_work import UnitOfWork

FORMAT = "hallq.allocation-proposal/1"


def profile_name(day: date, start: float, services: Sequence[str]) -> str:
    """A readable, stable name: 建议 2026-03-03 09:00 BDC+SB."""
    return f"建议 {day.isoformat()} {clock(start)} {'+'.join(services)}"[:100]


def proposal_file(hall: str, day: date, starts: Sequence[float], found: Recommendation) -> dict[str, Any]:
    """The file's content: the changed windows per block, grouped by the service list they get."""
    blocks = []
    for start in starts:
        grouped: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for move in found.moves:
            if move.block == start:
                grouped[move.after].append(move.window)
        blocks.append(
            {
                "start": clock(start),
                "profiles": [
                    {
                        "name": profile_name(day, start, services),
                        "services": list(services),
                        "windows": windows,
                    }
                    for services, windows in sorted(grouped.items())
                ],
            }
        )
    return {
        "format": FORMAT,
        "hall": hall,
        "date": day.isoformat(),
        "expected": {
            "current_p90_minutes": round(found.current.p90_wait.mean / 60, 1),
            "proposed_p90_minutes": round(found.proposed.p90_wait.mean / 60, 1),
            "gain": round(found.gain, 3),
        },
        "blocks": blocks,
    }


def apply_block(uow: UnitOfWork, actor: Actor, content: dict[str, Any], start: str) -> list[str]:
    """Apply the block starting at ``start`` (HH:MM) of a proposal file; the windows changed."""
    if content.get("format") != FORMAT:
        raise Rejected("advisor.bad_file")
    block = next((b for b in content.get("blocks", []) if b.get("start") == start), None)
    if block is None:
        raise NotFound("advisor.no_block", start=start)
    existing = {p.name: p for p in profiles.list_profiles(uow, actor)}
    changed: list[str] = []
    for item in block["profiles"]:
        profile = existing.get(item["name"])
        if profile is None:
            body = c.WorkProfileIn(name=item["name"], services=item["services"])
            profile = profiles.save_profile(uow, actor, body)
        applied = profiles.apply_profile(uow, actor, profile.id, c.ApplyProfile(windows=item["windows"]))
        changed.extend(a.window for a in applied)
    return changed
