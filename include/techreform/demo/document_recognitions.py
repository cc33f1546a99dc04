"""The recognitions (认定表 rows) of a document city (NOT the product): exactly as many as each of
the document's recognition counts asks, then a few more that count towards none of them (a
city-level title, last year's), held by the city's reforming enterprises."""

from __future__ import annotations

from techreform.demo.document_goals import ACTIVE, Goals, RecognitionGoal
from techreform.demo.projects import City, recognition_row
from techreform.demo.vocabulary import LEVEL_WEIGHTS, LEVELS_OF, PROVINCES, RECOG_WEIGHTS


def _combos(goal: RecognitionGoal) -> list[tuple[str, str]]:
    return [
        (c, lv) for c in goal.categories for lv in goal.levels if lv in LEVELS_OF.get(c, tuple(LEVEL_WEIGHTS))
    ]


def plant_goal_recognitions(city: City, goals: Goals) -> None:
    """Fill ``city.recognitions`` ({unit: [(from quarter, row)]}) for the document's goals."""
    rng, year = city.rng, city.year
    holders = [
        (u.code, e)
        for u in city.units
        for e in {p.ent.uscc: p.ent for p in city.library[u.code] if p.status(4) in ACTIVE}.values()
    ]
    city.recognitions = {u.code: [] for u in city.units}
    if not holders:
        return
    held: set[tuple[str, str]] = set()  # (uscc, category)
    abbr = PROVINCES.get(city.profile.jurisdiction.code[:2], ("省", ""))[0]
    issuer = {"国家级": "工信部", "省级": f"{abbr}工信", "市级": f"{city.prefix[:1]}工信"}

    def counted_by(category: str, level: str, y: int) -> int:
        return sum(1 for g in goals.recognitions if g.counts(category, level, y, year))

    def add(category: str, level: str, y: int) -> None:
        free = [(u, e) for u, e in holders if (e.uscc, category) not in held] or holders
        unit, ent = rng.choice(free)
        held.add((ent.uscc, category))
        row = recognition_row(ent, category, level, y, f"{issuer[level]}〔{y}〕{rng.randint(8, 320)}号")
        city.recognitions[unit].append((rng.randint(1, 4) if y == year else 1, row))

    # the narrowest goals first; each takes the titles that count towards the fewest other goals
    for goal in sorted(goals.recognitions, key=lambda g: len(_combos(g))):
        options = _combos(goal)
        if not options:
            continue
        have = sum(
            1
            for rows in city.recognitions.values()
            for _, r in rows
            if goal.counts(r["category"], r["level"], r["year"], year)
        )
        fewest = min(counted_by(c, lv, year) for c, lv in options)
        best = [(c, lv) for c, lv in options if counted_by(c, lv, year) == fewest]
        for _ in range(goal.value - have):
            c, lv = rng.choices(best, [RECOG_WEIGHTS.get(c, 1) * LEVEL_WEIGHTS[lv] for c, lv in best])[0]
            add(c, lv, year)
    # other titles the enterprises hold, which no goal counts
    cats = list(RECOG_WEIGHTS)
    for _ in range(max(1, round(len(holders) * rng.uniform(0.05, 0.15)))):
        c = rng.choices(cats, list(RECOG_WEIGHTS.values()))[0]
        levels = LEVELS_OF.get(c, tuple(LEVEL_WEIGHTS))
        lv = rng.choices(levels, [LEVEL_WEIGHTS[x] for x in levels])[0]
        y = rng.choice((year - 1, year))
        if not counted_by(c, lv, y):
            add(c, lv, y)


__all__ = ["plant_goal_recognitions"]
