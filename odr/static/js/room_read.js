// Read receipts in the mediation room (docs/realtime.md, "Read receipts"). Tells the server how
// far this person has read a channel (only the tab on screen, only while the page is visible; at
// most every 2 s, the last mark always sent), and shows under the messages, discreetly, who else
// has read everything shown so far. room.js hands over its connection and each join's answer
// (with `read_marks`) in its "room:joined" event. Names go in with textContent only.
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root) return;
  const caseId = Number(root.dataset.caseId);
  const me = Number(root.dataset.me);
  const T = JSON.parse(root.dataset.texts);
  let socket = null;  // room.js's, from the first "room:joined"
  const SEND_EVERY = 2000;
  const readers = new Map();  // channel -> {panel, list, line, marks: userId -> {name, seq}, sent, sentAt, timer}

  for (const panel of root.querySelectorAll("[role=tabpanel]")) {
    const list = panel.querySelector(".room__messages");
    const line = document.createElement("p");
    line.className = "room__read small muted";
    list.after(line);
    const ch = { name: panel.dataset.channel, panel, list, line, marks: new Map(), sent: 0, sentAt: 0, timer: null };
    readers.set(ch.name, ch);
    // A message shown, or the tab brought on screen: maybe read further, maybe seen by others.
    new MutationObserver(() => { render(ch); report(ch); }).observe(list, { childList: true });
    new MutationObserver(() => report(ch)).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  }

  function shownSeq(ch) {
    const stored = ch.list.querySelectorAll("li[data-seq]");
    return stored.length ? Number(stored[stored.length - 1].dataset.seq) : 0;
  }

  function report(ch) {
    const seq = shownSeq(ch);
    if (!socket || ch.panel.hidden || document.hidden || !socket.connected || seq <= ch.sent || ch.timer) return;
    const wait = ch.sentAt + SEND_EVERY - Date.now();
    if (wait > 0) {
      ch.timer = setTimeout(() => { ch.timer = null; report(ch); }, wait);
      return;
    }
    ch.sent = seq;
    ch.sentAt = Date.now();
    socket.emit("read", { case_id: caseId, channel: ch.name, seq });
  }

  function note(mark) {
    const ch = mark && mark.case_id === caseId && readers.get(mark.channel);
    if (!ch || !mark.user || mark.user.id === me) return;
    const known = ch.marks.get(mark.user.id);
    if (!known || known.seq < mark.seq) ch.marks.set(mark.user.id, { name: mark.user.name, seq: mark.seq });
    render(ch);
  }

  function render(ch) {
    const seq = shownSeq(ch);
    const names = Array.from(ch.marks.values()).filter((m) => seq && m.seq >= seq).map((m) => m.name);
    ch.line.textContent = names.length ? T.seen_by.replace("{names}", names.join(", ")) : "";
  }

  root.addEventListener("room:joined", (event) => {
    const { ack } = event.detail;
    if (!socket) {
      socket = event.detail.socket;
      socket.on("read", note);
    }
    (ack.read_marks || []).forEach(note);
    const ch = readers.get(ack.channel);
    if (ch) { ch.sent = Math.min(ch.sent, ack.last_seq); report(ch); }
  });
  document.addEventListener("visibilitychange", () => readers.forEach(report));
})();
