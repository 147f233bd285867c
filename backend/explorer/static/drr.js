// The pages' one small library (no build step, no inline script): the visitor's wallet
// (EIP-1193: MetaMask or any injected provider), the service's API, units, and the forms that
// prepare, sign in the wallet and submit, with the result or refusal next to the button.
// The company portal and the authority console use it; each form is declared in the page:
//
//   <form class="act" data-flow="action" data-action="list"> … <input name="quantityKg"
//      data-unit="t"> … <button>…</button><p class="result" role="status"></p></form>
//
// data-unit: "t" (tonnes, kg precision → integer kg), "yuan" (元 → integer fen), "beijing"
// (a Beijing date and time → unix seconds), "int", "address"; untyped inputs are sent as text.
// Texts in the page's language come from <script type="application/json" id="drr-text">.
"use strict";
window.DRR = (() => {
  const text = JSON.parse((document.getElementById("drr-text") || {}).textContent || "{}");
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  const t = (key, values) => {
    let s = text[key] || key;
    for (const [k, v] of Object.entries(values || {})) s = s.replace("{" + k + "}", v);
    return s;
  };

  // -- units -----------------------------------------------------------------------------
  // Decimal text → an integer of `scale` (1000 for t → kg, 100 for 元 → fen), exactly.
  function scaled(raw, scale, what) {
    const digits = String(Math.log10(scale));
    const clean = String(raw).trim().replace(/[,，\s]/g, "");
    const m = clean.match(new RegExp("^(\\d+)(?:\\.(\\d{0," + digits + "}))?$"));
    if (!m) throw new Error(t("error.number", {field: what, digits}));
    const frac = (m[2] || "").padEnd(Number(digits), "0");
    return BigInt(m[1]) * BigInt(scale) + BigInt(frac || "0");
  }
  const tonnes = (kg) => {
    const v = BigInt(kg), whole = v / 1000n, rest = v % 1000n;
    const r = rest ? "." + String(rest).padStart(3, "0").replace(/0+$/, "") : "";
    return whole.toLocaleString("en-US") + r + " t";
  };
  const yuan = (fen) => {
    const v = BigInt(fen), whole = v / 100n, rest = v % 100n;
    return whole.toLocaleString("en-US") + "." + String(rest).padStart(2, "0") + " 元";
  };
  // "2025-01-31T14:30" read as Beijing time (UTC+8) → unix seconds
  function beijing(value, what) {
    const m = String(value).match(/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/);
    if (!m) throw new Error(t("error.datetime", {field: what}));
    return Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5]) / 1000);
  }
  const toJsonNumber = (big) => (big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString());

  // -- the API ---------------------------------------------------------------------------
  class Refusal extends Error {
    constructor(error) {
      const ex = error.explanation || {};
      super((lang === "en" ? ex.en || error.message : ex.zh || error.message_zh || error.message) || String(error.code));
      this.error = error;
    }
  }
  async function api(path, body, headers) {
    const init = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json", ...(headers || {})}, body: JSON.stringify(body),
    };
    const response = await fetch(path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Refusal(data.error || {code: response.status, message: response.statusText});
    return data;
  }

  // -- the wallet (EIP-1193, EIP-3085, EIP-3326) -----------------------------------------
  const chain = JSON.parse((document.getElementById("drr-chain") || {}).textContent || "{}");
  let account = null;
  const listeners = [];
  const provider = () => window.ethereum;
  const checksummed = (address) => address;  // the service answers checksummed; shown as it says
  class WalletRejected extends Error {}

  async function request(method, params) {
    try {
      return await provider().request({method, params: params || []});
    } catch (error) {
      if (error && error.code === 4001) throw new WalletRejected(t("wallet.rejected"));
      throw error;
    }
  }
  let switching = false;
  async function ensureChain() {
    switching = true;
    try { await switchChain(); } finally { switching = false; }
  }
  async function switchChain() {
    const wanted = "0x" + Number(chain.chainId).toString(16);
    const current = await request("eth_chainId");
    if (parseInt(current, 16) === Number(chain.chainId)) return;
    try {
      await request("wallet_switchEthereumChain", [{chainId: wanted}]);
    } catch (error) {
      if (!(error && error.code === 4902)) throw error;  // unknown to the wallet: add it
      await request("wallet_addEthereumChain", [{
        chainId: wanted, chainName: chain.name, rpcUrls: chain.rpcUrls,
        nativeCurrency: {name: "Gas", symbol: "GAS", decimals: 18},
      }]);
    }
    const now = await request("eth_chainId");
    if (parseInt(now, 16) !== Number(chain.chainId)) throw new Error(t("wallet.wrong_chain", {chain: chain.chainId}));
  }
  async function connect() {
    if (!provider()) throw new Error(t("wallet.none"));
    const accounts = await request("eth_requestAccounts");
    if (!accounts || !accounts.length) throw new Error(t("wallet.no_account"));
    await ensureChain();
    account = accounts[0];
    for (const fn of listeners) await fn(account);
    return account;
  }
  function watch() {
    const p = provider();
    if (!p || !p.on) return;
    p.on("accountsChanged", (accounts) => {
      account = accounts && accounts.length ? accounts[0] : null;
      for (const fn of listeners) fn(account);
    });
    // a chain switch we asked for is part of connecting; one made in the wallet later reloads
    // the page, which then checks the chain again when the visitor acts
    p.on("chainChanged", () => { if (!switching) window.location.reload(); });
  }
  // the account the wallet already shared with this site (no prompt), if it is `expected`
  async function resume(expected) {
    if (!provider()) return null;
    const accounts = await request("eth_accounts");
    const found = accounts && accounts.length ? accounts[0] : null;
    if (found && expected && found.toLowerCase() === expected.toLowerCase()) account = found;
    return found;
  }
  async function signTyped(typed) {
    const current = await request("eth_chainId");
    if (parseInt(current, 16) !== Number(chain.chainId)) await ensureChain();
    return request("eth_signTypedData_v4", [account, JSON.stringify(typed)]);
  }

  // -- forms -----------------------------------------------------------------------------
  function values(form) {
    const body = {};
    for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (input.disabled || input.dataset.skip === "yes") continue;
      const label = (input.closest("label") || {}).textContent || input.name;
      const raw = input.value.trim();
      if (raw === "" && input.dataset.optional === "yes") continue;
      if (raw === "") throw new Error(t("error.required", {field: label.trim()}));
      const unit = input.dataset.unit;
      if (unit === "t") body[input.name] = toJsonNumber(scaled(raw, 1000, label.trim()));
      else if (unit === "yuan") body[input.name] = toJsonNumber(scaled(raw, 100, label.trim()));
      else if (unit === "beijing") body[input.name] = beijing(raw, label.trim());
      else if (unit === "int") body[input.name] = toJsonNumber(scaled(raw, 1, label.trim()));
      else body[input.name] = raw;
    }
    return body;
  }
  function result(form) {
    let out = form.querySelector(".result");
    if (!out) {
      out = document.createElement("p");
      out.className = "result";
      out.setAttribute("role", "status");
      out.setAttribute("aria-live", "polite");
      form.append(out);
    }
    return out;
  }
  function show(form, kind, message, txHash) {
    const out = result(form);
    out.className = "result " + kind;
    out.textContent = message;
    if (txHash) {
      const a = document.createElement("a");
      a.href = "/tx/" + txHash;
      a.className = "tx-result";
      a.textContent = txHash.slice(0, 10) + "…" + txHash.slice(-4);
      a.title = txHash;
      out.append(" ", a);
    }
  }
  function refusal(form, error) {
    const out = result(form);
    out.className = "result error";
    out.textContent = "✗ " + error.message;
    const e = error.error;
    if (e && e.code) {
      const code = document.createElement("small");
      code.className = "code";
      code.textContent = " (" + (e.reason || e.code) + ")";
      out.append(code);
    }
  }

  const flows = {};
  const before = {};  // action → async (form) => void, run before the form's values are read
  async function run(form) {
    const button = form.querySelector("button[type=submit], button:not([type])");
    if (!account) { refusal(form, new Error(t("wallet.connect_first"))); return; }
    if (button) button.disabled = true;
    try {
      if (before[form.dataset.action]) await before[form.dataset.action](form);
      const body = values(form);
      show(form, "busy", t("form.checking"));
      const flow = flows[form.dataset.flow];
      if (!flow) throw new Error("unknown form flow " + form.dataset.flow);
      const done = await flow(form, body);
      show(form, "ok", "✓ " + (done.message || t("form.done")), done.tx_hash);
      form.dispatchEvent(new CustomEvent("drr:done", {bubbles: true, detail: done}));
    } catch (error) {
      refusal(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // a signed action: prepare → sign (and a permit if asked) → submit
  flows.action = async (form, body) => {
    const name = form.dataset.action;
    const prepared = await api("/api/v1/actions/" + name + "/prepare", body);
    show(form, "busy", t("form.sign_in_wallet"));
    const signature = await signTyped(prepared.typed_data);
    let permit;
    if (prepared.permit) permit = {typed_data: prepared.permit, signature: await signTyped(prepared.permit)};
    show(form, "busy", t("form.sending"));
    const done = await api("/api/v1/actions/" + name + "/submit",
      {typed_data: prepared.typed_data, signature, ...(permit ? {permit} : {})});
    return {...done, message: form.dataset.done || t("form.done")};
  };
  // money in: an ERC-2612 permit for the exchange
  flows.deposit = async (form, body) => {
    const prepared = await api("/api/v1/money/deposit/prepare", body);
    show(form, "busy", t("form.sign_in_wallet"));
    const signature = await signTyped(prepared.typed_data);
    show(form, "busy", t("form.sending"));
    const done = await api("/api/v1/money/deposit/submit", {typed_data: prepared.typed_data, signature});
    return {...done, message: form.dataset.done || t("form.done")};
  };
  // an act anyone may take once its time has come: the service's keeper sends it
  flows.keeper = async (form, body) => {
    const done = await api("/api/v1/keeper/" + form.dataset.action, body);
    return {...done, message: form.dataset.done || t("form.done")};
  };

  // an authority's operation: the service builds and simulates the transaction, the authority's
  // own wallet signs and sends it (it holds the chain's coin for its gas), the page waits
  flows.operation = async (form, body) => {
    const built = await api("/api/v1/" + form.dataset.action, {sender: account, ...body});
    const tx = built.transaction;
    show(form, "busy", t("form.sign_in_wallet"));
    const hash = await request("eth_sendTransaction", [{
      from: account, to: tx.to, data: tx.data, value: tx.value, gas: tx.gas,
    }]);
    show(form, "busy", t("form.sending"));
    for (let i = 0; i < 120; i++) {
      try {
        const mined = await api("/api/v1/tx/" + hash);
        if (mined.status !== 1) throw new Error(t("form.reverted"));
        return {...mined, message: form.dataset.done || t("form.done")};
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    throw new Error(t("form.not_mined", {hash}));
  };

  function bind(root) {
    for (const form of (root || document).querySelectorAll("form[data-flow]")) {
      if (form.dataset.bound) continue;
      form.dataset.bound = "yes";
      form.addEventListener("submit", (event) => { event.preventDefault(); run(form); });
    }
  }

  return {
    t, lang, api, Refusal, WalletRejected, connect, watch, request, signTyped, ensureChain,
    get account() { return account; }, onAccount: (fn) => listeners.push(fn),
    flows, before, bind, run, show, refusal, values, tonnes, yuan, beijing, scaled, checksummed,
    resume,
  };
})();
