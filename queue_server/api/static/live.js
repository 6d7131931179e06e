/* The live stream client shared by the board, the window screens and the ticket page.

   Connect to /ws (the device cookie authenticates), subscribe to the topics, take each topic's
   snapshot, then apply events whose seq is exactly the last one + 1. A jump in seq is a gap:
   ask for a resync of that topic and ignore its events until the fresh snapshot arrives.
   A closed or silent socket (no frame for WATCHDOG ms; the server sends a heartbeat every 20 s)
   is replaced after a backoff of 0.5 s doubling to 30 s, with jitter; a snapshot after the
   reconnect brings the screen up to date. One socket at a time; nothing grows with uptime. */
(function () {
  "use strict";

  const BACKOFF_FIRST = 500;
  const BACKOFF_MAX = 30000;
  const WATCHDOG = 50000;

  class LiveClient {
    constructor(options) {
      this.topics = options.topics;
      this.onSnapshot = options.onSnapshot || (() => {});
      this.onEvent = options.onEvent || (() => {});
      this.onStatus = options.onStatus || (() => {});
      this.onError = options.onError || (() => {});
      this.seq = {};
      this.pending = new Set();
      this.socket = null;
      this.backoff = BACKOFF_FIRST;
      this.timer = null;
      this.lastFrame = 0;
      this.stats = { connects: 0, snapshots: 0, events: 0, gaps: 0, resyncs: 0, duplicates: 0 };
      this.watchdog = setInterval(() => this.checkAlive(), 5000);
    }

    url() {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      return scheme + "//" + window.location.host + "/ws";
    }

    connect() {
      clearTimeout(this.timer);
      this.timer = null;
      this.drop();
      const socket = new WebSocket(this.url());
      this.socket = socket;
      this.lastFrame = Date.now();
      socket.onopen = () => {
        if (socket !== this.socket) return;
        this.stats.connects += 1;
        this.seq = {};
        this.pending = new Set(this.topics);
        socket.send(JSON.stringify({ type: "subscribe", topics: this.topics }));
      };
      socket.onmessage = (message) => {
        if (socket !== this.socket) return;
        this.lastFrame = Date.now();
        let frame;
        try { frame = JSON.parse(message.data); } catch (error) { return; }
        this.receive(frame);
      };
      socket.onclose = () => {
        if (socket !== this.socket) return;
        this.socket = null;
        this.onStatus("offline");
        this.schedule();
      };
      socket.onerror = () => { /* onclose follows */ };
    }

    /** Forget the current socket without letting its handlers run again. */
    drop() {
      const old = this.socket;
      this.socket = null;
      if (old) {
        old.onopen = old.onmessage = old.onclose = old.onerror = null;
        try { old.close(); } catch (error) { /* already closed */ }
      }
    }

    schedule() {
      if (this.timer) return;
      const delay = this.backoff * (0.8 + Math.random() * 0.4);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
      this.timer = setTimeout(() => this.connect(), delay);
    }

    checkAlive() {
      if (this.socket && Date.now() - this.lastFrame > WATCHDOG) {
        this.drop();
        this.onStatus("offline");
        this.schedule();
      }
    }

    receive(frame) {
      const type = frame.type;
      if (type === "heartbeat" || type === "pong" || type === "auth") return;
      if (type === "error") { this.onError(frame); return; }
      const topic = frame.topic;
      if (type === "snapshot") {
        this.seq[topic] = frame.seq;
        this.pending.delete(topic);
        this.stats.snapshots += 1;
        this.backoff = BACKOFF_FIRST;
        this.onStatus("online");
        this.onSnapshot(topic, frame.payload, frame);
        return;
      }
      if (!(topic in this.seq) || this.pending.has(topic)) return;  // a resync is on its way
      const last = this.seq[topic];
      if (frame.seq <= last) { this.stats.duplicates += 1; return; }
      if (frame.seq !== last + 1) {
        this.stats.gaps += 1;
        this.resync([topic]);
        return;
      }
      this.seq[topic] = frame.seq;
      this.stats.events += 1;
      this.onEvent(frame);
    }

    /** Ask for fresh snapshots (after a gap, or to refresh what events do not carry). */
    resync(topics) {
      const wanted = (topics || this.topics).filter((topic) => topic in this.seq || this.pending.has(topic));
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN || !wanted.length) return false;
      wanted.forEach((topic) => this.pending.add(topic));
      this.stats.resyncs += 1;
      this.socket.send(JSON.stringify({ type: "resync", topics: wanted }));
      return true;
    }
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.LiveClient = LiveClient;
})();
