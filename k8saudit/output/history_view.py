"""What the reports show of a scan's history: the chart's geometry, the table's rows, and the
"failing since" line of each finding. Computed from `Report.history` alone (the templates
`history.html` and `history.md` only lay it out; `k8saudit trend` prints the same).

The chart is an inline SVG of presentation attributes only (no `style`, no script, no external
reference), so the HTML report's Content-Security-Policy, which admits only its own stylesheet and
script by hash, needs no change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from k8saudit.model.findings import Finding, History, HistoryRun, Severity

#: Scans listed in the reports' history tables, the newest first (the chart shows them all).
TABLE_ROWS = 20
#: The chart's coordinate system (viewBox) and plot area.
WIDTH, HEIGHT = 640.0, 200.0
LEFT, RIGHT, TOP, BOTTOM = 44.0, 596.0, 16.0, 160.0
SCORE_COLOUR = "#0969da"
FAILING_COLOUR = "#cf222e"
AXIS_COLOUR = "#8c959f"


def when(iso: str) -> str:
    """`2026-11-05 03:17 UTC` for a report's ISO time (as given when it is no ISO time)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def score_text(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    run: HistoryRun

    @property
    def label(self) -> str:
        """The point's tooltip."""
        return f"{when(self.run.generatedAt)}: score {score_text(self.run.score)}, {self.run.failing} failing"


@dataclass(frozen=True)
class Chart:
    """Score (left axis, 0-100) and failing findings (right axis, 0 to the most) per scan."""

    runs: tuple[HistoryRun, ...]
    width: float = WIDTH
    height: float = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    top: float = TOP
    bottom: float = BOTTOM
    score_colour: str = SCORE_COLOUR
    failing_colour: str = FAILING_COLOUR
    axis_colour: str = AXIS_COLOUR

    @cached_property
    def failing_max(self) -> int:
        """The right axis' top: the most failing findings of any scan, at least 1."""
        return max(1, *(r.failing for r in self.runs))

    def _x(self, index: int) -> float:
        if len(self.runs) == 1:
            return round((self.left + self.right) / 2, 1)
        return round(self.left + (self.right - self.left) * index / (len(self.runs) - 1), 1)

    def _y(self, share: float) -> float:
        return round(self.bottom - (self.bottom - self.top) * share, 1)

    @cached_property
    def score_points(self) -> list[Point]:
        """The scans with a score (a scan that assessed nothing has none: a gap, not a zero)."""
        return [Point(self._x(i), self._y(r.score / 100), r) for i, r in enumerate(self.runs) if r.score is not None]

    @cached_property
    def failing_points(self) -> list[Point]:
        return [Point(self._x(i), self._y(r.failing / self.failing_max), r) for i, r in enumerate(self.runs)]

    @staticmethod
    def polyline(points: list[Point]) -> str:
        return " ".join(f"{p.x},{p.y}" for p in points)

    @property
    def score_ticks(self) -> list[tuple[float, str]]:
        """(y, label) of the left axis."""
        return [(self._y(v / 100), str(v)) for v in (0, 50, 100)]

    @property
    def failing_ticks(self) -> list[tuple[float, str]]:
        return [(self._y(0), "0"), (self._y(1), str(self.failing_max))]

    @property
    def first(self) -> str:
        return when(self.runs[0].generatedAt)

    @property
    def last(self) -> str:
        return when(self.runs[-1].generatedAt)

    @property
    def summary(self) -> str:
        """The chart in words (its aria-label)."""
        first, last = self.runs[0], self.runs[-1]
        return (
            f"Score over {len(self.runs)} scans from {score_text(first.score)} to {score_text(last.score)}; "
            f"failing findings from {first.failing} to {last.failing}"
        )


@dataclass(frozen=True)
class HistoryView:
    """A report's history as the HTML, Markdown and terminal show it."""

    history: History

    @cached_property
    def chart(self) -> Chart:
        return Chart(tuple(self.history.runs))

    @property
    def rows(self) -> list[HistoryRun]:
        """The newest scans first, at most TABLE_ROWS."""
        return list(reversed(self.history.runs))[:TABLE_ROWS]

    @staticmethod
    def time(run: HistoryRun) -> str:
        """A scan's time as the tables show it: `2026-11-05 03:17 UTC`."""
        return when(run.generatedAt)

    @property
    def more(self) -> int:
        return max(0, len(self.history.runs) - TABLE_ROWS)

    @property
    def severities(self) -> list[str]:
        return [s.value for s in Severity]

    @cached_property
    def _scan_index(self) -> dict[str, int]:
        return {r.generatedAt: i for i, r in enumerate(self.history.runs)}

    def scans_failing(self, key: str) -> int | None:
        """In how many scans in a row, this one included, the finding `key` has failed (None: the
        scan it started failing in is not in the history any more)."""
        since = self.history.failingSince.get(key)
        if since is None:
            return 1
        index = self._scan_index.get(since)
        return None if index is None else len(self.history.runs) - index

    def since_text(self, key: str) -> str:
        """`failing since 2026-11-05 03:17 UTC (4 scans)`, or `new in this scan`."""
        since = self.history.failingSince.get(key)
        if since is None:
            return "new in this scan"
        scans = self.scans_failing(key)
        return f"failing since {when(since)}" + ("" if scans is None else f" ({scans} scans)")

    def since(self, finding: Finding) -> str:
        return self.since_text(finding.key())

    def change(self) -> str:
        """`score 61.8 → 72.4 (+10.6), failing findings 260 → 180`: the first scan to this one."""
        first, last = self.history.runs[0], self.history.runs[-1]
        delta = ""
        if first.score is not None and last.score is not None:
            delta = f" ({last.score - first.score:+.1f})"
        scores = f"{score_text(first.score)} → {score_text(last.score)}{delta}"
        return f"score {scores}, failing findings {first.failing} → {last.failing}"

    def span(self) -> str:
        """`5 scans from 2026-11-01 03:17 UTC to 2026-11-05 03:17 UTC`."""
        runs = self.history.runs
        return f"{len(runs)} scans from {when(runs[0].generatedAt)} to {when(runs[-1].generatedAt)}"
