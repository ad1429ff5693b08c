"""When to try a temporarily failed delivery again: exponential backoff with jitter, capped,
inside a window (GOV.UK Notify retries for about 4 hours). The schedule is stored in the
delivery record, so any worker can pick it up; an in-process retry library (tenacity) would
lose it when the process stops."""

import dataclasses
import datetime as dt
import random


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    base: float = 5.0  # seconds before the first retry
    cap: float = 300.0  # the longest wait between two attempts
    window: float = 4 * 3600.0  # give up (technical-failure) when the next try would start later

    def next_at(self, delivery: dict, at: dt.datetime, not_before: dt.datetime | None = None) -> dt.datetime | None:
        """The next try, or None when it would start outside the window. `not_before`: a rate
        limit's reset (the platform said when), which the backoff never undercuts."""
        attempts = delivery["attempts"] + 1  # including the one that just failed
        delay = min(self.cap, self.base * 2 ** (attempts - 1))
        delay = random.uniform(delay / 2, delay)  # jitter: failed messages do not retry in lockstep
        when = at + dt.timedelta(seconds=delay)
        if not_before is not None and not_before > when:
            when = not_before + dt.timedelta(seconds=random.uniform(0, min(delay, 5.0)))
        if (when - delivery["created_at"]).total_seconds() > self.window:
            return None
        return when
