"""The warehouse: every submission, its findings, and the projects of accepted returns.

SQLAlchemy 2 models (``models``, exact decimals in ``decimals``); the schema is created and upgraded
by Alembic (``migrations``, run by ``db``); which return is in force (``queries``). SQLite in the
workspace by default, any SQLAlchemy URL (PostgreSQL) by setting.
"""

from techreform.warehouse.db import (
    NotAtHead,
    alembic_config,
    connect,
    current_revision,
    head_revision,
    open_at_head,
    require_head,
    upgrade,
)
from techreform.warehouse.models import (
    ACCEPTED,
    FINITE_COLUMNS,
    PROJECT_COLUMNS,
    RECEIVED,
    RECOGNITION_COLUMNS,
    REJECTED,
    SUPERSEDED,
    Base,
    Finding,
    Project,
    Recognition,
    Submission,
)
from techreform.warehouse.queries import in_force, settle_in_force
from techreform.warehouse.results import (
    Delivery,
    IndicatorRun,
    IndicatorValue,
    MatchDecision,
    ReconItem,
    ReconRun,
    StatsLoad,
    StatsProject,
    StatsUnitTotal,
    StatsUnusable,
)

__all__ = [
    "Delivery",
    "IndicatorRun",
    "IndicatorValue",
    "MatchDecision",
    "ReconItem",
    "ReconRun",
    "StatsLoad",
    "StatsProject",
    "StatsUnitTotal",
    "StatsUnusable",
    "ACCEPTED",
    "FINITE_COLUMNS",
    "PROJECT_COLUMNS",
    "RECEIVED",
    "RECOGNITION_COLUMNS",
    "REJECTED",
    "SUPERSEDED",
    "Base",
    "Finding",
    "NotAtHead",
    "Project",
    "Recognition",
    "Submission",
    "alembic_config",
    "connect",
    "current_revision",
    "head_revision",
    "in_force",
    "open_at_head",
    "require_head",
    "settle_in_force",
    "upgrade",
]
