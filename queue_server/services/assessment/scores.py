"""The monthly assessment meeting: score sheets, ranking and flags, managers' entries, 模范 confirmation,
closing the month (results and flags frozen), and the 限期整改 sign on a window's screen.

An open month is computed afresh from the record each time it is read; a closed month is read back
exactly as it was frozen. Every change is an event row and an audit line with before and after.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

from queue_server import contract as c
from queue_server.domain import assessment as a
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.domain.rubric import Rubric, Sheet
from queue_server.services.assessment.facts import MonthFacts, collect, month_days
from queue_server.services.assessment.ports import Flag, NewEntry
from queue_server.services.evaluations.complaints import clerk_id
from queue_server.services.evaluations.ports import AuditLine, Person
from queue_server.services.evaluations.rubrics import rubric_of
from queue_server.services.unit_of_work import UnitOfWork


def _today(uow: UnitOfWork, hall_id: int) -> date:
    return business_day(uow.now, uow.catalogue(hall_id).timezone)


def _yellow_before(uow: UnitOfWork, hall_id: int, month: str) -> dict[str, int]:
    """黄旗 already given to each window in the same calendar year, before ``month``."""
    counts = uow.stores.assessment.yellow_counts(hall_id, month[:4] + "-01", month)
    windows = uow.catalogue(hall_id).windows
    return {windows[w].number: n for w, n in counts.items() if w in windows}


# ------------------------------------------------------------------ building the sheets


def _sections(sheet: Sheet, scored: a.Score) -> list[c.AssessmentSection]:
    names = {s.key: s for s in sheet.sections}
    return [
        c.AssessmentSection(
            key=s.key,
            name=names[s.key].name,
            name_en=names[s.key].name_en,
            max_points=s.max_points,
            deducted=s.deducted,
            score=s.score,
            lost_whole=s.lost_whole,
        )
        for s in scored.sections
    ]


def _lines(
    sheet: Sheet, scored: a.Score, facts: MonthFacts, users: dict[int, Person]
) -> list[c.AssessmentLine]:
    out = []
    lines = [(s.key, line) for s in scored.sections for line in s.lines]
    lines += [(sheet.bonus.key, line) for line in scored.bonus_lines]
    for section, line in lines:
        found = sheet.rule(line.fact.rule)
        person = users.get(line.fact.clerk) if line.fact.clerk is not None else None
        out.append(
            c.AssessmentLine(
                fact_id=line.fact.id,
                rule=line.fact.rule,
                rule_name=found[1].name if found else line.fact.rule,
                section=section,
                points=line.points,
                waived=line.waived,
                source=line.fact.source,
                clerk_staff_no=person.staff_no if person else None,
                clerk_name=person.name if person else None,
                note=line.fact.note,
                ref=dict(line.fact.ref),
                entry_id=line.fact.ref.get("entry") if line.fact.source == "manual" else None,
                waived_by_entry=facts.waived.get(line.fact.id),
            )
        )
    return out


def _window_facts(rubric: Rubric, facts: MonthFacts, waived: frozenset[str]) -> dict[str, list[a.Fact]]:
    per: dict[str, list[a.Fact]] = {w: [] for w in facts.active}
    for fact in facts.facts:
        per.setdefault(fact.window, []).append(fact)
    for window, clerks in facts.clerks_at.items():
        per.setdefault(window, []).extend(a.full_attendance(window, clerks, facts.facts, waived))
    return per


def compute(uow: UnitOfWork, hall_id: int, month: str) -> c.MonthAssessment:
    """The month's sheets from the record (the frozen results once closed)."""
    first, last = month_days(month)
    closed = uow.stores.assessment.closed_results(hall_id, month)
    if closed is not None:
        frozen = c.MonthAssessment.model_validate(closed)
        for clerk in frozen.clerks:  # months frozen before the grade key became the rubric's own
            if clerk.grade == "pass":
                clerk.grade = a.Grade.PASSING.value
        return frozen
    if first > _today(uow, hall_id):
        raise Rejected("assessment.future_month", month=month)
    rubric = rubric_of(uow, hall_id)
    facts = collect(uow, hall_id, month, rubric)
    waived = frozenset(facts.waived)
    per_window = _window_facts(rubric, facts, waived)
    scores = {w: a.score(rubric.window, fs, waived) for w, fs in per_window.items()}
    disqualified = frozenset(
        w
        for w, fs in per_window.items()
        if any(f.rule == "conduct.misconduct" and f.id not in waived for f in fs)
    )
    flags = a.flags(
        a.rank({w: s.total for w, s in scores.items()}),
        rubric.flags,
        _yellow_before(uow, hall_id, month),
        disqualified,
    )
    catalogue = uow.catalogue(hall_id)
    flag_rows = uow.stores.assessment.flags(hall_id, month)
    confirmed = {catalogue.windows[r.window_id].number for r in flag_rows if r.kind == "model"}
    everyone = {f.clerk for fs in per_window.values() for f in fs if f.clerk is not None}
    everyone |= {u for users in facts.clerks_at.values() for u in users}
    users = uow.stores.assessment.people(everyone)
    windows = []
    for window, scored in sorted(scores.items(), key=lambda item: (flags[item[0]].rank, a.natural(item[0]))):
        flag = flags[window]
        windows.append(
            c.WindowAssessment(
                window=window,
                window_name=catalogue.window(window).name,
                total=scored.total,
                deducted=scored.deducted,
                bonus=scored.bonus,
                bonus_raw=scored.bonus_raw,
                rank=flag.rank,
                model_eligible=flag.model_eligible,
                model_confirmed=window in confirmed,
                yellow=flag.yellow,
                yellow_count=flag.yellow_count,
                warning=flag.warning,
                unsatisfied=flag.unsatisfied,
                sections=_sections(rubric.window, scored),
                lines=_lines(rubric.window, scored, facts, users),
            )
        )
    clerks = _clerk_sheets(rubric, facts, per_window, waived, confirmed, users)
    return c.MonthAssessment(
        month=month, first_day=first, last_day=last, closed=False, windows=windows, clerks=clerks
    )


def _clerk_sheets(
    rubric: Rubric,
    facts: MonthFacts,
    per_window: dict[str, list[a.Fact]],
    waived: frozenset[str],
    model_windows: set[str],
    users: dict[int, Person],
) -> list[c.ClerkAssessment]:
    """Each clerk on the individual rubric: the facts naming them, +2 where their window is 模范."""
    out = []
    for user_id, person in sorted(users.items(), key=lambda item: item[1].staff_no):
        mine = [f for fs in per_window.values() for f in fs if f.clerk == user_id]
        # 出勤率100% once per person, and only with no attendance line at any window
        absent = any(f.rule.startswith("attendance.") and f.id not in waived for f in mine)
        full = [f for f in mine if f.rule == "bonus.full_attendance"]
        mine = [f for f in mine if f.rule != "bonus.full_attendance"] + ([] if absent else full[:1])
        served = {w for w, people in facts.clerks_at.items() if user_id in people}
        served |= {f.window for f in mine}
        mine += [
            a.Fact(f"bonus.model_window:window:{w}:clerk:{user_id}", "bonus.model_window", w, user_id)
            for w in sorted(served & model_windows)
        ]
        scored = a.score(rubric.individual, mine, waived)
        grade = a.grade(scored.total, rubric.grades)
        out.append(
            c.ClerkAssessment(
                staff_no=person.staff_no,
                name=person.name,
                windows=sorted(served, key=a.natural),
                total=scored.total,
                grade=grade.value,
                grade_name=a.GRADE_NAMES[grade][0],
                sections=_sections(rubric.individual, scored),
                lines=_lines(rubric.individual, scored, facts, users),
            )
        )
    return out


# ------------------------------------------------------------------ the meeting's actions


def month_assessment(uow: UnitOfWork, actor: Actor, month: str) -> c.MonthAssessment:
    """``GET /assessment/{month}`` (manager)."""
    actor.require(Permission.MANAGE_HALL)
    return compute(uow, actor.hall_id, month)


def _require_open(uow: UnitOfWork, hall_id: int, month: str) -> None:
    month_days(month)
    if uow.stores.assessment.closed_results(hall_id, month) is not None:
        raise Rejected("assessment.month_closed", month=month)


def _audit(uow: UnitOfWork, actor: Actor, action: str, subject: str, before: Any, after: Any) -> None:
    uow.record(actor, action, data={"subject": subject})
    detail = {"before": before, "after": after}
    uow.stores.assessment.audit(AuditLine(actor.hall_id, uow.now, actor.label, action, subject, detail))


def _window_of(result: c.MonthAssessment, window: str) -> c.WindowAssessment | None:
    return next((w for w in result.windows if w.window == window), None)


def add_entry(uow: UnitOfWork, actor: Actor, month: str, body: c.NewAssessmentEntry) -> c.WindowAssessment:
    """A manager's item with its reason: a rubric rule counted, or a measured fact waived."""
    actor.require(Permission.MANAGE_HALL)
    _require_open(uow, actor.hall_id, month)
    before = compute(uow, actor.hall_id, month)
    window = uow.catalogue(actor.hall_id).window(body.window)
    rubric = rubric_of(uow, actor.hall_id)
    if body.waives:
        old = _window_of(before, body.window)
        if old is None or not any(
            line.fact_id == body.waives and line.source == "measured" for line in old.lines
        ):
            raise Rejected("assessment.unknown_fact", fact=body.waives)
    elif body.rule:
        found = rubric.window.rule(body.rule) or rubric.individual.rule(body.rule)
        if found is None:
            raise Rejected("assessment.unknown_rule", rule=body.rule)
        if body.points is not None:
            found[1].check_points(body.points, body.count)
    else:
        raise Rejected("assessment.rule_or_waiver")
    new = NewEntry(
        hall_id=actor.hall_id,
        month=month,
        window_id=window.id,
        clerk_user_id=clerk_id(uow, actor.hall_id, body.clerk_staff_no),
        rule="waive" if body.waives else body.rule or "",
        count=body.count,
        points=body.points,
        waives=body.waives,
        reason=body.reason,
        created_at=uow.now,
        created_by=actor.label,
    )
    entry = uow.stores.assessment.add_entry(new)
    values = asdict(new)
    after = _window_of(compute(uow, actor.hall_id, month), body.window)
    old_window = _window_of(before, body.window)
    _audit(
        uow,
        actor,
        "assessment.entry",
        f"assessment:{month}:entry:{entry}",
        {"total": old_window.total if old_window else None},
        {
            **{k: v for k, v in values.items() if k not in ("created_at", "hall_id")},
            "total": after.total if after else None,
        },
    )
    if after is None:  # cannot happen: the entry makes the window part of the month
        raise NotFound("window.not_found", number=body.window)
    return after


def withdraw_entry(uow: UnitOfWork, actor: Actor, month: str, entry_id: int) -> c.MonthAssessment:
    """Withdraw a manager's item (kept in the record, marked withdrawn)."""
    actor.require(Permission.MANAGE_HALL)
    _require_open(uow, actor.hall_id, month)
    row = uow.stores.assessment.entry(entry_id)
    if row is None or row.hall_id != actor.hall_id or row.month != month or row.withdrawn_at is not None:
        raise NotFound("assessment.entry_not_found")
    uow.stores.assessment.withdraw_entry(entry_id, uow.now, actor.label)
    _audit(
        uow,
        actor,
        "assessment.entry_withdrawn",
        f"assessment:{month}:entry:{entry_id}",
        {"withdrawn": False, "rule": row.rule, "reason": row.reason},
        {"withdrawn": True},
    )
    return compute(uow, actor.hall_id, month)


def confirm_model(uow: UnitOfWork, actor: Actor, month: str, body: c.ConfirmModel) -> c.MonthAssessment:
    """The manager confirms (or withdraws) a 模范窗口 among the eligible top windows."""
    actor.require(Permission.MANAGE_HALL)
    _require_open(uow, actor.hall_id, month)
    result = compute(uow, actor.hall_id, month)
    found = _window_of(result, body.window)
    window_id = uow.catalogue(actor.hall_id).window(body.window).id
    if body.confirmed and (found is None or not found.model_eligible):
        raise Rejected("assessment.not_eligible", window=body.window)
    store = uow.stores.assessment
    store.remove_flag(actor.hall_id, month, window_id, "model")
    if body.confirmed:
        store.add_flag(Flag(actor.hall_id, month, window_id, "model", uow.now, actor.label, note=body.note))
    _audit(
        uow,
        actor,
        "assessment.model",
        f"assessment:{month}:window:{body.window}",
        {"model": bool(found and found.model_confirmed)},
        {"model": body.confirmed, "note": body.note},
    )
    return compute(uow, actor.hall_id, month)


def close_month(uow: UnitOfWork, actor: Actor, month: str) -> c.MonthAssessment:
    """结账: freeze the sheets, record 黄旗, warnings and 群众不满意窗口 (with the week's 限期整改 sign)."""
    actor.require(Permission.MANAGE_HALL)
    _require_open(uow, actor.hall_id, month)
    _, last = month_days(month)
    today = _today(uow, actor.hall_id)
    if today <= last:
        raise Rejected("assessment.month_open", month=month)
    result = compute(uow, actor.hall_id, month)
    rubric = rubric_of(uow, actor.hall_id)
    catalogue = uow.catalogue(actor.hall_id)
    until = today + timedelta(days=rubric.flags.sign_days - 1)
    for w in result.windows:
        kinds = [
            k
            for k, on in (("yellow", w.yellow), ("warning", w.warning), ("unsatisfied", w.unsatisfied))
            if on
        ]
        for kind in kinds:
            sign = kind == "unsatisfied"
            flag = Flag(actor.hall_id, month, catalogue.window(w.window).id, kind, uow.now, actor.label)
            uow.stores.assessment.add_flag(replace(flag, sign_from=today, sign_until=until) if sign else flag)
        if w.unsatisfied:
            w.sign_from, w.sign_until = today, until
            uow.emit(
                actor.hall_id,
                "window.sign",
                (f"window:{w.window}", "manager"),
                {"window": w.window, "rectification_until": until.isoformat()},
            )
    frozen = result.model_copy(update={"closed": True, "closed_at": uow.now, "closed_by": actor.label})
    results = frozen.model_dump(mode="json")
    uow.stores.assessment.close_month(actor.hall_id, month, uow.now, actor.label, results)
    summary = [
        {
            "window": w.window,
            "total": w.total,
            "rank": w.rank,
            "yellow": w.yellow,
            "unsatisfied": w.unsatisfied,
        }
        for w in frozen.windows
    ]
    _audit(
        uow,
        actor,
        "assessment.closed",
        f"assessment:{month}",
        {"closed": False},
        {"closed": True, "windows": summary},
    )
    return frozen


def rectification_until(uow: UnitOfWork, hall_id: int, window_id: int) -> date | None:
    """The last day of the window's 限期整改窗口 sign when one shows today, else None."""
    return uow.stores.assessment.sign_until(hall_id, window_id, _today(uow, hall_id))
