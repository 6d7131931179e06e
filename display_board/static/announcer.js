/* Voice calling on the board: one <audio> element, one announcement at a time, in call order.

   Keeping up at hall scale (20–30 calls a minute, a 12.85 s clip each when spoken in full): the
   form of an announcement is chosen when its turn comes. Alone, it is the hall's full form (chime,
   Mandarin × repeat, English if on); with other calls waiting behind it, it is the short form —
   the terse sentence ("A001号，3号窗口") once, no chime — so the queue drains several times faster. A call that no longer
   stands is never spoken: when its ticket is concluded, set aside, transferred or cancelled, or
   recalled (the recall takes its place), the queued announcement is dropped (``void``). The WAV
   is assembled by the server from cached clips in milliseconds, fetched when the turn comes. An
   announcement that cannot be fetched or played is skipped after a timeout, never blocking the
   ones behind it. Object URLs are revoked after use and the logs are bounded: a board left on for
   days keeps a flat memory. */
(function () {
  "use strict";

  const LOG_SIZE = 20;
  const QUEUE_LIMIT = 30;
  const BUSY_MS = 30000;  // two calls within this: the board is busy, speak tersely

  class Announcer {
    constructor(audio) {
      this.audio = audio;
      this.queue = [];
      this.current = null;
      this.played = [];
      this.skipped = [];
      this.heard = [];  // when the latest calls were heard (how busy the board is)
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
      this.heard.push(Date.now());
      if (this.heard.length > LOG_SIZE) this.heard.shift();
      if (call.recall) this.void(call.number, "recalled");  // the recall is spoken in its place
      if (this.queue.length >= QUEUE_LIMIT) this.skip(this.queue.shift(), "overflow");
      this.queue.push({
        number: call.number,
        window: call.window,
        recall: !!call.recall,
        call: call,
        settings: settings,
        url: null,
        short: false,
        queuedAt: Date.now(),
        readyAt: null,
        src: null,
      });
      this.next();
    }

    /** The call of ``number`` no longer stands (concluded, set aside, recalled…): never speak it. */
    void(number, why) {
      const keep = [];
      for (const item of this.queue) {
        if (item.number === number) this.skip(item, why || "void"); else keep.push(item);
      }
      this.queue = keep;
    }

    skip(item, why) {
      this.skipped.push({ number: item.number, window: item.window, recall: item.recall, why: why, at: Date.now() });
      if (this.skipped.length > LOG_SIZE) this.skipped.shift();
    }

    /** The clip of a call: the full form alone, the short one (one pass, no chime) with others waiting. */
    clip(item) {
      const s = item.settings;
      // anyone waiting behind this one, or calls coming thick and fast (a full clip lasts ~15 s,
      // longer than the gap between calls of a busy zone): the terse form, English left out
      const now = Date.now();
      const recent = this.heard.filter((at) => now - at < BUSY_MS).length;
      const short = this.queue.length > 0 || recent > 1;
      item.short = short;
      const query = new URLSearchParams({
        number: item.call.number,
        window: item.call.window,
        name: item.call.window_name || "",
        repeat: String(short ? 1 : s.repeat),
        chime: s.chime && !short ? "1" : "0",
        en: s.english && !short ? "1" : "0",
        by_name: s.window_by_name ? "1" : "0",
        short: short ? "1" : "0",
      });
      return "/board/audio/call.wav?" + query.toString();
    }

    next() {
      if (this.current || !this.queue.length) return;
      const item = this.queue.shift();
      this.current = item;
      item.url = this.clip(item);
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
          if (this.current !== item) return;
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
