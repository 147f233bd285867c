// The company portal's own behaviour on top of drr.js: connecting shows the wallet's account's
// page; a negotiated trade signed by one party and countersigned by the other; the counterparty
// found by name or credit code; a unit's consent to a merger or split; the bank account hashed before it is signed; figures refreshed
// after each act. No inline script: the page's data come as JSON blocks.
"use strict";
(() => {
  const D = window.DRR;
  const bar = document.getElementById("wallet");
  const status = document.getElementById("wallet-status");
  const pageAccount = bar ? bar.dataset.account : "";
  const langQuery = () => (D.lang === "en" ? "&lang=en" : "");
  const go = (account) => {
    window.location.assign("/portal?account=" + encodeURIComponent(account) + langQuery());
  };

  document.getElementById("connect").addEventListener("click", async () => {
    try {
      const account = await D.connect();
      status.textContent = D.t("wallet.connected");
      status.className = "";
      if (account.toLowerCase() !== (pageAccount || "").toLowerCase()) go(account);
    } catch (error) {
      status.textContent = "✗ " + error.message;
      status.className = "error";
    }
  });
  D.watch();
  D.onAccount((account) => {
    if (account && account.toLowerCase() !== (pageAccount || "").toLowerCase()) {
      status.textContent = D.t("wallet.switched");
      go(account);
    }
  });
  if (pageAccount) D.resume(pageAccount).catch(() => {});
  D.bind(document);

  // -- figures refreshed after an act (the form that acted keeps its result) --------------
  const FIGURES = ["holdings", "obligation-list", "my-listings", "open-listings", "open-lots",
                   "my-pledges", "my-applications", "balances"];
  async function refresh(except) {
    const response = await fetch(window.location.href, {headers: {Accept: "text/html"}});
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of FIGURES) {
      const now = document.getElementById(id), next = fresh.getElementById(id);
      if (!now || !next || now.contains(except)) continue;
      now.replaceWith(next);
      D.bind(next);
    }
  }
  document.addEventListener("drr:done", (event) => { setTimeout(() => refresh(event.target), 1500); });

  // -- the bank account: only its SHA-256 goes on chain ------------------------------------
  D.before.redeem = async (form) => {
    const text = form.querySelector("[name=bankAccountText]").value.trim();
    if (!text) throw new Error(D.t("error.required", {field: form.querySelector("[name=bankAccountText]").closest("label").querySelector(".label").textContent}));
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    form.querySelector("[name=bankAccount]").value = "0x" + [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  };

  // -- the counterparty, by name or credit code -------------------------------------------
  const tradeForm = document.getElementById("trade-form");
  const found = new Map();
  if (tradeForm) {
    const input = tradeForm.querySelector("[name=counterparty]");
    const list = document.getElementById("unit-names");
    const shown = document.getElementById("counterparty-found");
    const hidden = tradeForm.querySelector("[name=counterpartyAddress]");
    let timer = null;
    const resolve = () => {
      const unit = found.get(input.value);
      hidden.value = unit ? unit.holder : "";
      shown.textContent = unit ? D.t("trade.found", {name: unit.name, code: unit.credit_code}) : "";
    };
    input.addEventListener("input", () => {
      resolve();
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2 || found.has(q)) return;
      timer = setTimeout(async () => {
        const page = await D.api("/api/v1/public/units?limit=10&q=" + encodeURIComponent(q));
        list.textContent = "";
        for (const unit of page.rows) {
          if (unit.holder.toLowerCase() === pageAccount.toLowerCase()) continue;
          const label = unit.name + " · " + unit.credit_code;
          found.set(label, unit);
          found.set(unit.credit_code, unit);
          list.append(new Option(label, label));
        }
        resolve();
      }, 250);
    });
    input.addEventListener("change", resolve);
  }

  // -- negotiated trade: one side signs and hands a code to the other, who settles ---
  const partyOf = (prepared) => ["seller", "buyer"].find(
    (p) => prepared[p].signer.toLowerCase() === (D.account || "").toLowerCase());
  D.flows["trade-sign"] = async (form, body) => {
    const other = form.querySelector("[name=counterpartyAddress]").value;
    if (!other) throw new Error(D.t("trade.no_counterparty"));
    const mine = body.side === "seller";
    const terms = {seller: mine ? D.account : other, buyer: mine ? other : D.account,
                   pollutant: body.pollutant, quantityKg: body.quantityKg, priceFen: body.priceFen};
    const prepared = await D.api("/api/v1/trades/prepare", terms);
    const party = partyOf(prepared);
    D.show(form, "busy", D.t("form.sign_in_wallet"));
    const signature = await D.signTyped(prepared[party].typed_data);
    const code = {prepared, signed: {[party]: {typed_data: prepared[party].typed_data, signature}}};
    document.getElementById("trade-code").value = JSON.stringify(code);
    return {message: D.t("trade.signed")};
  };
  D.flows["trade-countersign"] = async (form) => {
    const code = JSON.parse(document.getElementById("trade-code").value);
    const party = partyOf(code.prepared);
    if (!party || code.signed[party]) throw new Error(D.t("trade.not_for_you"));
    D.show(form, "busy", D.t("form.sign_in_wallet"));
    const signature = await D.signTyped(code.prepared[party].typed_data);
    const parts = {...code.signed, [party]: {typed_data: code.prepared[party].typed_data, signature}};
    D.show(form, "busy", D.t("form.sending"));
    const done = await D.api("/api/v1/trades/submit", parts);
    return {...done, message: D.t("trade.settled")};
  };

  // -- consent to a merger or split: the regulator's code lists each unit's typed
  // data (POST /api/v1/lifecycle/consents/…); the connected unit signs its own part and hands
  // the signature back to the regulator, who submits the act
  D.flows["consent-sign"] = async (form) => {
    const code = JSON.parse(form.querySelector("[name=code]").value);
    const part = (code.parties || []).find(
      (p) => p.signer.toLowerCase() === (D.account || "").toLowerCase());
    if (!part) throw new Error(D.t("consent.not_for_you"));
    D.show(form, "busy", D.t("form.sign_in_wallet"));
    document.getElementById("consent-signature").value = await D.signTyped(part.typed_data);
    return {message: D.t(code.act === "split" ? "consent.split" : "consent.merge")};
  };
})();
