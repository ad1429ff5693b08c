"""Demo data: service items, channel menus, message templates and staff accounts, seeded idempotently.

Only demo mode and tests call this; the accounts' passwords are printed in the README.
"""

import functools
import json
import logging
import pathlib

from models import catalog, clock, menus, message_templates, staff
from models.db import increment
from models.errors import Conflict

log = logging.getLogger(__name__)
DATA = pathlib.Path(__file__).with_name("demo")
SYSTEM = {"username": "system", "role": "admin"}

DEMO_STAFF = [
    # username, password, role, display name, department or (enforcement) team
    ("operator", "Operator@2026", "operator", "运营管理员", None),
    ("processor.rsj", "Processor@2026", "processor", "人社局审核员", "rsj"),
    ("processor.ybj", "Processor@2026", "processor", "医保局审核员", "ybj"),
    ("processor.jj", "Processor@2026", "processor", "交警支队审核员", "jj"),
    ("processor.rsj2", "Processor@2026", "processor", "人社局审核员（二）", "rsj"),
    ("inspector", "Inspector@2026", "inspector", "执法队员张伟", "一中队"),
    ("inspector.li", "Inspector@2026", "inspector", "执法队员李强", "一中队"),
    ("inspector.wang", "Inspector@2026", "inspector", "执法队员王芳", "二中队"),
    ("supervisor", "Supervisor@2026", "supervisor", "执法督察李娜", "一中队"),
    ("supervisor.zhao", "Supervisor@2026", "supervisor", "执法督察赵磊", "二中队"),
    ("admin", "Admin@2026", "admin", "系统管理员", None),
]
ENFORCEMENT = ("inspector", "supervisor")
BADGES = {"inspector": "33010620001", "inspector.li": "33010620002", "inspector.wang": "33010620003"}  # 执法证号


@functools.cache
def demo_items() -> list[dict]:
    raw = json.loads((DATA / "items.json").read_text(encoding="utf-8"))
    return [catalog.ItemInSchema().load(item) for item in raw]


@functools.cache
def demo_menus() -> dict:
    raw = json.loads((DATA / "menus.json").read_text(encoding="utf-8"))
    return {channel: menus.parse_menu(menu) for channel, menu in raw.items()}


@functools.cache
def demo_templates() -> list[dict]:
    """The demo mini-programs' message templates (the sandbox registers the same: sandbox/demo.py)."""
    raw = json.loads((DATA / "message_templates.json").read_text(encoding="utf-8"))
    return [message_templates.TemplateInSchema().load(template) for template in raw]


@functools.cache
def _hash(password: str) -> str:
    return staff.hash_password(password)  # once per process: argon2 is slow on purpose


async def seed_demo(db, *, with_staff: bool = True) -> None:
    added = 0
    for item in demo_items():
        doc = {**item, "search": catalog.search_fields(item["name"], item["keywords"]), "version": 1,
               "updated_at": clock.now(), "updated_by": "system"}
        result = await db.items.update_one({"code": item["code"]}, {"$setOnInsert": doc}, upsert=True)
        added += 1 if result.upserted_id is not None else 0
        # a demo database from before the 办事指南 gets it once; an operator's own guide stays
        result = await db.items.update_one({"code": item["code"], "guide": {"$exists": False}},
                                           {"$set": {"guide": item["guide"]}, "$inc": {"version": 1}})
        added += result.modified_count
    if added:
        await catalog.bump_version(db)
    for channel, menu in demo_menus().items():
        if await menus.head_version(db, channel) == 0:
            await menus.publish(db, channel, menu, base_version=0, actor=SYSTEM, comment="演示数据初始菜单")
    templates_added = 0
    for template in demo_templates():
        doc = {**template, "version": 1, "created_at": clock.now(), "updated_at": clock.now(), "updated_by": "system"}
        result = await db.message_templates.update_one(
            {"channel": template["channel"], "template_id": template["template_id"]}, {"$setOnInsert": doc}, upsert=True)
        templates_added += 1 if result.upserted_id is not None else 0
    if templates_added:
        await increment(db.counters, message_templates.COUNTER)
    if with_staff:
        for username, password, role, name, unit in DEMO_STAFF:
            if await db.staff.find_one({"username": username}, {"_id": 1}):
                continue
            place = {"team": unit, "badge_no": BADGES.get(username)} if role in ENFORCEMENT else {"department": unit}
            try:
                await staff.create_staff(db, username=username, password_hash=_hash(password), role=role,
                                         display_name=name, **place)
            except Conflict:  # another process seeded it first
                pass
    log.info("demo data ready (%d items added)", added)
