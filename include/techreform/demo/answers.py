"""The answer key of the demo city (NOT the product): what a correct product makes of each file,
and what a correct reconciliation (DESIGN.md §4) says from the returns in force and the extract."""

from __future__ import annotations

from collections import Counter
from typing import Any

from techreform.demo.projects import City, tolerance
from techreform.demo.stats import stats_projects
from techreform.demo.submissions import Submission, Version
from techreform.demo.vocabulary import TECH
from techreform.reference import schema
from techreform.reference.periods import Period
from techreform.workspace import Workspace


def expected_reconciliation(city: City, q: int, in_force: dict[str, list[dict]]) -> dict:
    """The planted §4 category of every library row in force and every extract row of quarter q."""
    by_pid = {p.pid: p for u in city.units for p in city.library[u.code]}
    code_units: dict[str, set[str]] = {}
    for unit, rows in in_force.items():
        for r in rows:
            if r["project_code"]:
                code_units.setdefault(r["project_code"], set()).add(unit)
    threshold = city.profile.project_code_required_from
    library, linked = [], {}
    for unit, rows in in_force.items():
        for r in rows:
            p = by_pid[r["_pid"]]
            ytd = p.ytd(q)
            qualifying = r["total_investment"] >= threshold and r["status"] != "计划" and ytd > 0
            st = p.stats_ytd(q) if p.in_stats(q) else None
            if r["project_code"] and len(code_units[r["project_code"]]) > 1:
                cat = "duplicate_report"
            elif st is not None:
                if p.stats_nature != TECH:
                    cat = "nature_mismatch"
                elif abs(ytd - st) > tolerance(st):
                    cat = "amount_mismatch"
                else:
                    cat = "matched"
                linked[p.stats_id] = cat
            else:
                cat = "missing_from_stats" if qualifying else "not_required"
            library.append(
                {
                    "unit": unit,
                    "project_code": r["project_code"] or "",
                    "uscc": r["uscc"],
                    "project_name": r["project_name"],
                    "category": cat,
                    "library_ytd": ytd / 10,
                    "stats_ytd": None if st is None else st / 10,
                    "qualifying": qualifying,
                }
            )
    stats = []
    for p in stats_projects(city, q):
        stats_cat: str | None = "matched" if p.stats_id in linked else None
        lib_cat = linked.get(p.stats_id)
        if stats_cat is None and p.stats_nature == TECH:
            stats_cat = "missing_from_library"
        stats.append(
            {
                "unit": p.unit,
                "stats_project_id": p.stats_id,
                "category": stats_cat,
                "library_category": lib_cat,
            }
        )
    return {"library": library, "stats": stats}


def summarise(
    ws: Workspace,
    city: City,
    subs: list[Submission],
    versions: list[Version],
    silent: dict[int, str | None],
    in_force: dict[int, dict[str, list[dict]]],
) -> dict:
    """The summary :func:`techreform.demo.city.generate_city` returns (its docstring says what)."""
    by_version = {id(v): s for s in subs for v in s.versions}
    files: list[dict[str, Any]] = []
    timely: dict[str, dict[str, bool]] = {}
    for v in versions:
        s = by_version[id(v)]
        period = Period(city.year, s.q)
        deadline = period.deadline(city.profile.deadline_working_days)
        files.append(
            {
                "file": v.name,
                "path": (ws.inbox / s.unit.code / v.name).relative_to(ws.root).as_posix(),
                "unit": s.unit.code,
                "period": str(period),
                "version": v.version,
                "received_at": v.received.isoformat(),
                "on_time": v.received.date() <= deadline,
                "expected": v.expected,
                "format": s.layout.fmt,
                "habits": list(s.layout.habits),
                "errors": [_finding(e) for e in v.errors]
                if v.version
                else [{"rule": "no_period", "row": None}],
                "warnings": [_finding(w) for w in v.warnings + (s.file_warnings if v.version else [])],
                "incidental": [_finding(w) for w in v.incidental],
            }
        )
        if v.expected in ("accepted", "superseded") and v.version:
            timely.setdefault(str(period), {}).setdefault(s.unit.code, files[-1]["on_time"])
    periods = [str(Period(city.year, q)) for q in range(1, city.quarters + 1)]
    return {
        "profile": city.profile.id,
        "year": city.year,
        "seed": None,
        "returns": len(files),
        "with_errors": sum(f["expected"] == "rejected" for f in files),
        "units": [u.code for u in city.units],
        "periods": periods,
        "expected": {f["file"]: f["expected"] for f in files},
        "files": files,
        "silent": {str(Period(city.year, q)): silent[q] for q in range(1, city.quarters + 1)},
        "timely": timely,
        "reconciliation": {
            str(Period(city.year, q)): expected_reconciliation(city, q, in_force[q])
            for q in range(1, city.quarters + 1)
        },
        "mistakes": dict(sorted(Counter(e["rule"] for f in files for e in f["errors"]).items())),
    }


def _finding(e: dict) -> dict:
    out = {"rule": e["rule"], "row": e.get("row"), "field": e.get("field"), "sheet": schema.PROJECT_SHEET}
    if e.get("row") is None:
        out["sheet"] = None
    for k in ("explained", "project_code"):
        if k in e:
            out[k] = e[k]
    return out
