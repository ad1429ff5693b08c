"""Index definitions of every aggregate, created at start-up (idempotent)."""

from models import audit, catalog, menus, residents, staff, uploads


async def ensure_indexes(db) -> None:
    for module in (catalog, menus, staff, audit, residents, uploads):
        await module.ensure_indexes(db)
