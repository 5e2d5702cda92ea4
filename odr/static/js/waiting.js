// The waiting room (templates/mediation/_waiting.html, docs/realtime.md "Sessions and the waiting
// room"). Until the mediator opens a session the composers stay disabled; the `session` event on
// /mediation lets the party in live, or sends them back to waiting when it is closed. The server
// enforces the same (a send while waiting is refused with session_not_open).
(function () {
  "use strict";
  const panel = document.getElementById("waiting-room");
  if (!panel || panel.dataset.mediator === "true") return;
  const texts = JSON.parse(panel.dataset.texts || "{}");
  const caseId = Number(panel.dataset.caseId);
  const status = panel.querySelector(".room__waiting-status");
  const people = document.getElementById("waiting-people");

  function setWaiting(waiting, message) {
    panel.dataset.waiting = waiting ? "true" : "false";
    panel.hidden = !waiting;
    if (status && message) status.textContent = message;
    for (const form of document.querySelectorAll(".room__composer")) {
      for (const control of form.querySelectorAll("textarea, button")) control.disabled = waiting;
      form.setAttribute("aria-disabled", waiting ? "true" : "false");
    }
  }

  function showPeople(users) {
    if (!people) return;
    people.replaceChildren(...users.map((user) => {
      const item = document.createElement("li");
      item.textContent = user.name;  // text, never HTML
      return item;
    }));
  }

  function attach(socket) {
    socket.on("session", (data) => {
      if (!data || data.case_id !== caseId || !data.session) return;
      const state = data.session.status;
      if (state === "open") setWaiting(false, texts.open);
      else if (state === "closed") setWaiting(true, texts.closed);
    });
    socket.on("presence", (data) => {
      if (data && data.case_id === caseId && data.channel === "joint") showPeople(data.users || []);
    });
  }

  // After every deferred script (room.js among them) has run: its connection is shared then.
  document.addEventListener("DOMContentLoaded", () => {
    setWaiting(panel.dataset.waiting === "true", null);
    if (window.odrRoom && window.odrRoom.socket) {
      attach(window.odrRoom.socket);
    } else if (typeof io === "function") {
      // Without the room's shared connection: a socket of our own that follows the joint channel
      // from its current end (no history), only to hear the session and presence events.
      const socket = io("/mediation");
      attach(socket);
      socket.on("connect", () => {
        socket.emit("join", { case_id: caseId, channel: "joint", last_seq: Number.MAX_SAFE_INTEGER });
      });
    }
  });
})();
