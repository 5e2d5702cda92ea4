// Double-blind bidding in the room (docs/realtime.md "Blind bidding"). The page only ever holds
// the public state (the `bid` event and bid:status: rounds, who has submitted, the outcome) and
// this side's own figures (`my_bids`, sent to this side only). The other side's figure never
// reaches the browser, so it cannot be shown: an outcome is "settled at X" or "no agreement".
(function () {
  "use strict";

  const S = window.odrSettle;
  const stateBox = document.getElementById("bidding-state");
  if (!S || !stateBox) return;
  const { T, el, fmt } = S;

  const proposeForm = document.getElementById("bidding-propose-form");
  const agreeForm = document.getElementById("bidding-agree-form");
  const bidForm = document.getElementById("bid-form");
  const mine = document.getElementById("my-bids");
  let bidding = null;
  let myBids = [];

  const other = { applicant: "respondent", respondent: "applicant" };

  function gap(b) {
    return String(Number(b.gap_percent));  // "5.00" -> "5"
  }

  function render() {
    const lines = [];
    const party = S.bargain && S.side;
    if (!bidding) {
      lines.push(T.bid_none);
    } else {
      lines.push(fmt(T.bid_proposed, { gap: gap(bidding) }));
      for (const r of bidding.rounds) {
        if (r.outcome === "no_agreement") lines.push(fmt(T.bid_no_agreement, { k: r.round }));
      }
      if (bidding.status === "proposed") {
        const agreedMine = party && bidding.agreed[S.side];
        lines.push(party && !agreedMine ? "" : T.bid_wait_other);
      } else if (bidding.status === "open") {
        lines.push(fmt(T.bid_round, { k: bidding.round, max: bidding.max_rounds }));
        if (party) {
          lines.push(bidding.submitted[S.side] ? T.bid_sent_mine : T.bid_waiting_mine);
          lines.push(bidding.submitted[other[S.side]] ? T.bid_sent_other : T.bid_waiting_other);
        } else {
          for (const side of ["applicant", "respondent"]) {
            lines.push(fmt(bidding.submitted[side] ? T.bid_side_sent : T.bid_side_waiting, { side: T[side] }));
          }
        }
      } else if (bidding.status === "settled") {
        lines.push(fmt(T.bid_settled, { amount: bidding.settled_amount, currency: S.currency }));
      } else if (bidding.status === "exhausted") {
        lines.push(T.bid_exhausted);
      }
    }
    stateBox.replaceChildren(...lines.filter(Boolean).map((line) => el("p", "settle__line", line)));
    stateBox.dataset.status = bidding ? bidding.status : "none";

    if (!proposeForm) return;  // a mediator, clerk or supervisor: nothing to do here
    const canAct = S.isOpen();
    proposeForm.hidden = !(canAct && !bidding);
    agreeForm.hidden = !(canAct && bidding && bidding.status === "proposed" && !bidding.agreed[S.side]);
    if (!agreeForm.hidden) document.getElementById("bidding-agree").textContent = fmt(T.bid_agree, { gap: gap(bidding) });
    bidForm.hidden = !(canAct && bidding && bidding.status === "open" && !bidding.submitted[S.side]);
    mine.replaceChildren(...myBids.map((b) => el("li", "", fmt(T.bid_my_figure, { k: b.round, amount: b.amount + " " + S.currency }))));
  }

  function take(ack) {
    if (!ack || !ack.ok) return;
    bidding = ack.bidding;
    myBids = ack.my_bids || [];
    render();
  }

  async function reload() {
    take(await S.request("bid:status", {}));
  }

  S.on("bid", (state) => {
    bidding = state;
    render();
    // A figure from another device of this side (a representative) comes back only on asking.
    if (S.bargain && S.side) reload();
  });
  S.onReload(reload);
  S.onClose(render);
  render();

  if (!proposeForm) return;

  proposeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = proposeForm.elements.gap_percent.value.trim().replace(",", ".") || "0";
    take(await S.request("bid:propose", { gap_percent: value },
      document.getElementById("bidding-propose-error"), proposeForm.querySelector("button")));
  });

  agreeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!bidding) return;
    take(await S.request("bid:agree", { gap_percent: bidding.gap_percent },
      document.getElementById("bidding-agree-error"), agreeForm.querySelector("button")));
  });

  bidForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const amount = bidForm.elements.amount.value.trim().replace(",", ".");
    const ack = await S.request("bid:submit", { amount }, document.getElementById("bid-error"),
      bidForm.querySelector("button"));
    if (ack && ack.ok) bidForm.reset();
    take(ack);
  });
})();
