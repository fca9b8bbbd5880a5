// Veramo (npm @veramo/credential-eip712, pinned in package.json) issuing and verifying
// EthereumEip712Signature2021 credentials, resolving did:ethr with ethr-did-resolver on a JSON-RPC node.
// stdin: {rpcUrl, identityRegistry, chainId, issue: [{privateKey, did, credential}], verify: [credential]}
// stdout: {issued: [credential], verified: [{verified, error}]}
// credentialStatus of type SandboxCredentialRegistry2026 is checked on chain: revoked when
// CredentialRegistry.revoked(signer, eip712Hash(credential)) is not 0.
import { createAgent } from '@veramo/core'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { CredentialProviderEIP712 } from '@veramo/credential-eip712'
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager'
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager'
import { KeyManagementSystem } from '@veramo/kms-local'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { getResolver } from 'ethr-did-resolver'
import { recoverTypedSignature, SignTypedDataVersion, TypedDataUtils } from '@metamask/eth-sig-util'
import { Contract, JsonRpcProvider, hexlify } from 'ethers'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const config = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const provider = new JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true })

function signingInput(credential) {
  const { proof, ...rest } = credential
  const { proofValue, eip712, eip712Domain, ...unsignedProof } = proof
  const compat = { ...eip712Domain, ...eip712 }
  return {
    data: { domain: compat.domain, types: compat.types || compat.messageSchema, primaryType: compat.primaryType, message: { ...rest, proof: unsignedProof } },
    signature: proofValue,
  }
}

const statusPlugin = {
  methods: {
    async checkCredentialStatus({ credential }) {
      const status = credential.credentialStatus
      if (status.type !== 'SandboxCredentialRegistry2026') return { verified: false, error: `unknown status type ${status.type}` }
      const registryAddress = status.id.split(':')[2]
      const { data, signature } = signingInput(credential)
      const signer = recoverTypedSignature({ data, signature, version: SignTypedDataVersion.V4 })
      const digest = hexlify(TypedDataUtils.eip712Hash(data, SignTypedDataVersion.V4))
      const registry = new Contract(registryAddress, ['function revoked(address issuer, bytes32 digest) view returns (uint256)'], provider)
      const block = await registry.revoked(signer, digest)
      return { revoked: block !== 0n }
    },
  },
}

const agent = createAgent({
  plugins: [
    new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
    new DIDManager({ providers: {}, store: new MemoryDIDStore(), defaultProvider: 'did:ethr' }),
    new DIDResolverPlugin({
      ...getResolver({ networks: [{ chainId: config.chainId, rpcUrl: config.rpcUrl, registry: config.identityRegistry }] }),
    }),
    new CredentialPlugin([new CredentialProviderEIP712()]),
    statusPlugin,
  ],
})

const issued = []
for (const { privateKey, did, credential } of config.issue ?? []) {
  const kid = `${did}#key`
  await agent.didManagerImport({ did, provider: 'did:ethr', keys: [{ kid, kms: 'local', type: 'Secp256k1', privateKeyHex: privateKey.replace(/^0x/, '') }] })
  issued.push(await agent.createVerifiableCredential({ credential, proofFormat: 'EthereumEip712Signature2021' }))
}
const verified = []
for (const credential of config.verify ?? []) {
  try {
    const result = await agent.verifyCredential({ credential })
    verified.push({ verified: result.verified, error: result.error?.errorCode ?? result.error?.message ?? null })
  } catch (e) {
    verified.push({ verified: false, error: String(e?.message ?? e) })
  }
}
process.stdout.write(JSON.stringify({ issued, verified }))
