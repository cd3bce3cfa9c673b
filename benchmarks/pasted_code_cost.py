"""What hostile text costs pasted-code detection, against an ordinary question of the same size.

    python benchmarks/pasted_code_cost.py [--size 8000] [--repeat 5]

The student API splits every query with no code field (`read_body`, on the door's event
loop), and `%%learnflow ask` every cell of words and code. A fenced block or a traceback
holding a long run of whitespace that does not end it was the costliest shape: the old
`re.sub(r"\\s+$")` retried every start in the run, quadratic in its length. Each hostile
text is split beside an ordinary question with pasted code of the same size (best of
--repeat); the ratio is what to compare across changes.
"""

import argparse
import time

from learnflow_agents.tutors.triage.pasted_code import split_pasted_code


def best_of(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        split_pasted_code(text)
        best = min(best, time.perf_counter() - started)
    return best


def shapes(size: int) -> dict[str, str]:
    line = "total = total + scores[i]  # add\n"
    ordinary = "why does my loop miss the last score?\n```\n" + line * (size // len(line)) + "```"
    return {
        "ordinary question with code": ordinary[:size],
        "spaces inside a fence": "```\n" + " " * (size - 9) + "x```",
        "spaces inside a traceback": "Traceback (most recent call last):\n " + " " * (size - 50) + "x\nE: v",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=8_000, help="characters (the API's MAX_TEXT is 8000)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = shapes(args.size)
    base = best_of(texts["ordinary question with code"], args.repeat)
    for name, text in texts.items():
        cost = best_of(text, args.repeat)
        print(f"{name:30s} {len(text):>9,} chars {cost * 1000:9.2f} ms  {cost / base:6.1f}x ordinary")


if __name__ == "__main__":
    main()
