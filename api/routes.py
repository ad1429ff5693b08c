"""The route table: every handler module's `default_handlers`, joined."""

from handlers import (
    applications,
    calendar,
    dashboard,
    deliveries,
    docs,
    duty,
    enforcement,
    health,
    items,
    live,
    me,
    menus,
    metrics,
    notifications,
    queries,
    resident_auth,
    staff_auth,
    uploads,
)

ROUTES = [
    *menus.default_handlers[:1],  # the channel menu first: it is by far the most requested route
    *health.default_handlers,
    *metrics.default_handlers,
    *staff_auth.default_handlers,
    *items.default_handlers,
    *menus.default_handlers[1:],
    *resident_auth.default_handlers,
    *me.default_handlers,
    *uploads.default_handlers,
    *applications.default_handlers,
    *deliveries.default_handlers,
    *dashboard.default_handlers,
    *notifications.default_handlers,
    *live.default_handlers,
    *queries.default_handlers,
    *enforcement.default_handlers,
    *duty.default_handlers,
    *calendar.default_handlers,
    *docs.default_handlers,
]
