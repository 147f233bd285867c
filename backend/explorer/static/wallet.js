// Company portal and authority console: the visitor's own wallet (EIP-1193, e.g. MetaMask)
// signs; the service prepares typed data and relays what was signed. No key ever reaches the
// service. Actions come from GET /api/v1/actions, so new ones appear without changes here.
(() => {
  const root = document.getElementById("wallet");
  const status = document.getElementById("wallet-status");
  const result = document.getElementById("result");
  let account = null;

  const say = (text, isError) => {
    result.textContent = text;
    result.className = isError ? "error" : "";
  };
  const api = async (path, body) => {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      const e = data.error || {};
      throw new Error((e.code || response.status) + ": " + (document.documentElement.lang === "en" ? e.message : (e.message_zh || e.message)));
    }
    return data;
  };
  const txLink = (hash) => {
    const a = document.createElement("a");
    a.href = "/tx/" + hash;
    a.className = "tx-result";
    a.textContent = hash;
    return a;
  };
  const kg = (v) => (v >= 1000 ? (v / 1000).toLocaleString() + " t" : v.toLocaleString() + " kg");

  async function connect() {
    if (!window.ethereum) {
      status.textContent = "No browser wallet (EIP-1193) found.";
      return;
    }
    const accounts = await window.ethereum.request({method: "eth_requestAccounts"});
    account = accounts[0];
    if (window.DRR) {  // the console's forms (static/drr.js) act from the same account
      await window.DRR.connect();
      window.DRR.bind(document);
    }
    status.textContent = "";
    document.getElementById("account").hidden = false;
    document.getElementById("account-address").textContent = account;
    await showAccount();
    await showActions();
  }

  async function showAccount() {
    const body = document.querySelector("#account-holdings tbody");
    body.textContent = "";
    try {
      const unit = await api("/api/v1/public/units/" + account);
      document.getElementById("account-name").textContent = unit.name + " · " + unit.credit_code;
      document.getElementById("account-link").href = "/units/" + unit.holder;
      for (const h of unit.holdings) {
        const row = body.insertRow();
        for (const v of [h.pollutant, kg(h.paid), kg(h.free), kg(h.waived), kg(h.pledged), kg(h.permitted)]) {
          row.insertCell().textContent = v;
        }
      }
    } catch (error) {
      document.getElementById("account-name").textContent = error.message;
    }
  }

  function value(type, text) {
    if (/^u?int/.test(type)) return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    if (type === "bool") return text === "true";
    return text;
  }

  async function showActions() {
    const box = document.getElementById("actions");
    box.textContent = "";
    const actions = await api("/api/v1/actions");
    for (const action of actions) {
      const form = document.createElement("form");
      form.className = "action";
      form.dataset.action = action.name;
      const title = document.createElement("h3");
      title.textContent = action.summary + " (" + action.name + ")";
      form.append(title);
      const fields = action.fields.filter((f) => f.name !== "nonce" && f.name !== "deadline");
      fields.forEach((f, i) => {
        const label = document.createElement("label");
        label.textContent = f.name + " (" + f.type + ") ";
        const input = document.createElement("input");
        input.name = f.name;
        input.dataset.type = f.type;
        if (i === 0 && f.type === "address") input.value = account;  // the signer
        label.append(input);
        form.append(label);
      });
      const button = document.createElement("button");
      button.type = "submit";
      button.textContent = root.dataset.sign;
      form.append(button);
      form.addEventListener("submit", (e) => { e.preventDefault(); signAction(action, form); });
      box.append(form);
    }
  }

  async function signAction(action, form) {
    try {
      const body = {};
      for (const input of form.querySelectorAll("input")) body[input.name] = value(input.dataset.type, input.value.trim());
      say("…");
      const prepared = await api("/api/v1/actions/" + action.name + "/prepare", body);
      const signature = await window.ethereum.request({
        method: "eth_signTypedData_v4", params: [account, JSON.stringify(prepared.typed_data)],
      });
      const done = await api("/api/v1/actions/" + action.name + "/submit", {typed_data: prepared.typed_data, signature});
      result.textContent = "✓ " + action.name + " · block " + done.block_number + " · ";
      result.className = "";
      result.append(txLink(done.tx_hash));
      await showAccount();
    } catch (error) {
      say("✗ " + error.message, true);
    }
  }

  // -- negotiated trade: one party signs its side, the other countersigns and submits --
  const partyOf = (prepared) => ["seller", "buyer"].find((p) => prepared[p].signer.toLowerCase() === (account || "").toLowerCase());
  const signPart = (typed) => window.ethereum.request({
    method: "eth_signTypedData_v4", params: [account, JSON.stringify(typed)],
  });

  async function signTradeSide(event) {
    event.preventDefault();
    try {
      if (!account) throw new Error("connect a wallet first");
      const form = event.target;
      const body = {};
      for (const input of form.querySelectorAll("input")) {
        const text = input.value.trim();
        const pollutant = input.dataset.type === "pollutant";
        body[input.name] = pollutant ? (/^\d+$/.test(text) ? Number(text) : text) : value(input.dataset.type, text);
      }
      say("…");
      const prepared = await api("/api/v1/trades/prepare", body);
      const party = partyOf(prepared);
      if (!party) throw new Error("the connected account is neither the seller nor the buyer");
      const signature = await signPart(prepared[party].typed_data);
      const code = {prepared, signed: {[party]: {typed_data: prepared[party].typed_data, signature}}};
      document.getElementById("trade-code").value = JSON.stringify(code);
      say("✓ " + form.dataset.signed + " (" + party + ")");
    } catch (error) {
      say("✗ " + error.message, true);
    }
  }

  async function countersign() {
    try {
      if (!account) throw new Error("connect a wallet first");
      const code = JSON.parse(document.getElementById("trade-code").value);
      const party = partyOf(code.prepared);
      if (!party || code.signed[party]) throw new Error("this code is not for the connected account to countersign");
      say("…");
      const signature = await signPart(code.prepared[party].typed_data);
      const parts = {...code.signed, [party]: {typed_data: code.prepared[party].typed_data, signature}};
      const done = await api("/api/v1/trades/submit", parts);
      result.textContent = "✓ trade · block " + done.block_number + " · ";
      result.className = "";
      result.append(txLink(done.tx_hash));
      await showAccount();
    } catch (error) {
      say("✗ " + error.message, true);
    }
  }

  if (document.getElementById("trade-form")) {
    document.getElementById("trade-form").addEventListener("submit", signTradeSide);
    document.getElementById("trade-countersign").addEventListener("click", countersign);
  }

  // -- console: an ordinary chain transaction, encoded by the service, sent by the wallet --
  const contracts = document.getElementById("contracts") ? JSON.parse(document.getElementById("contracts").textContent) : null;
  function showFunctions() {
    const contract = document.getElementById("tx-contract").value;
    const select = document.getElementById("tx-function");
    select.textContent = "";
    for (const f of contracts[contract]) select.add(new Option(f.name + "(" + f.inputs.map((i) => i.type).join(",") + ")", f.name));
    showInputs();
  }
  function showInputs() {
    const contract = document.getElementById("tx-contract").value;
    const fn = contracts[contract].find((f) => f.name === document.getElementById("tx-function").value);
    const box = document.getElementById("tx-inputs");
    box.textContent = "";
    for (const input of fn ? fn.inputs : []) {
      const label = document.createElement("label");
      label.textContent = input.name + " (" + input.type + ") ";
      const field = document.createElement("input");
      field.name = input.name;
      label.append(field);
      box.append(label);
    }
  }
  async function sendTransaction(event) {
    event.preventDefault();
    try {
      if (!account) throw new Error("connect a wallet first");
      const contract = document.getElementById("tx-contract").value;
      const fn = document.getElementById("tx-function").value;
      const args = [...document.querySelectorAll("#tx-inputs input")].map((i) => i.value.trim());
      const call = await api("/api/v1/public/calldata", {contract, function: fn, args});
      say("…");
      const hash = await window.ethereum.request({method: "eth_sendTransaction", params: [{from: account, to: call.to, data: call.data}]});
      let mined = null;
      for (let i = 0; i < 60 && !mined; i++) {
        try { mined = await api("/api/v1/tx/" + hash); } catch (e) { await new Promise((r) => setTimeout(r, 500)); }
      }
      if (!mined) throw new Error("not mined: " + hash);
      result.textContent = (mined.status === 1 ? "✓ " : "✗ ") + contract + "." + fn + " · block " + mined.block_number + " · ";
      result.className = mined.status === 1 ? "" : "error";
      result.append(txLink(hash));
    } catch (error) {
      say("✗ " + error.message, true);
    }
  }

  document.getElementById("connect").addEventListener("click", () => connect().catch((e) => say("✗ " + e.message, true)));
  if (contracts) {
    document.getElementById("tx-contract").addEventListener("change", showFunctions);
    document.getElementById("tx-function").addEventListener("change", showInputs);
    document.getElementById("tx-form").addEventListener("submit", sendTransaction);
    showFunctions();
  }
})();
