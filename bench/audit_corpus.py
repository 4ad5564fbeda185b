"""Measure `resilience audit` on real code: the HTTP API client packages of issue 3.

    python bench/audit_corpus.py            # download (once), then measure and print a table
    python bench/audit_corpus.py --jobs 1 2 --repeat 3

The wheels are fetched from the package index with `pip download` into bench/.cache/ (not in
git). For each package it prints files, lines, audit time per --jobs setting, and how RES101
compares with `ruff --select S113` (calls on requests Sessions that ruff misses, and calls
passing **kwargs that ruff flags and we deliberately do not).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from resilience_skill.analysis import audit_paths
from resilience_skill.config import Config

PACKAGES = [
    ("python-gitlab", "8.6.0", "gitlab"),
    ("jira", "3.10.5", "jira"),
    ("slack_sdk", "3.48.0", "slack_sdk"),
    ("stripe", "16.1.0", "stripe"),
    ("twilio", "9.13.0", "twilio"),
    ("docker", "7.2.0", "docker"),
    ("kubernetes", "37.0.2", "kubernetes"),
    ("tweepy", "4.17.0", "tweepy"),
    ("PyGithub", "2.10.0", "github"),
    ("hvac", "2.4.0", "hvac"),
    ("google-api-python-client", "2.202.0", "googleapiclient"),
]

CACHE = Path(__file__).resolve().parent / ".cache"


def prepare() -> dict[str, Path]:
    wheels = CACHE / "wheels"
    corpus = CACHE / "corpus"
    wheels.mkdir(parents=True, exist_ok=True)
    roots = {}
    for dist, version, top in PACKAGES:
        target = corpus / f"{dist}-{version}"
        if not target.exists():
            norm = dist.replace("-", "_").lower()
            found = [
                w for w in wheels.glob("*.whl") if w.name.lower().startswith(f"{norm}-{version}")
            ]
            if not found:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "download",
                        "--no-deps",
                        "-q",
                        "-d",
                        str(wheels),
                        f"{dist}=={version}",
                    ],
                    check=True,
                )
                found = [
                    w
                    for w in wheels.glob("*.whl")
                    if w.name.lower().startswith(f"{norm}-{version}")
                ]
            with zipfile.ZipFile(found[0]) as zf:
                zf.extractall(target)
        roots[dist] = target / top
    return roots


def count_lines(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return len(files), lines


def timed_audit(root: Path, jobs: int, repeat: int, config: Config) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = audit_paths([str(root)], config, jobs=jobs)
        best = min(best, time.perf_counter() - start)
    return best, result


def ruff_s113(root: Path) -> set[tuple[str, int]]:
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "S113",
            "--output-format",
            "json",
            "--exit-zero",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        (Path(d["filename"]).resolve().as_posix(), d["location"]["row"])
        for d in json.loads(proc.stdout)
    }


def compare(root: Path, result: object) -> tuple[int, int, int, int]:
    """(ours, ruff, ours only (sessions), ruff only with **kwargs)."""
    ours = {
        (Path(f.path).resolve().as_posix(), f.location.line)
        for f in result.findings
        if f.rule == "RES101"
    }  # type: ignore[attr-defined]
    theirs = ruff_s113(root)
    kwargs_only = 0
    for path, line in theirs - ours:
        text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        window = "\n".join(text[line - 1 : line + 8])
        kwargs_only += "**" in window
    return len(ours), len(theirs), len(ours - theirs), kwargs_only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--select", default="", help="rules to run, e.g. RES1,RES5 (all)")
    args = parser.parse_args()
    select = tuple(s for s in args.select.split(",") if s)
    config = Config(select=select)
    print(f"rules: {args.select or 'all'}")
    roots = prepare()
    header = (
        f"{'package':<26}{'files':>7}{'lines':>10}"
        + "".join(f"{'j=' + str(j) + ' s':>9}" for j in args.jobs)
        + f"{'RES101':>8}{'S113':>6}{'ours-only':>10}{'S113 **kw':>10}{'all':>6}"
    )
    print(header)
    print("-" * len(header))
    totals = [0, 0] + [0.0] * len(args.jobs) + [0, 0, 0, 0, 0]
    for dist, root in roots.items():
        files, lines = count_lines(root)
        times = []
        result = None
        for jobs in args.jobs:
            seconds, result = timed_audit(root, jobs, args.repeat, config)
            times.append(seconds)
        ours, theirs, ours_only, kwargs = compare(root, result)
        n_all = len(result.findings)  # type: ignore[attr-defined]
        row = [files, lines, *times, ours, theirs, ours_only, kwargs, n_all]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(
            f"{dist:<26}{files:>7}{lines:>10}"
            + "".join(f"{t:>9.2f}" for t in times)
            + f"{ours:>8}{theirs:>6}{ours_only:>10}{kwargs:>10}{n_all:>6}"
        )
    print("-" * len(header))
    files, lines, *rest = totals
    times, counts = rest[: len(args.jobs)], rest[len(args.jobs) :]
    print(
        f"{'total':<26}{files:>7}{lines:>10}"
        + "".join(f"{t:>9.2f}" for t in times)
        + "".join(f"{int(c):>{w}}" for c, w in zip(counts, (8, 6, 10, 10, 6), strict=True))
    )


if __name__ == "__main__":
    main()
