"""Revert assertions, the gas report, hypothesis examples and xdist, through pytester."""

from __future__ import annotations

import pytest


def test_failed_revert_assertion_names_expected_and_actual(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        def test_wrong_reason(sandbox, deploy, alice):
            box = deploy("Box")
            with sandbox.reverts("BoxTooBig"):
                box.fail(sender=alice)

        def test_no_revert(sandbox, deploy, alice):
            box = deploy("Box")
            with sandbox.reverts("BoxTooBig", value=5000):
                box.store(5, sender=alice)

        def test_right_reason(sandbox, deploy, alice):
            box = deploy("Box")
            with sandbox.reverts("BoxTooBig", value=5000, limit=1000):
                box.store(5000, sender=alice)
            with sandbox.reverts("nope"):
                box.fail(sender=alice)
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: expected revert 'BoxTooBig', but it reverted with nope*",
            "*AssertionError: expected revert 'BoxTooBig' value=5000, but nothing reverted*",
        ]
    )


def test_gas_report_prints_a_table(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        def test_calls(deploy, alice, bob):
            box = deploy("Box")
            box.store(1, sender=alice)
            box.store(2, sender=bob)
            box.bump(sender=alice)
        """
    )
    result = suite.runpytest("--gas-report")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*= sandbox gas report =*",
            "Contract*Function*Calls*Min*Median*Max",
            "Box*(deploy)*1*",
            "Box*bump*1*",
            "Box*store*2*",
        ]
    )
    store = next(line for line in result.outlines if line.startswith("Box") and " store " in line)
    low, mid, high = (int(v.replace(",", "")) for v in store.split()[-3:])
    assert 20_000 < low <= mid <= high < 100_000  # first store writes a fresh slot: dearer


def test_no_gas_report_unless_asked(suite: pytest.Pytester) -> None:
    suite.makepyfile("def test_one(deploy):\n    deploy('Box')\n")
    result = suite.runpytest()
    result.assert_outcomes(passed=1)
    assert "sandbox gas report" not in result.stdout.str()


def test_each_hypothesis_example_is_isolated(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest
        from eth_utils import is_checksum_address
        from hypothesis import given, settings
        from sandbox.testing.strategies import accounts, addresses, uint256

        @pytest.fixture(scope="module")
        def box(deploy):
            return deploy("Box")

        SEEN = set()

        @settings(max_examples=15, deadline=None)
        @given(value=uint256(max_value=1000), who=accounts(exclude=("alice",)), to=addresses())
        def test_examples(box, value, who, to):
            assert box.bumps() == 0          # the previous example's bump is gone
            box.bump(sender=who)
            box.store(value, sender=who)
            assert box.value() == value
            assert who.name != "alice" and who.balance > 0
            assert is_checksum_address(to) and int(to, 16) != 0
            SEEN.add(who.name)

        def test_after(box):
            assert box.bumps() == 0 and len(SEEN) > 1
        """
    )
    suite.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_xdist_workers_each_have_a_chain(suite: pytest.Pytester) -> None:
    body = """
        import os

        def test_{n}(sandbox, deploy, alice):
            box = deploy("Box")
            box.store({n}, sender=alice)
            # a fresh chain per worker, isolated per test: alice's first deploy every time
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 2
            print("worker", os.environ.get("PYTEST_XDIST_WORKER"), id(sandbox.chain))
        """
    suite.makepyfile(**{f"test_w{n}": body.format(n=n) for n in range(4)})
    result = suite.runpytest_subprocess("-n", "2", "--gas-report")
    result.assert_outcomes(passed=4)
    # the workers' gas samples reach the controller's report
    result.stdout.fnmatch_lines(["*= sandbox gas report =*", "Box*(deploy)*4*", "Box*store*4*"])


def test_sandbox_anvil_runs_the_suite_on_a_private_node(suite: pytest.Pytester, box_project: object) -> None:
    suite.makepyfile(
        test_a=f"""
        import os
        import pytest
        from sandbox import Sandbox

        @pytest.fixture(scope="module")
        def sb():
            return Sandbox({str(box_project)!r})   # no rpc=: Sandbox.defaults points at the anvil

        @pytest.fixture(scope="module")
        def box(sb):
            return sb.deploy("Box", sender=sb.accounts.alice)

        def test_on_anvil(sandbox, sb, box):
            url = Sandbox.defaults.rpc
            assert url.startswith("http://127.0.0.1:") and sandbox.chain.rpc == url == sb.chain.rpc
            assert not sb.chain.embedded
            box.store(4, sender=sb.accounts.bob)
            print("NODE", url)

        def test_isolated_on_anvil(box):
            assert box.value() == 0
        """,
        test_b="""
        def test_module_state_reverted(sandbox, alice):
            # test_a's module deploy was reverted on the node when test_a ended
            assert sandbox.w3.eth.get_transaction_count(alice.address) == 0
        """,
    )
    result = suite.runpytest_subprocess("--sandbox-anvil", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    url = next(line.split()[-1] for line in result.outlines if "NODE http" in line)
    from sandbox import Sandbox
    from sandbox.errors import ChainError

    with pytest.raises(ChainError, match="cannot reach"):
        Sandbox(rpc=url)  # anvil was stopped at the end of the session


def test_sandbox_rpc_refuses_xdist(suite: pytest.Pytester) -> None:
    suite.makepyfile("def test_one():\n    pass\n")
    result = suite.runpytest_subprocess("-n", "2", "--sandbox-rpc", "http://127.0.0.1:8545")
    result.stderr.fnmatch_lines(["*--sandbox-rpc with -n: every worker would share one node*"])
    assert result.ret != 0


def test_sandbox_anvil_gives_other_chain_ids_their_own_node(suite: pytest.Pytester, box_project: object) -> None:
    module = f"""
        from sandbox import Sandbox

        def test_two_chains(sandbox):
            other = Sandbox({str(box_project)!r}, chain_id=1337)   # e.g. a bridge's far side
            assert other.chain.chain_id == 1337 and other.chain.rpc != sandbox.chain.rpc
            assert other.w3.eth.get_transaction_count(other.accounts.alice.address) == 0  # fresh in each module
            other.deploy("Box", sender=other.accounts.alice)
        """
    suite.makepyfile(test_a=module, test_b=module)
    suite.runpytest_subprocess("--sandbox-anvil").assert_outcomes(passed=2)
