/* Voice calling on the board: one <audio> element, one announcement at a time, in call order.

   Keeping up at hall scale (a zone board calls 12 a minute, a full announcement lasts ~15 s): the
   queue's rules are in voice_queue.js (pure, shared with the lag benchmark). Alone on a quiet
   board a call gets the full form in two parts, the head (chime, one pass) and the tail (the other
   passes, English), the tail only while nothing waits and giving way to any new call; otherwise
   the terse form ("A001号，3号窗口", once, no chime), several waiting calls in one announcement.
   A call that no longer stands is never spoken (``void``); a recall takes the place of the call it
   repeats; nothing else drops a call, so every call whose ticket is still called is spoken. The
   WAV is assembled by the server from cached clips in milliseconds, fetched when the turn comes.
   An announcement that cannot be fetched or played is skipped after a timeout, never blocking the
   ones behind it. Object URLs are revoked after use and the logs are bounded: a board left on for
   days keeps a flat memory. */
(function () {
  "use strict";

  const LOG_SIZE = 20;
  const rules = () => window.HallQ.voiceQueue;

  class Announcer {
    constructor(audio) {
      this.audio = audio;
      this.queue = [];
      this.current = null;
      this.played = [];
      this.skipped = [];
      this.heard = [];  // when the latest calls were heard (how busy the board is)
      this.settings = null;
      this.blocked = false;
      this.onBlocked = () => {};
      this.watchdog = null;
      audio.addEventListener("ended", () => this.finishPlaying("ended"));
      audio.addEventListener("error", () => this.finishPlaying("error"));
      audio.addEventListener("playing", () => {
        if (this.current) this.current.playingAt = Date.now();
      });
    }

    /** Queue a call; settings are the hall's voice settings. */
    announce(call, settings) {
      if (!settings.enabled) return;
      this.settings = settings;
      this.heard.push(Date.now());
      if (this.heard.length > LOG_SIZE) this.heard.shift();
      const pending = {
        number: call.number,
        window: call.window,
        recall: !!call.recall,
        call: call,
        queuedAt: Date.now(),
      };
      const { queue, dropped } = rules().enqueue(this.queue, pending);
      this.queue = queue;
      dropped.forEach((item) => this.skip(item, "recalled"));  // the recall is spoken in its place
      if (this.current && this.current.part === "tail") this.stop("yielded");  // a new call first
      this.next();
    }

    /** The call of ``number`` no longer stands (concluded, set aside, recalled…): never speak it. */
    void(number, why) {
      const { queue, dropped } = rules().voidCall(this.queue, number);
      this.queue = queue;
      dropped.forEach((item) => this.skip(item, why || "void"));
      const current = this.current;
      if (current && current.calls.some((c) => c.number === number)) {
        current.voided = true;  // already being said: finish the sentence, but no tail after it
        if (current.part === "tail") this.stop(why || "void");
      }
    }

    skip(item, why) {
      this.skipped.push({ number: item.number, window: item.window, recall: item.recall, why: why, at: Date.now() });
      if (this.skipped.length > LOG_SIZE) this.skipped.shift();
    }

    /** The clip of a turn: the full form's head or tail, or the terse form of one or more calls. */
    clip(calls, part) {
      const s = this.settings;
      const first = calls[0].call;
      const short = part === "short";
      const query = new URLSearchParams({
        number: first.number,
        window: first.window,
        name: first.window_name || "",
        repeat: String(part === "tail" ? s.repeat - 1 : 1),
        chime: s.chime && part === "head" ? "1" : "0",
        en: s.english && part === "tail" ? "1" : "0",
        by_name: s.window_by_name ? "1" : "0",
        short: short ? "1" : "0",
      });
      calls.slice(1).forEach((c) => query.append("then", c.number + ":" + c.window));
      return "/board/audio/call.wav?" + query.toString();
    }

    next() {
      if (this.current || !this.queue.length) return;
      const turn = rules().nextTurn(this.queue, this.heard, Date.now());
      this.queue = this.queue.slice(turn.calls.length);
      this.play(turn.calls, turn.form === "full" ? "head" : "short");
    }

    play(calls, part) {
      const item = {
        calls: calls,
        part: part,
        number: calls[0].number,
        window: calls[0].window,
        recall: calls[0].recall,
        short: part === "short",
        queuedAt: calls[0].queuedAt,
        readyAt: null,
        src: null,
      };
      this.current = item;
      item.url = this.clip(calls, part);
      item.ready = fetch(item.url)
        .then((response) => {
          if (!response.ok) throw new Error("audio " + response.status);
          return response.blob();
        })
        .then((blob) => {
          item.readyAt = Date.now();
          item.src = URL.createObjectURL(blob);
          return item.src;
        });
      this.watchdog = setTimeout(() => this.finish("timeout"), 60000);
      item.ready
        .then((src) => {
          if (this.current !== item) { URL.revokeObjectURL(src); return; }
          this.audio.dataset.clip = item.url;
          this.audio.src = src;
          const started = this.audio.play();
          if (started && started.catch) {
            started.catch((error) => {
              if (this.current !== item) return;
              if (error && error.name === "NotAllowedError") {
                this.blocked = true;
                this.onBlocked(true);
              }
              this.finish("blocked");
            });
          }
        })
        .catch(() => this.finish("fetch-failed"));
    }

    /** End the current announcement early (a tail giving way, or its call ended). */
    stop(how) {
      if (this.current && this.current.src && this.audio.currentSrc === this.current.src) this.audio.pause();
      this.finish(how);
    }

    /** An audio event ends the current announcement only if it is about the current clip. */
    finishPlaying(how) {
      if (this.current && this.current.src && this.audio.currentSrc === this.current.src) this.finish(how);
    }

    finish(how) {
      const item = this.current;
      if (!item) return;
      clearTimeout(this.watchdog);
      this.current = null;
      const duration = Number.isFinite(this.audio.duration) ? this.audio.duration : null;
      if (item.src) {
        if (this.audio.src === item.src) this.audio.removeAttribute("src");
        URL.revokeObjectURL(item.src);
      }
      this.played.push({
        number: item.number,
        window: item.window,
        recall: item.recall,
        calls: item.calls.map((c) => ({ number: c.number, window: c.window, recall: c.recall })),
        part: item.part,
        url: item.url,
        short: item.short,
        how: how,
        duration: how === "ended" ? duration : null,
        queuedAt: item.queuedAt,
        readyAt: item.readyAt,
        playingAt: item.playingAt || null,
        finishedAt: Date.now(),
      });
      if (this.played.length > LOG_SIZE) this.played.shift();
      if (how === "ended" && this.blocked) { this.blocked = false; this.onBlocked(false); }
      const s = this.settings;
      if (how === "ended" && item.part === "head" && !item.voided && rules().tailWanted(this.queue, s.repeat, s.english)) {
        this.play(item.calls, "tail");  // an idle board says the rest of the hall's full form
        return;
      }
      this.next();
    }

    /** After a click on a board whose browser refused autoplay. */
    unblock() {
      this.blocked = false;
      this.onBlocked(false);
      this.audio.play().catch(() => {});
    }
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.Announcer = Announcer;
})();
