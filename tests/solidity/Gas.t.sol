// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {SandboxNFT} from "../../contracts/SandboxNFT.sol";
import {SandboxCollectible} from "../../contracts/SandboxCollectible.sol";
import {Editions} from "../../contracts/Editions.sol";
import {IdentityRegistry} from "../../contracts/IdentityRegistry.sol";
import {CredentialRegistry} from "../../contracts/CredentialRegistry.sol";
import {LandRegistry} from "../../contracts/LandRegistry.sol";
import {Marketplace} from "../../contracts/Marketplace.sol";
import {DAppRegistry} from "../../contracts/DAppRegistry.sol";
import {Bridge} from "../../contracts/Bridge.sol";

/// Gas of each main operation, written by `vm.snapshotGasLastCall` to
/// snapshots/<Contract>.json. Runs only in the `gas` profile
/// (`FOUNDRY_PROFILE=gas forge test`, part of `make test` through
/// tests/contracts/test_forge.py), which sets `isolate = true`: every
/// top-level call is its own transaction, so storage starts cold as on a real
/// chain. The files are committed, so a change in cost shows in review as a diff.
contract GasTest is Test {
    address internal owner = makeAddr("owner");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    uint256 internal relayerKey = 0x5E1A7;

    function setUp() public {
        vm.deal(bob, 100 ether);
        vm.deal(carol, 100 ether);
    }

    function test_SandboxNFT() public {
        SandboxNFT nft = new SandboxNFT("W", "W", owner);
        vm.prank(owner);
        nft.mint(bob, "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
        vm.snapshotGasLastCall("SandboxNFT", "mint");
        vm.prank(owner);
        nft.configureSale(0.01 ether, 5, true);
        vm.prank(carol);
        nft.publicMint{value: 0.01 ether}("ipfs://x");
        vm.snapshotGasLastCall("SandboxNFT", "publicMint");
        vm.prank(bob);
        nft.transferFrom(bob, carol, 0);
        vm.snapshotGasLastCall("SandboxNFT", "transferFrom");
        nft.withdrawPayments(payable(owner));
        vm.snapshotGasLastCall("SandboxNFT", "withdrawPayments");

        SandboxCollectible held =
            new SandboxCollectible("H", "H", owner, SandboxCollectible.TransferPolicy.GiftOnlyAfterHold, 1 days);
        vm.prank(owner);
        held.mint(bob, "ipfs://x");
        vm.snapshotGasLastCall("SandboxNFT", "mint (GiftOnlyAfterHold)");
        vm.warp(block.timestamp + 1 days);
        vm.prank(bob);
        held.transferFrom(bob, carol, 0);
        vm.snapshotGasLastCall("SandboxNFT", "transferFrom (GiftOnlyAfterHold)");
    }

    function test_Editions() public {
        Editions editions = new Editions("ipfs://e/{id}.json", owner);
        vm.startPrank(owner);
        editions.createEdition(1000, true);
        vm.snapshotGasLastCall("Editions", "createEdition");
        editions.mint(bob, 0, 10);
        vm.snapshotGasLastCall("Editions", "mint");
        vm.stopPrank();
        vm.startPrank(bob);
        editions.safeTransferFrom(bob, carol, 0, 2, "");
        vm.snapshotGasLastCall("Editions", "safeTransferFrom");
        editions.redeem(0, 1);
        vm.snapshotGasLastCall("Editions", "redeem");
        vm.stopPrank();
    }

    function test_IdentityRegistry() public {
        IdentityRegistry registry = new IdentityRegistry();
        uint256 key = 0xA11CE;
        address identity = vm.addr(key);
        vm.startPrank(identity);
        registry.addDelegate(identity, "veriKey", carol, 1 days);
        vm.snapshotGasLastCall("IdentityRegistry", "addDelegate");
        registry.setAttribute(identity, "did/svc/HubService", "https://hub.example.com", 1 days);
        vm.snapshotGasLastCall("IdentityRegistry", "setAttribute");
        vm.stopPrank();
        bytes32 hash = keccak256(
            abi.encodePacked(bytes1(0x19), bytes1(0), address(registry), registry.nonce(identity), identity, "changeOwner", bob)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        registry.changeOwnerSigned(identity, v, r, s, bob);
        vm.snapshotGasLastCall("IdentityRegistry", "changeOwnerSigned");
    }

    function test_CredentialRegistry() public {
        CredentialRegistry registry = new CredentialRegistry(owner);
        uint256 key = 0xB0B;
        address issuer = vm.addr(key);
        bytes32 role = registry.ISSUER_ROLE();
        vm.prank(owner);
        registry.grantRole(role, issuer);
        CredentialRegistry.Credential memory c =
            CredentialRegistry.Credential(issuer, bob, keccak256("degree"), uint64(block.timestamp), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, registry.credentialDigest(c));
        registry.verifyCredential(c, abi.encodePacked(r, s, v));
        vm.snapshotGasLastCall("CredentialRegistry", "verifyCredential");
        vm.startPrank(issuer);
        registry.issueCertificate(bob, "ipfs://cert", registry.credentialDigest(c));
        vm.snapshotGasLastCall("CredentialRegistry", "issueCertificate");
        registry.revokeCredential(registry.credentialDigest(c));
        vm.snapshotGasLastCall("CredentialRegistry", "revokeCredential");
        vm.stopPrank();
    }

    function test_LandRegistry() public {
        LandRegistry land = new LandRegistry(owner, 100, 100, 250);
        vm.prank(owner);
        uint256 id = land.mintParcel(bob, 12, 34);
        vm.snapshotGasLastCall("LandRegistry", "mintParcel");
        vm.prank(bob);
        land.offerRental(id, 0.001 ether, 30);
        vm.snapshotGasLastCall("LandRegistry", "offerRental");
        vm.prank(carol);
        land.rent{value: 0.007 ether}(id, 7);
        vm.snapshotGasLastCall("LandRegistry", "rent");
        vm.warp(block.timestamp + 7 days);
        land.settleRental(id);
        vm.snapshotGasLastCall("LandRegistry", "settleRental");
    }

    function test_Marketplace() public {
        Marketplace market = new Marketplace(owner, 250);
        SandboxNFT nft = new SandboxNFT("W", "W", owner);
        Editions editions = new Editions("ipfs://{id}", owner);
        vm.startPrank(owner);
        nft.mint(bob, "x");
        editions.createEdition(100, false);
        editions.mint(bob, 0, 10);
        vm.stopPrank();
        vm.startPrank(bob);
        nft.setApprovalForAll(address(market), true);
        editions.setApprovalForAll(address(market), true);
        market.list(address(nft), 0, 1, 1 ether);
        vm.snapshotGasLastCall("Marketplace", "list (ERC-721)");
        market.list(address(editions), 0, 10, 0.1 ether);
        vm.snapshotGasLastCall("Marketplace", "list (ERC-1155)");
        vm.stopPrank();
        vm.startPrank(carol);
        market.buy{value: 1 ether}(0, 1);
        vm.snapshotGasLastCall("Marketplace", "buy (ERC-721)");
        market.buy{value: 0.3 ether}(1, 3);
        vm.snapshotGasLastCall("Marketplace", "buy (ERC-1155)");
        vm.stopPrank();
        vm.prank(bob);
        market.withdrawPayments();
        vm.snapshotGasLastCall("Marketplace", "withdrawPayments");
    }

    function test_DAppRegistry() public {
        DAppRegistry registry = new DAppRegistry(owner);
        vm.startPrank(bob);
        registry.register("Museum Pass", address(registry), "ipfs://meta", "tourism");
        vm.snapshotGasLastCall("DAppRegistry", "register");
        registry.update(0, address(registry), "ipfs://meta2", "culture");
        vm.snapshotGasLastCall("DAppRegistry", "update (new category)");
        vm.stopPrank();
    }

    function test_Bridge() public {
        address relayer = vm.addr(relayerKey);
        vm.chainId(1);
        Bridge bridgeA = new Bridge(owner, relayer);
        SandboxNFT nft = new SandboxNFT("O", "O", owner);
        vm.prank(owner);
        nft.mint(bob, "x");
        vm.startPrank(bob);
        nft.setApprovalForAll(address(bridgeA), true);
        bridgeA.lock(address(nft), 0, 2, carol);
        vm.snapshotGasLastCall("Bridge", "lock");
        vm.stopPrank();

        vm.chainId(2);
        Bridge bridgeB = new Bridge(owner, relayer);
        Bridge.Message memory m = Bridge.Message(1, 2, 0, address(nft), 0, carol);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(relayerKey, bridgeB.messageDigest(bridgeB.MINT_TYPEHASH(), m));
        uint256 wrappedId = bridgeB.mintWrapped(m, abi.encodePacked(r, s, v));
        vm.snapshotGasLastCall("Bridge", "mintWrapped");
        vm.prank(carol);
        bridgeB.burnWrapped(wrappedId, bob);
        vm.snapshotGasLastCall("Bridge", "burnWrapped");

        vm.chainId(1);
        Bridge.Message memory back = Bridge.Message(2, 1, 0, address(nft), 0, bob);
        (v, r, s) = vm.sign(relayerKey, bridgeA.messageDigest(bridgeA.RELEASE_TYPEHASH(), back));
        bridgeA.release(back, abi.encodePacked(r, s, v));
        vm.snapshotGasLastCall("Bridge", "release");
    }
}
