// viem against a JSON-RPC node: reads {url, key, abi, bytecode, which} as JSON on stdin, prints what it saw as JSON.
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, verifyMessage, verifyTypedData } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const config = JSON.parse(await new Promise((done) => { let s = ""; process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => done(s)); }));
const transport = http(config.url);
const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 100 });
const account = privateKeyToAccount(config.key, { nonceManager });
const wallet = createWalletClient({ chain: foundry, transport, account });
const out = {};

// Deploy.
const deployHash = await wallet.deployContract({ abi: config.abi, bytecode: config.bytecode });
const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
const address = deployed.contractAddress;
out.deployed = (await publicClient.getCode({ address })).length > 2;

// watchContractEvent over HTTP: viem polls a filter (eth_newFilter / eth_getFilterChanges).
const seen = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("watchContractEvent did not fire within 15 s")), 15000);
  const unwatch = publicClient.watchContractEvent({
    address, abi: config.abi, eventName: "LogSingleWithIndex", pollingInterval: 100,
    onLogs: (logs) => { clearTimeout(timer); unwatch(); resolve(Number(logs[0].args.arg0)); },
    onError: (error) => { clearTimeout(timer); unwatch(); reject(error); },
  });
});
await new Promise((r) => setTimeout(r, 300));
const emitHash = await wallet.writeContract({ address, abi: config.abi, functionName: "logSingle", args: [config.which, 42n] });
await publicClient.waitForTransactionReceipt({ hash: emitHash });
out.event = await seen;

// Three transactions at once with the nonce manager (nonces ahead of the chain's in eth_estimateGas).
const other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const hashes = await Promise.all([1n, 2n, 3n].map((value) => wallet.sendTransaction({ to: other, value })));
const receipts = await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })));
out.parallel = receipts.map((r) => r.status);

// Fees.
const history = await publicClient.getFeeHistory({ blockCount: 2, rewardPercentiles: [25, 75] });
out.feeHistory = { baseFees: history.baseFeePerGas.length, rewards: history.reward.length, percentiles: history.reward[0].length };
const fees = await publicClient.estimateFeesPerGas();
out.fees = fees.maxFeePerGas > 0n;

// The node's account signs (a JSON-RPC account: personal_sign, eth_signTypedData_v4).
const [nodeAccount] = await publicClient.request({ method: "eth_accounts" });
const rpcWallet = createWalletClient({ chain: foundry, transport, account: nodeAccount });
const message = "sign in to the workshop";
out.personalSign = await verifyMessage({ address: nodeAccount, message, signature: await rpcWallet.signMessage({ message }) });
const typed = {
  domain: { name: "Workshop", version: "1", chainId: 31337 },
  types: { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] },
  primaryType: "Mail", message: { to: other, contents: "hello" },
};
out.signTypedData = await verifyTypedData({ address: nodeAccount, ...typed, signature: await rpcWallet.signTypedData(typed) });

// A test client: mine, setBalance, impersonateAccount.
const test = createTestClient({ chain: foundry, mode: "anvil", transport });
const before = await publicClient.getBlockNumber({ cacheTime: 0 });
await test.mine({ blocks: 2 });
out.mined = Number((await publicClient.getBlockNumber({ cacheTime: 0 })) - before);
const whale = "0x00000000000000000000000000000000000000a1";
await test.setBalance({ address: whale, value: parseEther("5") });
out.balance = (await publicClient.getBalance({ address: whale })).toString();
await test.impersonateAccount({ address: whale });
const asWhale = createWalletClient({ chain: foundry, transport, account: whale });
const whaleHash = await asWhale.sendTransaction({ to: other, value: 7n });
const whaleReceipt = await publicClient.waitForTransactionReceipt({ hash: whaleHash });
out.impersonated = { status: whaleReceipt.status, from: whaleReceipt.from };
await test.stopImpersonatingAccount({ address: whale });

// Manual mining with the test client: two transactions wait, txpool shows them, one mine takes both.
await test.setAutomine(false);
out.automine = await test.getAutomine();
const waiting = [await wallet.sendTransaction({ to: other, value: 11n }), await wallet.sendTransaction({ to: other, value: 12n })];
const pool = await test.getTxpoolStatus();
let receiptWhilePending = "found";
try { await publicClient.getTransactionReceipt({ hash: waiting[0] }); } catch (error) { receiptWhilePending = error.name; }
const pendingTx = await publicClient.getTransaction({ hash: waiting[1] });
await test.mine({ blocks: 1 });
const block = await publicClient.getBlock({ blockTag: "latest" });
await test.setAutomine(true);
out.manual = { pending: pool.pending, receiptWhilePending, pendingBlockNumber: pendingTx.blockNumber, minedTogether: waiting.every((h) => block.transactions.includes(h)) };
const skew = await test.increaseTime({ seconds: 60 });
await test.mine({ blocks: 1 });
out.increasedTime = Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp) - Math.floor(Date.now() / 1000) >= 58;

console.log(JSON.stringify(out));
