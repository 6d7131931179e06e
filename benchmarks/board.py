"""The lobby board in Chromium: call-next to the number on screen, and the announcement audio ready.

A fresh ``hallq serve --demo``; headless Chromium (Debian's, through Playwright) opens ``/board``
with a board token and waits 3 s (the server prepares its voice clips when the first screen opens).
Then window 5 calls the next ticket ``--rounds`` times, concluding after each. Every round runs
inside the page, on its clock: ``performance.now()`` just before the call-next ``fetch``, and again
in the first animation frame after the board's big call area shows that number (a
MutationObserver on it, then ``requestAnimationFrame``: the frame the number is painted in). The
announcement's readiness is the moment the board holds the whole WAV of that call (fetched from
``/board/audio/call.wav``, assembled from cached clips), on the same clock. The server-side
assembly alone is also timed over HTTP from Python, for new (never requested) calls.

Finally the page's JS heap (after a forced GC) is compared before and after the rounds, with the
count of DOM nodes: a board left on for days must not grow.

    .venv/bin/python -m benchmarks.board [--rounds 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import httpx

from benchmarks.common import CORES_NOTE, Server, auth, failures, finish, heading, percentile, report

WINDOW = "5"
SERVICES = ("RS001", "RS002", "RS003", "RS004")  # window 5 serves these (demo caps 200/80/80/100)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--js-flags=--expose-gc",
]

WATCH = """() => {
  const box = document.getElementById('call');
  window.__shown = new Map();
  new MutationObserver(() => {
    const n = box.dataset.number;
    if (!window.__shown.has(n)) requestAnimationFrame(() => window.__shown.set(n, performance.now()));
  }).observe(box, {attributes: true, attributeFilter: ['data-number']});
  const a = window.hallqBoard.announcer;
  const announce = a.announce.bind(a);
  window.__items = new Map();
  a.announce = (call, settings) => {
    announce(call, settings);
    const item = a.queue.length ? a.queue[a.queue.length - 1] : a.current;
    if (item) window.__items.set(call.number, item);
  };
}"""

ROUND = """async ({win, token}) => {
  const headers = {Authorization: 'Bearer ' + token};
  const start = performance.now();
  const reply = await fetch(`/api/v1/windows/${win}/call-next`, {method: 'POST', headers});
  const replied = performance.now();
  const body = await reply.json();
  const number = body.ticket.number;
  const deadline = start + 10000;
  while (!window.__shown.has(number) && performance.now() < deadline) {
    await new Promise(r => setTimeout(r, 2));
  }
  const shown = window.__shown.get(number);
  let ready = null;
  const item = window.__items.get(number);
  if (item) {
    try {
      await item.ready;
      ready = item.readyAt - performance.timeOrigin - start;
    } catch (e) { ready = null; }
  }
  window.__items.delete(number);
  await fetch(`/api/v1/windows/${win}/conclude`, {method: 'POST', headers});
  return {number, visible: shown === undefined ? null : shown - start, reply: replied - start, ready};
}"""

HEAP = """() => { gc(); gc();
  return {heap: performance.memory.usedJSHeapSize, nodes: document.getElementsByTagName('*').length}; }"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=200, help="call-next rounds")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    heading(f"board: call-next -> number on the board in Chromium, {args.rounds} rounds")
    print(CORES_NOTE)
    server = Server()
    since = len(failures())
    with server:
        board, manager = server.token("board"), server.token("manager")
        client = httpx.Client(base_url=server.base_url, headers=auth(manager))
        assert client.post(f"/api/v1/windows/{WINDOW}/open").status_code == 200
        for i in range(args.rounds):
            response = client.post("/api/v1/tickets", json={"service_code": SERVICES[i % len(SERVICES)]})
            assert response.status_code == 201, response.text
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{server.base_url}/board?token={board}")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            time.sleep(3)
            page.evaluate(WATCH)
            before = page.evaluate(HEAP)
            rounds = [page.evaluate(ROUND, {"win": WINDOW, "token": manager}) for _ in range(args.rounds)]
            time.sleep(1)
            after = page.evaluate(HEAP)
            browser.close()
        assembly = _server_assembly(client)
        _report(rounds, assembly, before, after)
        client.close()
    finish(server, since)
    return 1 if failures(since) else 0


def _server_assembly(client: httpx.Client) -> list[float]:
    """Milliseconds for the server to make new announcements (numbers never asked for before)."""
    out = []
    for n in range(100):
        params = {"number": f"Z{900 + n}", "window": str(1 + n % 26), "repeat": 2}
        started = time.perf_counter()
        response = client.get("/board/audio/call.wav", params=params)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return out


def _report(
    rounds: list[dict[str, Any]], assembly: list[float], before: dict[str, int], after: dict[str, int]
) -> None:
    visible = [r["visible"] for r in rounds if r["visible"] is not None]
    ready = [r["ready"] for r in rounds if r["ready"] is not None]
    replies = [r["reply"] for r in rounds]
    report(
        "rounds without the number shown", len(rounds) - len(visible), "", "0", len(visible) == len(rounds)
    )
    report("call -> visible on board p50", percentile(visible, 50), "ms", None, None)
    report(
        "call -> visible on board p95",
        percentile(visible, 95),
        "ms",
        "<= 150 ms",
        percentile(visible, 95) <= 150,
    )
    report("call -> visible on board max", max(visible, default=float("nan")), "ms", None, None)
    report("call-next HTTP reply p50", percentile(replies, 50), "ms", None, None)
    report("rounds without audio", len(rounds) - len(ready), "", "0", len(ready) == len(rounds))
    report("call -> audio ready on board p50", percentile(ready, 50), "ms", None, None)
    report(
        "call -> audio ready on board p95",
        percentile(ready, 95),
        "ms",
        "<= 100 ms",
        percentile(ready, 95) <= 100,
    )
    report("call -> audio ready on board max", max(ready, default=float("nan")), "ms", None, None)
    report("new announcement, server p50", percentile(assembly, 50), "ms", None, None)
    report(
        "new announcement, server p95",
        percentile(assembly, 95),
        "ms",
        "<= 100 ms",
        percentile(assembly, 95) <= 100,
    )
    growth = (after["heap"] - before["heap"]) / 1024 / 1024
    report("board JS heap before", before["heap"] / 1024 / 1024, "MB", None, None)
    report("board JS heap growth", growth, "MB", "<= 2 MB", growth <= 2)
    report("board DOM nodes before/after", f"{before['nodes']}/{after['nodes']}", "", None, None)


if __name__ == "__main__":
    sys.exit(main())
