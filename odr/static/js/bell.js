// The bell in the header, updated live: the Socket.IO namespace /notifications tells this page
// the unread count on connecting and each new in-app message as it is stored (docs/realtime.md).
// Without JavaScript or a connection the bell shows the count of the last page load.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell || typeof io === "undefined") { return; }
  var live = document.getElementById("bell-live");

  function show(count) {
    var badge = bell.querySelector(".bell__count");
    if (!count) {
      if (badge) { badge.remove(); }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "bell__count";
      bell.appendChild(badge);
    }
    badge.textContent = String(count) + " ";
    var word = document.createElement("span");
    word.className = "visually-hidden";
    word.textContent = bell.getAttribute("data-unread-word");
    badge.appendChild(word);
    bell.setAttribute("data-unread", String(count));
  }

  var unread = Number((bell.querySelector(".bell__count") || {}).firstChild ? bell.querySelector(".bell__count").firstChild.textContent : 0) || 0;
  // Long-polling first, then the upgrade to WebSocket where the server offers it (any server).
  var socket = io("/notifications");
  socket.on("notification:unread", function (data) {
    unread = data.unread;
    show(unread);
  });
  socket.on("notification:new", function (data) {
    unread += 1;
    show(unread);
    if (live) { live.textContent = bell.getAttribute("data-new-word") + " " + data.subject; }
  });
})();
