// ethers' WebSocketProvider and viem's webSocket transport: events pushed by eth_subscribe. Reads {url, key, abi, bytecode, which} on stdin.
import { ContractFactory, WebSocketProvider, Wallet } from "ethers";
import { createPublicClient, webSocket } from "viem";
import { foundry } from "viem/chains";

const config = JSON.parse(await new Promise((done) => { let s = ""; process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => done(s)); }));
const wsUrl = config.url.replace(/^http/, "ws");
const provider = new WebSocketProvider(wsUrl);
const wallet = new Wallet(config.key, provider);
const out = {};
const within = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} did not arrive within 15 s`)), 15000))]);

const emitter = await (await new ContractFactory(config.abi, config.bytecode, wallet).deploy()).waitForDeployment();
const address = await emitter.getAddress();

const client = createPublicClient({ chain: foundry, transport: webSocket(wsUrl) });
const viemSeen = new Promise((resolve, reject) => {
  const unwatch = client.watchContractEvent({
    address, abi: config.abi, eventName: "LogSingleWithIndex",
    onLogs: (logs) => { unwatch(); resolve(Number(logs[0].args.arg0)); }, onError: (e) => { unwatch(); reject(e); },
  });
});
const headSeen = new Promise((resolve) => { const unwatch = client.watchBlockNumber({ onBlockNumber: (n) => { unwatch(); resolve(Number(n)); } }); });
const ethersSeen = new Promise((resolve) => emitter.on("LogSingleWithIndex", (arg0) => resolve(Number(arg0))));
await new Promise((r) => setTimeout(r, 500));  // let the subscriptions reach the node
await (await emitter.logSingle(config.which, 7)).wait();
out.ethersEvent = await within(ethersSeen, "ethers contract.on over WebSocket");
out.viemEvent = await within(viemSeen, "viem watchContractEvent over WebSocket");
out.newHead = (await within(headSeen, "viem watchBlockNumber over WebSocket")) > 0;
await emitter.removeAllListeners();
console.log(JSON.stringify(out));
await provider.destroy();
await client.transport.getRpcClient().then((c) => c.close()).catch(() => {});
process.exit(0);
