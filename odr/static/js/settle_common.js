// What the room's settlement panels share (templates/mediation/_settle.html): the room's socket
// (room.js exposes it as window.odrRoom), the page's words in the user's language (data-texts:
// nothing is written in English here), requests with an ack, error display, and a hook that runs
// each panel's reload once the room has caught up after every (re)connect. Everything reaches
// the page through textContent, never innerHTML.
(function () {
  "use strict";

  const room = window.odrRoom;
  const root = document.getElementById("settle");
  if (!room || !root) return;

  const T = JSON.parse(root.dataset.texts);
  const ROLES = JSON.parse(root.dataset.roles);
  const reloaders = [];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // "Round {k} of {max}" + {k: 2, max: 3}: the translations keep the braces.
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString(room.lang, { dateStyle: "medium", timeStyle: "short" });
  }

  // The server's message, then the field messages it lists (already in the user's language).
  function errorText(error) {
    const parts = [error.message];
    for (const messages of Object.values(error.fields || {})) {
      for (const m of [].concat(messages)) if (typeof m === "string" && !parts.includes(m)) parts.push(m);
    }
    return parts.filter(Boolean).join(" ");
  }

  function showError(box, text) {
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // One request: the ack ({ok: true, ...} or {ok: false, error}), or null when it went
  // unanswered; a refusal is shown in `box`. `timeout` (ms) for the slow ones: the last
  // signature settles the case and renders the agreement paper before it answers.
  async function request(event, data, box, button, timeout) {
    showError(box, "");
    if (!room.socket.connected) {
      showError(box, T.not_connected);
      return null;
    }
    if (button) button.disabled = true;
    try {
      const ack = await room.call(event, { case_id: room.caseId, ...data }, timeout);
      if (!ack) {
        showError(box, T.not_connected);
        return null;
      }
      if (!ack.ok) {
        showError(box, errorText(ack.error));
        return ack;
      }
      return ack;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // Each panel registers how it reloads; it runs after every catch-up of the room.
  function onReload(fn) {
    reloaders.push(fn);
    if (room.root.dataset.caughtUp) fn();
  }
  room.root.addEventListener("room:caught-up", () => reloaders.forEach((fn) => fn()));

  // Events of this case only (the socket may one day follow several).
  function on(event, fn) {
    room.socket.on(event, (data) => {
      if (data && data.case_id === room.caseId) fn(data);
    });
  }

  // Mediation ends for this page when the agreement is signed by everyone: the case is settled
  // and the server refuses any further proposal or bid, so the panels stop offering them.
  const closers = [];
  function isOpen() {
    return root.dataset.open === "true";
  }
  function onClose(fn) {
    closers.push(fn);
  }
  on("agreement", (agreement) => {
    if (agreement.status !== "signed" || !isOpen()) return;
    root.dataset.open = "false";
    closers.forEach((fn) => fn());
  });

  window.odrSettle = Object.freeze({
    T, ROLES, el, fmt, when, request, showError, onReload, on, isOpen, onClose,
    me: room.me,
    side: root.dataset.side || null,
    bargain: root.dataset.bargain === "true",
    draft: root.dataset.draft === "true",
    sign: root.dataset.sign === "true",
    currency: root.dataset.currency,
    root,
  });
})();
