"""The node's signing methods: ``eth_sign``, ``personal_sign``, ``eth_signTypedData_v4``, ``eth_signTransaction``.

As on anvil, the node signs with its own dev accounts (``eth_accounts``)
and nobody else's; on top of anvil's rules, only on a dev chain id
(``Chain.check_can_sign``: their keys are public, a signature made with one
on a real chain id could be replayed there). The HTTP layer refuses these
methods to other sites' web pages (``sandbox.node.server.SIGNING``).
"""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import to_checksum_address

from sandbox.node.wire import INVALID_PARAMS, REFUSED, RpcError, address_param, data_hex, quantity

#: The wire names of a transaction to sign and eth_account's names for them.
_SIGN_FIELDS = {"to": "to", "gas": "gas", "gasPrice": "gasPrice", "maxFeePerGas": "maxFeePerGas",
                "maxPriorityFeePerGas": "maxPriorityFeePerGas", "value": "value", "data": "data", "input": "data",
                "nonce": "nonce", "accessList": "accessList", "authorizationList": "authorizationList", "chainId": "chainId",
                "type": "type"}


def key_for(sb: Any, address: Any, what: str = "address") -> bytes:
    """The private key of the node's account ``address`` (RpcError -32000 for anyone else's)."""
    wanted = address_param(address, what).lower()
    for account in sb.accounts:
        if account.address.lower() == wanted:
            sb.chain.check_can_sign(account.address)
            return bytes(account.private_key)
    raise RpcError(REFUSED, f"unknown account {address}: the node signs only for its own accounts (eth_accounts); sign with your wallet")


def _message(data: Any) -> Any:
    if isinstance(data, str) and data.startswith("0x"):
        return encode_defunct(hexstr=data_hex(data, "message"))
    if isinstance(data, str):
        return encode_defunct(text=data)
    raise RpcError(INVALID_PARAMS, f"message must be 0x hex bytes or text, got {data!r}")


def eth_sign(sb: Any, address: Any, data: Any) -> str:
    """EIP-191 personal message signature of ``data`` by ``address`` (anvil's eth_sign)."""
    signed = EthAccount.sign_message(_message(data), key_for(sb, address))
    return "0x" + bytes(signed.signature).hex()


def sign_typed_data(sb: Any, address: Any, typed: Any) -> str:
    """EIP-712 signature of ``typed`` (an object, or its JSON text as MetaMask sends it)."""
    if isinstance(typed, str):
        try:
            typed = json.loads(typed)
        except ValueError:
            raise RpcError(INVALID_PARAMS, "typed data must be an EIP-712 object or its JSON text") from None
    if not isinstance(typed, dict) or not {"types", "domain", "message"} <= typed.keys():
        raise RpcError(INVALID_PARAMS, "typed data needs 'types', 'primaryType', 'domain' and 'message' (EIP-712)")
    key = key_for(sb, address)
    try:
        signable = encode_typed_data(full_message=typed)
    except Exception as exc:  # eth_account raises ValueError, TypeError, KeyError on bad EIP-712 input
        raise RpcError(INVALID_PARAMS, f"typed data is not valid EIP-712: {type(exc).__name__}: {exc}") from None
    return "0x" + bytes(EthAccount.sign_message(signable, key).signature).hex()


def fill_and_sign(sb: Any, tx: Any) -> bytes:
    """``tx`` (wire form, with ``from``) completed as the node would send it and signed; the raw bytes."""
    if not isinstance(tx, dict) or "from" not in tx:
        raise RpcError(INVALID_PARAMS, "transaction must be an object with a 'from' address")
    return _sign(_filled(sb, tx), key_for(sb, tx["from"], "from"))


def fill_as_stand_in(sb: Any, tx: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """An impersonated sender's ``tx`` completed, signed as the engine signs it, and the completed fields (wire form).

    The embedded engines send an impersonated transaction signed by a stand-in
    key (:func:`~sandbox.backends.tester.stand_in_key`, one per sender; a legacy one without a
    chain id) and run it as its real sender. The same fields signed by the same
    key are the same bytes (deterministic RFC 6979 signatures), so the hash of
    these bytes is the one the transaction is mined with when the completed
    fields are sent later: what a queued transaction is answered with.
    """
    from sandbox.backends.tester import stand_in_key

    out = _filled(sb, tx)
    if not out.get("accessList"):
        out.pop("accessList", None)  # the engine sends an empty access list as no access list
    if "gasPrice" in out and "accessList" not in out:
        out.pop("chainId")  # the engine signs a legacy stand-in without EIP-155
    wire = {"from": tx["from"], **{name: hex(value) if isinstance(value, int) else value for name, value in out.items() if name != "chainId"}}
    return _sign(out, stand_in_key(tx["from"])), wire


def _filled(sb: Any, tx: dict[str, Any]) -> dict[str, Any]:
    """``tx``'s fields as eth_account names them, with what the node fills in (chain id, nonce, fees, gas)."""
    backend = sb.chain.backend
    out: dict[str, Any] = {}
    for name, value in tx.items():
        if name == "from" or value is None:
            continue
        if name not in _SIGN_FIELDS:
            raise RpcError(INVALID_PARAMS, f"unknown transaction field {name!r}")
        out[_SIGN_FIELDS[name]] = value
    for name in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "nonce", "chainId", "type"):
        if name in out:
            out[name] = quantity(out[name], name)
    if "to" in out:
        out["to"] = to_checksum_address(address_param(out["to"], "to"))  # eth-account refuses a lowercase one
    out.setdefault("chainId", backend.chain_id)
    if out["chainId"] != backend.chain_id:
        raise RpcError(INVALID_PARAMS, f"chainId {out['chainId']} is not this chain's ({backend.chain_id})")
    out.setdefault("nonce", backend.get_nonce(tx["from"], "latest"))
    out.setdefault("value", 0)
    out.setdefault("data", "0x")
    if "authorizationList" in out:
        if not runs_delegations(backend):
            raise RpcError(REFUSED, f"the {backend.engine} engine does not run EIP-7702 delegations yet, so the node cannot send "
                                    "an authorizationList; start the node on py-evm (sandbox node --backend pyevm)")
        out["authorizationList"] = [_authorization(a) for a in out["authorizationList"]]
    if "gasPrice" not in out:
        latest = backend.get_block("latest")
        base = int(latest.get("base_fee_per_gas") or 0) if latest else 0
        out.setdefault("maxPriorityFeePerGas", 10**9)
        out.setdefault("maxFeePerGas", 2 * base + out["maxPriorityFeePerGas"])
    if "gas" not in out:
        request = {"from": tx["from"], "data": bytes.fromhex(str(out["data"])[2:]), "value": out["value"]}
        if "to" in out:
            request["to"] = out["to"]
        out["gas"] = _estimate_delegated(backend, request, out["authorizationList"]) if "authorizationList" in out else backend.estimate(request)
    out.pop("type", None)  # eth_account infers it from the fields
    return out


def _sign(out: dict[str, Any], key: bytes) -> bytes:
    try:
        signed = EthAccount.sign_transaction(out, key)
    except Exception as exc:
        raise RpcError(INVALID_PARAMS, f"cannot sign this transaction: {type(exc).__name__}: {exc}") from None
    return bytes(signed.raw_transaction)


#: Engine class -> whether it follows EIP-7702 delegation designators (probed once).
_DELEGATIONS: dict[type, bool] = {}
_PROBE_CODE = bytes.fromhex("602a60005260206000f3")  # returns 42
_PROBE_TARGET, _PROBE_AUTHORITY = "0x" + "7e" * 20, "0x" + "7d" * 20


def runs_delegations(backend: Any) -> bool:
    """Whether ``backend`` runs the code an EIP-7702 designator points to (tried once, in a snapshot)."""
    kind = type(backend)
    if kind not in _DELEGATIONS:
        snapshot = backend.snapshot()
        try:
            backend.set_code(_PROBE_TARGET, _PROBE_CODE)
            backend.set_code(_PROBE_AUTHORITY, b"\xef\x01\x00" + bytes.fromhex(_PROBE_TARGET[2:]))
            _DELEGATIONS[kind] = int.from_bytes(backend.call({"from": _PROBE_TARGET, "to": _PROBE_AUTHORITY, "data": b""}), "big") == 42
        except Exception:  # the engine refuses the designator or the cheatcode: it cannot run delegations
            _DELEGATIONS[kind] = False
        finally:
            backend.revert(snapshot)
    return _DELEGATIONS[kind]


def authority_of(auth: dict[str, Any]) -> str:
    """The address that signed an EIP-7702 authorization: keccak(0x05 || rlp([chain_id, address, nonce])) recovered."""
    import rlp
    from eth_keys import keys
    from eth_utils import keccak

    digest = keccak(b"\x05" + rlp.encode([auth["chainId"], bytes.fromhex(auth["address"][2:]), auth["nonce"]]))
    try:
        signature = keys.Signature(vrs=(auth["yParity"], auth["r"], auth["s"]))
        return str(signature.recover_public_key_from_msg_hash(digest).to_checksum_address())
    except Exception as exc:  # eth_keys: BadSignature, ValidationError
        raise RpcError(INVALID_PARAMS, f"authorization for {auth['address']} has a bad signature ({exc})") from None


def _estimate_delegated(backend: Any, request: dict[str, Any], authorizations: list[dict[str, Any]]) -> int:
    """Gas for a type-4 transaction: estimated with the delegations in place (in a snapshot), plus their intrinsic cost."""
    snapshot = backend.snapshot()
    try:
        for auth in authorizations:
            backend.set_code(authority_of(auth), b"\xef\x01\x00" + bytes.fromhex(auth["address"][2:]))
        gas = int(backend.estimate(request))
    finally:
        backend.revert(snapshot)
    return gas + 25_000 * len(authorizations)  # PER_EMPTY_ACCOUNT_COST each, charged before execution


def _authorization(item: Any) -> dict[str, Any]:
    """One EIP-7702 authorization tuple as eth_account takes it (signed already, by the authority)."""
    if not isinstance(item, dict):
        raise RpcError(INVALID_PARAMS, f"authorizationList entries must be objects, got {item!r}")
    try:
        return {"chainId": quantity(item["chainId"], "chainId"), "address": address_param(item["address"], "address"),
                "nonce": quantity(item["nonce"], "nonce"), "yParity": quantity(item.get("yParity", item.get("v")), "yParity"),
                "r": quantity(item["r"], "r"), "s": quantity(item["s"], "s")}
    except KeyError as exc:
        raise RpcError(INVALID_PARAMS, f"authorization is missing {exc.args[0]!r} (needs chainId, address, nonce, yParity, r, s)") from None
