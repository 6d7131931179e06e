"""The advisor's answers as wire models (``queue_server.contract``), and the page's use cases."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.hall import HallCatalogue
from queue_server.domain.simulation.advice import Recommendation
from queue_server.domain.simulation.history import Rate, day_kind, observed_waits
from queue_server.domain.simulation.summary import DayFigures, Estimate, replicate
from queue_server.messages import render
from queue_server.services.advisor import advice
from queue_server.services.advisor import hall as hall_model
from queue_server.services.advisor.ports import History, Prediction
from queue_server.services.advisor.proposal import proposal_file
from queue_server.services.desk import profiles
from queue_server.services.unit_of_work import UnitOfWork


def figure(found: Estimate) -> c.AdvisorFigure:
    """An estimate on the wire."""
    return c.AdvisorFigure(mean=round(found.mean, 1), low=round(found.low, 1), high=round(found.high, 1))


def _hours(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 1) for v in values]


def day(found: DayFigures, catalogue: HallCatalogue) -> c.AdvisorDay:
    """A simulated day on the wire (services that had tickets)."""
    return c.AdvisorDay(
        replications=found.replications,
        mean_wait=figure(found.mean_wait),
        p90_wait=figure(found.p90_wait),
        by_hour=_hours(found.by_hour),
        services=[
            c.AdvisorService(
                code=code,
                name=catalogue.by_code[code].name if code in catalogue.by_code else code,
                tickets=round(s.served, 1),
                mean_wait=figure(s.mean_wait),
                p90_wait=figure(s.p90_wait),
                over_threshold=figure(s.over_threshold),
                longest_queue=figure(s.longest_queue),
                unserved=round(s.unserved.mean, 1),
                by_hour=_hours(s.by_hour),
            )
            for code, s in sorted(found.services.items())
            if s.served or s.unserved.mean
        ],
        utilisation={n: figure(u) for n, u in sorted(found.utilisation.items())},
    )


def recommendation(uow: UnitOfWork, actor: Actor, history: History, ask: c.AdvisorAsk) -> c.AdvisorProposal:
    """The recommendation for ``ask.date`` (with the hall's work profiles as the lists to choose from)."""
    scenario, _ = advice.forecast(uow, actor, history, ask.date, ask.replications)
    catalogue = uow.catalogue(actor.hall_id)
    starts = hall_model.block_starts(catalogue, ask.date)
    kept = [p.services for p in profiles.list_profiles(uow, actor)]
    cap = ask.cap_minutes * 60 if ask.cap_minutes is not None else None
    found = advice.advise(scenario, starts, advice.constraints(scenario, kept), cap, ask.replications)
    return proposal(found, catalogue, ask.date, starts)


def proposal(
    found: Recommendation, catalogue: HallCatalogue, when: date, starts: Sequence[float]
) -> c.AdvisorProposal:
    """A recommendation on the wire, with its profile file."""
    return c.AdvisorProposal(
        date=when,
        current=day(found.current, catalogue),
        proposed=day(found.proposed, catalogue),
        gain=round(found.gain, 3),
        moves=[
            c.AdvisorMove(
                block=hall_model.clock(m.block), window=m.window, before=list(m.before), after=list(m.after)
            )
            for m in found.moves
        ],
        steps=[c.AdvisorStep(moves=s.moves, p90_wait=round(s.p90_wait, 1)) for s in found.steps],
        over_cap=list(found.over_cap),
        uncovered=[f"{hall_model.clock(at)} {code}" for at, code in found.uncovered],
        file=proposal_file(catalogue.code, when, starts, found),
    )


def what_if(uow: UnitOfWork, actor: Actor, history: History, body: c.AdvisorWhatIfIn) -> c.AdvisorWhatIf:
    """The day as it stands and with the manager's changes."""
    scenario, _ = advice.forecast(uow, actor, history, body.date, body.replications)
    changes: Mapping[str, Sequence[str]] = body.changes
    current, changed = advice.what_if(scenario, changes, body.replications)
    catalogue = uow.catalogue(actor.hall_id)
    return c.AdvisorWhatIf(current=day(current, catalogue), changed=day(changed, catalogue))


def _share(rate: Rate) -> c.AdvisorShare:
    return c.AdvisorShare(share=round(rate.share, 4), of=rate.of)


def learned(uow: UnitOfWork, actor: Actor, history: History, when: date) -> c.AdvisorLearned:
    """What the advisor learned from the weeks before ``when``, with the data behind each figure."""
    _, known = advice.forecast(uow, actor, history, when)
    catalogue = uow.catalogue(actor.hall_id)
    kind = day_kind(when, catalogue.settings.working_days)
    kind_zh, kind_en = render(f"advisor.kind.{kind}")
    rows = []
    for code, s in sorted(known.services.items()):
        rates, behind = s.rates(kind)
        rows.append(
            c.AdvisorLearnedService(
                code=code,
                name=catalogue.by_code[code].name if code in catalogue.by_code else code,
                tickets=s.tickets,
                days=sum(s.days.values()),
                peak_per_hour=round(max(rates), 2) if behind else None,
                handle_mean=round(s.handling.mean, 1) if s.handling else None,
                handle_cv=round(s.handling.cv, 3) if s.handling else None,
                handle_n=s.handling.n if s.handling else 0,
                no_show=_share(s.no_show),
                recall=_share(s.recall),
                transfer=_share(s.transfer),
                priority=_share(s.priority),
                appointment=_share(s.appointment),
                kind_days=behind,
            )
        )
    return c.AdvisorLearned(
        day=when,
        days=known.days,
        tickets=known.tickets,
        services=rows,
        kind=kind_zh,
        kind_en=kind_en,
        season_factor=round(known.season.factor, 3),
        season_days=known.season.days,
        season_baseline_days=known.season.baseline_days,
        windows=[
            c.AdvisorLearnedWindow(
                window=b.window,
                days=b.days,
                breaks=b.count,
                per_day=round(b.per_day, 2),
                mean_minutes=round(b.mean_seconds / 60, 1),
                by_hour=list(b.by_hour()),
            )
            for b in known.breaks.values()
        ],
    )


def predict(
    uow: UnitOfWork, actor: Actor, history: History, body: c.AdvisorPredictIn, source: str = "allocation"
) -> c.AdvisorPredicted:
    """Store what the advisor predicts for ``body.date`` under the allocation now (per service), so
    the next day's check compares against it instead of recomputing with hindsight."""
    scenario, _ = advice.forecast(uow, actor, history, body.date, body.replications)
    figures = advice.today(scenario, body.replications)
    kept = [
        Prediction(code, s.mean_wait.mean, s.p90_wait.mean, body.replications, source, uow.now)
        for code, s in sorted(figures.services.items())
        if s.served
    ]
    uow.stores.predictions.save(actor.hall_id, body.date, kept)
    rows = [
        c.AdvisorPredictedRow(code=p.service, mean_wait=round(p.mean_wait, 1), p90_wait=round(p.p90_wait, 1))
        for p in kept
    ]
    return c.AdvisorPredicted(date=body.date, source=source, rows=rows)


def check(
    uow: UnitOfWork, actor: Actor, history: History, when: date, replications: int = 10
) -> c.AdvisorCheck:
    """What the advisor predicted for ``when`` and what happened: the prediction stored before the
    day (``predict``) where there is one, else recomputed from the weeks before it."""
    catalogue = uow.catalogue(actor.hall_id)
    stored = {p.service: p for p in uow.stores.predictions.for_day(actor.hall_id, when)}
    predicted: dict[str, float] = {p.service: p.mean_wait for p in stored.values()}
    if not stored:
        scenario, _ = advice.forecast(uow, actor, history, when, replications)
        figures = replicate(scenario, replications)
        predicted = {k: s.mean_wait.mean for k, s in figures.services.items() if s.served}
    observed = observed_waits(history.journeys(actor.hall_id, when, when, catalogue.timezone))
    rows = []
    for code in sorted(set(observed) | set(predicted)):
        waits = observed.get(code, [])
        guess = predicted.get(code)
        rows.append(
            c.AdvisorCheckRow(
                code=code,
                name=catalogue.by_code[code].name if code in catalogue.by_code else code,
                predicted=round(guess, 1) if guess is not None else None,
                observed=round(statistics.fmean(waits), 1) if waits else None,
                observed_n=len(waits),
                stored=code in stored,
            )
        )
    latest = max(stored.values(), key=lambda p: p.made_at, default=None)
    return c.AdvisorCheck(
        date=when,
        rows=rows,
        source=latest.source if latest else "",
        made_at=latest.made_at if latest else None,
    )
