"""Operators load the official working-day schedule of years the calendar library does not cover."""

from api.auth import require_roles
from api.base import BaseHandler
from models import audit, workdays
from models.workdays import ScheduleOutSchema

YEAR = r"(?P<year>\d{4})"


class CalendarHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """Loaded years, and the years the built-in data covers.
        ---
        tags: [admin]
        responses:
          200: {description: "years"}
        """
        first, last = workdays.library_years()
        years = ScheduleOutSchema(many=True).dump(await workdays.list_years(self.deps.db))
        self.send({"library_years": {"first": first, "last": last}, "loaded": years})


class CalendarYearHandler(BaseHandler):
    @require_roles("operator")
    async def put(self, year):
        """Load a year's official schedule: holidays and make-up working days (调休).
        Until a year is loaded (or covered by the built-in data), due dates in it count weekends
        only and are marked provisional.
        ---
        tags: [admin]
        responses:
          200: {description: "stored"}
          422: {description: "dates outside the year, weekday make-up days, duplicates"}
        """
        # the model validates the body against the year (ScheduleSchema) before storing it
        doc = await workdays.load_year(self.deps.db, int(year), self.json_body(), self.actor())
        await audit.record(self.deps.db, action="calendar.load", target=f"calendar:{year}",
                           details={"holidays": len(doc["holidays"]), "workdays": len(doc["workdays"])},
                           **self.actor_fields())
        self.send(ScheduleOutSchema().dump(doc))

    @require_roles("operator")
    async def delete(self, year):
        """Remove a loaded year (the built-in data or weekends-only apply again).
        ---
        tags: [admin]
        responses:
          204: {description: "removed"}
          404: {description: "not loaded"}
        """
        await workdays.delete_year(self.deps.db, int(year))
        await audit.record(self.deps.db, action="calendar.delete", target=f"calendar:{year}", **self.actor_fields())
        self.no_content()

    def actor_fields(self) -> dict:
        actor = self.actor()
        return {"actor": actor["username"], "role": actor["role"]}


default_handlers = [
    (r"/api/v1/admin/calendar", CalendarHandler),
    (rf"/api/v1/admin/calendar/{YEAR}", CalendarYearHandler),
]
