// The settlement agreement in the room (docs/realtime.md "The agreement and signatures"):
// the mediator starts the draft, edits its six clauses (each save is a new version; a stale
// save is refused and the current text shown, the mediator's own changes stay in the form),
// locks the final text; everyone following reads it and comments; each party and the mediator
// sign it with their password, a typed name and, if they like, a drawn signature. The last
// signature settles the case and the issued paper can be downloaded.
(function () {
  "use strict";

  const S = window.odrSettle;
  const state = document.getElementById("agreement-state");
  if (!S || !state) return;
  const { T, ROLES, el, fmt } = S;
  const $ = (id) => document.getElementById(id);

  const CLAUSES = ["parties", "facts", "terms", "performance", "breach", "effect"];
  const SIGN_TIMEOUT = 60000;  // the last signature renders the paper before it answers
  const body = $("agreement-body");
  const createForm = $("agreement-create-form");
  const editForm = $("agreement-edit-form");
  const unlockForm = $("agreement-unlock-form");
  const signForm = $("sign-form");
  const commentForm = $("comment-form");
  const pad = signForm ? window.odrSignaturePad($("sign-pad")) : null;

  let agreement = null;
  let loaded = false;
  const comments = new Map();  // id -> comment
  let baseVersion = 0;         // the version the mediator's form was filled from
  let dirty = false;           // the mediator has changed the form since

  function signedByMe() {
    return !!agreement && agreement.signatures.some((s) => s.user_id === S.me);
  }

  function render() {
    const status = agreement ? agreement.status : "none";
    S.root.dataset.agreement = status;
    state.textContent = !agreement ? (loaded ? T.agr_none : "")
      : status === "draft" ? fmt(T.agr_draft, { v: agreement.version })
        : status === "locked" ? fmt(T.agr_locked, { v: agreement.version }) : T.agr_signed;
    $("agreement-download").hidden = status !== "signed";
    body.hidden = !agreement;
    if (createForm) createForm.hidden = !(loaded && !agreement && S.isOpen());
    if (editForm) editForm.hidden = !(status === "draft" && S.isOpen());
    if (unlockForm) unlockForm.hidden = !(status === "locked" && S.isOpen() && !agreement.signatures.length);
    if (!agreement) return;

    $("agreement-text").textContent = agreement.text;
    $("agreement-hash").textContent = agreement.sha256 ? "SHA-256: " + agreement.sha256 : "";
    if (editForm && (!dirty || baseVersion === 0)) fill(agreement);

    const list = $("signature-list");
    list.replaceChildren(...(agreement.signatures.length ? agreement.signatures.map((s) => {
      const text = fmt(T.agr_signed_by, { name: s.name, role: ROLES[s.role] || s.role, when: S.when(s.signed_at) });
      const li = el("li", "", text + (s.drawn ? " · " + T.agr_drawn : ""));
      li.dataset.userId = s.user_id;
      return li;
    }) : [el("li", "muted", T.agr_no_signatures)]));
    if (signedByMe()) list.append(el("li", "settle__mine", T.agr_you_signed));

    if (signForm) {
      signForm.hidden = !(status === "locked" && S.isOpen() && !signedByMe());
      if (agreement.sha256) $("sign-hash").textContent = fmt(T.sig_hash, { hash: agreement.sha256 });
    }
    if (commentForm) commentForm.hidden = !(status !== "signed" && S.isOpen());
    renderComments();
  }

  function renderComments() {
    const items = Array.from(comments.values()).sort((a, b) => a.id - b.id);
    $("comment-list").replaceChildren(...(items.length ? items.map((c) => {
      const li = el("li", "settle__item");
      li.dataset.commentId = c.id;
      const meta = el("p", "msg__meta");
      meta.append(el("span", "msg__who", c.author.name), el("span", "", fmt(T.agr_comment_on, { v: c.version })));
      const time = el("time", "msg__time", S.when(c.created_at));
      time.dateTime = c.created_at;
      meta.append(time);
      li.append(meta, el("p", "msg__body", c.body));
      return li;
    }) : [el("li", "muted", T.agr_no_comments)]));
  }

  function fill(a) {
    for (const key of CLAUSES) editForm.elements[key].value = a.clauses[key] || "";
    baseVersion = a.version;
    dirty = false;
  }

  function take(a) {
    agreement = a;
    loaded = true;
    render();
  }

  S.on("agreement", take);
  S.on("agreement_comment", (c) => {
    comments.set(c.id, c);
    renderComments();
  });
  S.onReload(async () => {
    const ack = await S.request("agreement:get", {});
    if (!ack) return;
    if (!ack.ok) {  // not_found: no draft yet
      if (ack.error.code === "not_found") take(null);
      return;
    }
    comments.clear();
    ack.comments.forEach((c) => comments.set(c.id, c));
    take(ack.agreement);
  });

  // --- the mediator ---------------------------------------------------------------------------

  if (createForm) {
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ack = await S.request("agreement:create", {}, $("agreement-create-error"), createForm.querySelector("button"));
      if (ack && ack.ok) take(ack.agreement);
    });
  }

  if (editForm) {
    const note = $("agreement-stale-note");
    const stale = $("agreement-stale");
    editForm.addEventListener("input", () => { dirty = true; });

    editForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const clauses = {};
      for (const key of CLAUSES) clauses[key] = editForm.elements[key].value;
      const ack = await S.request("agreement:edit", { expected_version: baseVersion, clauses },
        $("agreement-edit-error"), editForm.querySelector("button[type=submit]"));
      if (!ack) return;
      if (!ack.ok) {
        if (ack.error.code === "stale_version") {
          // Refused: show what is there now; the mediator's text stays in the form. Saving
          // again is then a deliberate choice against the version they have seen.
          note.textContent = ack.error.message + " " + fmt(T.agr_current_text, { v: ack.error.current_version });
          $("agreement-stale-text").textContent = ack.error.current_text;
          stale.hidden = false;
          baseVersion = ack.error.current_version;
          S.showError($("agreement-edit-error"), "");
        }
        return;
      }
      stale.hidden = true;
      dirty = false;
      take(ack.agreement);
      fill(ack.agreement);
      note.textContent = "";
    });

    $("agreement-lock").addEventListener("click", async (event) => {
      if (dirty) return S.showError($("agreement-edit-error"), T.agr_save_first);
      const ack = await S.request("agreement:lock", { expected_version: baseVersion }, $("agreement-edit-error"), event.currentTarget);
      if (ack && ack.ok) take(ack.agreement);
    });
  }

  if (unlockForm) {
    unlockForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ack = await S.request("agreement:unlock", {}, $("agreement-unlock-error"), unlockForm.querySelector("button"));
      if (ack && ack.ok) take(ack.agreement);
    });
  }

  // --- comments and signing -------------------------------------------------------------------

  if (commentForm) {
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = commentForm.elements.body.value.trim();
      if (!text || !agreement) return;
      const ack = await S.request("agreement:comment", { body: text, version: agreement.version },
        $("comment-error"), commentForm.querySelector("button"));
      if (!ack || !ack.ok) return;
      commentForm.reset();
      comments.set(ack.comment.id, ack.comment);
      renderComments();
    });
  }

  // The fingerprint of the text this page shows: what the signer read is what they sign.
  async function shownTextHash() {
    if (!(window.crypto && crypto.subtle)) return agreement.sha256;  // not a secure context
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode($("agreement-text").textContent));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  if (signForm) {
    $("sign-pad-clear").addEventListener("click", () => pad.clear());
    signForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!agreement) return;
      const box = $("sign-error");
      const drawn = pad.isEmpty() ? null : pad.toDataURL();
      if (drawn && drawn.length > 133000) return S.showError(box, T.sig_too_big);
      const ack = await S.request("agreement:sign", {
        password: signForm.elements.password.value,
        typed_signature: signForm.elements.typed_signature.value.trim(),
        sha256: await shownTextHash(),
        drawn_signature: drawn,
      }, box, signForm.querySelector("button[type=submit]"), SIGN_TIMEOUT);
      signForm.elements.password.value = "";
      if (!ack) return;
      if (!ack.ok) {
        if (ack.error.code === "text_changed") S.request("agreement:get", {}).then((a) => a && a.ok && take(a.agreement));
        return;
      }
      pad.clear();
      take(ack.agreement);
    });
  }
})();
