"""Index definitions of every aggregate, created at start-up (idempotent)."""

from models import audit, catalog, menus, residents, staff


async def ensure_indexes(db) -> None:
    for module in (catalog, menus, staff, audit, residents):
        await module.ensure_indexes(db)
