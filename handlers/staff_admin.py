"""Staff accounts for admins (人员管理): list, create, change, disable, reset a password. Audited."""

from marshmallow import Schema, fields

from api.auth import require_roles
from api.base import BaseHandler
from models import org, staff_admin
from models.org import UnitCreateSchema, UnitListSchema, UnitSchema, UnitUpdateSchema
from models.staff import ROLES
from models.staff_admin import PasswordResetSchema, StaffAccountSchema, StaffCreateSchema, StaffUpdateSchema

STAFF_ID = r"(?P<staff_id>[0-9a-f]{24})"


class StaffListSchema(Schema):
    staff = fields.List(fields.Nested(StaffAccountSchema))
    roles = fields.List(fields.String())
    departments = fields.Dict(keys=fields.String(), values=fields.String())  # code -> name, disabled ones too
    teams = fields.Dict(keys=fields.String(), values=fields.String())
    active_departments = fields.List(fields.String())  # the ones an account may be given
    active_teams = fields.List(fields.String())


def actor(handler) -> dict:
    claims = handler.current_claims()
    return {"username": claims.get("username", ""), "role": claims["role"]}


class StaffAccountsHandler(BaseHandler):
    @require_roles("admin")
    async def get(self):
        """Every staff account, with the roles and departments one may be given.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: StaffListSchema}}}
        """
        docs = await staff_admin.list_staff(self.deps.db)
        units = await org.list_units(self.deps.db)
        self.send(StaffListSchema().dump({
            "staff": docs, "roles": list(ROLES),
            "departments": {u["code"]: u["name"] for u in units["departments"]},
            "teams": {u["code"]: u["name"] for u in units["teams"]},
            "active_departments": [u["code"] for u in units["departments"] if u["active"]],
            "active_teams": [u["code"] for u in units["teams"] if u["active"]]}))

    @require_roles("admin")
    async def post(self):
        """Create an account with a temporary password (changed at its first login). Audited.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: StaffCreateSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: StaffAccountSchema}}}
          409: {description: "staff.exists"}
          422: {description: "by field"}
        """
        body = self.load(StaffCreateSchema())
        self.send(StaffAccountSchema().dump(await staff_admin.create(self.deps.db, body, actor(self))), 201)


class StaffAccountHandler(BaseHandler):
    @require_roles("admin")
    async def put(self, staff_id):
        """Change an account's name, role, department, team or whether it is active (disabling ends
        its sessions). Audited with what changed.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: StaffUpdateSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: StaffAccountSchema}}}
          404: {description: "staff.not_found"}
          409: {description: "staff.self_lockout: your own account"}
        """
        body = self.load(StaffUpdateSchema())
        self.send(StaffAccountSchema().dump(await staff_admin.update(self.deps.db, staff_id, body, actor(self))))


class StaffPasswordResetHandler(BaseHandler):
    @require_roles("admin")
    async def post(self, staff_id):
        """Set a temporary password: the account's sessions end and its next login must change it. Audited.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: PasswordResetSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: StaffAccountSchema}}}
          404: {description: "staff.not_found"}
        """
        body = self.load(PasswordResetSchema())
        doc = await staff_admin.reset_password(self.deps.db, staff_id, body["password"], actor(self))
        self.send(StaffAccountSchema().dump(doc))


default_handlers = [
    (r"/api/v1/admin/staff", StaffAccountsHandler),
    (rf"/api/v1/admin/staff/{STAFF_ID}", StaffAccountHandler),
    (rf"/api/v1/admin/staff/{STAFF_ID}/password", StaffPasswordResetHandler),
]


KIND = r"(?P<kind>department|team)"


class UnitsHandler(BaseHandler):
    @require_roles("admin")
    async def get(self):
        """Departments and enforcement teams, each with its active staff count.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: UnitListSchema}}}
        """
        self.send(UnitListSchema().dump(await org.list_units(self.deps.db)))


class DepartmentChoicesSchema(Schema):
    departments = fields.List(fields.Dict())  # [{code, name}], active only


class DepartmentsHandler(BaseHandler):
    @require_roles("operator", "processor")
    async def get(self):
        """The active departments an item may be placed in (the console's item editor), by name.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: DepartmentChoicesSchema}}}
        """
        units = (await org.list_units(self.deps.db))["departments"]
        self.send({"departments": [{"code": u["code"], "name": u["name"]} for u in units if u["active"]]})


class UnitCreateHandler(BaseHandler):
    @require_roles("admin")
    async def post(self, kind):
        """Create a department or a team. Audited.
        ---
        tags: [admin]
        parameters:
          - {in: path, name: kind, required: true, schema: {type: string, enum: [department, team]}}
        requestBody:
          content: {application/json: {schema: UnitCreateSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: UnitSchema}}}
          409: {description: "org.exists"}
          422: {description: "by field"}
        """
        body = self.load(UnitCreateSchema())
        self.send_versioned(UnitSchema(), await org.create(self.deps.db, org.check_kind(kind), body, actor(self)), 201)


class UnitHandler(BaseHandler):
    @require_roles("admin")
    async def put(self, kind, code):
        """Rename, disable or enable a unit (its code stays); If-Match with the version edited. Audited.
        ---
        tags: [admin]
        parameters:
          - {in: path, name: kind, required: true, schema: {type: string, enum: [department, team]}}
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: UnitUpdateSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: UnitSchema}}}
          409: {description: "org.version_conflict, or org.in_use: active staff still in it"}
        """
        version = self.if_match_version()
        body = self.load(UnitUpdateSchema())
        doc = await org.update(self.deps.db, org.check_kind(kind), code, body, version, actor(self))
        self.send_versioned(UnitSchema(), doc)


default_handlers += [
    (r"/api/v1/admin/org", UnitsHandler),
    (r"/api/v1/admin/departments", DepartmentsHandler),
    (rf"/api/v1/admin/org/{KIND}", UnitCreateHandler),
    (rf"/api/v1/admin/org/{KIND}/(?P<code>[^/]{{1,40}})", UnitHandler),
]
