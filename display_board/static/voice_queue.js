/* The board's voice queue as pure rules (no audio, no clock of its own): display_board/voice_queue.py
   holds the same rules for the lag benchmark, and tests/display_board/voice_queue_cases.json checks
   both copies against the same cases. See that module's docstring for the why. */
(function () {
  "use strict";

  const BUSY_MS = 30000;  // two calls heard within this: the board is busy and speaks tersely
  const BATCH_MAX = 4;  // calls in one terse announcement

  /** The queue with ``call`` added, and the calls it replaced (a recall takes their place). */
  function enqueue(queue, call) {
    const replaced = queue.filter((p) => p.number === call.number);
    if (!replaced.length) return { queue: [...queue, call], dropped: [] };
    const out = [];
    for (const pending of queue) {
      if (pending.number !== call.number) out.push(pending);
      else if (pending === replaced[0]) out.push({ ...call, queuedAt: pending.queuedAt });
    }
    return { queue: out, dropped: replaced };
  }

  /** The queue without ``number`` (its call ended), and the calls taken out. */
  function voidCall(queue, number) {
    return {
      queue: queue.filter((p) => p.number !== number),
      dropped: queue.filter((p) => p.number === number),
    };
  }

  /** Whether two or more calls were heard within BUSY_MS of ``now``. */
  function busy(heard, now) {
    return heard.filter((at) => now - at >= 0 && now - at < BUSY_MS).length > 1;
  }

  /** What the board says next: {calls, form} or null when nothing waits. */
  function nextTurn(queue, heard, now) {
    if (!queue.length) return null;
    if (queue.length === 1 && !busy(heard, now)) return { calls: [queue[0]], form: "full" };
    return { calls: queue.slice(0, BATCH_MAX), form: "short" };
  }

  /** After a full head: whether to play the rest of the full form (only on an idle board). */
  function tailWanted(queue, repeat, english) {
    return !queue.length && (repeat > 1 || !!english);
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.voiceQueue = { BUSY_MS, BATCH_MAX, enqueue, voidCall, busy, nextTurn, tailWanted };
})();
