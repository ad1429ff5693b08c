"""Duty dispatch and supervision: positions, tasks with nearest-inspector suggestions, each step
timed, the team's picture for supervisors, and the inspector's task inbox."""

from api.auth import require_roles
from api.base import BaseHandler
from models import duty, inbox
from models.duty import AssignSchema, PositionSchema, TaskSchema, TaskViewSchema
from models.inbox import InboxMessageSchema

TASK = r"(?P<task_id>[0-9a-f]{32})"


class PositionHandler(BaseHandler):
    @require_roles("inspector")
    async def post(self):
        """Position heartbeat while on duty (`on_duty: false` when going off duty).
        ---
        tags: [dispatch]
        requestBody:
          content: {application/json: {schema: PositionSchema}}
        responses:
          200: {description: "recorded"}
        """
        self.send(await duty.heartbeat(self.deps.db, self.current_claims(), self.load(PositionSchema())))


class TasksHandler(BaseHandler):
    @require_roles("inspector", "supervisor")
    async def get(self):
        """Tasks: a supervisor's team's, an inspector's own (`open=true`: not yet completed).
        ---
        tags: [dispatch]
        parameters:
          - {in: query, name: open, schema: {type: string, enum: ["true", "false"]}}
        responses:
          200: {description: "tasks"}
        """
        docs = await duty.listing(self.deps.db, self.current_claims(), open_only=self.query_arg("open") == "true")
        self.send({"tasks": TaskViewSchema(many=True).dump(docs)})

    @require_roles("supervisor")
    async def post(self):
        """Create a task for the team; the answer suggests the nearest available on-duty inspectors.
        ---
        tags: [dispatch]
        requestBody:
          content: {application/json: {schema: TaskSchema}}
        responses:
          201: {description: "task and suggestions (distance_m, age_seconds)"}
        """
        task = await duty.create(self.deps.db, self.current_claims(), self.load(TaskSchema()))
        self.send({"task": TaskViewSchema().dump(task), "suggestions": await duty.suggest(self.deps.db, task)}, 201)


class SuggestionsHandler(BaseHandler):
    @require_roles("supervisor")
    async def get(self, task_id):
        """The nearest available on-duty inspectors now (positions older than 10 minutes left out).
        ---
        tags: [dispatch]
        responses:
          200: {description: "suggestions"}
        """
        task = await duty.get(self.deps.db, task_id, self.current_claims())
        self.send({"suggestions": await duty.suggest(self.deps.db, task)})


class AssignHandler(BaseHandler):
    @require_roles("supervisor")
    async def post(self, task_id):
        """Assign the task to an inspector of the team; they are notified (inbox, live socket).
        ---
        tags: [dispatch]
        requestBody:
          content: {application/json: {schema: AssignSchema}}
        responses:
          200: {description: "the task"}
          409: {description: "already accepted"}
          422: {description: "not an inspector of this team"}
        """
        body = self.load(AssignSchema())
        self.send(TaskViewSchema().dump(await duty.assign(self.deps.db, task_id, body["inspector"],
                                                          self.current_claims())))


class StepHandler(BaseHandler):
    @require_roles("inspector")
    async def post(self, task_id, step):
        """The assigned inspector accepts, arrives, completes; each step records the seconds since the last.
        ---
        tags: [dispatch]
        responses:
          200: {description: "the task"}
          409: {description: "not the next step"}
        """
        self.send(TaskViewSchema().dump(await duty.advance(self.deps.db, task_id, step, self.current_claims())))


class TeamHandler(BaseHandler):
    @require_roles("supervisor")
    async def get(self):
        """The supervisor's team: inspectors' last positions (with age, stale flag) and open tasks.
        ---
        tags: [dispatch]
        responses:
          200: {description: "positions and open tasks"}
        """
        claims = self.current_claims()
        self.send({"team": claims.get("team"), "positions": await duty.team_positions(self.deps.db, claims.get("team")),
                   "open_tasks": TaskViewSchema(many=True).dump(await duty.listing(self.deps.db, claims, open_only=True))})


class StaffInboxHandler(BaseHandler):
    @require_roles("inspector", "supervisor")
    async def get(self):
        """Task alerts for the logged-in inspector, newest first.
        ---
        tags: [dispatch]
        responses:
          200: {description: "messages and unread"}
        """
        docs, unread = await inbox.messages(self.deps.db, f"staff:{self.current_claims()['username']}")
        self.send({"unread": unread, "messages": InboxMessageSchema(many=True).dump(docs)})


default_handlers = [
    (r"/api/v1/enforcement/position", PositionHandler),
    (r"/api/v1/enforcement/tasks", TasksHandler),
    (rf"/api/v1/enforcement/tasks/{TASK}/suggestions", SuggestionsHandler),
    (rf"/api/v1/enforcement/tasks/{TASK}/assign", AssignHandler),
    (rf"/api/v1/enforcement/tasks/{TASK}/(?P<step>accept|arrive|complete)", StepHandler),
    (r"/api/v1/enforcement/team", TeamHandler),
    (r"/api/v1/enforcement/inbox", StaffInboxHandler),
]
