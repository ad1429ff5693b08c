"""Staff login history: admins read everyone's, each staff member their own recent logins."""

from api.auth import require_roles
from api.base import BaseHandler
from models import staff_logins
from models.staff_logins import LoginQuerySchema, StaffLoginSchema


class LoginHistoryHandler(BaseHandler):
    @require_roles("admin")
    async def get(self):
        """Every staff login attempt (success, failed, locked by the throttle), newest first,
        filtered by username, outcome and Beijing days.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: username, schema: {type: string}}
          - {in: query, name: outcome, schema: {type: string, enum: [success, failed, locked]}}
          - {in: query, name: from, schema: {type: string, format: date}}
          - {in: query, name: to, schema: {type: string, format: date}}
          - {in: query, name: limit, schema: {type: integer, default: 50, minimum: 1, maximum: 500}}
          - {in: query, name: cursor, schema: {type: string}, description: "next_cursor of the previous page"}
        responses:
          200: {description: "logins, and next_cursor (null on the last page)"}
        """
        logins, cursor = await staff_logins.listing(self.deps.db, self.load_query(LoginQuerySchema()))
        self.send({"logins": StaffLoginSchema(many=True).dump(logins), "next_cursor": cursor})


class MyLoginsHandler(BaseHandler):
    @require_roles()
    async def get(self):
        """My own 20 most recent login attempts (failed ones on my username too), newest first.
        ---
        tags: [staff]
        responses:
          200: {description: "logins"}
        """
        logins = await staff_logins.mine(self.deps.db, self.current_claims()["sub"])
        self.send({"logins": StaffLoginSchema(many=True).dump(logins)})


default_handlers = [
    (r"/api/v1/admin/logins", LoginHistoryHandler),
    (r"/api/v1/auth/staff/logins", MyLoginsHandler),
]
