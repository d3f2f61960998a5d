"""The admin overview's pictures: posts, sign-ups, flags and sanctions per day, how long flags waited
for a decision, and the busiest threads, over the last 30 or 90 days.

Three queries whatever the data (each reads an index on its date column, see the migration
"activity indexes"): one for the four daily series together, one for the flag waits, one for the
busiest threads. Days are UTC days, as every time the forum stores.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, literal, select, union_all

from ...extensions import db
from ...models import Flag, Post, Sanction, Thread, User
from ...models.base import utcnow

PERIODS = (30, 90)
SERIES = {"posts": "Posts", "signups": "Sign-ups", "flags": "Flags", "sanctions": "Sanctions"}
BUSIEST = 10
# How long a flag waited for its decision, in buckets: (upper bound in hours, label); the last has none.
WAITS = ((1, "under 1 hour"), (6, "1 to 6 hours"), (24, "6 to 24 hours"), (72, "1 to 3 days"),
         (168, "3 to 7 days"), (None, "over 7 days"))


@dataclass(frozen=True)
class Activity:
    days: int
    first_day: date
    daily: dict[str, list[tuple[date, int]]]  # series name -> (day, count) for every day, oldest first
    waits: list[tuple[str, int]]  # (bucket label, flags decided in the period that waited that long)
    busiest: list[tuple[Thread, int]]  # (thread, posts in the period), most first

    def total(self, series: str) -> int:
        return sum(number for _, number in self.daily[series])

    def points(self, series: str) -> list[tuple[str, int]]:
        """(short day label, count) for a chart's columns."""
        return [(f"{day.day} {day:%b}", number) for day, number in self.daily[series]]

    def peak(self, series: str) -> tuple[date, int]:
        """The busiest day of a series (the latest of equals), and its count."""
        return max(self.daily[series], key=lambda point: (point[1], point[0]))

    @property
    def busiest_points(self) -> list[tuple[str, int]]:
        return [(thread.title, number) for thread, number in self.busiest]

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    @property
    def days_rows(self) -> list[tuple[date, list[int]]]:
        """Each day with its four counts, in the order of SERIES: the rows of the table beside the charts."""
        return [(day, [self.daily[name][index][1] for name in SERIES])
                for index, (day, _) in enumerate(self.daily["posts"])]


def _day(column):
    """The UTC day of a timestamp, as SQLite's date() and PostgreSQL's date() both write it."""
    return func.date(column)


def _seconds_between(start, end):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


def _daily(since: datetime, days: int, first_day: date) -> dict[str, list[tuple[date, int]]]:
    sources = {"posts": Post.created_at, "signups": User.created_at, "flags": Flag.created_at,
               "sanctions": Sanction.starts_at}
    query = union_all(*(select(literal(name).label("series"), _day(column).label("day"),
                               func.count().label("number"))
                        .where(column >= since).group_by(_day(column))
                        for name, column in sources.items()))
    counts = {(series, str(day)[:10]): number for series, day, number in db.session.execute(query)}
    all_days = [first_day + timedelta(days=n) for n in range(days)]
    return {name: [(day, counts.get((name, day.isoformat()), 0)) for day in all_days] for name in sources}


def _waits(since: datetime) -> list[tuple[str, int]]:
    hours = _seconds_between(Flag.created_at, Flag.resolved_at) / 3600
    bucket = case(*((hours < bound, index) for index, (bound, _) in enumerate(WAITS) if bound is not None),
                  else_=len(WAITS) - 1)
    counts = dict(db.session.execute(select(bucket, func.count()).where(Flag.resolved_at >= since)
                                     .group_by(bucket)).all())
    return [(label, counts.get(index, 0)) for index, (_, label) in enumerate(WAITS)]


def _busiest(since: datetime) -> list[tuple[Thread, int]]:
    number = func.count().label("number")
    # Grouped by thread_id + 0, not thread_id: otherwise SQLite (without ANALYZE statistics) walks the
    # whole of ix_posts_thread_order to group without sorting, seconds on a million posts, rather than
    # reading only the period's entries of ix_posts_created_thread (a tenth of a second).
    thread_id = (Post.thread_id + 0).label("thread_id")
    counted = (select(thread_id, number).where(Post.created_at >= since)
               .group_by(thread_id).order_by(number.desc(), thread_id).limit(BUSIEST * 2).subquery())
    # A few more than shown, so that removed threads leave no gap.
    rows = db.session.execute(select(Thread, counted.c.number).join(counted, counted.c.thread_id == Thread.id)
                              .where(Thread.removed_at.is_(None))
                              .order_by(counted.c.number.desc(), Thread.id).limit(BUSIEST)).all()
    return [(thread, number) for thread, number in rows]


def activity(days: int, now: datetime | None = None) -> Activity:
    """The last `days` days, today (the day of `now`, by default the present) included."""
    now = now or utcnow()
    first_day = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time())
    return Activity(days=days, first_day=first_day, daily=_daily(since, days, first_day),
                    waits=_waits(since), busiest=_busiest(since))
