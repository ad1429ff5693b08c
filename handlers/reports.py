"""Operators' reports as Excel workbooks."""

from api.auth import require_roles
from api.base import BaseHandler
from models import audit, reports, spreadsheets


class OperationsReportHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """The operations report for Beijing days from..to (both included, at most 366 days), as
        .xlsx: 办件 by department and state, on-time rate per department, 好差评 by the five levels
        with the 差评 tickets, 到达率 per channel. The figures are the dashboard's for the same range.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: from, required: true, schema: {type: string, format: date}}
          - {in: query, name: to, required: true, schema: {type: string, format: date}}
        responses:
          200:
            description: "the workbook, as an attachment"
            content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}
          400: {description: "dates missing or bad, from after to, or a range over 366 days"}
        """
        query = self.load_query(reports.ReportRangeSchema())
        first, last = query["from_"], query["to"]
        data = await reports.workbook(self.deps.db, first, last)
        actor = self.actor()
        await audit.record(self.deps.db, actor=actor["username"], role=actor["role"], action="report.export",
                           target="report:operations", details={"from": first.isoformat(), "to": last.isoformat()})
        self.send_file(data, spreadsheets.XLSX, reports.filename(first, last))


default_handlers = [(r"/api/v1/reports/operations\.xlsx", OperationsReportHandler)]
