"""Absence as shares of school time: plain functions over what was reported, decided and
registered, so the guardian's page, the student's, the chart and the watchlist count alike.

Only school days count (app/school/calendar.py: no weekends, holidays or days off). A day
is shared out in this order: approved leave, reported sickness (from a time: the rest of
the day), then the register's minutes beyond those. Register absence on a day with leave
or a report is valid; otherwise it is as the register says, and invalid until explained.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

KINDS = ("sick", "leave", "valid", "invalid")


@dataclass(frozen=True)
class Span:
    """A sickness report (kind "sick") or approved leave ("leave") over days; `first_part`
    is the share of the first day it covers (a report from 12:00 covers the afternoon)."""

    kind: str
    start: date
    end: date
    first_part: float = 1.0

    def part_on(self, day: date) -> float:
        if not self.start <= day <= self.end:
            return 0.0
        return self.first_part if day == self.start else 1.0


@dataclass(frozen=True)
class Registered:
    day: date
    minutes: int
    valid: bool


@dataclass
class Shares:
    """One day's (or many days') absence in school days, by kind."""

    sick: float = 0.0
    leave: float = 0.0
    valid: float = 0.0
    invalid: float = 0.0

    @property
    def total(self) -> float:
        return self.sick + self.leave + self.valid + self.invalid

    def add(self, other: Shares) -> None:
        self.sick += other.sick
        self.leave += other.leave
        self.valid += other.valid
        self.invalid += other.invalid


def day_shares(day: date, spans: Iterable[Span], registered: Iterable[Registered], minutes: int):
    """How one school day was missed; `minutes` is the length of the school's day."""
    leave = 1.0 if any(s.kind == "leave" and s.part_on(day) for s in spans) else 0.0
    sick = max((s.part_on(day) for s in spans if s.kind == "sick"), default=0.0)
    sick = min(sick, 1.0 - leave)
    rest = 1.0 - leave - sick
    valid_min = sum(r.minutes for r in registered if r.day == day and r.valid)
    invalid_min = sum(r.minutes for r in registered if r.day == day and not r.valid)
    shares = Shares(sick=sick, leave=leave)
    registered_part = min((valid_min + invalid_min) / minutes, 1.0)
    beyond = min(max(registered_part - leave - sick, 0.0), rest)
    if leave or sick:
        shares.valid = beyond
    else:
        shares.invalid = min(invalid_min / minutes, beyond)
        shares.valid = beyond - shares.invalid
    return shares


@dataclass
class Week:
    year: int
    number: int
    first: date
    school_days: int
    shares: Shares

    def percent(self, kind: str | None = None) -> float:
        part = self.shares.total if kind is None else getattr(self.shares, kind)
        return 100 * part / self.school_days if self.school_days else 0.0


@dataclass
class Summary:
    """A student's absence over some school days: in days per kind, as percentages, per
    week, and the days with invalid absence."""

    school_days: int = 0
    shares: Shares = field(default_factory=Shares)
    weeks: list[Week] = field(default_factory=list)
    invalid_days: list[date] = field(default_factory=list)

    def percent(self, kind: str | None = None) -> float:
        part = self.shares.total if kind is None else getattr(self.shares, kind)
        return 100 * part / self.school_days if self.school_days else 0.0


def summarise(
    days: list[date], spans: list[Span], registered: list[Registered], minutes: int
) -> Summary:
    """The absence over `days` (school days, in order)."""
    summary = Summary(school_days=len(days))
    weeks: dict[tuple[int, int], Week] = {}
    by_day: dict[date, list[Registered]] = {}
    for r in registered:
        by_day.setdefault(r.day, []).append(r)
    for day in days:
        near = [s for s in spans if s.start <= day <= s.end]
        shares = day_shares(day, near, by_day.get(day, []), minutes)
        summary.shares.add(shares)
        if shares.invalid > 0:
            summary.invalid_days.append(day)
        iso = day.isocalendar()
        week = weeks.get((iso.year, iso.week))
        if week is None:
            week = weeks[(iso.year, iso.week)] = Week(iso.year, iso.week, day, 0, Shares())
        week.school_days += 1
        week.shares.add(shares)
    summary.weeks = list(weeks.values())
    return summary


def trend(summary: Summary, weeks: int = 4) -> str:
    """ "up", "down" or "steady": the last `weeks` weeks against the weeks before them
    (two percentage points either way count)."""
    recent, before = summary.weeks[-weeks:], summary.weeks[-2 * weeks : -weeks]
    if not recent or not before:
        return "steady"

    def rate(ws: list[Week]) -> float:
        days = sum(w.school_days for w in ws)
        return 100 * sum(w.shares.total for w in ws) / days if days else 0.0

    change = rate(recent) - rate(before)
    return "up" if change >= 2 else "down" if change <= -2 else "steady"
