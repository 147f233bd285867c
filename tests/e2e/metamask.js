// A browser wallet for the tests that behaves like MetaMask (EIP-1193): it holds a development
// key in the page (never sent to the service), answers accounts in lower case, starts on another
// chain and knows only the chains it was told of (wallet_switchEthereumChain answers 4902 for an
// unknown one until wallet_addEthereumChain, EIP-3085 / EIP-3326), emits accountsChanged and
// chainChanged, signs eth_signTypedData_v4 with ethers v6 (from node_modules, injected before
// this file), and answers 4001 when the user rejects (window.__wallet.rejectNext()).
(() => {
  const config = window.__walletConfig;  // {key, others: [keys]} set by the test
  let wallet = new window.ethers.Wallet(config.key);
  // like a wallet, it keeps its chain and the chains it knows across page loads
  const store = window.localStorage;
  let chainId = store.getItem("testWallet.chain") || "0x1";  // on another chain first
  const known = new Set(JSON.parse(store.getItem("testWallet.known") || '["0x1"]'));
  const keep = () => {
    store.setItem("testWallet.chain", chainId);
    store.setItem("testWallet.known", JSON.stringify([...known]));
  };
  const listeners = {};
  const log = JSON.parse(store.getItem("testWallet.log") || "[]");
  let rejectNext = false;
  const emit = (event, value) => (listeners[event] || []).forEach((fn) => fn(value));
  const error = (code, message) => Object.assign(new Error(message), {code});

  async function request({method, params}) {
    log.push(method);
    store.setItem("testWallet.log", JSON.stringify(log));
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [wallet.address.toLowerCase()];
      case "eth_chainId":
        return chainId;
      case "wallet_switchEthereumChain": {
        const wanted = params[0].chainId.toLowerCase();
        if (!known.has(wanted)) throw error(4902, "Unrecognized chain ID " + wanted);
        if (chainId !== wanted) { chainId = wanted; keep(); emit("chainChanged", chainId); }
        return null;
      }
      case "wallet_addEthereumChain": {
        const spec = params[0];
        if (!spec.chainName || !spec.rpcUrls || !spec.rpcUrls.length || !spec.nativeCurrency) {
          throw error(-32602, "wallet_addEthereumChain: chainName, rpcUrls, nativeCurrency required");
        }
        known.add(spec.chainId.toLowerCase());
        store.setItem("testWallet.added", JSON.stringify(spec));
        chainId = spec.chainId.toLowerCase();
        keep();
        emit("chainChanged", chainId);
        return null;
      }
      case "eth_signTypedData_v4": {
        const [address, json] = params;
        if (address.toLowerCase() !== wallet.address.toLowerCase()) throw error(4100, "not this wallet's account");
        if (rejectNext) { rejectNext = false; throw error(4001, "MetaMask Tx Signature: User denied message signature."); }
        const typed = JSON.parse(json);
        if (BigInt(typed.domain.chainId) !== BigInt(chainId)) {
          throw error(-32603, "Provided chainId does not match the currently active chain");
        }
        window.__wallet.shown.push({primaryType: typed.primaryType, message: typed.message});
        const types = {...typed.types};
        delete types.EIP712Domain;
        return wallet.signTypedData(typed.domain, types, typed.message);
      }
      default:
        throw error(4200, "test wallet: " + method + " is not supported");
    }
  }

  window.ethereum = {
    isMetaMask: true,
    request,
    on: (event, fn) => { (listeners[event] = listeners[event] || []).push(fn); },
    removeListener: (event, fn) => { listeners[event] = (listeners[event] || []).filter((f) => f !== fn); },
  };
  window.__wallet = {
    log, shown: [],
    get added() { return JSON.parse(store.getItem("testWallet.added") || "null"); },
    rejectNext: () => { rejectNext = true; },
    address: () => wallet.address,
    switchAccount: (key) => { wallet = new window.ethers.Wallet(key); emit("accountsChanged", [wallet.address.toLowerCase()]); },
  };
})();
