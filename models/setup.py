"""Index definitions of every aggregate, created at start-up (idempotent)."""

from models import (
    applications,
    audit,
    cases,
    catalog,
    deliveries,
    duty,
    evidence,
    inbox,
    library,
    logins,
    lookups,
    menus,
    queries,
    residents,
    staff,
    subscriptions,
    uploads,
    vehicles,
)


async def ensure_indexes(db) -> None:
    for module in (catalog, menus, staff, audit, residents, uploads, applications, library, deliveries, inbox,
                   subscriptions, queries, vehicles, cases, evidence, lookups, duty, logins):
        await module.ensure_indexes(db)
