// The mediation room in the browser: the client algorithm of docs/realtime.md ("Client
// algorithm", "Browser client"). Lossless and without duplicates across any reconnect:
// every channel keeps the last seq it applied, re-joins with it after each connect, buffers
// early arrivals and shows each (channel, seq) once. Sent messages keep their client_msg_id
// until the server acknowledges them, so a resend after a lost connection is harmless.
// User text is only ever put in the page with textContent.
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root || typeof io !== "function") return;

  const caseId = Number(root.dataset.caseId);
  const me = Number(root.dataset.me);
  const lang = root.dataset.lang;
  const T = JSON.parse(root.dataset.texts);
  const ROLES = JSON.parse(root.dataset.roles);
  const ACK_TIMEOUT = 10000;
  const GAP_WAIT = 1000;
  const TYPING_EVERY = 2500;
  const TYPING_SHOWN = 4000;

  const status = document.getElementById("room-status");
  const tabs = Array.from(root.querySelectorAll("[role=tab]"));
  const channels = new Map();  // channel -> its state and elements
  const outbox = new Map();    // client_msg_id -> {channel, body, li}
  let everConnected = false;

  for (const panel of root.querySelectorAll("[role=tabpanel]")) {
    const tab = tabs.find((t) => t.dataset.channel === panel.dataset.channel);
    channels.set(panel.dataset.channel, {
      name: panel.dataset.channel,
      lastSeq: 0,
      buffer: new Map(),   // seq -> message that came early
      gapTimer: null,
      unread: 0,
      typingTimer: null,
      lastTyping: 0,
      tab,
      panel,
      list: panel.querySelector(".room__messages"),
      people: panel.querySelector(".room__people"),
      typing: panel.querySelector(".room__typing"),
      form: panel.querySelector("form"),
    });
  }

  // --- connection --------------------------------------------------------------------------

  const socket = io("/mediation", {
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
    // Emits are only made while connected (the outbox resends the rest): no hidden second queue.
  });

  function showStatus(text, kind) {
    status.textContent = text;
    status.className = "room__status status" + (kind ? " status--" + kind : "");
  }

  socket.on("connect", async () => {
    root.dataset.connection = "online";
    showStatus(everConnected ? T.online : "", everConnected ? "ok" : "");
    if (everConnected) setTimeout(() => { if (socket.connected && status.textContent === T.online) showStatus(""); }, 4000);
    everConnected = true;
    // Catch up every channel first, then resend what was never acknowledged, oldest first.
    await Promise.all(Array.from(channels.values(), join));
    for (const id of Array.from(outbox.keys())) transmit(id);
    root.dataset.caughtUp = String(Date.now());
    // The settlement panels reload their state now: whatever changes after this arrives live.
    root.dispatchEvent(new CustomEvent("room:caught-up"));
  });

  socket.on("disconnect", () => {
    root.dataset.connection = "offline";
    showStatus(T.reconnecting, "warning");
  });
  socket.io.on("reconnect_attempt", () => showStatus(T.reconnecting, "warning"));
  socket.on("connect_error", (error) => {
    // A refusal by the server (sign-in, origin) carries our {code, message}; a network failure
    // does not, and the manager simply tries again.
    const data = error && error.data;
    if (data && data.message) showStatus(T.refused + " " + data.message, "error");
    else showStatus(T.reconnecting, "warning");
  });

  function call(event, data, timeout = ACK_TIMEOUT) {
    return new Promise((resolve) => {
      socket.timeout(timeout).emit(event, data, (err, ack) => resolve(err ? null : ack));
    });
  }

  // The settlement panels (settle_common.js and the scripts after it) share this connection.
  window.odrRoom = Object.freeze({ root, socket, call, caseId, me, lang });

  async function join(ch) {
    const ack = await call("join", { case_id: caseId, channel: ch.name, last_seq: ch.lastSeq });
    if (!ack) return;  // timed out: the next connect joins again
    if (!ack.ok) return showStatus(ack.error.message, "error");
    if (ack.last_seq < ch.lastSeq) {  // the server's data went back (restored): start over
      reset(ch);
      return join(ch);
    }
    await applyPage(ch, ack);
    root.dispatchEvent(new CustomEvent("room:joined", { detail: { channel: ch.name, ack, socket } }));  // room_read.js
  }

  async function applyPage(ch, page) {
    while (page && page.ok) {
      page.messages.forEach((m) => apply(ch, m));
      if (!page.more || !page.messages.length) return;
      page = await call("history", { case_id: caseId, channel: ch.name, after_seq: ch.lastSeq });
    }
  }

  function reset(ch) {
    ch.lastSeq = 0;
    ch.buffer.clear();
    for (const li of Array.from(ch.list.querySelectorAll("li[data-seq]"))) li.remove();
  }

  // --- applying messages: each (channel, seq) once, in seq order --------------------------

  function apply(ch, message) {
    const seq = message.seq;
    if (seq <= ch.lastSeq) return;          // already shown
    if (seq > ch.lastSeq + 1) {             // early: wait a moment for the gap to fill
      ch.buffer.set(seq, message);
      if (!ch.gapTimer) ch.gapTimer = setTimeout(() => fillGap(ch), GAP_WAIT);
      return;
    }
    show(ch, message);
    ch.lastSeq = seq;
    while (ch.buffer.has(ch.lastSeq + 1)) {
      const next = ch.buffer.get(ch.lastSeq + 1);
      ch.buffer.delete(ch.lastSeq + 1);
      show(ch, next);
      ch.lastSeq = next.seq;
    }
    for (const s of Array.from(ch.buffer.keys())) if (s <= ch.lastSeq) ch.buffer.delete(s);
    if (!ch.buffer.size && ch.gapTimer) { clearTimeout(ch.gapTimer); ch.gapTimer = null; }
  }

  async function fillGap(ch) {
    ch.gapTimer = null;
    if (!ch.buffer.size || !socket.connected) return;  // filled meanwhile, or the reconnect will
    const page = await call("history", { case_id: caseId, channel: ch.name, after_seq: ch.lastSeq });
    await applyPage(ch, page);
  }

  function show(ch, message) {
    const mine = message.sender && message.sender.id === me;
    let li = mine && message.client_msg_id && outbox.has(message.client_msg_id)
      ? outbox.get(message.client_msg_id).li : null;
    if (li) outbox.delete(message.client_msg_id);  // acknowledged (or replayed) at last
    li = render(message, li);
    // Stored messages in seq order, the still-pending ones of this user below them.
    ch.list.insertBefore(li, ch.list.querySelector(".msg--pending"));
    li.scrollIntoView({ block: "nearest" });
    if (ch.panel.hidden) {
      ch.unread += 1;
      const badge = ch.tab.querySelector(".room__unread");
      badge.textContent = T.unread.replace("{n}", ch.unread);
      badge.hidden = false;
    }
  }

  function render(message, li) {
    li = li || document.createElement("li");
    li.replaceChildren();
    li.className = "msg";
    const known = message.kind === "text" || message.kind === "system";
    if (message.kind !== "text") li.classList.add("msg--system");
    if (message.sender && message.sender.id === me) li.classList.add("msg--mine");
    li.dataset.seq = message.seq;
    li.dataset.kind = message.kind;
    if (message.client_msg_id) li.dataset.clientMsgId = message.client_msg_id;

    const meta = el("p", "msg__meta");
    const sender = message.sender;
    meta.append(el("span", "msg__who", sender ? (sender.id === me ? T.you : sender.name) : T.service));
    if (sender && sender.role_in_case) meta.append(el("span", "msg__role", ROLES[sender.role_in_case] || sender.role_in_case));
    const time = el("time", "msg__time", new Date(message.created_at).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }));
    time.dateTime = message.created_at;
    meta.append(time);
    li.append(meta);
    // Kinds this page does not know yet (proposals, bids, ...) still show their text, if any.
    const body = typeof message.body === "string" ? message.body : (known ? "" : message.kind);
    li.append(el("p", "msg__body", body));
    return li;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  socket.on("message", (message) => {
    const ch = message && channels.get(message.channel);
    if (ch && message.case_id === caseId) apply(ch, message);
  });

  // --- sending ------------------------------------------------------------------------------

  function newId() {
    return crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "")
      : Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function submit(ch) {
    const area = ch.form.elements.body;
    const body = area.value.trim();
    hideError(ch);
    if (!body) return;
    const id = newId();
    const li = el("li", "msg msg--mine msg--pending");
    li.dataset.clientMsgId = id;
    const meta = el("p", "msg__meta");
    meta.append(el("span", "msg__who", T.you), el("span", "msg__state", socket.connected ? T.sending : T.waiting));
    li.append(meta, el("p", "msg__body", body));
    ch.list.append(li);
    li.scrollIntoView({ block: "nearest" });
    outbox.set(id, { channel: ch.name, body, li });
    area.value = "";
    count(ch);
    transmit(id);
  }

  async function transmit(id) {
    const item = outbox.get(id);
    if (!item || !socket.connected || item.inFlight) return;  // the next connect sends it
    item.inFlight = true;
    const ack = await call("send", { case_id: caseId, channel: item.channel, body: item.body, client_msg_id: id });
    item.inFlight = false;
    if (!outbox.has(id)) return;  // shown meanwhile (a replay brought it)
    const ch = channels.get(item.channel);
    if (!ack) {  // no answer: same id again later, stored at most once
      if (socket.connected) setTimeout(() => transmit(id), 1000);
      return;
    }
    if (ack.ok) return apply(ch, ack.message);
    if (ack.error.code === "rate_limited") {
      setTimeout(() => transmit(id), Math.max(1, ack.error.retry_after || 1) * 1000);
      return showError(ch, ack.error.message);
    }
    // Refused for good (too long, room closed, ...): say why, in the user's language.
    outbox.delete(id);
    item.li.classList.replace("msg--pending", "msg--failed");
    const state = item.li.querySelector(".msg__state");
    state.textContent = T.not_sent + " " + ack.error.message;
    showError(ch, ack.error.message);
  }

  function showError(ch, text) {
    const box = ch.form && ch.form.querySelector(".field__error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  function hideError(ch) {
    const box = ch.form && ch.form.querySelector(".field__error");
    if (box) box.hidden = true;
  }

  function count(ch) {
    const area = ch.form.elements.body;
    ch.form.querySelector(".room__counter").textContent = area.value.length + " / " + area.maxLength;
  }

  for (const ch of channels.values()) {
    if (!ch.form) continue;
    const area = ch.form.elements.body;
    ch.form.addEventListener("submit", (event) => { event.preventDefault(); submit(ch); });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit(ch);
      }
    });
    area.addEventListener("input", () => {
      count(ch);
      const now = Date.now();
      if (socket.connected && area.value && now - ch.lastTyping > TYPING_EVERY) {
        ch.lastTyping = now;
        socket.emit("typing", { case_id: caseId, channel: ch.name });
      }
    });
  }

  // --- presence and typing ------------------------------------------------------------------

  socket.on("presence", (data) => {
    const ch = data && channels.get(data.channel);
    if (!ch || data.case_id !== caseId) return;
    const others = data.users.filter((u) => u.id !== me);
    ch.people.replaceChildren(...(others.length ? others : [null]).map((u) => {
      if (!u) return el("li", "muted small", T.nobody);
      return el("li", "chip", u.name + (u.role_in_case ? " · " + (ROLES[u.role_in_case] || u.role_in_case) : ""));
    }));
  });

  socket.on("typing", (data) => {
    const ch = data && channels.get(data.channel);
    if (!ch || data.case_id !== caseId || !data.user) return;
    ch.typing.textContent = T.typing.replace("{name}", data.user.name);
    clearTimeout(ch.typingTimer);
    ch.typingTimer = setTimeout(() => { ch.typing.textContent = ""; }, TYPING_SHOWN);
  });

  // Proposals, bids and the agreement are the settlement panels' (settle_common.js and after).

  // --- tabs (WAI-ARIA tabs: arrows move between them, one tab stop) -----------------------

  function select(tab) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      channels.get(t.dataset.channel).panel.hidden = !on;
    }
    const ch = channels.get(tab.dataset.channel);
    ch.unread = 0;
    tab.querySelector(".room__unread").hidden = true;
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
})();
