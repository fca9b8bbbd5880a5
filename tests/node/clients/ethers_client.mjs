// ethers v6 against a JSON-RPC node: reads {url, key, abi, bytecode, which} as JSON on stdin, prints what it saw as JSON.
import { ContractFactory, JsonRpcProvider, Wallet, verifyMessage, verifyTypedData } from "ethers";

const config = JSON.parse(await new Promise((done) => { let s = ""; process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => done(s)); }));
const provider = new JsonRpcProvider(config.url, undefined, { staticNetwork: true, pollingInterval: 100 });
provider.pollingInterval = 100;
const wallet = new Wallet(config.key, provider);
const out = {};

// Deploy with the normal contract factory (ethers v6 checks the receipt's "to": null).
const factory = new ContractFactory(config.abi, config.bytecode, wallet);
const emitter = await factory.deploy();
await emitter.waitForDeployment();
out.deployed = (await provider.getCode(await emitter.getAddress())).length > 2;
const creation = await provider.getTransaction(emitter.deploymentTransaction().hash);
out.creationTo = creation.to;

// contract.on: ethers installs a filter (eth_newFilter) and polls eth_getFilterChanges.
const seen = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("contract.on listener did not fire within 15 s")), 15000);
  emitter.on("LogSingleWithIndex", (arg0) => { clearTimeout(timer); resolve(Number(arg0)); });
});
await new Promise((r) => setTimeout(r, 300));  // let the subscription install its filter
await (await emitter.logSingle(config.which, 42)).wait();
out.event = await seen;
await emitter.removeAllListeners();

// Fees.
const history = await provider.send("eth_feeHistory", ["0x2", "latest", [50]]);
out.feeHistory = { oldest: history.oldestBlock, baseFees: history.baseFeePerGas.length, rewards: (history.reward || []).length };
const feeData = await provider.getFeeData();
out.feeData = feeData.maxFeePerGas !== null && feeData.maxPriorityFeePerGas !== null;

// The node's own account signs: personal_sign and eth_signTypedData_v4 through JsonRpcSigner.
const signer = await provider.getSigner(0);
const address = await signer.getAddress();
out.personalSign = verifyMessage("sign in to the workshop", await signer.signMessage("sign in to the workshop")) === address;
const domain = { name: "Workshop", version: "1", chainId: 31337 };
const types = { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] };
const value = { to: wallet.address, contents: "hello" };
out.signTypedData = verifyTypedData(domain, types, value, await signer.signTypedData(domain, types, value)) === address;
const sent = await signer.sendTransaction({ to: wallet.address, value: 1n });
out.signerSend = (await sent.wait()).status;

console.log(JSON.stringify(out));
provider.destroy();
