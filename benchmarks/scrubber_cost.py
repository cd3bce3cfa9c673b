"""What a hostile text costs the secret scrubber, against ordinary code of the same size.

    python benchmarks/scrubber_cost.py [--size 60000] [--repeat 5]

`key:key:key:...` puts a candidate secret every four characters, the scrubber's costliest
shape; a student can send it at the size limit. Both texts are scrubbed side by side in one
run (best of --repeat), and the ratio is what to compare across changes: the per-character
walk this replaced made it 13-18x, the regex path about 5x.
"""

import argparse
import time

from learnflow_agents.privacy import scrub


def best_of(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        scrub(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hostile = ("key:" * (args.size // 4 + 1))[: args.size]
    line = "def total(prices):\n    return sum(p * 1.2 for p in prices)\n"
    ordinary = (line * (args.size // len(line) + 1))[: args.size]
    cost_hostile = best_of(hostile, args.repeat)
    cost_ordinary = best_of(ordinary, args.repeat)
    print(f"scrub {args.size:,} chars of key:key:...   {cost_hostile * 1000:8.1f} ms")
    print(f"scrub {args.size:,} chars of ordinary code  {cost_ordinary * 1000:8.1f} ms")
    print(f"ratio hostile / ordinary: {cost_hostile / cost_ordinary:.1f}x")


if __name__ == "__main__":
    main()
