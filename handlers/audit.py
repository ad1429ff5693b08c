"""The audit log: filtered pages, and the same filters exported as .xlsx or CSV."""

import asyncio
import json

from api.auth import require_roles
from api.base import BaseHandler
from models import audit, spreadsheets
from models.clock import business_date, now

HEADERS = ["时间（北京时间）", "操作人", "角色", "操作", "对象", "详情"]


def _rows(entries: list[dict]) -> list[list]:
    return [[e["at"], e["actor"], e["role"], e["action"], e["target"],
             json.dumps(e.get("details") or {}, ensure_ascii=False, default=str)] for e in entries]


def _file(entries: list[dict], kind: str) -> bytes:
    rows = _rows(entries)
    if kind == "csv":
        return spreadsheets.csv_bytes(HEADERS, rows)
    return spreadsheets.xlsx([spreadsheets.Sheet("操作日志", HEADERS, rows)])


class AuditHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """The audit log of operator actions, newest first, filtered by person, action, target and
        Beijing days.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: actor, schema: {type: string}, description: "username, or a staff id"}
          - {in: query, name: action, schema: {type: string}}
          - {in: query, name: target, schema: {type: string}, description: "e.g. menu:wechat or item:SB0001"}
          - {in: query, name: from, schema: {type: string, format: date}}
          - {in: query, name: to, schema: {type: string, format: date}}
          - {in: query, name: limit, schema: {type: integer, default: 50, minimum: 1, maximum: 500}}
          - {in: query, name: cursor, schema: {type: string}, description: "next_cursor of the previous page"}
        responses:
          200: {description: "entries, and next_cursor (null on the last page)"}
        """
        query = self.load_query(audit.AuditPageSchema())
        entries, cursor = await audit.list_entries(self.deps.db, **query)
        self.send({"entries": audit.AuditEntrySchema(many=True).dump(entries), "next_cursor": cursor})


class AuditExportHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """Every entry the filters match (at most 50,000), newest first, as .xlsx or CSV (UTF-8
        with a BOM; a cell that would start a formula is prefixed with an apostrophe). Audited.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: format, schema: {type: string, enum: [xlsx, csv], default: xlsx}}
          - {in: query, name: actor, schema: {type: string}, description: "username, or a staff id"}
          - {in: query, name: action, schema: {type: string}}
          - {in: query, name: target, schema: {type: string}}
          - {in: query, name: from, schema: {type: string, format: date}}
          - {in: query, name: to, schema: {type: string, format: date}}
        responses:
          200:
            description: "the file, as an attachment"
            content:
              application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
              text/csv: {schema: {type: string}}
          400: {description: "a bad filter, or over 50,000 entries (narrow the filters)"}
        """
        query = self.load_query(audit.AuditExportSchema())
        kind = query.pop("format")
        entries = await audit.all_entries(self.deps.db, **query)
        data = await asyncio.get_running_loop().run_in_executor(None, _file, entries, kind)
        actor = self.actor()
        filters = {k.rstrip("_"): v.isoformat() if hasattr(v, "isoformat") else v for k, v in query.items() if v}
        await audit.record(self.deps.db, actor=actor["username"], role=actor["role"], action="audit.export",
                           target="audit", details={**filters, "format": kind, "rows": len(entries)})
        name = f"操作日志_{business_date(now()).isoformat()}.{kind}"
        self.send_file(data, spreadsheets.XLSX if kind == "xlsx" else "text/csv; charset=utf-8", name)


default_handlers = [
    (r"/api/v1/admin/audit", AuditHandler),
    (r"/api/v1/admin/audit/export", AuditExportHandler),
]
