// The authority console: connect the wallet, then each task form asks the service to check and
// simulate the step (POST /api/v1/<concern>/<operation>), the wallet signs and sends it, and the
// result — or the refusal with its rule and figures — shows next to the button.
(() => {
  "use strict";
  const {Api, Wallet, receipt, explain} = window.DRR;
  const root = document.getElementById("wallet");
  const status = document.getElementById("wallet-status");
  const msg = (name) => root.dataset["msg" + name.replace(/(^|-)(\w)/g, (_m, _d, c) => c.toUpperCase())] || name;
  const lang = root.dataset.lang;
  const chainId = Number(root.dataset.chainId);
  const pageAccount = root.dataset.account;

  function goTo(account) {
    const url = new URL(window.location.href);
    url.searchParams.set("account", account);
    url.hash = "";
    window.location.assign(url.toString());
  }

  async function connect() {
    try {
      const account = await Wallet.connect();
      if (!account) return;
      if (!pageAccount || account.toLowerCase() !== pageAccount.toLowerCase()) goTo(account);
      else status.textContent = "";
    } catch (error) {
      status.textContent = error.code === "NO_WALLET" ? msg("no-wallet") : Wallet.rejected(error) ? msg("rejected") : explain(error, lang);
    }
  }

  // -- reading a form: quantities in t, money in 元, times in Beijing time, units by name ------

  class FieldError extends Error {
    constructor(input, text) { super(text); this.input = input; }
  }
  const label = (input) => {
    const own = input.id && document.querySelector('label[for="' + input.id + '"]');
    return own ? own.textContent.trim() : input.name;
  };

  function decimal(input, places) {
    const text = input.value.trim().replace(/,/g, "");
    const m = new RegExp("^(\\d+)(?:\\.(\\d{1," + places + "}))?$").exec(text);
    if (!m) throw new FieldError(input, label(input) + ": " + (lang === "en" ? "a number with at most " + places + " decimals" : "请输入数字（最多 " + places + " 位小数）"));
    return BigInt(m[1]) * 10n ** BigInt(places) + BigInt((m[2] || "").padEnd(places, "0"));
  }

  function beijing(input, withTime) {
    const m = withTime ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(input.value) : /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    if (!m) throw new FieldError(input, label(input) + ": " + (lang === "en" ? "a date" : "请选择日期"));
    const [, y, mo, d, h = "0", mi = "0"] = m;
    return Math.floor(Date.UTC(+y, +mo - 1, +d, +h, +mi) / 1000) - 8 * 3600;  // UTC+8
  }

  async function unitAddress(input) {
    const text = input.value.trim();
    if (/^0x[0-9a-fA-F]{40}$/.test(text)) return text;
    const page = await Api.get("/api/v1/public/units?limit=2&q=" + encodeURIComponent(text));
    const exact = page.rows.filter((u) => u.credit_code === text.toUpperCase() || u.name === text);
    const found = exact.length === 1 ? exact : page.rows;
    if (found.length !== 1) {
      throw new FieldError(input, label(input) + ": " + (lang === "en" ? "no single registered unit matches" : "找不到唯一对应的排污单位"));
    }
    return found[0].holder;
  }

  async function valueOf(input) {
    const kind = input.dataset.kind || "text";
    const text = input.value.trim();
    switch (kind) {
      case "t": return decimal(input, 3);  // kg
      case "years": return decimal(input, 2) * 315360n;  // seconds: hundredths of a 365-day year
      case "yuan": case "yuan_per_t": return decimal(input, 2);  // fen
      case "datetime": return beijing(input, true);
      case "date": return beijing(input, false);
      case "int": return Number(text);
      case "addresses": return text.split(",").filter(Boolean);
      case "bool": return text === "true";
      case "unit": return unitAddress(input);
      case "address":
        if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new FieldError(input, label(input) + ": " + (lang === "en" ? "an address 0x…" : "请输入 0x 开头的账户地址"));
        return text;
      case "bytes32": {
        const raw = text.startsWith("0x") ? text : "0x" + text;
        if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new FieldError(input, label(input) + ": " + (lang === "en" ? "64 hexadecimal digits" : "请输入 64 位十六进制哈希"));
        return raw.toLowerCase();
      }
      default: return input.value;
    }
  }

  function put(target, path, value) {
    const keys = path.split(".");
    let at = target;
    for (const key of keys.slice(0, -1)) at = at[key] = at[key] || {};
    at[keys[keys.length - 1]] = value;
  }

  async function bodyOf(form, account) {
    const body = {sender: account};
    const call = {};
    for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      input.removeAttribute("aria-invalid");
      if (input.type === "file") continue;
      if (input.dataset.list) {  // rows of a list (a permit's quantity per pollutant)
        if (input.value.trim() === "") continue;
        body[input.dataset.list] = body[input.dataset.list] || [];
        body[input.dataset.list].push({pollutant: input.dataset.pollutant, kg: await valueOf(input)});
        continue;
      }
      if (input.value.trim() === "" && !input.required) continue;
      if (input.value.trim() === "") throw new FieldError(input, label(input) + ": " + (lang === "en" ? "required" : "必填"));
      const value = await valueOf(input);
      const target = input.name.startsWith("call.") ? call : body;
      const path = input.name.startsWith("call.") ? input.name.slice(5) : input.name;
      if (input.dataset.kind === "role") {  // "Contract.ROLE": a grant's contract and role
        const [contract, role] = value.split(".");
        put(target, "contract", contract);
        put(target, path, role);
      } else {
        put(target, path, value);
      }
    }
    if (form.dataset.call) body.calls = [{operation: form.dataset.call, body: call}];
    return body;
  }

  // -- doing a task ---------------------------------------------------------------------------

  function show(out, text, isError) {
    out.textContent = text;
    out.classList.toggle("error", !!isError);
  }

  function txLink(hash) {
    const a = document.createElement("a");
    a.href = "/tx/" + hash;
    a.className = "tx-result";
    a.textContent = msg("see-tx") + " " + hash.slice(0, 10) + "…";
    a.dataset.hash = hash;
    return a;
  }

  async function sendBuilt(out, account, tx, done) {
    show(out, msg("signing"));
    const hash = await Wallet.send(account, tx);
    show(out, msg("mining"));
    const mined = await receipt(hash);
    if (!mined) throw new Error(msg("mining") + " " + hash);
    if (mined.status !== 1) {
      show(out, "✗ " + msg("failed") + " · ", true);
    } else {
      show(out, "✓ " + done + " · " + (lang === "en" ? "block " : "区块 ") + mined.block_number + " · ");
    }
    out.append(txLink(hash));
    return mined;
  }

  async function runTask(form, bodyFor) {
    const out = form.querySelector("output");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const account = await ready();
      show(out, msg("working"));
      const body = bodyFor ? bodyFor(account) : await bodyOf(form, account);
      const built = await Api.post("/api/v1/" + form.dataset.concern + "/" + form.dataset.op, body);
      await sendBuilt(out, account, built.transaction, form.dataset.done);
    } catch (error) {
      if (error instanceof FieldError) {
        error.input.setAttribute("aria-invalid", "true");
        error.input.focus();
      }
      show(out, "✗ " + (Wallet.rejected(error) ? msg("rejected") : explain(error, lang)), true);
    } finally {
      button.disabled = false;
    }
  }

  // the wallet, on the right chain, with the page's account selected
  async function ready() {
    if (!Wallet.provider()) throw new Error(msg("no-wallet"));
    const accounts = await Wallet.accounts();
    const account = accounts.find((a) => a.toLowerCase() === pageAccount.toLowerCase());
    if (!account) throw new Error(msg("wrong-account"));
    if (!(await Wallet.ensureChain(chainId))) throw new Error(msg("wrong-chain"));
    return pageAccount;
  }

  // -- the verifier: upload monitoring files, review the computed figures, attest them ------

  let figures = [];

  // the verifier signs what it uploads (EIP-712 "OracleUpload": the period, the SHA-256 of every
  // file in order, a deadline), so the oracle takes monitoring data only from a verifier's key
  async function sha256(file) {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return "0x" + [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  function uploadTypedData(form, account, period, files, deadline) {
    return {
      types: {
        EIP712Domain: [{name: "name", type: "string"}, {name: "version", type: "string"},
                       {name: "chainId", type: "uint256"}, {name: "verifyingContract", type: "address"}],
        OracleUpload: [{name: "verifier", type: "address"}, {name: "period", type: "uint32"},
                       {name: "files", type: "bytes32[]"}, {name: "deadline", type: "uint64"}],
      },
      primaryType: "OracleUpload",
      domain: {name: "DRR monitoring upload", version: "1", chainId, verifyingContract: form.dataset.oracle},
      message: {verifier: account, period, files, deadline},
    };
  }

  async function upload(form) {
    const out = form.querySelector("output");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const account = await ready();
      const files = [...form.querySelector("input[type=file]").files];
      if (!files.length) throw new Error(label(form.querySelector("input[type=file]")));
      const period = Number(form.querySelector("[name=period]").value);
      const deadline = Math.floor(Date.now() / 1000) + 3600;
      const hashes = [];
      for (const file of files) hashes.push(await sha256(file));
      show(out, msg("signing"));
      const signature = await Wallet.signTypedData(account, uploadTypedData(form, account, period, hashes, deadline));
      const data = new FormData();
      data.append("period", String(period));
      data.append("verifier", account);
      data.append("deadline", String(deadline));
      data.append("signature", signature);
      for (const file of files) data.append("files", file, file.name);
      show(out, msg("working"));
      let report;
      try {
        report = await Api.postForm(form.dataset.upload, data);
      } catch (error) {
        if (error instanceof Api.ApiError && error.status === 422 && error.body && error.body.figures) report = error.body;
        else throw error;
      }
      showFigures(report);
      if (report.figures.length) show(out, "✓ " + report.figures.length + (lang === "en" ? " figure(s) computed" : " 项核定排放量已计算"));
      else show(out, "✗ " + (lang === "en" ? "no figure accepted: see the units refused" : "没有被接受的数据：见未被接受的单位"), true);
    } catch (error) {
      show(out, "✗ " + (Wallet.rejected(error) ? msg("rejected") : explain(error, lang)), true);
    } finally {
      button.disabled = false;
    }
  }

  function showFigures(report) {
    figures = report.figures || [];
    const box = document.getElementById("figures");
    const body = document.querySelector("#figures-table tbody");
    body.textContent = "";
    for (const f of figures) {
      const row = body.insertRow();
      const unit = document.createElement("a");
      unit.href = "/units/" + f.unit;
      unit.textContent = f.credit_code;
      row.insertCell().append(unit);
      row.insertCell().textContent = f.pollutant;
      row.insertCell().textContent = "#" + f.period;
      const kg = row.insertCell();
      kg.className = "n";
      kg.textContent = f.kg >= 1000 ? (f.kg / 1000).toLocaleString() + " t" : f.kg.toLocaleString() + " kg";
      const evidence = row.insertCell();
      const code = document.createElement("code");
      code.textContent = f.evidence.slice(0, 10) + "…";
      code.title = f.evidence;
      evidence.append(code);
    }
    const rejected = document.getElementById("figures-rejected");
    rejected.hidden = !(report.rejected_units || []).length;
    const list = rejected.querySelector("ul");
    list.textContent = "";
    for (const r of report.rejected_units || []) {
      const item = document.createElement("li");
      item.textContent = r.credit_code + ": " + r.errors.slice(0, 3).join("; ");
      list.append(item);
    }
    box.hidden = false;
    document.getElementById("attest-figures").querySelector("button").disabled = figures.length === 0;
  }

  const attestBody = (account) => ({
    sender: account,
    figures: figures.map((f) => ({unit: f.unit, pollutant: f.pollutant_id, period: f.period, kg: f.kg,
                                  evidence: f.evidence.startsWith("0x") ? f.evidence : "0x" + f.evidence})),
  });

  // -- advanced: any contract function, encoded by the service ------------------------------

  const advanced = document.getElementById("advanced");
  let contracts = null;
  async function loadFunctions() {
    if (contracts) return;
    contracts = await Api.get(advanced.dataset.functions);
    showFunctions();
  }
  function showFunctions() {
    if (!contracts) return;
    const select = document.getElementById("tx-function");
    select.textContent = "";
    for (const f of contracts[document.getElementById("tx-contract").value]) {
      select.add(new Option(f.name + "(" + f.inputs.map((i) => i.type).join(",") + ")", f.name));
    }
    showInputs();
  }
  function showInputs() {
    if (!contracts) return;
    const fn = contracts[document.getElementById("tx-contract").value]
      .find((f) => f.name === document.getElementById("tx-function").value);
    const box = document.getElementById("tx-inputs");
    box.textContent = "";
    (fn ? fn.inputs : []).forEach((input, i) => {
      const field = document.createElement("div");
      field.className = "field";
      const lab = document.createElement("label");
      lab.htmlFor = "tx-input-" + i;
      lab.textContent = input.name + " (" + input.type + ")";
      const el = document.createElement("input");
      el.id = "tx-input-" + i;
      el.name = input.name;
      el.autocomplete = "off";
      field.append(lab, el);
      box.append(field);
    });
  }
  async function sendAdvanced(event) {
    event.preventDefault();
    const out = document.getElementById("result");
    try {
      await loadFunctions();
      const account = await ready();
      const contract = document.getElementById("tx-contract").value;
      const fn = document.getElementById("tx-function").value;
      const args = [...document.querySelectorAll("#tx-inputs input")].map((i) => i.value.trim());
      const call = await Api.post("/api/v1/public/calldata", {contract, function: fn, args});
      await sendBuilt(out, account, {to: call.to, data: call.data}, contract + "." + fn);
    } catch (error) {
      show(out, "✗ " + (Wallet.rejected(error) ? msg("rejected") : explain(error, lang)), true);
    }
  }

  // -- wiring ---------------------------------------------------------------------------------

  document.getElementById("connect").addEventListener("click", connect);
  for (const form of document.querySelectorAll("form.task[data-op]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      runTask(form, form.id === "attest-figures" ? attestBody : null);
    });
  }
  const uploadForm = document.getElementById("upload");
  if (uploadForm) uploadForm.addEventListener("submit", (event) => { event.preventDefault(); upload(uploadForm); });
  if (advanced) {
    advanced.addEventListener("toggle", () => { if (advanced.open) loadFunctions().catch((e) => show(document.getElementById("result"), "✗ " + explain(e, lang), true)); });
    document.getElementById("tx-contract").addEventListener("change", showFunctions);
    document.getElementById("tx-function").addEventListener("change", showInputs);
    document.getElementById("tx-form").addEventListener("submit", sendAdvanced);
  }
  Wallet.on("accountsChanged", (accounts) => { if (accounts && accounts[0] && pageAccount && accounts[0].toLowerCase() !== pageAccount.toLowerCase()) goTo(accounts[0]); });
  Wallet.on("chainChanged", () => window.location.reload());
  if (pageAccount && Wallet.provider()) {
    Wallet.accounts().then((accounts) => {
      if (!accounts.some((a) => a.toLowerCase() === pageAccount.toLowerCase())) status.textContent = msg("wrong-account");
    }).catch(() => {});
  } else if (pageAccount) {
    status.textContent = msg("no-wallet");
  }
})();
