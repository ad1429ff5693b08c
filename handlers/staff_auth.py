"""Staff login, token refresh and logout."""

from api.auth import require_roles
from api.base import BaseHandler
from models import staff, staff_admin
from models.staff import LoginSchema, RefreshSchema, StaffSchema
from models.staff_admin import PasswordChangeSchema


class StaffLoginHandler(BaseHandler):
    async def post(self):
        """Staff login with username and password.
        ---
        tags: [staff]
        requestBody:
          content: {application/json: {schema: LoginSchema}}
        responses:
          200: {description: "access and refresh tokens; `password_change_required`: a temporary password,
            whose token opens only /auth/staff/me and /auth/staff/password until it is changed"}
          401: {description: "wrong username or password"}
          429: {description: "auth.locked: too many attempts from this address (for this username, or in all); see Retry-After"}
        """
        body = self.load(LoginSchema())
        person = await staff.log_in(self.deps.db, self.deps.login_guard, address=self.request.remote_ip,
                                    username=body["username"], password=body["password"],
                                    user_agent=self.request.headers.get("User-Agent", ""))
        refresh = await staff.issue_refresh(self.deps.db, person, self.config.refresh_token_ttl)
        self.send(self._tokens(person, refresh))

    def _tokens(self, person: dict, refresh: str) -> dict:
        change = bool(person.get("must_change_password"))
        extra = {"username": person["username"], "dept": person.get("department"), "team": person.get("team")}
        if change:
            extra["pwc"] = True  # opens only /auth/staff/me and /auth/staff/password until changed
        access = self.deps.tokens.issue(str(person["_id"]), kind="staff", role=person["role"], aud="staff", extra=extra)
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.deps.tokens.ttl,
                "refresh_token": refresh, "staff": StaffSchema().dump(person), "password_change_required": change}


class StaffRefreshHandler(StaffLoginHandler):
    async def post(self):
        """Spend a refresh token for a new pair (the old one stops working; replaying it revokes the session).
        ---
        tags: [staff]
        requestBody:
          content: {application/json: {schema: RefreshSchema}}
        responses:
          200: {description: "new access and refresh tokens"}
          401: {description: "refresh token invalid, expired or replayed"}
        """
        body = self.load(RefreshSchema())
        person, refresh = await staff.rotate_refresh(self.deps.db, body["refresh_token"], self.config.refresh_token_ttl)
        self.send(self._tokens(person, refresh))


class StaffLogoutHandler(BaseHandler):
    async def post(self):
        """Revoke the session of a refresh token.
        ---
        tags: [staff]
        requestBody:
          content: {application/json: {schema: RefreshSchema}}
        responses:
          204: {description: "logged out"}
        """
        body = self.load(RefreshSchema())
        await staff.revoke_refresh(self.deps.db, body["refresh_token"])
        self.no_content()


class StaffPasswordHandler(StaffLoginHandler):
    @require_roles(before_password_change=True)
    async def post(self):
        """Change my own password (required after an admin set a temporary one). The old password
        must be right; every other session ends; the answer is a fresh pair of tokens.
        ---
        tags: [staff]
        requestBody:
          content: {application/json: {schema: PasswordChangeSchema}}
        responses:
          200: {description: "new access and refresh tokens"}
          422: {description: "old password wrong, or the new one breaks the rule (by field)"}
        """
        body = self.load(PasswordChangeSchema())
        person = await staff_admin.change_own_password(self.deps.db, self.current_claims()["sub"],
                                                       body["old_password"], body["new_password"])
        refresh = await staff.issue_refresh(self.deps.db, person, self.config.refresh_token_ttl)
        self.send(self._tokens(person, refresh))


class StaffMeHandler(BaseHandler):
    @require_roles(before_password_change=True)
    async def get(self):
        """The logged-in staff member's token claims.
        ---
        tags: [staff]
        responses:
          200: {description: "who you are"}
        """
        claims = self.current_claims()
        self.send({"id": claims["sub"], "username": claims.get("username"), "role": claims["role"],
                   "department": claims.get("dept"), "must_change_password": bool(claims.get("pwc"))})


default_handlers = [
    (r"/api/v1/auth/staff", StaffLoginHandler),
    (r"/api/v1/auth/staff/refresh", StaffRefreshHandler),
    (r"/api/v1/auth/staff/logout", StaffLogoutHandler),
    (r"/api/v1/auth/staff/me", StaffMeHandler),
    (r"/api/v1/auth/staff/password", StaffPasswordHandler),
]
