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

IDLE = re.compile(r"\b(select|poll|epoll|_run_once|wait) \((selectors|threading|asyncio/base_events)")
OWN = ("api/", "models/", "push/", "handlers/", "channels/", "exchange/")


def frames(stack: str) -> list[str]:
    # "process (pid);func (file:line);..." -> ["func (file)"]; line numbers dropped so a function counts once
    return [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:] if f]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--idle", action="store_true")
    args = parser.parse_args()
    own, total = collections.Counter(), collections.Counter()
    inclusive = collections.Counter()
    samples = 0
    with open(args.profile) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            stack_frames, n = frames(stack), int(count)
            if not stack_frames or (not args.idle and IDLE.search(stack_frames[-1])):
                continue
            samples += n
            total[stack_frames[-1]] += n
            for fn in set(stack_frames):
                if any(p in fn for p in OWN) and "site-packages" not in fn:
                    inclusive[fn] += n
            own[next((fn for fn in reversed(stack_frames) if any(p in fn for p in OWN)
                      and "site-packages" not in fn), "(outside the project)")] += n
    print(f"{samples} CPU samples")
    print("\nself (top of stack):")
    for fn, n in total.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")
    print("\nproject functions, inclusive (samples with the function anywhere in the stack):")
    for fn, n in inclusive.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")
    print("\nnearest project function on the stack (who asked for the work):")
    for fn, n in own.most_common(args.top):
        print(f"{n / samples:6.1%}  {fn}")


if __name__ == "__main__":
    main()
