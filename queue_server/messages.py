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
    # 好差评
    "evaluation.not_found": ("找不到该评价。", "Evaluation not found."),
    "evaluation.already_rated": ("该办件已评价，不能重复评价。", "This case has already been rated."),
    "evaluation.closed": ("评价时限已过。", "The time to rate this case has passed."),
    "evaluation.bad_reasons": (
        "差评原因无效（仅不满意、非常不满意可选原因）。",
        "Invalid reasons (only for dissatisfied ratings).",
    ),
    "follow_up.not_found": ("找不到该差评整改件。", "Follow-up case not found."),
    "follow_up.wrong_stage": ("该整改件当前处于“{stage}”环节。", "This follow-up is at stage {stage}."),
    "follow_up.note_required": ("请填写处理情况。", "Describe what was done."),
    "follow_up.satisfaction_required": ("请记录回访是否满意。", "Record whether the citizen was satisfied."),
    "follow_up.owner_required": ("请指定责任人。", "Name the owner."),
    # appointments (预约)
    "appointment.not_found": ("找不到该预约。", "Booking not found."),
    "appointment.invalid_code": ("预约码应为 8 位字母或数字。", "A booking code has 8 letters or digits."),
    "appointment.slot_not_found": ("找不到该预约时段。", "Appointment slot not found."),
    "appointment.slot_not_working_day": (
        "{day} 不是工作日，不能设预约时段。",
        "{day} is not a working day; no appointment slots.",
    ),
    "appointment.slot_exists": (
        "该事项 {day} {start} 已有预约时段。",
        "This service already has a slot at {start} on {day}.",
    ),
    "appointment.slot_past": ("该预约时段已过。", "This slot is over."),
    "appointment.slot_closed": ("该时段已停止预约。", "This slot no longer takes bookings."),
    "appointment.slot_full": ("该时段已约满（{capacity} 个）。", "This slot is fully booked ({capacity})."),
    "appointment.below_booked": (
        "容量不能少于已预约数 {booked}。",
        "The capacity cannot be below the {booked} places booked.",
    ),
    "appointment.other_service": (
        "只能改约到同一事项的时段。",
        "A booking can move only to a slot of the same service.",
    ),
    "appointment.cancelled": ("该预约已取消。", "This booking was cancelled."),
    "appointment.checked_in": (
        "该预约已签到取号（{ticket}）。",
        "This booking has already checked in (ticket {ticket}).",
    ),
    "appointment.missed": ("该预约已过时未到，记为爽约。", "This booking was missed."),
    "appointment.too_early": (
        "您预约的是 {day} {start}，{opens} 起可签到取号。",
        "Your slot is {day} {start}; check-in opens at {opens}.",
    ),
    "appointment.too_late": (
        "已过签到时间（{until} 截止），本次预约记为爽约，未出号。请现场取号或重新预约。",
        "Check-in closed at {until}: the booking is recorded as missed and no ticket was issued. "
        "Take a ticket or book again.",
    ),
    "assignment.invalid": ("窗口分配无效：{detail}", "Invalid window assignment: {detail}"),
    # auth
    "auth.required": ("请先登录或提供令牌。", "Log in or give a token."),
    "auth.invalid_token": ("令牌无效或已吊销。", "Invalid or revoked token."),
    "auth.forbidden": ("无权执行此操作。", "Not allowed."),
    "auth.wrong_window": ("只能操作本人登录的 {number} 号窗口。", "You may act only on window {number}."),
    "auth.bad_credentials": ("工号或密码错误。", "Wrong staff number or password."),
    "auth.csrf": ("页面已过期，请刷新后重试。", "The page expired; reload and try again."),
    # kiosk (自助取号机): screens, printed ticket, voice prompts (kiosk/)
    "kiosk.title": ("自助取号机", "Self-service kiosk"),
    "kiosk.clock": ("{month}月{day}日 星期{weekday} {time}", "{weekday} {day} {month} {time}"),
    "kiosk.weekdays": ("一二三四五六日", "Mon Tue Wed Thu Fri Sat Sun"),
    "kiosk.months": ("1 2 3 4 5 6 7 8 9 10 11 12", "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"),
    "kiosk.other_language": ("English", "中文"),
    "kiosk.large_print": ("大字", "Large print"),
    "kiosk.contrast": ("高对比", "High contrast"),
    "kiosk.voice_on": ("语音：开", "Voice: on"),
    "kiosk.voice_off": ("语音：关", "Voice: off"),
    "kiosk.back": ("返回", "Back"),
    "kiosk.home": ("首页", "Start"),
    "kiosk.ok": ("知道了", "OK"),
    "kiosk.cancel": ("取消", "Cancel"),
    "kiosk.minutes": ("约 {minutes} 分钟", "about {minutes} min"),
    "kiosk.no_estimate": ("暂无法估计", "not known yet"),
    "kiosk.offline": (
        "暂时无法连接服务器，正在自动重新连接。如需办理请稍候或咨询工作人员。",
        "Cannot reach the server; reconnecting by itself. Please wait or ask a member of staff.",
    ),
    "kiosk.printer_banner": (
        "{problem}：号码将显示在屏幕上，工作人员已收到提醒。",
        "{problem}: your number will be shown on screen; staff have been alerted.",
    ),
    "kiosk.problem.paper_out": ("打印机缺纸", "The printer is out of paper"),
    "kiosk.problem.cover_open": ("打印机舱盖未关", "The printer cover is open"),
    "kiosk.problem.offline": ("打印机未连接", "The printer is not responding"),
    "kiosk.problem.error": ("打印机故障", "The printer has a fault"),
    "kiosk.start.heading": ("请选择办理事项", "Choose the service you need"),
    "kiosk.start.search_hint": ("搜索：事项名称或拼音首字母", "Search: name or pinyin initials"),
    "kiosk.start.letters": ("字母键盘", "Letters"),
    "kiosk.start.clear": ("清除", "Clear"),
    "kiosk.start.all": ("全部", "All"),
    "kiosk.start.queue": ("等候 {waiting} 人 · {wait}", "{waiting} waiting · {wait}"),
    "kiosk.start.loading": ("正在载入办理事项……", "Loading the services…"),
    "kiosk.start.no_results": (
        "没有找到与“{query}”相关的事项，请换个词，或咨询工作人员。",
        "Nothing matches “{query}”; try another word or ask a member of staff.",
    ),
    "kiosk.start.reprint": ("补打号票", "Reprint my ticket"),
    "kiosk.start.checkin": ("预约签到", "I have a booking"),
    "kiosk.guide.queue": (
        "当前等候 {waiting} 人，预计等候{wait}",
        "{waiting} waiting now; expected wait {wait}",
    ),
    "kiosk.guide.conditions": ("受理条件", "Who can apply"),
    "kiosk.guide.materials": (
        "申请材料（一次性告知，共 {count} 项）",
        "What to bring (the complete list: {count})",
    ),
    "kiosk.guide.copies": (
        "原件 {originals} 份，复印件 {copies} 份",
        "originals: {originals}, copies: {copies}",
    ),
    "kiosk.guide.originals": ("原件 {originals} 份", "originals: {originals}"),
    "kiosk.guide.steps": ("办理流程", "Steps"),
    "kiosk.guide.limits": ("办理时限", "Time limits"),
    "kiosk.guide.legal_limit": ("法定时限 {days} 个工作日", "legal limit {days} working days"),
    "kiosk.guide.promised_limit": ("承诺时限 {days} 个工作日", "promised in {days} working days"),
    "kiosk.guide.on_the_spot": ("当场办结", "done on the spot"),
    "kiosk.guide.fee": ("收费标准", "Fee"),
    "kiosk.guide.result": ("办理结果", "You receive"),
    "kiosk.guide.location": ("办理地点", "Where"),
    "kiosk.guide.hours": ("办公时间", "Opening hours"),
    "kiosk.guide.phones": (
        "咨询电话 {consult}　投诉电话 {complaint}",
        "Enquiries {consult}   Complaints {complaint}",
    ),
    "kiosk.guide.visits": ("到现场次数：{visits} 次", "Visits needed: {visits}"),
    "kiosk.guide.basis": ("设定依据", "Legal basis"),
    "kiosk.guide.contact": ("咨询投诉", "Phone numbers"),
    "kiosk.guide.take": ("取号", "Take a ticket"),
    "kiosk.guide.options": ("实名 / 手机 / 优先", "ID, phone, priority"),
    "kiosk.take.heading": ("取号：{service}", "Ticket for: {service}"),
    "kiosk.take.id_number": ("身份证号码（选填）", "ID card number (optional)"),
    "kiosk.take.id_required": (
        "身份证号码（本大厅实名取号，必填）",
        "ID card number (required in this hall)",
    ),
    "kiosk.take.phone": (
        "手机号码（选填，丢失号票时可凭此补打）",
        "Mobile number (optional; to reprint a lost ticket)",
    ),
    "kiosk.take.tap_to_type": ("点此输入", "tap to type"),
    "kiosk.take.priority": ("优先办理（绿色通道）", "Priority service"),
    "kiosk.take.priority_note": (
        "选择优先的，请到窗口出示相关证件，由工作人员确认。",
        "If you choose priority, show proof at the window; the clerk confirms it.",
    ),
    "kiosk.take.confirm": ("确认取号", "Take the ticket"),
    "kiosk.take.bad_id": (
        "身份证号码校验不通过，请核对后重新输入。",
        "That ID card number does not check out; please check it and type it again.",
    ),
    "kiosk.take.bad_phone": (
        "手机号码应为 11 位数字，请核对。",
        "A mobile number has 11 digits; please check it.",
    ),
    "kiosk.priority.elderly": ("老年人", "Elderly"),
    "kiosk.priority.disabled": ("残疾人", "Disabled"),
    "kiosk.priority.pregnant": ("孕妇", "Pregnant"),
    "kiosk.priority.military": ("军人", "Military"),
    "kiosk.priority.green": ("重点项目", "Key project"),
    "kiosk.priority.other": ("其他", "Other"),
    "kiosk.key.delete": ("退格", "Delete"),
    "kiosk.key.clear": ("清空", "Clear"),
    "kiosk.busy.issuing": ("正在取号，请稍候……", "Taking your ticket…"),
    "kiosk.busy.working": ("正在处理，请稍候……", "One moment…"),
    "kiosk.busy.retrying": (
        "暂时连不上服务器，正在重试（第 {attempt} 次）……请不要离开。",
        "Cannot reach the server; trying again (attempt {attempt})… please stay.",
    ),
    "kiosk.busy.unreachable": (
        "服务器暂时无法连接，没有取到号。请稍后再试，或到咨询台由工作人员帮您取号。",
        "The server cannot be reached and no ticket was issued. Try again shortly, or ask at the help desk.",
    ),
    "kiosk.ticket.heading": ("取号成功", "Here is your ticket"),
    "kiosk.ticket.take_paper": (
        "请取走号票，留意屏幕和语音叫号。",
        "Take your ticket and watch the screens for your number.",
    ),
    "kiosk.ticket.your_number": ("您的号码", "Your number"),
    "kiosk.ticket.ahead": ("前面还有 {count} 人", "{count} ahead of you"),
    "kiosk.ticket.wait": ("预计等候{wait}", "Expected wait {wait}"),
    "kiosk.ticket.where": ("办理地点：{location}", "Go to: {location}"),
    "kiosk.ticket.priority": (
        "已申请优先（{kind}），请到窗口出示证件",
        "Priority asked ({kind}): show proof at the window",
    ),
    "kiosk.ticket.scan": (
        "手机扫码：查看排队进度和完整材料清单",
        "Scan: follow the queue and see the full checklist",
    ),
    "kiosk.ticket.issued_at": ("取号时间 {time}", "Issued at {time}"),
    "kiosk.ticket.not_printed": ("号票未能打印", "The ticket could not be printed"),
    "kiosk.ticket.print_failed": (
        "{problem}，号票未能打印。您的号码有效：请记下号码，或用手机扫码保存。工作人员已收到提醒。",
        "{problem}, so the ticket was not printed. Your number is valid: note it, or scan the code "
        "with your phone. Staff have been alerted.",
    ),
    "kiosk.ticket.print_cancelled": (
        "{problem}，号票未能打印，该号已作废。请到咨询台由工作人员帮您取号。",
        "{problem}, so the ticket was not printed and the number was cancelled. Please go to the help desk.",
    ),
    "kiosk.ticket.reprinted": (
        "已补打第 {paper} 联，之前的号票作废。",
        "Copy {paper} printed; earlier copies are void.",
    ),
    "kiosk.ticket.checked_in": ("预约签到成功", "You are checked in"),
    "kiosk.ticket.done": ("完成", "Done"),
    "kiosk.ticket.returning": ("{seconds} 秒后返回首页", "Back to the start in {seconds} s"),
    "kiosk.reprint.heading": ("补打号票", "Reprint a lost ticket"),
    "kiosk.reprint.hint": (
        "请输入取号时留下的手机号码或身份证号码",
        "Type the mobile or ID card number you gave when you took the ticket",
    ),
    "kiosk.reprint.by_phone": ("按手机号码", "By mobile number"),
    "kiosk.reprint.by_id": ("按身份证号码", "By ID card number"),
    "kiosk.reprint.find": ("查找", "Find"),
    "kiosk.reprint.none": ("没有找到今天有效的号票。", "No valid ticket today for that number."),
    "kiosk.reprint.item": ("{number}　{service}　{time}　补打", "{number}  {service}  {time}  Reprint"),
    "kiosk.checkin.heading": ("预约签到", "Appointment check-in"),
    "kiosk.checkin.hint": (
        "请输入预约短信中的 8 位预约码（字母或数字）",
        "Type the 8-character code from your booking message (letters or digits)",
    ),
    "kiosk.checkin.submit": ("签到取号", "Check in"),
    "kiosk.checkin.unavailable": (
        "本大厅暂未开通预约签到，请到咨询台。",
        "Appointment check-in is not available here; please go to the help desk.",
    ),
    "kiosk.paper.number": ("您的号码", "Your number"),
    "kiosk.paper.ahead": ("前面还有 {count} 人", "{count} ahead of you"),
    "kiosk.paper.wait": ("预计等候{wait}", "Expected wait {wait}"),
    "kiosk.paper.where": ("办理地点：{location}", "Go to: {location}"),
    "kiosk.paper.priority": ("优先：{kind}（请出示证件）", "Priority: {kind} (show proof)"),
    "kiosk.paper.appointment": ("预约号（已签到）", "Booked appointment (checked in)"),
    "kiosk.paper.materials": ("请备齐以下材料：", "Please bring:"),
    "kiosk.paper.more": ("……共 {count} 项，完整清单请扫码", "…{count} items in all: scan for the full list"),
    "kiosk.paper.scan": ("扫码查看排队进度", "Scan to follow the queue"),
    "kiosk.paper.time": ("取号时间：{time}", "Issued: {time}"),
    "kiosk.paper.copy": ("补打第 {paper} 联，之前的号票作废", "Copy {paper}: earlier copies are void"),
    "kiosk.paper.footer": ("请留意屏幕及语音叫号，过号请到咨询台", "Watch the screens for your number"),
    "kiosk.voice.start": (
        "您好，欢迎使用自助取号机。请点击要办理的事项，也可以搜索。",
        "Welcome. Tap the service you need, or search for it.",
    ),
    "kiosk.voice.guide": (
        "这是{service}的办事指南，请核对需要的材料，然后点击取号。",
        "This is the guide for {service}. Check what to bring, then tap Take a ticket.",
    ),
    "kiosk.voice.take": (
        "请选择是否优先办理，身份证号和手机号可以不填，然后点击确认取号。",
        "Choose priority if it applies; the ID and phone numbers are optional. Then tap Take the ticket.",
    ),
    "kiosk.voice.ticket": (
        "取号成功，您的号码是{number}。请取走号票，留意叫号。",
        "Your number is {number}. Please take your ticket and watch for your number.",
    ),
    "kiosk.voice.unprinted": (
        "号票未能打印，您的号码是{number}，请记下号码。",
        "The ticket could not be printed. Your number is {number}; please note it.",
    ),
    "kiosk.voice.reprint": (
        "请输入取号时留下的手机号码或身份证号码。",
        "Type the mobile or ID number you gave.",
    ),
    "kiosk.voice.checkin": ("请输入预约码，然后点击签到取号。", "Type your booking code, then tap Check in."),
    # generic
    "request.invalid": ("请求格式有误：{detail}", "Malformed request: {detail}"),
    "server.busy": ("系统繁忙，请稍后再试。", "The system is busy; try again shortly."),
    "server.error": ("系统内部错误，已记录。", "Internal error; it has been logged."),
    "not_found": ("找不到该页面或资源。", "Not found."),
    # display board (综合屏), window screens (窗口屏), the citizen's ticket page, voice (display_board/)
    "board.title": ("综合屏", "Lobby board"),
    "board.call": ("请 {number} 号到 {window} 号窗口办理", "Number {number}, please go to window {window}"),
    "board.now_calling": ("正在叫号", "Now calling"),
    "board.recall": ("重呼", "Recall"),
    "board.recent": ("最近叫号", "Recent calls"),
    "board.windows": ("窗口服务", "Windows"),
    "board.queues": ("等候人数", "Waiting"),
    "board.people": ("{count} 人", "{count}"),
    "board.minutes": ("约 {minutes} 分钟", "~{minutes} min"),
    "board.no_calls": ("请留意叫号", "Please listen for your number"),
    "board.nobody_waiting": ("暂无等候", "Nobody waiting"),
    "board.zone": ("{zone} 区", "Zone {zone}"),
    "board.free": ("等候叫号", "Free"),
    "board.window_no": ("{window}号", "No. {window}"),
    "board.paused": ("暂停服务", "Paused"),
    "board.away": ("临时有事，请稍候", "Back shortly, please wait"),
    "board.closed": ("暂未开放", "Closed"),
    "board.offline": ("连接中断，正在重新连接…", "Connection lost, reconnecting…"),
    "board.unauthorised": (
        "此屏幕尚未授权：请用管理员提供的链接（/board?token=…）打开一次。",
        "This screen is not authorised: open it once with the link (/board?token=…) from the administrator.",
    ),
    "board.sound_off": ("点击此处开启叫号声音", "Click here to turn on announcements"),
    "window_screen.page_title": ("窗口屏", "Window screen"),
    "window_screen.title": ("{window} 号窗口", "Window {window}"),
    "window_screen.calling": ("请 {number} 到 {window} 号窗口", "Number {number} to window {window}"),
    "window_screen.serving": ("正在办理", "Now serving"),
    "window_screen.clerk": ("工作人员：{name}", "Staff: {name}"),
    "window_screen.staff_no": ("工号：{staff_no}", "Staff No. {staff_no}"),
    "window_screen.welcome": ("欢迎办理", "Welcome"),
    "ticket_page.title": ("我的排队号", "My ticket"),
    "ticket_page.people_ahead": ("前面还有 {count} 人", "{count} ahead of you"),
    "ticket_page.estimate": ("预计等候约 {minutes} 分钟", "Estimated wait about {minutes} min"),
    "ticket_page.go_to_window": ("请到 {window} 号窗口", "Please go to window {window}"),
    "ticket_page.called_hint": (
        "已叫到您的号，请尽快前往办理。",
        "Your number has been called; please go now.",
    ),
    "ticket_page.serving": ("正在 {window} 号窗口办理", "Being served at window {window}"),
    "ticket_page.concluded": ("业务已办结，感谢您的耐心等候。", "Done. Thank you for waiting."),
    "ticket_page.no_show": (
        "您已过号，如需办理请到咨询台。",
        "You missed your call; please ask at the enquiry desk.",
    ),
    "ticket_page.parked": (
        "您的号已挂起，补齐材料后请回到窗口。",
        "Set aside: come back to the window when ready.",
    ),
    "ticket_page.ended": ("此号已失效。", "This ticket is no longer valid."),
    "ticket_page.materials": ("所需材料（一次性告知）", "Materials to bring (told all at once)"),
    "ticket_page.originals": ("原件 {count} 份", "{count} original(s)"),
    "ticket_page.copies": ("复印件 {count} 份", "{count} copy(ies)"),
    "ticket_page.notice": ("一次性告知书：请补齐以下材料", "Notice: please bring the following"),
    "ticket_page.live": ("实时更新", "Live"),
    "ticket_page.rate": ("请为本次服务评价", "Please rate this service"),
    "ticket_page.rate_reasons": ("请选择不满意的原因（可多选）", "Why were you dissatisfied? (any)"),
    "ticket_page.rate_submit": ("提交评价", "Submit"),
    "ticket_page.rated": ("感谢您的评价：{level}", "Thank you for your rating: {level}"),
    "ticket_page.level.very_satisfied": ("非常满意", "Very satisfied"),
    "ticket_page.level.satisfied": ("满意", "Satisfied"),
    "ticket_page.level.basically_satisfied": ("基本满意", "Fairly satisfied"),
    "ticket_page.level.dissatisfied": ("不满意", "Dissatisfied"),
    "ticket_page.level.very_dissatisfied": ("非常不满意", "Very dissatisfied"),
    "ticket_page.reason.attitude": ("服务态度差", "Poor attitude"),
    "ticket_page.reason.slow": ("办事效率低", "Slow service"),
    "ticket_page.reason.not_told_at_once": ("未一次性告知", "Not told everything at once"),
    "ticket_page.reason.unclear_rules": ("政策解释不清", "Rules not explained"),
    "ticket_page.reason.long_wait": ("等候时间长", "Long wait"),
    "ticket_page.reason.result": ("对办理结果不满意", "Unhappy with the result"),
    "ticket_page.reason.environment": ("办事环境差", "Poor surroundings"),
    "ticket_page.reason.other": ("其他", "Other"),
    "voice.call": ("请{number}号到{window}号窗口办理", "Number {number}, please go to window {window}."),
    "voice.call_named": ("请{number}号到{name}办理", "Number {number}, please go to window {window}."),
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
