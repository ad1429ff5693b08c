"""Where a process's CPU goes, from py-spy's collapsed stacks (`py-spy record --format raw`, or
`profiled()` in bench/common.py): the functions with the most samples on top of the stack (self),
and the project's own functions by samples anywhere in the stack (inclusive), with shares.

    .venv/bin/python bench/profile.py PROFILE.txt [--top 25] [--idle]

Idle samples (the event loop waiting in epoll/select) are left out unless --idle: shares are of
CPU time, which is what the CPU-per-request figures count.
"""

import argparse
import collections
import re

IDLE = re.compile(r"\b(select|poll|epoll|_run_once|wait) \((selectors|threading|asyncio/base_events)"
                  r"|^_worker \(concurrent/futures/thread")  # an executor thread waiting for work
LIBRARIES = ("pymongo", "redis", "marshmallow", "jwt", "wechatpy", "copy", "json", "hmac", "tornado")
OWN = ("api/", "models/", "push/", "handlers/", "channels/", "exchange/")


def package(frame: str) -> str:
    """'func (tornado/web.py:12)' -> 'tornado'; the standard library's modules by name (asyncio)."""
    path = frame.rpartition("(")[2].rstrip(")")
    return path.split("/")[0] if "/" in path else path.split(".")[0]


def own_code(frame: str) -> bool:
    return frame.rpartition("(")[2].startswith(OWN)


def frames(stack: str) -> list[str]:
    # "process (pid);func (file:line);..." -> ["func (file)"]; line numbers dropped so a function counts once
    return [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:] if f]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--idle", action="store_true")
    parser.add_argument("--callers", metavar="LIBRARY", help="also: which project functions call into LIBRARY (e.g. pymongo)")
    args = parser.parse_args()
    own, total = collections.Counter(), collections.Counter()
    inclusive, packages, within = collections.Counter(), collections.Counter(), collections.Counter()
    callers = collections.Counter()
    samples = 0
    with open(args.profile) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            stack_frames, n = frames(stack), int(count)
            if not stack_frames or (not args.idle and IDLE.search(stack_frames[-1])):
                continue
            samples += n
            total[stack_frames[-1]] += n
            packages[package(stack_frames[-1])] += n
            for name in {package(fn) for fn in stack_frames}:
                within[name] += n
            if args.callers:
                first = next((i for i, fn in enumerate(stack_frames) if package(fn) == args.callers), None)
                if first is not None:
                    site = next((fn for fn in reversed(stack_frames[:first]) if own_code(fn)), "(outside the project)")
                    callers[site] += n
            for fn in set(stack_frames):
                if own_code(fn):
                    inclusive[fn] += n
            own[next((fn for fn in reversed(stack_frames) if own_code(fn)), "(outside the project)")] += n
    print(f"{samples} CPU samples")
    print("\nby package of the function running (self):")
    for name, n in packages.most_common(12):
        print(f"{n / samples:6.1%}  {name}")
    print("\nlibraries, inclusive (samples inside a call into the library, e.g. all of a PyMongo call):")
    for name in LIBRARIES:
        if within[name]:
            print(f"{within[name] / samples:6.1%}  {name}")
    print("\nself (top of stack):")
    for fn, n in total.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")
    print("\nproject functions, inclusive (samples with the function anywhere in the stack):")
    for fn, n in inclusive.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")
    if args.callers:
        print(f"\ncalls into {args.callers}, by the project function making them (share of all samples):")
        for fn, n in callers.most_common(args.top):
            print(f"{n / samples:6.1%}  {fn}")
    print("\nnearest project function on the stack (who asked for the work):")
    for fn, n in own.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")


if __name__ == "__main__":
    main()
