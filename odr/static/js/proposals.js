// Proposals in the room: the history (live through `proposal` events), a structured offer
// (amount, instalments with dates, other terms), and the answers a person may give now:
// the other side's open offer can be accepted, rejected or countered; one's own withdrawn.
// The server decides (docs/realtime.md "Proposals"); the buttons only spare a refusal.
(function () {
  "use strict";

  const S = window.odrSettle;
  const list = document.getElementById("proposal-list");
  if (!S || !list) return;
  const { T, el, fmt } = S;

  const form = document.getElementById("proposal-form");
  const proposals = new Map();  // id -> the server's payload
  let countering = null;        // the proposal being countered, or null

  function sideName(p) {
    return p.from_bidding ? T.bidding : (T[p.side] || p.side || "");
  }

  function summary(p) {
    const parts = [];
    if (p.amount) parts.push(p.amount + " " + p.currency);
    if (p.terms) parts.push(p.terms.length > 80 ? p.terms.slice(0, 80) + "…" : p.terms);
    return parts.join("; ");
  }

  function render() {
    const items = Array.from(proposals.values()).sort((a, b) => a.id - b.id);
    list.replaceChildren(...(items.length ? items.map(item) : [el("li", "muted", T.no_proposals)]));
  }

  function item(p) {
    const li = el("li", "settle__item");
    li.dataset.proposalId = p.id;
    li.dataset.status = p.status;
    li.dataset.side = p.side || "";
    const meta = el("p", "msg__meta");
    meta.append(el("span", "msg__who", sideName(p)),
      el("span", "chip" + (p.status === "offered" ? " chip--state" : ""), T["status_" + p.status] || p.status));
    const time = el("time", "msg__time", S.when(p.created_at));
    time.dateTime = p.created_at;
    meta.append(time);
    li.append(meta);
    const what = el("div", "settle__what");
    what.id = "proposal-" + p.id;
    if (p.amount) what.append(el("p", "settle__amount", p.amount + " " + p.currency));
    if (p.instalments && p.instalments.length) {
      const ol = el("ul", "settle__instalment-list");
      p.instalments.forEach((i, n) => ol.append(el("li", "", fmt(T.instalment, { n: n + 1, amount: i.amount, date: i.due_date }))));
      what.append(ol);
    }
    if (p.terms) what.append(el("p", "settle__terms", p.terms));
    li.append(what);
    if (p.answers_id) li.append(el("p", "small muted", T.in_reply));
    if (p.expires_at && p.status === "offered") li.append(el("p", "small muted", fmt(T.expires, { when: S.when(p.expires_at) })));
    if (S.bargain && S.isOpen() && p.status === "offered") {
      const actions = el("div", "settle__actions");
      const button = (text, cls, fn) => {
        const b = el("button", "button button--small" + (cls ? " " + cls : ""), text);
        b.type = "button";
        b.dataset.action = text;
        b.setAttribute("aria-describedby", what.id);
        b.addEventListener("click", () => fn(b));
        actions.append(b);
        return b;
      };
      if (p.side && p.side !== S.side) {
        button(T.accept, "button--primary", (b) => answer("proposal:accept", p, b)).dataset.step = "accept";
        button(T.reject, "button--danger", (b) => answer("proposal:reject", p, b)).dataset.step = "reject";
        if (form) button(T.counter, "", () => startCounter(p)).dataset.step = "counter";
      } else if (p.side === S.side) {
        button(T.withdraw, "", (b) => answer("proposal:withdraw", p, b)).dataset.step = "withdraw";
      }
      const box = el("p", "field__error");
      box.setAttribute("role", "alert");
      box.hidden = true;
      li.append(actions, box);
    }
    return li;
  }

  function upsert(p) {
    proposals.set(p.id, p);
    if (countering && countering.id === p.id && p.status !== "offered") stopCounter();
    render();
  }

  async function answer(event, p, button) {
    const box = button.closest("li").querySelector(".field__error");
    const ack = await S.request(event, { proposal_id: p.id }, box, button);
    if (ack && ack.ok) upsert(ack.proposal);
  }

  S.on("proposal", upsert);
  S.onClose(() => {
    render();
    if (form) form.hidden = true;
  });
  S.onReload(async () => {
    const ack = await S.request("proposal:list", {});
    if (!ack || !ack.ok) return;
    proposals.clear();
    ack.proposals.forEach((p) => proposals.set(p.id, p));
    render();
  });
  render();

  // --- the offer form -------------------------------------------------------------------------

  if (!form) return;
  const rows = document.getElementById("instalment-rows");
  const submit = document.getElementById("proposal-submit");
  const cancel = document.getElementById("proposal-cancel-counter");
  const note = document.getElementById("proposal-countering");
  const errorBox = document.getElementById("proposal-error");

  function renumber() {
    Array.from(rows.children).forEach((li, i) => {
      const n = i + 1;
      const [amountLabel, dateLabel] = li.querySelectorAll("label");
      const [amount, date] = li.querySelectorAll("input");
      amount.id = "instalment-amount-" + n;
      date.id = "instalment-date-" + n;
      amountLabel.htmlFor = amount.id;
      dateLabel.htmlFor = date.id;
      amountLabel.textContent = fmt(T.instalment_amount, { n });
      dateLabel.textContent = fmt(T.instalment_date, { n });
    });
  }

  function addRow() {
    const li = el("li", "settle__row");
    const amountField = el("div", "field");
    const amountLabel = el("label", "field__label");
    const amount = el("input");
    amount.type = "text";
    amount.inputMode = "decimal";
    amount.name = "instalment_amount";
    amount.autocomplete = "off";
    amountField.append(amountLabel, amount);
    const dateField = el("div", "field");
    const dateLabel = el("label", "field__label");
    const date = el("input");
    date.type = "date";
    date.name = "instalment_date";
    dateField.append(dateLabel, date);
    const remove = el("button", "button button--small button--quiet", T.remove);
    remove.type = "button";
    remove.addEventListener("click", () => {
      li.remove();
      renumber();
      document.getElementById("instalment-add").focus();
    });
    li.append(amountField, dateField, remove);
    rows.append(li);
    renumber();
    amount.focus();
  }

  document.getElementById("instalment-add").addEventListener("click", addRow);

  function startCounter(p) {
    countering = p;
    note.textContent = fmt(T.countering, { side: sideName(p), what: summary(p) });
    note.hidden = false;
    cancel.hidden = false;
    submit.textContent = submit.dataset.counter;
    form.querySelector("[name=amount]").focus();
  }

  function stopCounter() {
    countering = null;
    note.hidden = true;
    cancel.hidden = true;
    submit.textContent = submit.dataset.make;
  }

  cancel.addEventListener("click", stopCounter);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = {};
    const amount = form.elements.amount.value.trim().replace(",", ".");
    if (amount) data.amount = amount;
    const instalments = Array.from(rows.children).map((li) => {
      const [a, d] = li.querySelectorAll("input");
      return { amount: a.value.trim().replace(",", "."), due_date: d.value };
    }).filter((i) => i.amount || i.due_date);
    if (instalments.length) data.instalments = instalments;
    const terms = form.elements.terms.value.trim();
    if (terms) data.terms = terms;
    const event_ = countering ? "proposal:counter" : "proposal:create";
    if (countering) data.proposal_id = countering.id;
    const ack = await S.request(event_, data, errorBox, submit);
    if (!ack || !ack.ok) return;
    form.reset();
    rows.replaceChildren();
    stopCounter();
    upsert(ack.proposal);
  });
})();
