/* Voice calling on the board: one <audio> element, one announcement at a time, in call order.

   Each call's WAV (chime + Mandarin × repeat + English if on) is fetched as soon as the call is
   heard, so it is ready when its turn comes; it plays when the one before has ended. A queue that
   grows long (a burst of calls at opening time) speaks the later calls once instead of twice, so
   no call waits minutes. An announcement that cannot be fetched or played is skipped after a
   timeout, never blocking the ones behind it. Object URLs are revoked after use and the log of
   played announcements is bounded: a board left on for days keeps a flat memory. */
(function () {
  "use strict";

  const LOG_SIZE = 20;
  const QUEUE_LIMIT = 30;
  const SHORTEN_AT = 3;

  class Announcer {
    constructor(audio) {
      this.audio = audio;
      this.queue = [];
      this.current = null;
      this.played = [];
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
      if (this.queue.length >= QUEUE_LIMIT) {
        const dropped = this.queue.shift();
        dropped.ready.then((src) => URL.revokeObjectURL(src), () => {});
      }
      const repeat = this.queue.length + (this.current ? 1 : 0) >= SHORTEN_AT ? 1 : settings.repeat;
      const query = new URLSearchParams({
        number: call.number,
        window: call.window,
        name: call.window_name || "",
        repeat: String(repeat),
        chime: settings.chime ? "1" : "0",
        en: settings.english ? "1" : "0",
        by_name: settings.window_by_name ? "1" : "0",
      });
      const item = {
        number: call.number,
        window: call.window,
        recall: !!call.recall,
        url: "/board/audio/call.wav?" + query.toString(),
        queuedAt: Date.now(),
        readyAt: null,
        src: null,
      };
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
      item.ready.catch(() => {});
      this.queue.push(item);
      this.next();
    }

    next() {
      if (this.current || !this.queue.length) return;
      const item = this.queue.shift();
      this.current = item;
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
