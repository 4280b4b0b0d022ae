"""What the fleet report's HTML and Markdown templates show, computed from the FleetReport alone
(so a fleet report rendered again from its JSON looks the same): each cluster's trend as an
inline SVG line, colours by score, the stylesheet and the Content-Security-Policy admitting it."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from k8saudit.model.findings import Severity
from k8saudit.model.fleet import ClusterStatus, FleetCluster, FleetReport, FleetRun, parse_time
from k8saudit.output.view import GRADE_COLOURS, SEVERITY_COLOURS, bar, score_colour

#: The trend line's box, in CSS pixels.
SPARK_WIDTH = 96
SPARK_HEIGHT = 26
_PAD = 3
#: The least score range a trend line spans, in points.
_MIN_SPAN = 20.0
#: Clusters named per check in the "failing in most clusters" table before "and N more".
CLUSTERS_SHOWN = 8


@dataclass(frozen=True)
class Spark:
    """A cluster's scores over its runs as an SVG polyline (0 at the bottom, 100 at the top)."""

    points: str
    last_x: float
    last_y: float
    colour: str
    #: What the line says, for a screen reader and a tooltip.
    label: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def spark(runs: list[FleetRun]) -> Spark | None:
    """The trend of the runs that have a score, oldest left; None with fewer than two."""
    scored = [(r, r.score) for r in runs if r.score is not None]
    if len(scored) < 2:
        return None
    low, high = _span([score for _run, score in scored])
    step = (SPARK_WIDTH - 2 * _PAD) / (len(scored) - 1)
    rise = (SPARK_HEIGHT - 2 * _PAD) / (high - low)
    coords = [
        (round(_PAD + i * step, 1), round(SPARK_HEIGHT - _PAD - (score - low) * rise, 1))
        for i, (_run, score) in enumerate(scored)
    ]
    (first, first_score), (last, last_score) = scored[0], scored[-1]
    label = f"score {first_score:.1f} on {day(first.generatedAt)} to {last_score:.1f} on {day(last.generatedAt)}"
    return Spark(
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        colour=score_colour(last_score),
        label=f"{label} over {len(scored)} scans",
    )


def _span(scores: list[float]) -> tuple[float, float]:
    """The score range the line is drawn in: the scores' own, widened to at least `_MIN_SPAN`
    points and kept within 0-100, so a move of a point or two shows without looking like a cliff."""
    low, high = min(scores), max(scores)
    middle = (low + high) / 2
    half = max(high - low, _MIN_SPAN) / 2
    low, high = max(0.0, middle - half), min(100.0, middle + half)
    if high - low < _MIN_SPAN:  # pressed against 0 or 100
        low, high = (0.0, _MIN_SPAN) if low == 0.0 else (100.0 - _MIN_SPAN, 100.0)
    return low, high


def day(text: str | None) -> str:
    """`2026-11-05 03:17 UTC` of an ISO time as reports write it; the text itself if it is none."""
    if not text:
        return ""
    when = parse_time(text)
    return text if when.year == 1 else when.strftime("%Y-%m-%d %H:%M UTC")


def change(value: float | int | None, *, digits: int = 1) -> str:
    """`+2.5`, `\u22121.0` (a real minus sign), `±0`, or empty for no earlier scan."""
    if value is None:
        return ""
    if value == 0:
        return "±0"
    text = f"{abs(value):.{digits}f}" if isinstance(value, float) else str(abs(value))
    return ("+" if value > 0 else "\u2212") + text


def href(path: str | None) -> str:
    """A relative path as a link target: percent-encoded (a space, `(`, `:` or `#` in a folder name
    can neither break the Markdown link nor turn the path into a scheme or a fragment)."""
    return quote(path or "", safe="/")


def percent(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio * 100:.0f}%"


def trend_text(row: FleetCluster) -> str:
    """The trend in words for Markdown: `74.0 → 81.2 (+7.2) over 3 scans`."""
    scores = [r.score for r in row.runs if r.score is not None]
    if len(scores) < 2:
        return "first scan" if row.status is ClusterStatus.SCANNED else ""
    return f"{scores[-2]:.1f} → {scores[-1]:.1f} ({change(round(scores[-1] - scores[-2], 1))}) over {len(scores)} scans"


def last_known(row: FleetCluster) -> FleetRun | None:
    """For a cluster not scanned this time: its latest earlier scan, if one was found."""
    return row.runs[-1] if row.runs else None


def context(report: FleetReport) -> dict[str, Any]:
    """Everything the fleet templates read."""
    return {
        "fleet": report,
        "rows": report.clusters,
        "sparks": {row.name: spark(row.runs) for row in report.clusters},
        "severities": list(Severity),
        "severity_colours": SEVERITY_COLOURS,
        "grade_colours": GRADE_COLOURS,
        "score_colour": score_colour,
        "clusters_shown": CLUSTERS_SHOWN,
        "day": day,
        "change": change,
        "percent": percent,
        "href": href,
        "trend_text": trend_text,
        "last_known": last_known,
        "bar": bar,
        "Status": ClusterStatus,
    }


# --- the page's stylesheet ---------------------------------------------------------------------


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@dataclass(frozen=True)
class FleetAssets:
    """The inline stylesheet (the cluster report's, plus the fleet's own rules) and the
    Content-Security-Policy that admits exactly it: the page runs no script at all."""

    css: str

    @property
    def csp(self) -> str:
        return (
            f"default-src 'none'; style-src {_csp_hash(self.css)}; script-src 'none'; "
            "img-src data:; base-uri 'none'; form-action 'none'"
        )


@cache
def assets(templates: Path) -> FleetAssets:
    """`report.css` and `fleet.css` beside the templates, read once per process."""
    return FleetAssets(
        css=(templates / "report.css").read_text(encoding="utf-8")
        + "\n"
        + (templates / "fleet.css").read_text(encoding="utf-8")
    )
