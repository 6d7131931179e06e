"""投诉 and praise: the categories of the seeds' complaint rules, the verification lifecycle, and
how a verified complaint counts in the assessment.

Zhenlai 投诉处理办法 第三条 lists six categories; 第四条 asks for each complaint to be registered
accurately and its outcome reported back to the complainant. A complaint is *pending* until the
督查科 has investigated, then *verified* (查实) or *unfounded* (不属实); the outcome is reported back
once, after the verdict. A verified complaint deducts 5–10 points (the points are chosen at
verification); verified 索、拿、卡、要 also empties the conduct section and makes the window a
群众不满意窗口.
"""

from __future__ import annotations

from enum import StrEnum

from queue_server.domain.assessment import Fact
from queue_server.domain.errors import Rejected


class Category(StrEnum):
    """投诉内容 (第三条)."""

    WRONGLY_REFUSED = "wrongly_refused"  # 认为应当予以批准但窗口单位认定为否定件
    OVERDUE = "overdue"  # 办件超过规定时限
    FEES = "fees"  # 收费不符合规定
    ATTITUDE = "attitude"  # 对服务态度不满意
    MISCONDUCT = "misconduct"  # 索、拿、卡、要等不廉洁行为
    OTHER = "other"  # 其他


class Verdict(StrEnum):
    """Where the investigation stands."""

    PENDING = "pending"
    VERIFIED = "verified"  # 经查属实
    UNFOUNDED = "unfounded"  # 经调查不属实


class PraiseKind(StrEnum):
    """表扬: 锦旗, 表扬信 (and thank-you calls and the like)."""

    LETTER = "letter"
    BANNER = "banner"
    OTHER = "other"


def check_verdict(current: Verdict, new: Verdict) -> None:
    """A complaint is judged once: pending → verified | unfounded."""
    if current is not Verdict.PENDING:
        raise Rejected("complaint.already_judged", verdict=current.value)
    if new is Verdict.PENDING:
        raise Rejected("complaint.verdict_required")


def check_report(verdict: Verdict, reported: bool) -> None:
    """The outcome goes back to the complainant once, after the verdict."""
    if verdict is Verdict.PENDING:
        raise Rejected("complaint.not_judged")
    if reported:
        raise Rejected("complaint.already_reported")


def complaint_facts(
    complaint_id: int, window: str, clerk: int | None, category: Category, points: float | None
) -> list[Fact]:
    """What a verified complaint counts: the extra deduction, and the whole conduct section for 索拿卡要."""
    ref = {"complaint": complaint_id, "category": category.value}
    facts = [
        Fact(
            f"results.complaint:complaint:{complaint_id}", "results.complaint", window, clerk, 1, points, ref
        )
    ]
    if category is Category.MISCONDUCT:
        facts.append(
            Fact(f"conduct.misconduct:complaint:{complaint_id}", "conduct.misconduct", window, clerk, ref=ref)
        )
    return facts
