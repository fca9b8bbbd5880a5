"""The plugin's fixtures and isolation, seen from sample suites run by pytester."""

from __future__ import annotations

import pytest


def test_fixtures_work_without_a_conftest(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        from sandbox import Sandbox
        from sandbox.chain.accounts import Accounts
        from sandbox.chain.chain import Chain

        def test_fixtures(sandbox, chain, accounts, deploy, alice, bob, judy):
            assert isinstance(sandbox, Sandbox) and chain is sandbox.chain
            assert isinstance(accounts, Accounts) and alice == accounts[0] and judy == accounts[9]
            box = deploy("Box")
            box.store(7, sender=bob)
            assert box.value() == 7
            assert box.receipt.contract_address == box.address
        """
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_state_is_reverted_between_tests(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="module")
        def box(deploy):
            return deploy("Box")

        @pytest.fixture
        def stored(box, alice):
            box.store(11, sender=alice)   # a function-scoped fixture writes state
            return box

        def test_writes(stored, alice):
            stored.store(5, sender=alice)
            assert stored.value() == 5

        def test_sees_a_clean_box(box, sandbox, alice):
            assert box.value() == 0
            # only the module's deploy is left: alice has sent one transaction
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 1

        @pytest.mark.no_isolation
        def test_opts_out(box, alice):
            box.store(9, sender=alice)

        def test_sees_the_opted_out_write(box):
            assert box.value() == 9
        """
    )
    suite.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_module_deploys_vanish_when_the_module_ends(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_a="""
        import pytest

        @pytest.fixture(scope="module")
        def box(deploy):
            return deploy("Box")

        def test_deploys(box, sandbox, alice):
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 1
        """,
        test_b="""
        def test_fresh_chain(sandbox, alice):
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 0
        """,
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_isolation_covers_a_sandbox_built_by_the_suite(suite: pytest.Pytester, box_project: object) -> None:
    suite.makepyfile(
        f"""
        import pytest
        from sandbox import Sandbox

        @pytest.fixture(scope="module")
        def sb():
            return Sandbox({str(box_project)!r})

        @pytest.fixture(scope="module")
        def box(sb):
            return sb.deploy("Box", sender=sb.accounts.alice)

        def test_writes(box, sb):
            box.store(3, sender=sb.accounts.bob)

        def test_clean(box):
            assert box.value() == 0
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_isolation_is_real(suite: pytest.Pytester) -> None:
    """The same suite fails with isolation turned off: the checks above can fail."""
    suite.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="module")
        def box(deploy):
            return deploy("Box")

        @pytest.mark.no_isolation
        def test_writes(box, alice):
            box.store(5, sender=alice)

        def test_sees_a_clean_box(box):
            assert box.value() == 0
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*assert 5 == 0*"])


def test_balance_change_excludes_fees(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        def test_pay(deploy, balance_change, alice, bob):
            box = deploy("Box")
            with balance_change(alice, bob) as change:
                box.pay(bob, sender=alice, value=10**18)
            assert change[bob] == 10**18
            assert change[alice] == -10**18
            assert change.with_fees(alice) == -10**18 - change.fee(alice)
            assert change.fee(alice) > 0
            change.assert_changes({alice: -10**18, bob: 10**18})
            with pytest.raises(AssertionError, match="bob: expected \\\\+1 wei, got \\\\+1,000,000,000,000,000,000"):
                change.assert_changes({bob: 1})
        """
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_anvil_fixture_gives_a_private_node(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        from sandbox import Sandbox

        def test_node(anvil, sandbox):
            node = Sandbox(sandbox.project.root, rpc=anvil.url)
            assert anvil.running and not node.chain.embedded and node.chain.chain_id == 31337
            assert sandbox.chain.embedded          # the session itself stays embedded
            node.transfer(node.accounts.bob, 1, sender=node.accounts.alice)
        """
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_sandbox_rpc_option_runs_on_the_given_node(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from sandbox.chain.anvil import Anvil

    monkeypatch.delenv("SANDBOX_RPC", raising=False)
    suite.makepyfile(
        """
        import os

        from sandbox import Sandbox

        def test_on_node(sandbox, deploy):
            assert sandbox.chain.rpc == Sandbox.defaults.rpc and not sandbox.chain.embedded
            assert "SANDBOX_RPC" not in os.environ  # the option is passed on in-process, not through the environment
            deploy("Box").store(3, sender="bob")

        def test_isolated(sandbox, alice):
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 0
        """
    )
    with Anvil() as node:
        suite.runpytest("--sandbox-rpc", node.url, "-p", "no:randomly").assert_outcomes(passed=2)
    assert "SANDBOX_RPC" not in os.environ
