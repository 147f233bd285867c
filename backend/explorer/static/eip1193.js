// The visitor's own browser wallet (EIP-1193: MetaMask or any injected provider) and the
// service's JSON API, for the pages that sign: small, generic, no build step. The key never
// leaves the wallet; the service only prepares, checks and relays.
(() => {
  "use strict";

  class ApiError extends Error {
    constructor(status, error, body) {
      super(error && error.message ? error.message : "HTTP " + status);
      this.status = status;
      this.error = error || {};
      this.body = body;  // the whole answer (a report that is not the error envelope)
    }
  }

  // JSON with integers beyond 2^53 kept exact (BigInt values written as plain digits)
  const json = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? "\u0000" + v.toString() : v))
    .replace(/"\\u0000(\d+)"/g, "$1");

  async function answer(response) {
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_e) { data = null; }
    if (!response.ok) throw new ApiError(response.status, data && data.error, data);
    return data;
  }

  const Api = {
    ApiError,
    get: async (path) => answer(await fetch(path, {headers: {Accept: "application/json"}})),
    post: async (path, body) => answer(await fetch(path, {
      method: "POST", headers: {"Content-Type": "application/json", Accept: "application/json"}, body: json(body),
    })),
    postForm: async (path, form) => answer(await fetch(path, {method: "POST", body: form, headers: {Accept: "application/json"}})),
  };

  const hex = (value) => "0x" + BigInt(value).toString(16);

  const Wallet = {
    provider: () => window.ethereum || null,
    async request(method, params) {
      const provider = Wallet.provider();
      if (!provider) throw Object.assign(new Error("no wallet"), {code: "NO_WALLET"});
      return provider.request(params === undefined ? {method} : {method, params});
    },
    async connect() {
      const accounts = await Wallet.request("eth_requestAccounts");
      return accounts && accounts.length ? accounts[0] : null;
    },
    async accounts() {
      return (await Wallet.request("eth_accounts")) || [];
    },
    // the wallet on the deployment's chain (EIP-3326 switch asked for when it is not)
    async ensureChain(chainId) {
      const current = parseInt(await Wallet.request("eth_chainId"), 16);
      if (current === chainId) return true;
      try {
        await Wallet.request("wallet_switchEthereumChain", [{chainId: hex(chainId)}]);
        return parseInt(await Wallet.request("eth_chainId"), 16) === chainId;
      } catch (_e) {
        return false;
      }
    },
    // an unsigned transaction the service built: the wallet signs, fills in nonce and fees, sends
    async send(account, tx) {
      const out = {from: account, to: tx.to, data: tx.data, value: "0x0"};
      if (tx.gas !== undefined || tx.gasLimit !== undefined) out.gas = hex(tx.gasLimit !== undefined ? tx.gasLimit : tx.gas);
      return Wallet.request("eth_sendTransaction", [out]);
    },
    async signTypedData(account, typed) {
      return Wallet.request("eth_signTypedData_v4", [account, JSON.stringify(typed)]);
    },
    on(event, handler) {
      const provider = Wallet.provider();
      if (provider && provider.on) provider.on(event, handler);
    },
    rejected: (error) => !!error && (error.code === 4001 || error.code === "ACTION_REJECTED"),
  };

  // the receipt of a sent transaction, as the service reads it from the node
  async function receipt(hash, {tries = 120, every = 500} = {}) {
    for (let i = 0; i < tries; i++) {
      try {
        return await Api.get("/api/v1/tx/" + hash);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, every));
    }
    return null;
  }

  // a refusal in the page's language: the service's text, the rule, the figures
  function explain(error, lang) {
    if (!(error instanceof ApiError)) return error && error.message ? error.message : String(error);
    const e = error.error || {};
    const text = lang === "en" ? (e.message || "") : (e.message_zh || e.message || "");
    const args = e.args && Object.keys(e.args).length
      ? " (" + Object.entries(e.args).map(([k, v]) => k + " " + v).join(", ") + ")" : "";
    const problems = Array.isArray(e.problems) && e.problems.length
      ? ": " + e.problems.map((p) => p.field.replace(/^body\./, "") + " " + p.problem).join("; ") : "";
    return (e.code ? e.code + " · " : "") + text + problems + args;
  }

  window.DRR = Object.assign(window.DRR || {}, {Api, Wallet, receipt, explain});
})();
