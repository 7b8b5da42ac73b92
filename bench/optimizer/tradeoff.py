"""How far a re-plan may move bookings against how close it gets to a fresh optimum.

Run by hand from the repository root:

    .venv/bin/python -m bench.optimizer.tradeoff [--size 2000] [--seeds 5]

Issue 5 asks of a re-plan after ETA +3 h both "within 0.5% of the optimum"
and "moved bookings at most 1.5 times the ones that had to move". For each
seed this re-solves the changed instance exactly for several move prices
(λ, rupiah per moved booking) and prints, per price, the moves (as a multiple
of the bookings that had to move) and the cost above a fresh plan that
ignores moves. Because each re-solve is the exact minimum of cost + λ·moves,
cost(P) >= min_Q(cost(Q) + λ·moves(Q)) - λ·B for every plan P with at most B
moves (Lagrangian duality): the last column is the largest such bound over
the prices tried, for B = 1.5 x had to move. A bound above 0.5% shows that
no plan meets both targets on that seed, when "the optimum" is read as a
fresh plan free to move any booking.

The product reads it as the best plan within the allowance: the improvement
(optimizer/budget.py) keeps within 1.5 x, and `bench.optimizer.run` reports
its gap to the Lagrangian bound on every plan that does. This script shows
what the allowance costs against a plan free to move anything.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace

from bench.optimizer.generate import generate
from bench.optimizer.run import evaluate, slots_of
from optimizer import apply_changes, improve, repair, solve

PRICES = (50_000, 150_000, 300_000, 600_000, 1_000_000, 2_000_000, 4_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--event", default="eta+3h")
    args = parser.parse_args()
    header = " | ".join(f"λ {p // 1000}k" for p in PRICES)
    print(f"| seed | had to move | {header} | best cost with ≤ 1.5x moves |")
    print("|" + " --- |" * (len(PRICES) + 3))
    for seed in range(args.seeds):
        scenario = generate(args.size, seed)
        base, changes = scenario.instance, scenario.events[args.event]
        plan = solve(base)
        after = apply_changes(base, changes)
        fresh = evaluate(after, slots_of(solve(after)), 0).cost
        had = repair(base, plan, changes).moved
        budget = math.floor(1.5 * had)
        cells, bound = [], float(fresh)
        for price in PRICES:
            priced = replace(base, costs=replace(base.costs, move=price))
            better = improve(priced, plan, changes)
            cost = evaluate(after, slots_of(better), 0).cost
            ratio = f"{better.moved / had:.2f}x" if had else f"{better.moved} moved"
            cells.append(f"{ratio}, +{100 * (cost - fresh) / fresh:.2f}%")
            bound = max(bound, cost + price * (better.moved - budget))
        print(
            f"| {seed} | {had} | {' | '.join(cells)} "
            f"| ≥ +{100 * (bound - fresh) / fresh:.2f}% |"
        )


if __name__ == "__main__":
    main()
