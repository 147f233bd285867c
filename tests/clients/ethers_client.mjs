// A client the project did not write: ethers v6 from npm, as a company's or an authority's own
// program would use it against the service (docs/api.md). It
//  1. prepares a signed action (the seller lists rights), signs the typed data with
//     Wallet.signTypedData and submits it; a second listing is submitted as ethers' own
//     eth_signTypedData_v4 payload (TypedDataEncoder.getPayload: hex chainId, no
//     EIP712Domain type), which the service must take as the same typed data;
//  2. builds an unsigned transaction through an operation (the buyer takes the first listing),
//     signs it with Wallet.signTransaction exactly as returned (JSON-RPC form: hex quantities,
//     gasLimit) and posts the raw bytes to /api/v1/tx/raw.
// Usage: node ethers_client.mjs '{"api": …, "seller": key, "buyer": key, "pollutant": 1,
//        "kg": 2000, "askFen": …, "endsAt": …}'   → prints a JSON summary; exits 1 on failure.
import {ethers} from "ethers";

const config = JSON.parse(process.argv[2]);
const seller = new ethers.Wallet(config.seller);
const buyer = new ethers.Wallet(config.buyer);

async function call(path, body) {
  const response = await fetch(config.api + path, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(path + " → " + response.status + " " + JSON.stringify(data.error));
  return data;
}

const withoutDomain = (types) => Object.fromEntries(Object.entries(types).filter(([k]) => k !== "EIP712Domain"));

async function listing(asEthersPayload) {
  const prepared = await call("/api/v1/actions/list/prepare", {
    seller: seller.address.toLowerCase(), pollutant: config.pollutant, quantityKg: config.kg,
    askFen: config.askFen, stepFen: 100, endsAt: config.endsAt,
  });
  const typed = prepared.typed_data;
  const types = withoutDomain(typed.types);
  const signature = await seller.signTypedData(typed.domain, types, typed.message);
  const sent = asEthersPayload
    ? ethers.TypedDataEncoder.getPayload(typed.domain, types, typed.message)
    : typed;
  const done = await call("/api/v1/actions/list/submit", {typed_data: sent, signature});
  const listed = done.events.find((e) => e.event === "Listed");
  return {id: listed.args.id, tx: done.tx_hash, chainIdSent: sent.domain.chainId};
}

try {
  const first = await listing(false);
  const second = await listing(true);
  const built = await call("/api/v1/market/take", {sender: buyer.address.toLowerCase(), id: first.id});
  const raw = await buyer.signTransaction(built.transaction);
  const signedTx = ethers.Transaction.from(raw);
  const mined = await call("/api/v1/tx/raw", {raw});
  const taken = mined.events.find((e) => e.event === "ListingTaken");
  console.log(JSON.stringify({
    ok: true, listings: [first, second], take: mined.tx_hash, status: mined.status,
    gasLimitSigned: signedTx.gasLimit.toString(), buyer: taken ? taken.args.buyer : null,
    ethers: ethers.version,
  }));
} catch (error) {
  console.log(JSON.stringify({ok: false, error: String(error.message || error)}));
  process.exit(1);
}
