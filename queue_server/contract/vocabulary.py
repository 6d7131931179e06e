"""The hall's words on the wire: roles, priority classes, window and service kinds, policy modes."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a token or a login speaks for; each may do only what its role needs."""

    KIOSK = "kiosk"
    BOARD = "board"
    EVALUATOR = "evaluator"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"
    GUIDE = "guide"  # 导办/帮办: lobby staff with a tablet (issue, book, check in, confirm priority)
    CITY = "city"  # 政务服务管理局: reads every hall's figures side by side, changes nothing


class PriorityClass(StrEnum):
    """Groups served first (绿色通道); self-declared at the kiosk, confirmed by the clerk."""

    GREEN = "green"  # 绿色通道 (key projects)
    ELDERLY = "elderly"  # 老年人
    DISABLED = "disabled"  # 残疾人
    PREGNANT = "pregnant"  # 孕妇
    MILITARY = "military"  # 军人
    OTHER = "other"


class WindowType(StrEnum):
    """综合 / 专业 / 绿色通道 / 咨询."""

    COMPREHENSIVE = "comprehensive"
    SPECIALISED = "specialised"
    GREEN_CHANNEL = "green_channel"
    ENQUIRY = "enquiry"


class WindowStatus(StrEnum):
    """Whether a window takes calls."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class PauseReason(StrEnum):
    """Why a window paused; ``away`` (暂离) shows "临时有事，请稍候" on its screen."""

    AWAY = "away"  # 暂离
    MEETING = "meeting"  # 会议
    LUNCH = "lunch"  # 午休
    OTHER = "other"


class ServiceCategory(StrEnum):
    """The "6+1" kinds of service item."""

    LICENSING = "licensing"  # 行政许可
    PAYMENT = "payment"  # 行政给付
    CONFIRMATION = "confirmation"  # 行政确认
    REWARD = "reward"  # 行政奖励
    ADJUDICATION = "adjudication"  # 行政裁决
    OTHER_POWER = "other_power"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


class CaseType(StrEnum):
    """即办件 / 承诺件 / 联办件 / 上报件."""

    IMMEDIATE = "immediate"
    PROMISED = "promised"
    JOINT = "joint"
    REPORTED = "reported"


class PolicyMode(StrEnum):
    """How a window weighs its services (see queue_server.domain.policy)."""

    STRICT = "strict"
    OLDEST = "oldest"
    WEIGHTED = "weighted"
