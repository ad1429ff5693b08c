"""The operators' dashboard (绩效评估): 办件 by state and department, on-time rate against the
承诺时限, the overdue list, 好差评, the 差评 tickets and logins per channel, over a window of Beijing days.

Counting runs in the database (aggregation on indexed fields); only the overdue list returns
documents, and only the fields it shows."""

import datetime as dt

from models import logins, org, tickets
from models.applications import FINAL, STATES
from models.clock import days_bounds

OVERDUE_LIST = 50
BACKLOG = {"to_accept": ("submitted",), "in_review": ("accepted", "in_review", "resubmitted"),
           "to_supplement": ("supplement_required",)}


def window(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds [start, end) of Beijing days first..last."""
    return days_bounds(first, last)


async def _group(coll, match: dict, group: dict) -> list[dict]:
    cursor = await coll.aggregate([{"$match": match}, {"$group": group}])
    return await cursor.to_list(None)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _department_row(code: str, names: dict) -> dict:
    return {"department": code, "name": names.get(code, code), "total": 0, "by_state": {}, "finished": 0,
            "on_time": 0, "on_time_rate": None, "overdue": 0, "ratings": 0, "rating_average": None}


async def summary(db, first: dt.date, last: dt.date, today: dt.date) -> dict:
    start, end = window(first, last)
    apps = db.applications
    names = await org.names(db, "department")  # every department admins keep (a disabled one has old work)
    departments = {code: _department_row(code, names) for code in names}

    def dept(code):
        return departments.setdefault(code, _department_row(code, names))

    by_state = dict.fromkeys(STATES, 0)
    for row in await _group(apps, {"submitted_at": {"$gte": start, "$lt": end}},
                            {"_id": {"d": "$department", "s": "$state"}, "n": {"$sum": 1}}):
        d = dept(row["_id"]["d"])
        d["by_state"][row["_id"]["s"]] = row["n"]
        d["total"] += row["n"]
        by_state[row["_id"]["s"]] = by_state.get(row["_id"]["s"], 0) + row["n"]

    # 办结 in the window (a withdrawal is the resident's choice, not the department's work)
    for row in await _group(apps, {"finished_at": {"$gte": start, "$lt": end}, "state": {"$ne": "withdrawn"}},
                            {"_id": "$department", "n": {"$sum": 1},
                             "on_time": {"$sum": {"$cond": [{"$lte": ["$finished_date", "$due_date"]}, 1, 0]}}}):
        d = dept(row["_id"])
        d["finished"], d["on_time"] = row["n"], row["on_time"]
        d["on_time_rate"] = _rate(row["on_time"], row["n"])

    # the backlog now (whatever the window): waiting to be accepted, in review, waiting for 补正
    backlog = dict.fromkeys(BACKLOG, 0)
    for row in await _group(apps, {"state": {"$nin": sorted(FINAL)}}, {"_id": "$state", "n": {"$sum": 1}}):
        for name, states in BACKLOG.items():
            if row["_id"] in states:
                backlog[name] += row["n"]

    open_overdue = {"state": {"$nin": sorted(FINAL)}, "due_date": {"$lt": today.isoformat()}}
    for row in await _group(apps, open_overdue, {"_id": "$department", "n": {"$sum": 1}}):
        dept(row["_id"])["overdue"] = row["n"]
    overdue = await (apps.find(open_overdue, {"number": 1, "item_name": 1, "department": 1, "state": 1,
                                              "due_date": 1, "submitted_at": 1, "assignee": 1, "_id": 0})
                     .sort([("due_date", 1), ("number", 1)]).limit(OVERDUE_LIST).to_list(None))
    for doc in overdue:
        doc["department_name"] = names.get(doc["department"], doc["department"])
        doc["days_overdue"] = (today - dt.date.fromisoformat(doc["due_date"])).days

    scores = dict.fromkeys(("1", "2", "3", "4", "5"), 0)
    # a rating whose department's appeal was upheld (models/tickets.py) no longer counts
    rating_match = {"rating.at": {"$gte": start, "$lt": end}, "rating.excluded": {"$ne": True}}
    for row in await _group(apps, rating_match, {"_id": "$department", "n": {"$sum": 1},
                                                 "avg": {"$avg": "$rating.score"}}):
        d = dept(row["_id"])
        d["ratings"], d["rating_average"] = row["n"], round(row["avg"], 2)
    for row in await _group(apps, rating_match, {"_id": "$rating.score", "n": {"$sum": 1}}):
        scores[str(row["_id"])] = row["n"]
    rated = sum(scores.values())

    rows = list(departments.values())
    finished = sum(d["finished"] for d in rows)
    return {
        "from": first.isoformat(), "to": last.isoformat(), "today": today.isoformat(),
        "applications": {
            "total": sum(by_state.values()), "by_state": by_state,
            "finished": finished, "on_time": sum(d["on_time"] for d in rows),
            "on_time_rate": _rate(sum(d["on_time"] for d in rows), finished),
            "overdue": sum(d["overdue"] for d in rows),
            "backlog": backlog,
        },
        "departments": rows,
        "overdue": overdue,
        "ratings": {
            "count": rated, "distribution": scores,
            "average": round(sum(int(k) * n for k, n in scores.items()) / rated, 2) if rated else None,
            "good_rate": _rate(scores["4"] + scores["5"], rated),  # 好评率: 4 or 5 stars
        },
        "logins": await logins.per_day(db, first.isoformat(), last.isoformat()),
        "tickets": await tickets.figures(db, start, end),
    }
