"""The stateful property test of issue #24 on the seller's side: random sequences of the customer's
moves and ours on customer orders (tests/machines.py, ``SalesOrders``), each checked against the
sandbox after every step. CI runs a bounded number of sequences; `bench/soak.py` runs thousands."""

from __future__ import annotations

from tests import machines


def test_random_moves_of_customer_and_seller_keep_the_portal_true_to_jakamo(network, supplier, seller):
    machines.SalesOrders.network, machines.SalesOrders.supplier, machines.SalesOrders.seller = (
        network,
        supplier,
        seller,
    )
    try:
        machines.run_as_test(machines.SalesOrders)
    finally:  # the soak reads this line, also when a sequence failed
        stats = machines.STATS
        print(f"sales state machine: {stats['sales sequences']} sequences, {stats['sales steps']} steps")
