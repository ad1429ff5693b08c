"""Index definitions of every aggregate, created at start-up (idempotent)."""

from models import applications, audit, catalog, library, menus, residents, staff, uploads


async def ensure_indexes(db) -> None:
    for module in (catalog, menus, staff, audit, residents, uploads, applications, library):
        await module.ensure_indexes(db)
