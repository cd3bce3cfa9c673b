"""What hostile text costs the debug reply's markup guard, against ordinary prose of the same size.

    python benchmarks/reply_markup_cost.py [--size 50000] [--repeat 5]

Every prose field of a debug reply passes `agent._inert`, which finds markdown's code spans
and escapes link, image and HTML markup outside them. A program's printed output reaches
that prose, so its backticks are the student's to choose: a first version found the spans
with a back-referencing regex and took seconds on 50,000 backticks. Each hostile text is
run beside ordinary prose of the same size (best of --repeat); the ratio is what to compare.
"""

import argparse
import time

from learnflow_agents.tutors.debug.agent import _inert


def best_of(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        _inert(text)
        best = min(best, time.perf_counter() - started)
    return best


def shapes(size: int) -> dict[str, str]:
    prose = "Line 3 loops over `total`, which is a whole number; see [the docs](x) <b>now</b>. "
    return {
        "ordinary prose with code spans": (prose * (size // len(prose) + 1))[:size],
        "one run of backticks, then text": "`" * (size // 10) + "a" * (size - size // 10),
        "backticks only": "`" * size,
        "runs of growing length": "".join("`" * n + "a" for n in range(1, size))[:size],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = shapes(args.size)
    base = best_of(texts["ordinary prose with code spans"], args.repeat)
    print(f"{'text (' + str(args.size) + ' characters)':36} {'ms':>9} {'x ordinary':>11}")
    for name, text in texts.items():
        took = best_of(text, args.repeat)
        print(f"{name:36} {took * 1000:9.2f} {took / base:11.2f}")


if __name__ == "__main__":
    main()
