"""The one message catalogue: every user-facing error and notice, zh-CN first, English second.

Kept free of imports beyond the standard library so the kiosk, the board and the bridge can use it.
Messages are ``str.format`` templates filled from an error's fields.
"""

from __future__ import annotations

from typing import Final

CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    # tickets
    "ticket.not_found": ("找不到该号票。", "Ticket not found."),
    "ticket.illegal_transition": (
        "号票 {number} 当前为“{status}”，不能执行“{action}”。",
        "Ticket {number} is {status}; cannot {action}.",
    ),
    "ticket.recall_limit": (
        "号票 {number} 已重呼 {recalls} 次，达到上限。",
        "Ticket {number} has been recalled {recalls} times, the limit.",
    ),
    "ticket.idempotency_conflict": (
        "该请求编号已用于另一张号票。",
        "This idempotency key was already used for a different ticket.",
    ),
    "ticket.priority_not_allowed": ("该事项不设优先通道。", "This service has no priority channel."),
    "ticket.invalid_id_number": ("身份证号码无效。", "Invalid ID card number."),
    "ticket.invalid_phone": ("手机号码无效。", "Invalid mobile phone number."),
    "ticket.id_required": (
        "本大厅实行实名取号，请输入身份证号码。",
        "This hall requires your ID card number.",
    ),
    "ticket.person_limit": (
        "您今日已取“{name}”号 {count} 次，达到上限。",
        "You have taken {count} tickets for {name} today, the limit.",
    ),
    "ticket.lookup_needs_key": ("请输入身份证号码或手机号码。", "Give an ID card or phone number."),
    # services and numbering
    "service.not_found": ("找不到事项 {code}。", "Service {code} not found."),
    "service.daily_cap_reached": (
        "“{name}”今日号已取完（每日 {cap} 个）。",
        "Today's tickets for {name} are gone ({cap} a day).",
    ),
    "service.no_window": ("“{name}”目前没有窗口办理。", "No window serves {name} at present."),
    # hall hours
    "hall.not_found": ("找不到大厅 {code}。", "Hall {code} not found."),
    "hall.closed_today": ("今日不办公。", "The hall is closed today."),
    "hall.not_open_yet": ("尚未开始取号，取号时间 {opens}。", "Not open yet; tickets from {opens}."),
    "hall.lunch_break": ("午休时间暂停取号，{opens} 恢复。", "Lunch break; tickets again from {opens}."),
    "hall.after_cutoff": ("今日取号已截止。", "Ticket issuing has closed for today."),
    # windows
    "window.not_found": ("找不到 {number} 号窗口。", "Window {number} not found."),
    "window.not_open": ("{number} 号窗口未在服务中。", "Window {number} is not open."),
    "window.busy": (
        "{number} 号窗口正在办理 {ticket}，请先办结或转移。",
        "Window {number} is serving {ticket}; conclude or transfer it first.",
    ),
    "window.nothing_waiting": ("当前没有等候的号。", "Nobody is waiting."),
    "window.no_current_ticket": ("{number} 号窗口当前没有号。", "Window {number} has no current ticket."),
    "window.ticket_not_here": (
        "号票 {ticket} 不在 {number} 号窗口。",
        "Ticket {ticket} is not at window {number}.",
    ),
    "case.not_found": ("找不到该办件。", "Case not found."),
    "case.missing_items_required": ("补正须勾选缺少的材料。", "Tick the missing materials."),
    "case.unknown_material": ("材料不在办事指南清单中：{items}", "Not on the guide's checklist: {items}"),
    "case.reasons_required": ("不予受理须说明理由。", "Give the reasons for refusing."),
    "case.referral_required": ("转办须写明转往何处。", "Say where the case is referred to."),
    "case.not_open": ("该办件已办结。", "This case is already completed."),
    "case.not_owner": ("只有承办人可以查看完整号码。", "Only the case owner may see the full number."),
    "case.no_notice": ("该号没有补正告知书。", "This ticket has no correction notice."),
    "alert.not_found": ("找不到该告警。", "Alert not found."),
    "assignment.invalid": ("窗口分配无效：{detail}", "Invalid window assignment: {detail}"),
    # auth
    "auth.required": ("请先登录或提供令牌。", "Log in or give a token."),
    "auth.invalid_token": ("令牌无效或已吊销。", "Invalid or revoked token."),
    "auth.forbidden": ("无权执行此操作。", "Not allowed."),
    "auth.wrong_window": ("只能操作本人登录的 {number} 号窗口。", "You may act only on window {number}."),
    "auth.bad_credentials": ("工号或密码错误。", "Wrong staff number or password."),
    "auth.csrf": ("页面已过期，请刷新后重试。", "The page expired; reload and try again."),
    # generic
    "request.invalid": ("请求格式有误：{detail}", "Malformed request: {detail}"),
    "server.busy": ("系统繁忙，请稍后再试。", "The system is busy; try again shortly."),
    "server.error": ("系统内部错误，已记录。", "Internal error; it has been logged."),
    "not_found": ("找不到该页面或资源。", "Not found."),
}

# Ticket status names as people say them, for screens and messages.
STATUS_NAMES: Final[dict[str, tuple[str, str]]] = {
    "waiting": ("等候中", "waiting"),
    "called": ("已呼叫", "called"),
    "serving": ("办理中", "being served"),
    "parked": ("挂起", "parked"),
    "no_show": ("过号", "no-show"),
    "concluded": ("已办结", "concluded"),
    "cancelled": ("已取消", "cancelled"),
    "expired": ("已过期", "expired"),
}


def render(code: str, fields: dict[str, object] | None = None) -> tuple[str, str]:
    """Return the (zh-CN, en) message for an error code, filled with its fields."""
    zh, en = CATALOGUE.get(code, CATALOGUE["server.error"])
    values = _Fields(fields or {})
    return zh.format_map(values), en.format_map(values)


class _Fields(dict[str, object]):
    """A format map that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
