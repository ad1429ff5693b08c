"""The route table: every handler module's `default_handlers`, joined."""

from handlers import docs, health, items, menus, staff_auth

ROUTES = [
    *health.default_handlers,
    *staff_auth.default_handlers,
    *items.default_handlers,
    *menus.default_handlers,
    *docs.default_handlers,
]
