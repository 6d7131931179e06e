"""The lobby board and the window screens in headless Chromium against a real server.

The tests share one server (the small hall) and run in file order; each concludes what it calls.
Screenshots land in artifacts/board/.
"""

from __future__ import annotations

import io
import itertools
import re
import wave
from typing import Any

import httpx
import pytest

from tests.display_board.conftest import WAIT_MS, BoardServer, shot
from tests.display_board.test_voice_queue import CASES, JS_OUTCOME, matches, python_outcome


def open_screen(screens: Any, server: BoardServer, path: str) -> Any:
    """Open a screen once with the board token, as a hall does when it installs the TV."""
    page = screens.new_page()
    joiner = "&" if "?" in path else "?"
    page.goto(f"{server.url}{path}{joiner}token={server.tokens['board']}")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    return page


def call_shown(page: Any, number: str, window: str) -> None:
    """Wait until the board's big call area shows ``number`` to ``window``."""
    page.wait_for_selector(f"#call[data-number='{number}'][data-window='{window}']", timeout=WAIT_MS)


def wav_seconds(server: BoardServer, url: str) -> float:
    """The duration of an announcement the server makes for ``url``."""
    response = httpx.get(server.url + url)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as reader:
        return reader.getnframes() / reader.getframerate()


def playing(page: Any) -> dict[str, Any]:
    """What the board's audio element is doing now."""
    return page.evaluate(
        """() => { const a = document.getElementById('voice');
        return {clip: a.dataset.clip || '', paused: a.paused, time: a.currentTime, duration: a.duration}; }"""
    )


def fast_voice(page: Any) -> None:
    """Play announcements 16× fast so a test need not listen to every chime."""
    page.evaluate("() => { const a = document.getElementById('voice'); a.defaultPlaybackRate = 16; }")


@pytest.fixture(scope="module", autouse=True)
def windows_open(board_server: BoardServer) -> None:
    """Clerk 张敏 (C1) logs in at window 1; windows 2–4 open with their clerks' tokens."""
    board_server.log_in("C1", "pw-c1", "1")
    for window in ("1", "2", "3", "4"):
        board_server.act(window, "open")


def test_a_call_appears_on_the_board_in_chinese_and_its_announcement_plays(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    assert "token=" not in page.url  # the token went into the cookie, off the screen
    ticket = board_server.issue("S1")
    board_server.act("1", "call-next")
    call_shown(page, ticket["number"], "1")
    text = page.inner_text("#call-text").replace(" ", "").replace("\n", "")
    assert text == f"请{ticket['number']}号到1号窗口办理"
    assert "Number A001, please go to window 1" in page.inner_text("#call-en")
    assert "flash" in page.get_attribute("#call", "class")
    page.wait_for_function(
        """n => { const a = document.getElementById('voice');
        return (a.dataset.clip || '').includes('number=' + n) && !a.paused && a.currentTime > 0; }""",
        arg=ticket["number"],
        timeout=WAIT_MS,
    )
    now = playing(page)
    # alone on a quiet board: the full form's head (chime, one pass); the second pass follows
    assert "window=1" in now["clip"] and "repeat=1" in now["clip"] and "chime=1" in now["clip"]
    assert now["duration"] == pytest.approx(wav_seconds(board_server, now["clip"]), abs=0.05)
    card = page.inner_text("#windows [data-window='1']")
    assert ticket["number"] in card and "一号窗口" in card
    assert page.inner_text("#recent li:first-child .num") == ticket["number"]
    shot(page, "board-call")
    board_server.act("1", "conclude")


def test_a_recall_flashes_the_call_again_and_is_announced_again(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    fast_voice(page)
    ticket = board_server.issue("S1")
    board_server.act("1", "call-next")
    call_shown(page, ticket["number"], "1")
    page.evaluate("() => document.getElementById('call').classList.remove('flash')")  # as after 6 s
    board_server.act("1", "recall")
    page.wait_for_selector("#call.flash[data-recall='1']", timeout=WAIT_MS)
    assert "重呼" in page.inner_text("#call-text")
    shot(page, "board-recall")
    page.wait_for_function(
        """n => window.hallqBoard.announcer.played
          .filter(p => p.number === n && p.part !== 'tail' && p.how === 'ended').length === 2""",
        arg=ticket["number"],
        timeout=WAIT_MS,
    )
    played = page.evaluate("window.hallqBoard.announcer.played")
    assert [p["recall"] for p in played if p["number"] == ticket["number"] and p["part"] != "tail"] == [
        False,
        True,
    ]
    board_server.act("1", "conclude")


def test_calls_are_announced_one_at_a_time_in_call_order(board_server: BoardServer, screens: Any) -> None:
    page = open_screen(screens, board_server, "/board")
    fast_voice(page)
    numbers = [board_server.issue("S2")["number"] for _ in range(3)]
    called = []
    for window in ("1", "2"):
        called.append((board_server.act(window, "call-next")["ticket"]["number"], window))
    board_server.act("1", "conclude")
    called.append((board_server.act("1", "call-next")["ticket"]["number"], "1"))
    assert [n for n, _ in called] == numbers
    page.wait_for_function(
        """n => window.hallqBoard.announcer.played.filter(p => p.how === 'ended')
          .flatMap(p => p.part === 'tail' ? [] : p.calls).length >= n
          && !window.hallqBoard.announcer.current""",
        arg=len(called),
        timeout=WAIT_MS,
    )
    played = page.evaluate("window.hallqBoard.announcer.played")
    spoken = [(c["number"], c["window"]) for p in played if p["part"] != "tail" for c in p["calls"]]
    assert spoken == called
    for before, after in itertools.pairwise(played):
        assert after["playingAt"] >= before["finishedAt"], "two announcements overlapped"
    for window in ("1", "2"):
        board_server.act(window, "conclude")


def test_a_zone_board_shows_its_zone_only_and_its_queues_live(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board?zone=B")
    cards = page.eval_on_selector_all("#windows .win", "cards => cards.map(c => c.dataset.window)")
    assert cards == ["3", "4"]
    ticket = board_server.issue("S3")
    page.wait_for_selector("#queues li[data-service='S3'] .count:text('1 人')", timeout=WAIT_MS)
    board_server.act("3", "call-next")
    call_shown(page, ticket["number"], "3")
    other = board_server.issue("S1")
    board_server.act("1", "call-next")
    page.wait_for_selector("#queues li[data-service='S3'] .count:text('0 人')", timeout=WAIT_MS)
    assert page.get_attribute("#call", "data-number") == ticket["number"]  # zone A's call is not ours
    assert other["number"] not in page.inner_text("#recent")
    assert "B 区" in page.inner_text("#zone")
    shot(page, "board-zone-b")
    for window in ("1", "3"):
        board_server.act(window, "conclude")


def test_the_window_screen_shows_the_call_the_clerk_and_a_pause(
    board_server: BoardServer, screens: Any
) -> None:
    screen = open_screen(screens, board_server, "/board/window/1")
    board = open_screen(screens, board_server, "/board")
    assert "1 号窗口" in screen.inner_text("#title") and "一号窗口" in screen.inner_text("#name")
    assert "张敏" in screen.inner_text("#clerk") and "C1" in screen.inner_text("#staff-no")
    ticket = board_server.issue("S1")
    board_server.act("1", "call-next")
    screen.wait_for_selector(f"#main.called[data-number='{ticket['number']}']", timeout=WAIT_MS)
    calling = screen.inner_text("#calling").replace(" ", "")
    assert calling.startswith(f"请{ticket['number']}到1号窗口")
    shot(screen, "window-calling")
    board_server.act("1", "start")
    screen.wait_for_selector("#main.serving", timeout=WAIT_MS)
    assert screen.inner_text("#number") == ticket["number"] and "正在办理" in screen.inner_text("#label")
    shot(screen, "window-serving")
    board_server.act("1", "conclude", {"outcome": "promised"})
    # the citizen still at the desk reads the outcome, not a bare "欢迎办理"
    screen.wait_for_selector("#main.idle[data-outcome='promised']", timeout=WAIT_MS)
    said = screen.inner_text("#sub")
    assert re.search(rf"{ticket['number']} 已受理，承诺 \d+月\d+日 前办结", said), said
    assert "已办结" not in said
    shot(screen, "window-outcome-promised")
    board_server.act("1", "pause", {"reason": "away"})
    screen.wait_for_selector("#main.away", timeout=WAIT_MS)
    assert "临时有事，请稍候" in screen.inner_text("#state")
    board.wait_for_selector("#windows .win.away[data-window='1']", timeout=WAIT_MS)
    shot(screen, "window-away")
    board_server.act("1", "pause", {"reason": "meeting"})
    screen.wait_for_selector("#main.paused", timeout=WAIT_MS)
    assert "暂停服务" in screen.inner_text("#state")
    shot(screen, "window-paused")
    board_server.act("1", "resume")
    screen.wait_for_selector("#main.idle", timeout=WAIT_MS)
    board.wait_for_selector("#windows .win.free[data-window='1']", timeout=WAIT_MS)


def test_english_follows_the_mandarin_when_the_hall_turns_it_on(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    fast_voice(page)
    board_server.settings(voice={"english": True, "repeat": 2}, notice="今日办理社保业务请到1号窗口")
    page.wait_for_function("() => window.hallqBoard.state.settings.english === true", timeout=WAIT_MS)
    page.wait_for_selector("#notice:text('今日办理社保业务请到1号窗口')", timeout=WAIT_MS)
    ticket = board_server.issue("S1")
    board_server.act("1", "call-next")
    page.wait_for_function(
        """n => window.hallqBoard.announcer.played
          .some(p => p.number === n && p.part === 'tail' && p.how === 'ended')""",
        arg=ticket["number"],
        timeout=WAIT_MS,
    )
    played = page.evaluate("window.hallqBoard.announcer.played")
    # alone on a quiet board: the head (chime, Mandarin once), then the tail (Mandarin, English)
    head, tail = (p["url"] for p in played if p["number"] == ticket["number"])
    assert "en=0" in head and "chime=1" in head
    clip = tail
    assert "en=1" in clip and "chime=0" in clip and "repeat=1" in clip
    assert wav_seconds(board_server, clip) > wav_seconds(board_server, clip.replace("en=1", "en=0")) + 2
    board_server.settings(voice={"english": False}, notice="")
    board_server.act("1", "conclude")


def test_the_board_recovers_from_a_gap_and_from_a_dead_websocket(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    fast_voice(page)
    page.evaluate("() => { window.hallqBoard.live.seq['hall'] -= 1; }")  # as if an event went missing
    first = board_server.issue("S1")
    board_server.act("1", "call-next")
    call_shown(page, first["number"], "1")
    stats = page.evaluate("window.hallqBoard.live.stats")
    assert stats["gaps"] >= 1 and stats["resyncs"] >= 1
    board_server.act("1", "conclude")

    board_server.kill()
    page.wait_for_selector("body[data-live='offline']", timeout=WAIT_MS)
    page.wait_for_selector("#status:not([hidden])", timeout=WAIT_MS)
    assert "连接中断" in page.inner_text("#status")
    shot(page, "board-offline")
    board_server.start()
    second = board_server.issue("S1")
    board_server.act("1", "call-next")
    call_shown(page, second["number"], "1")
    page.wait_for_selector("body[data-live='online']", timeout=WAIT_MS)
    assert page.is_hidden("#status")
    assert page.evaluate("window.hallqBoard.live.stats.connects") >= 2
    page.wait_for_function(
        "n => window.hallqBoard.announcer.played.some(p => p.number === n && p.how === 'ended')",
        arg=second["number"],
        timeout=WAIT_MS,
    )
    board_server.act("1", "conclude")


def test_a_board_matches_the_server_after_a_burst_and_stays_bounded(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    fast_voice(page)
    nodes_before = page.evaluate("document.getElementsByTagName('*').length")
    for _ in range(4):
        for service in ("S1", "S2", "S3", "S4"):
            if service != "S4":
                board_server.issue(service)
    for _ in range(6):
        for window in ("1", "2", "3", "4"):
            result = board_server.act(window, "call-next")
            if result["ticket"] is not None:
                board_server.act(window, "recall")
                board_server.act(window, "conclude")
    truth = httpx.get(board_server.url + "/api/v1/hall", headers=board_server.as_("board")).json()
    expected = {q["service_code"]: f"{q['waiting']} 人" for q in truth["queues"]}
    page.wait_for_function(
        """want => Object.entries(want).every(([code, text]) => {
          const li = document.querySelector(`#queues li[data-service='${code}'] .count`);
          return li && li.textContent === text; })""",
        arg=expected,
        timeout=WAIT_MS,
    )
    recent = page.eval_on_selector_all("#recent li .num", "nodes => nodes.map(n => n.textContent)")
    assert recent[0] == truth["recent_calls"][0]["number"]
    assert len(recent) <= 8
    state = page.evaluate(
        """() => { const b = window.hallqBoard;
        return {seen: b.state.seen.length, queue: b.announcer.queue.length,
                played: b.announcer.played.length}; }"""
    )
    assert state["seen"] <= 200 and state["queue"] <= 30 and state["played"] <= 20
    nodes_after = page.evaluate("document.getElementsByTagName('*').length")
    assert nodes_after <= nodes_before + 40  # recent calls and queue rows, not one node per event


def test_a_screen_opened_without_its_token_says_how_to_authorise_it(
    board_server: BoardServer, screens: Any
) -> None:
    page = screens.new_page()
    page.goto(board_server.url + "/board")
    page.wait_for_selector("body[data-live='unauthorised']", timeout=WAIT_MS)
    assert "此屏幕尚未授权" in page.inner_text("#status")
    shot(page, "board-unauthorised")


def test_a_queue_of_calls_is_spoken_short_and_a_call_that_ended_or_was_recalled_is_never_spoken(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board")
    tickets = {
        window: board_server.issue(service)["number"]
        for window, service in (("1", "S1"), ("2", "S2"), ("3", "S3"), ("4", "S3"))
    }
    for window in ("1", "2", "3", "4"):
        assert board_server.act(window, "call-next")["ticket"]["number"] == tickets[window]
    # the first call is being spoken in full (its head: chime and one pass); meanwhile window 3's
    # citizen is done already and window 4 recalls its number
    page.wait_for_function("() => window.hallqBoard.announcer.current !== null", timeout=WAIT_MS)
    board_server.act("3", "conclude")
    board_server.act("4", "recall")
    page.wait_for_function("() => window.hallqBoard.announcer.skipped.length >= 2", timeout=WAIT_MS)
    page.evaluate(
        "() => { const a = document.getElementById('voice');"
        " a.defaultPlaybackRate = 16; a.playbackRate = 16; }"
    )
    page.wait_for_function(
        "() => window.hallqBoard.announcer.played.filter(p => p.how === 'ended').length >= 2"
        " && !window.hallqBoard.announcer.current",
        timeout=WAIT_MS,
    )
    played = page.evaluate("window.hallqBoard.announcer.played.slice(-2)")
    skipped = page.evaluate("window.hallqBoard.announcer.skipped")
    # window 1 alone, then windows 2 and 4 (the recall in the place of its call) in one terse
    # announcement; window 3 never, and no second pass of window 1 while others waited
    assert [[(c["number"], c["recall"]) for c in p["calls"]] for p in played] == [
        [(tickets["1"], False)],
        [(tickets["2"], False), (tickets["4"], True)],
    ]
    assert [p["part"] for p in played] == ["head", "short"]
    assert "repeat=1" in played[0]["url"] and "chime=1" in played[0]["url"]  # alone: the full form's head
    assert "repeat=1" in played[1]["url"] and "chime=0" in played[1]["url"]  # others waiting: short
    assert "short=1" in played[1]["url"] and "short=0" in played[0]["url"]
    assert f"then={tickets['4']}%3A4" in played[1]["url"]
    assert played[1]["duration"] == pytest.approx(wav_seconds(board_server, played[1]["url"]), abs=0.05)
    assert {(s["number"], s["why"]) for s in skipped} >= {
        (tickets["3"], "ticket.concluded"),
        (tickets["4"], "recalled"),
    }
    for window in ("1", "2", "4"):
        board_server.act(window, "conclude")


def test_long_service_names_are_shown_whole_not_truncated_into_look_alikes(
    board_server: BoardServer, screens: Any
) -> None:
    names = {
        "S1": "企业职工基本养老保险关系转移接续（跨省）",
        "S2": "企业职工基本养老保险待遇核定（正常退休）",
    }
    for code, name in names.items():
        response = httpx.patch(
            f"{board_server.url}/api/v1/catalogue/services/{code}",
            json={"name": name},
            headers=board_server.as_("manager"),
        )
        assert response.status_code == 200, response.text
    board_server.issue("S1")
    board_server.issue("S2")
    page = open_screen(screens, board_server, "/board")
    for code, name in names.items():
        page.wait_for_selector(f"#queues li[data-service='{code}'] .svc:text-is('{name}')", timeout=WAIT_MS)
    whole = page.evaluate(
        """() => Array.from(document.querySelectorAll('#queues li[data-service] .svc')).map((n) =>
          n.scrollWidth <= n.clientWidth + 1 && n.scrollHeight <= n.clientHeight + 1)"""
    )
    assert whole and all(whole)  # nothing cut off: the two names read differently on screen
    shot(page, "board-long-names")
    for window in ("1", "2"):
        board_server.act(window, "call-next")
        board_server.act(window, "conclude")


def test_the_page_runs_the_same_voice_queue_rules_as_the_benchmark(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board?voice=0")
    for case in CASES:
        outcome = page.evaluate(JS_OUTCOME, case)
        assert matches(case["expect"], outcome), (case["name"], outcome)
        assert outcome == python_outcome(case), case["name"]


def test_a_backlog_of_35_standing_calls_is_spoken_whole_in_batches(
    board_server: BoardServer, screens: Any
) -> None:
    # more calls waiting than the old 30-call cap: none may be dropped, the board batches them
    page = open_screen(screens, board_server, "/board?voice=0")
    calls = [(f"K{n:03d}", str(n % 40 + 1)) for n in range(1, 36)]
    page.evaluate(
        """calls => { const a = window.hallqBoard.announcer;
        document.getElementById('voice').defaultPlaybackRate = 16;
        const settings = {...window.hallqBoard.state.settings, enabled: true};
        for (const [number, window_] of calls) a.announce({number, window: window_}, settings); }""",
        calls,
    )
    page.wait_for_function(
        """n => { const a = window.hallqBoard.announcer;
        return !a.current && !a.queue.length
          && a.played.filter(p => p.part !== 'tail').flatMap(p => p.calls).length >= n; }""",
        arg=len(calls),
        timeout=WAIT_MS * 3,
    )
    state = page.evaluate(
        "() => { const a = window.hallqBoard.announcer; return {played: a.played, skipped: a.skipped}; }"
    )
    played = [p for p in state["played"] if p["part"] != "tail"]
    assert [(c["number"], c["window"]) for p in played for c in p["calls"]] == calls
    assert state["skipped"] == [] and {p["how"] for p in played} == {"ended"}
    assert [len(p["calls"]) for p in played] == [1, 4, 4, 4, 4, 4, 4, 4, 4, 2]
    assert all(p["part"] == "short" for p in played[1:])
    assert len(state["played"]) <= 20  # the log stays bounded


def test_the_full_forms_second_pass_gives_way_to_a_new_call(board_server: BoardServer, screens: Any) -> None:
    page = open_screen(screens, board_server, "/board?voice=0")
    page.evaluate(
        """() => { const a = window.hallqBoard.announcer, audio = document.getElementById('voice');
        const settings = {...window.hallqBoard.state.settings, enabled: true, repeat: 2};
        audio.defaultPlaybackRate = 16;
        audio.addEventListener('playing', () => {
          // the moment the tail (the second pass) is heard, window 8 calls
          if (a.current && a.current.part === 'tail' && !a.queue.length && a.current.number === 'M001') {
            audio.playbackRate = 1;
            a.announce({number: 'M002', window: '8'}, settings);
          }
        });
        a.announce({number: 'M001', window: '7'}, settings); }"""
    )
    page.wait_for_function(
        """() => window.hallqBoard.announcer.played.some(p => p.number === 'M002' && p.how === 'ended')""",
        timeout=WAIT_MS,
    )
    played = page.evaluate("window.hallqBoard.announcer.played")
    assert [(p["number"], p["part"], p["how"]) for p in played] == [
        ("M001", "head", "ended"),
        ("M001", "tail", "yielded"),
        ("M002", "short", "ended"),  # two calls within 30 s: the board is busy, terse
    ]
    assert "chime=0" in played[1]["url"] and "repeat=1" in played[1]["url"]


def test_a_work_profile_applied_to_windows_reaches_the_boards_state(
    board_server: BoardServer, screens: Any
) -> None:
    page = open_screen(screens, board_server, "/board?voice=0")
    manager = board_server.as_("manager")
    created = httpx.post(
        board_server.url + "/api/v1/work-profiles",
        json={"name": "测试-下午", "services": ["S2", "S1"]},
        headers=manager,
    )
    assert created.status_code < 300, created.text
    applied = httpx.post(
        f"{board_server.url}/api/v1/work-profiles/{created.json()['id']}/apply",
        json={"windows": ["3", "4"]},
        headers=manager,
    )
    assert applied.status_code == 200, applied.text
    page.wait_for_function(
        """() => ['3', '4'].every((n) => {
          const w = window.hallqBoard.state.windows.get(n);
          return w && JSON.stringify(w.services) === JSON.stringify(['S2', 'S1']); })""",
        timeout=WAIT_MS,
    )
    assert page.locator("#windows .win[data-window='3']").count() == 1  # its card still there
