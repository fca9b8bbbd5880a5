// The reference did:ethr resolver (npm ethr-did-resolver + did-resolver, pinned in package.json)
// over a JSON-RPC node. Reads {rpcUrl, registry, chainId, names, requests: [{did, accept}]} as JSON
// on stdin; writes [{result, now}] on stdout: each DID resolution result and the wall-clock second
// (the reference's clock for delegate validity) read right before it.
import { Resolver } from 'did-resolver'
import { getResolver } from 'ethr-did-resolver'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const config = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const networks = [{ chainId: config.chainId, rpcUrl: config.rpcUrl, registry: config.registry }]
for (const name of config.names ?? []) {
  networks.push({ name, chainId: config.chainId, rpcUrl: config.rpcUrl, registry: config.registry })
}
const resolver = new Resolver(getResolver({ networks }))

const results = []
for (const request of config.requests) {
  const options = request.accept === undefined ? {} : { accept: request.accept }
  const now = Math.floor(Date.now() / 1000)
  const result = await resolver.resolve(request.did, options)
  results.push({ result, now })
}
process.stdout.write(JSON.stringify(results))
