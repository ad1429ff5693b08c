"""Index definitions of every aggregate, created at start-up (idempotent), data migrations, and the demo data."""

from models import (
    applications,
    audit,
    cases,
    catalog,
    deliveries,
    documents,
    duty,
    evidence,
    inbox,
    library,
    links,
    logins,
    lookups,
    menus,
    message_templates,
    migrations,
    org,
    queries,
    receipts,
    residents,
    reviews,
    seed,
    staff,
    staff_logins,
    subscriptions,
    tickets,
    uploads,
    vehicles,
    workers,
)


async def ensure_indexes(db) -> None:
    for module in (catalog, menus, staff, audit, residents, links, uploads, applications, library, deliveries, inbox,
                   subscriptions, queries, vehicles, cases, evidence, documents, lookups, duty, logins, workers,
                   message_templates, receipts, tickets, staff_logins, reviews, org):
        await module.ensure_indexes(db)
    await db.blobs.ensure_indexes()


async def prepare(db, *, demo: bool, pii) -> None:
    """What runs once per start of a deployment, before any process serves: indexes, the data
    migrations (models/migrations.py: `pii` seals what older releases stored in clear), and in
    demo mode the demo data. All are idempotent, so two starts racing each other are harmless."""
    await ensure_indexes(db)
    await migrations.run(db, pii)
    if demo:
        await seed.seed_demo(db)
    await org.ensure_units(db)  # after the demo's accounts, whose teams become units
