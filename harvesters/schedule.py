"""Cron-like harvest schedules: parse `@daily`, `@hourly`, `0 3 * * *`, `*/15 8-18 * * 1-5` and find the
next run time after a moment.

Standard library only (no croniter): five fields (minute hour day-of-month month day-of-week) with `*`,
numbers, ranges, steps and lists, plus the usual `@` macros. As in cron, when both day-of-month and
day-of-week are restricted a day matching either is due. Times are UTC, so a schedule means the same on
every server whatever its local zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # day-of-week 7 is Sunday, as 0
NAMES = ("minute", "hour", "day of month", "month", "day of week")
SEARCH_DAYS = 366 * 5  # "0 0 29 2 1" can wait years; anything longer is a schedule that never fires


class ScheduleError(ValueError):
    """A schedule that cannot be parsed; the message says which field and why."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday, as datetime.weekday()
    any_day: bool  # day-of-month is `*`
    any_weekday: bool  # day-of-week is `*`

    def day_matches(self, moment: datetime) -> bool:
        by_day, by_weekday = moment.day in self.days, moment.weekday() in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def next_after(self, moment: datetime) -> datetime:
        """The first due minute strictly after `moment` (an aware datetime; naive ones are UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        t = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=SEARCH_DAYS)
        while t < limit:
            if t.month not in self.months or not self.day_matches(t):
                t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            elif t.hour not in self.hours:
                t = (t + timedelta(hours=1)).replace(minute=0)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise ScheduleError("this schedule never runs")


def parse(text: str) -> Schedule:
    """A Schedule from cron text; ScheduleError with a readable reason otherwise."""
    spec = MACROS.get(text.strip().lower(), text.strip())
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"{text!r}: expected five fields (minute hour day month weekday) or one of "
                            f"{', '.join(MACROS)}")
    sets = [_field(value, bounds, name) for value, bounds, name in zip(fields, BOUNDS, NAMES, strict=True)]
    weekdays = frozenset((d - 1) % 7 for d in sets[4])  # cron 0/7 = Sunday -> 6; 1 = Monday -> 0
    schedule = Schedule(*sets[:4], weekdays, fields[2] == "*", fields[4] == "*")
    schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # refuse "0 0 31 2 *" now, not at run time
    return schedule


def next_run(text: str, after: datetime) -> datetime:
    return parse(text).next_after(after)


def _field(value: str, bounds: tuple[int, int], name: str) -> frozenset[int]:
    low, high = bounds
    out: set[int] = set()
    for part in value.split(","):
        rng, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if rng == "*":
                start, end = low, high
            elif "-" in rng:
                start, end = (int(x) for x in rng.split("-", 1))
            else:
                start = int(rng)
                end = high if step_text else start
        except ValueError:
            raise ScheduleError(f"{name}: {part!r} is not a number, range or step") from None
        if step < 1 or not low <= start <= end <= high:
            raise ScheduleError(f"{name}: {part!r} is outside {low}-{high}")
        out.update(range(start, end + 1, step))
    return frozenset(out)
