"""The route table: every handler module's `default_handlers`, joined."""

from handlers import docs, health, items, menus, staff_auth

ROUTES = [
    *menus.default_handlers[:1],  # the channel menu first: it is by far the most requested route
    *health.default_handlers,
    *staff_auth.default_handlers,
    *items.default_handlers,
    *menus.default_handlers[1:],
    *docs.default_handlers,
]
