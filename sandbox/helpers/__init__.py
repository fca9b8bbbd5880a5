"""Domain helpers over the facade: NFT art and metadata, Merkle allowlists, the bridge relayer, did:ethr identity."""
