"""The operators' dashboard (绩效评估)."""

import datetime as dt

from marshmallow import Schema, fields

from api.auth import require_roles
from api.base import BaseHandler
from models import dashboard, workdays
from models.clock import now
from models.errors import Invalid

DEFAULT_DAYS, MAX_DAYS = 30, 366


class WindowSchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)


class DashboardHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """办件 by state and department, on-time rate against the 承诺时限 (of those 办结 in the
        window, withdrawals left out), the overdue list (open now, most overdue first), 好差评 and
        logins per channel, over Beijing days from..to (default: the last 30 days).
        ---
        tags: [admin]
        parameters:
          - {in: query, name: from, schema: {type: string, format: date}}
          - {in: query, name: to, schema: {type: string, format: date}}
        responses:
          200: {description: "figures"}
          422: {description: "bad dates, or a window over 366 days"}
        """
        query = self.load(WindowSchema(), {k: self.get_query_argument(k) for k in ("from", "to")
                                           if self.get_query_argument(k, None) not in (None, "")})
        today = workdays.business_date(now())
        last = query["to"] or today
        first = query["from_"] or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise Invalid({"from": ["开始日期应不晚于结束日期"]})
        if (last - first).days >= MAX_DAYS:
            raise Invalid({"from": [f"统计区间最长 {MAX_DAYS} 天"]})
        self.send(await dashboard.summary(self.deps.db, first, last, today))


default_handlers = [(r"/api/v1/admin/dashboard", DashboardHandler)]
