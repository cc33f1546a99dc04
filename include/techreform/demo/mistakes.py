"""Mistakes a county makes in the demo city (NOT the product), each one a rule of
``rules/return_rules.yaml`` planted on one known row, and the warnings a careful county triggers
(a cost overrun, a project gone missing from a return).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from techreform.demo.projects import City
from techreform.demo.vocabulary import BAD_STATUS, BAD_TYPES, WARNING_NOTES, bad_check


@dataclass
class Ctx:
    """What planting a mistake in one return needs to know."""

    period_end: int
    threshold: float  # 万元 from which a project code is required
    prev_ytd: dict[int, float]  # pid → 本年累计 in the return in force for the previous quarter
    types: tuple[str, ...]  # the profile's reform types
    rng: random.Random


def _plain(row: dict) -> bool:
    return not row.get("_special")


def _apply_simple(kind: str, row: dict, ctx: Ctx) -> str | None:
    """Plant mistake `kind` on `row` if it fits there; return the field it broke."""
    rng = ctx.rng
    total = row["total_investment"]
    if kind == "uscc_checksum":
        row["uscc"] = bad_check(row["uscc"], rng)
        return "uscc"
    if kind == "bad_project_code" and row["project_code"]:
        y, div, ind, _, serial = row["project_code"].split("-")
        row["project_code"] = f"{y}-{div[2:]}-{ind}-03-{serial}"  # the county code without its 41
        return "project_code"
    if kind == "missing_code_big" and row["project_code"] and total >= ctx.threshold:
        row["project_code"] = None
        return "project_code"
    if kind == "equipment_over_total":
        row["equipment_investment"] = round(total * rng.uniform(1.1, 1.6) + 1, 1)
        return "equipment_investment"
    if kind == "plan_over_total":
        row["annual_plan"] = round(total * rng.uniform(1.1, 1.5) + 1, 1)
        return "annual_plan"
    if kind == "ytd_over_cumulative" and row["ytd_completed"] >= 2:
        row["cumulative_completed"] = math.floor(row["ytd_completed"] * 5) / 10  # half of it
        return "ytd_completed"
    if (
        kind == "start_after_period"
        and row["status"] != "计划"
        and row["planned_completion"] > ctx.period_end + 1
    ):
        row["start_month"] = ctx.period_end + rng.randint(
            1, min(3, row["planned_completion"] - ctx.period_end)
        )
        return "start_month"
    if kind == "completion_before_start":
        row["planned_completion"] = row["start_month"] - rng.randint(2, 12)
        return "planned_completion"
    if kind == "bad_type":
        row["reform_type"] = rng.choice([t for t in BAD_TYPES if t not in ctx.types])
        return "reform_type"
    if kind == "bad_status" and row["status"] != "计划":  # on a 计划 row it would break start_after_period
        row["status"] = rng.choice(BAD_STATUS)
        return "status"
    if kind == "non_numeric" and row["annual_plan"] >= 1:
        row["annual_plan"] = f"约{round(row['annual_plan'])}万"
        return "annual_plan"
    if kind == "missing_name":
        row["enterprise_name"] = None
        return "enterprise_name"
    if kind == "bad_industry":
        # "3" (a digit lost) or "52" (a trade division, not industry); not a 3-digit class code,
        # which readers may fairly cut to its division
        row["industry_code"] = rng.choice(("3", "52"))
        return "industry_code"
    prev = ctx.prev_ytd.get(row["_pid"])
    if kind == "ytd_decreased" and prev is not None and prev >= 5 and row["status"] != "计划":
        new = math.floor(prev * rng.uniform(0.5, 0.85) * 10) / 10
        row["cumulative_completed"] = round(row["cumulative_completed"] - row["ytd_completed"] + new, 1)
        row["ytd_completed"] = new
        return "ytd_completed"
    return None


def plant_errors(rows: list[dict], kinds: Sequence[str], ctx: Ctx, used: set[int]) -> list[dict]:
    """Plant each kind on a fresh row; return [{rule, index, field}] for those that fitted."""
    out = []
    for kind in kinds:
        free = [i for i, r in enumerate(rows) if i not in used and _plain(r)]
        ctx.rng.shuffle(free)
        if kind == "duplicate_code":
            coded = [i for i in free if rows[i]["project_code"]]
            # the row given another's code must not look like that project's 本年累计 falling
            pairs = [
                (i, j)
                for i in coded
                for j in coded
                if i != j and rows[j]["ytd_completed"] >= ctx.prev_ytd.get(rows[i]["_pid"], 0)
            ]
            if pairs:
                i, j = pairs[0]
                rows[j]["project_code"] = rows[i]["project_code"]
                used.update((i, j))
                out += [{"rule": kind, "index": k, "field": "project_code"} for k in (i, j)]
            continue
        for i in free:
            f = _apply_simple(kind, rows[i], ctx)
            if f:
                used.add(i)
                out.append({"rule": kind, "index": i, "field": f})
                break
    return out


def plant_warning(rows: list[dict], rng: random.Random, used: set[int], explained: bool) -> dict | None:
    """自开工累计 above 总投资 (a cost overrun): accepted, explained in 备注 or asked for."""
    free = [
        i
        for i, r in enumerate(rows)
        if i not in used
        and _plain(r)
        and r["status"] in ("续建", "竣工", "投产")
        and r["total_investment"] >= 10
    ]
    if not free:
        return None
    i = rng.choice(free)
    row = rows[i]
    row["cumulative_completed"] = round(row["total_investment"] * rng.uniform(1.03, 1.12) + 0.5, 1)
    if explained:
        row["note"] = rng.choice(WARNING_NOTES)
    used.add(i)
    return {
        "rule": "cumulative_over_total",
        "index": i,
        "field": "cumulative_completed",
        "explained": explained,
    }


ERROR_KINDS = (
    "uscc_checksum",
    "bad_project_code",
    "missing_code_big",
    "equipment_over_total",
    "plan_over_total",
    "ytd_over_cumulative",
    "start_after_period",
    "completion_before_start",
    "bad_type",
    "bad_status",
    "non_numeric",
    "missing_name",
    "duplicate_code",
    "bad_industry",
    "ytd_decreased",
)


def _project_key(row: dict) -> object:
    return row["project_code"] or (row["uscc"], row["project_name"])


def broken_keys(rows: list[dict], clean: list[dict], ctx: Ctx) -> list[dict]:
    """Projects of the previous return that a mistake made unrecognisable (a code changed).

    A product that recognises projects by code (or credit code) may warn them as vanished in
    this rejected file; one that falls back on names will not. Either is fair.
    """
    out = []
    for i, (r, c) in enumerate(zip(rows, clean, strict=True)):
        if c["_pid"] in ctx.prev_ytd and _project_key(r) != _project_key(c):
            out.append(
                {"rule": "project_vanished", "index": None, "_at": i, "project_code": c["project_code"]}
            )
    return out


def take_kinds(kinds: list[str], n: int, has_prev: bool) -> list[str]:
    """The next n mistake kinds of the city's rotation (so that every kind shows up).

    ytd_decreased needs a return in force for the previous quarter; without one it keeps its
    place for the next file.
    """
    out = [k for k in kinds if has_prev or k != "ytd_decreased"][:n]
    for k in out:
        kinds.remove(k)
        kinds.append(k)
    return out


def plant_vanished(city: City, silent: dict[int, str | None]) -> None:
    """One running project missing from one return without being 竣工/投产 (a warning)."""
    rng = city.rng
    options = []
    for q in range(2, city.quarters + 1):
        for u in city.units:
            if u.code in (silent[q], silent[q - 1]):
                continue
            for p in city.library[u.code]:
                if (
                    p.first_q < q
                    and p.status(q - 1) in ("续建", "新开工")
                    and p.status(q) != "计划"
                    and not p.also_reported_by
                ):
                    options.append((q, p))
    if options:
        q, p = rng.choice(options)
        p.vanish_q = q
