"""Rebuild the unlabelled candidate rows of so_questions.jsonl from the PyMaker snapshot.

The questions are Stack Overflow posts collected by cushionbadak/PyMaker (commit
8e388808de9c727fda99015477a1cf3baa3caae0, folder PyMaker/datas/object2/RawHTML). This script
reads a local git mirror of that repository, keeps the question post of each page, keeps the
askers who call themselves beginners, drops pages about heavy libraries and tools, and draws the
sample deterministically (by sha256 of the question id). Labels were added by hand afterwards;
see README.md.

    python build_candidates.py /path/to/PyMaker/git-dir > candidates.jsonl
    python build_candidates.py /path/to/PyMaker/git-dir --holdout2 > holdout2_candidates.jsonl
    python build_candidates.py /path/to/PyMaker/git-dir --dev2 > dev2_candidates.jsonl

`--holdout2` prints only the third random batch (the next questions in hash order after the
first two, drawn for a fresh holdout; see README.md) and nothing of the first two; `--dev2` only
the fourth (the next ones after that, more training rows, drawn after the holdout's labels
were committed).
"""

import hashlib
import html
import json
import re
import subprocess
import sys
from collections.abc import Iterator

RAW = "/object2/RawHTML/"
URLS = "/object1/RawURL/"
NOVICE = re.compile(
    r"\b(beginner|newbie|noob|new to (python|programming|coding)"
    r"|just (started|began) (learning|to learn|coding|programming|python)|started learning python"
    r"|learning python|homework|my assignment|an assignment|for (a|my) class"
    r"|my (teacher|professor|instructor)|intro(ductory)? (to )?(python|programming|cs)"
    r"|first (python )?program|self[- ]taught"
    r"|i('m| am) (a )?(complete |total |very |absolute )?(beginner|newbie|novice|new))",
    re.I,
)
HEAVY = re.compile(
    r"\b(django|flask|tensorflow|keras|selenium|scrapy|aws|boto|kubernetes|pyqt|qt|opencv|cv2"
    r"|pytorch|torch|sklearn|scikit|spark|docker|ansible|gurobi|tkinter|pygame|beautifulsoup|bs4"
    r"|requests|sql|mysql|sqlite|pandas|numpy|matplotlib|dataframe|api|discord|telegram|excel"
    r"|openpyxl|regex|asyncio|thread|socket|linux|windows|pip|anaconda|conda|virtualenv|jupyter"
    r"|ide|pycharm|vscode|install)\b",
    re.I,
)
REVIEW = re.compile(
    r"(better way|more pythonic|pythonic way|improve (my|this) code|cleaner|more efficient|simplify"
    r"|shorten|code review|critique|feedback on my code|is this (good|bad) (code|practice)"
    r"|best practice|good practice|bad practice|more elegant|optimi[sz]e my)",
    re.I,
)
N_RANDOM, N_REVIEW, N_RANDOM_2 = 230, 70, 200
N_HOLDOUT_2, N_DEV_2 = 200, 300


def git(repo: str, *args: str) -> str:
    done = subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, text=True, check=True)
    return done.stdout


def question_blocks(page: str) -> tuple[str, list[str]] | None:
    """(prose with each code block cut out, the code blocks) of the first post on a saved
    question page, tags removed and entities decoded."""
    m = re.search(r'<div class="post-text" itemprop="text">(.*?)</div>', page, re.S)
    if not m:
        return None
    body = m.group(1)
    pres = re.findall(r"<pre[^>]*>(.*?)</pre>", body, re.S)
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip("\n") for c in pres]
    prose = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<pre[^>]*>.*?</pre>", "\n", body, flags=re.S)))
    return prose, blocks


def question_post(page: str) -> tuple[str, str] | None:
    """(prose without code blocks, blank lines squeezed; the code blocks joined) of the first post."""
    post = question_blocks(page)
    if post is None:
        return None
    prose, blocks = post
    return re.sub(r"\n\s*\n*", "\n", prose).strip(), "\n\n".join(blocks)


def saved_pages(repo: str) -> Iterator[tuple[str, str, str | None, str]]:
    """Every saved question page of the snapshot, in its order: (path, slug, question id or
    None when the snapshot has no URL for it, the page's HTML)."""
    names = git(repo, "ls-tree", "-r", "HEAD", "--name-only").splitlines()
    ids: dict[str, str] = {}
    for n in names:
        if URLS in n:
            for line in git(repo, "show", "HEAD:" + n).splitlines():
                m = re.match(r"/questions/(\d+)/(.+)", line.strip())
                if m:
                    ids.setdefault(m.group(2), m.group(1))
    pages = [n for n in names if RAW in n and n.endswith(".txt")]
    cmd = ["git", "--git-dir", repo, "cat-file", "--batch"]
    cat = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert cat.stdin is not None and cat.stdout is not None
    try:
        for n in pages:
            cat.stdin.write(f"HEAD:{n}\n".encode())
            cat.stdin.flush()
            size = int(cat.stdout.readline().split()[2])
            page = cat.stdout.read(size).decode("utf-8", "replace")
            cat.stdout.read(1)
            slug = n.rsplit("Python_DOC_referPages.", 1)[1][:-4]
            yield n, slug, ids.get(slug), page
    finally:
        cat.stdin.close()
        cat.wait()


def main(repo: str, batch: str = "") -> None:
    seen, core = set(), []
    for n, slug, qid, page in saved_pages(repo):
        post = question_post(page)
        if not qid or qid in seen or post is None:
            continue
        seen.add(qid)
        prose, code = post
        if NOVICE.search(prose) and not HEAVY.search(slug.replace("-", " ") + " " + prose[:600]):
            core.append({"qid": qid, "slug": slug, "path": n, "text": prose, "code": code})
    core.sort(key=lambda o: hashlib.sha256(o["qid"].encode()).hexdigest())
    sample = [(o, "random") for o in core[:N_RANDOM]]
    taken = {o["qid"] for o, _ in sample}
    review = [o for o in core if o["qid"] not in taken and REVIEW.search(o["text"])]
    sample += [(o, "targeted-review") for o in review[:N_REVIEW]]
    taken |= {o["qid"] for o in review[:N_REVIEW]}
    # second random batch, labelled after the first was committed: the next questions in hash order
    rest = [o for o in core[N_RANDOM:] if o["qid"] not in taken]
    sample += [(o, "random") for o in rest[:N_RANDOM_2]]
    if batch == "--holdout2":
        # third batch, a fresh holdout: the next questions in hash order, none of them drawn before
        sample = [(o, "random-holdout2") for o in rest[N_RANDOM_2 : N_RANDOM_2 + N_HOLDOUT_2]]
    elif batch == "--dev2":
        # fourth batch, training rows only: the questions after the fresh holdout in hash order
        start = N_RANDOM_2 + N_HOLDOUT_2
        sample = [(o, "random-dev2") for o in rest[start : start + N_DEV_2]]
    for o, how in sample:
        row = {
            "id": "so-" + o["qid"],
            "url": "https://stackoverflow.com/questions/" + o["qid"],
            "sample": how,
            "title": o["slug"].replace("-", " "),
            "text": o["text"],
            "code": o["code"],
            "path": o["path"],
        }
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], (sys.argv[2:] or [""])[0])
