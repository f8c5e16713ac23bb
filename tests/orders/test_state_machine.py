"""The stateful property test of issue #24: random sequences of the purchaser's and the supplier's
moves (tests/machines.py), each checked against the sandbox after every step. CI runs a bounded
number of sequences; `bench/soak.py` runs thousands."""

from __future__ import annotations

from tests import machines


def test_random_moves_of_both_parties_keep_the_portal_true_to_jakamo(network, buyer, purchaser):
    machines.PurchaseOrders.buyer, machines.PurchaseOrders.purchaser = buyer, purchaser
    # Suppliers may confirm lines as Draft and split them into new batches (both are settings of
    # the buyer's integration in Jakamo, off by default).
    network["po"].__class__.objects.filter(pk=network["po"].pk).update(allow_draft=True, allow_new_batches=True)
    try:
        machines.run_as_test(machines.PurchaseOrders)
    finally:  # the soak reads this line, also when a sequence failed
        moves = ", ".join(f"{k} {v}" for k, v in sorted(machines.STATS.items()) if k not in ("sequences", "steps"))
        print(f"state machine: {machines.STATS['sequences']} sequences, {machines.STATS['steps']} steps ({moves})")
