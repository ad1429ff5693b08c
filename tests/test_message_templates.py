"""Message templates as data: operators register each mini-program template with its own keys,
edit, preview and test-send it; the push worker sends with exactly those keys, to the sandbox
playing WeChat and Alipay (which refuse keys, types, templates and pages as the platforms do)."""

import datetime as dt
import uuid

import pytest

from push.retry import RetryPolicy
from push.worker import Worker
from support import applicant_token, start_server, stop_server
from wiring.push import push_providers

MINI_APPID = "wxdemominiapp"
ADMIN = "/api/v1/admin/message-templates"
ALL_EVENTS = ["application.submitted", "application.accepted", "application.refused", "application.in_review",
              "application.approved", "application.denied", "application.supplement_required",
              "application.resubmitted", "application.withdrawn", "application.completed"]
# a template as WeChat numbers a real one's keys (registered in the sandbox by the tests below)
REAL_LIKE = {"character_string13": "character_string", "thing1": "thing", "phrase3": "phrase", "time11": "time"}


@pytest.fixture
async def push_server(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def make_worker(server):
    return Worker(server.deps.db, server.deps.redis, push_providers(server.deps), name="test", lease=2.0,
                  retry=RetryPolicy(base=0.02, cap=0.05, window=5.0))


def event(owner, kind="application.accepted", item="社会保障卡补换"):
    return {"event_id": uuid.uuid4().hex, "type": kind, "channel": "wechat", "owner": owner,
            "number": f"SB{uuid.uuid4().int % 10**14:014d}", "item_name": item, "at": dt.datetime.now(dt.UTC).isoformat()}


def real_like(**changes):
    body = {"channel": "wechat", "template_id": "TPL_REAL_LIKE", "kind": "long-term", "title": "办件状态变更提醒",
            "keys": [{"key": "character_string13", "type": "character_string", "source": "number"},
                     {"key": "thing1", "type": "thing", "source": "item_name"},
                     {"key": "phrase3", "type": "phrase", "source": "status"},
                     {"key": "time11", "type": "time", "source": "time"}],
            "events": ["application.accepted"]}
    return {**body, **changes}


async def templates(server, token, channel=None):
    r = await server.fetch(ADMIN + (f"?channel={channel}" if channel else ""), token=token)
    assert r.status == 200, r.body
    return {t["template_id"]: t for t in r.json["templates"]}


async def save(server, token, template_id, version, body):
    return await server.fetch(f"{ADMIN}/{template_id}", "PUT", token=token, json_body=body,
                              headers={"If-Match": f'"{version}"'})


async def wechat_user(server, openid, template="TPL_APPLICATION_STATUS", kind="long-term"):
    """A resident on WeChat who accepted `template` (on the phone, and told us)."""
    token = await applicant_token(server, openid)
    r = await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
        "appid": MINI_APPID, "openid": openid, "template_id": template, "kind": kind})
    assert r.status == 201, r.body
    r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "wechat", "accepted": [{"template": template, "kind": kind}]})
    assert r.status == 200, r.body
    return token, (await server.fetch("/api/v1/me", token=token)).json["id"]


async def sent_to(server, openid):
    return (await server.fetch(f"/sandbox/wechat/subscribe-messages?touser={openid}")).json["messages"]


async def test_register_edit_and_remove_a_template(push_server):
    server = push_server
    operator = await server.login()
    seeded = await templates(server, operator)
    assert set(seeded) == {"TPL_APPLICATION_STATUS", "TPL_ALIPAY_STATUS"}
    status = seeded["TPL_APPLICATION_STATUS"]
    assert [k["key"] for k in status["keys"]] == ["character_string1", "thing2", "phrase3", "time4", "thing5"]
    assert status["events"] == ALL_EVENTS and status["version"] == 1
    assert list(await templates(server, operator, "alipay")) == ["TPL_ALIPAY_STATUS"]

    refused = [
        (real_like(keys=[{"key": "thing1", "type": "phrase", "source": "status"}]), "keys[0].key"),
        (real_like(keys=[{"key": "phrase1", "type": "phrase", "source": "fixed", "text": "请尽快补正材料"}]),
         "keys[0].text"),
        (real_like(keys=[{"key": "thing1", "type": "thing", "source": "fixed"}]), "keys[0].text"),
        (real_like(keys=[{"key": "thing1", "type": "thing", "source": "item_name"}] * 2), "keys[1].key"),
        (real_like(channel="alipay", keys=[{"key": "keyword1", "type": "thing", "source": "item_name"}]),
         "keys[0].type"),
        (real_like(keys=[{"key": "thing1", "type": "thing", "source": "item_name", "max_length": 30}]),
         "keys[0].max_length"),
        (real_like(keys=[]), "keys"),
        (real_like(events=["application.lost"]), "events[0]"),
        (real_like(template_id="bad id!"), "template_id"),
        (real_like(page="https://example.com"), "page"),
    ]
    for body, path in refused:
        r = await server.fetch(ADMIN, "POST", token=operator, json_body=body)
        assert r.status == 422 and path in r.json["error"]["details"], (path, r.body)
    # application.accepted is the demo template's: one template per (channel, event)
    r = await server.fetch(ADMIN, "POST", token=operator, json_body=real_like())
    assert r.status == 422
    assert r.json["error"]["details"]["events"] == ["「application.accepted」已由模板「办件进度通知」发送"]

    events = [e for e in ALL_EVENTS if e != "application.accepted"]
    r = await save(server, operator, status["id"], 1, {**{k: status[k] for k in (
        "channel", "template_id", "kind", "title", "page", "keys")}, "events": events})
    assert r.status == 200 and r.json["version"] == 2 and r.headers["Etag"] == '"2"'
    r = await server.fetch(ADMIN, "POST", token=operator, json_body=real_like())
    assert r.status == 201, r.body
    created = r.json
    assert (created["version"], created["updated_by"], created["kind"]) == (1, "operator", "long-term")
    assert (await server.fetch(ADMIN, "POST", token=operator, json_body=real_like(events=[]))).status == 409

    one = f"{ADMIN}/{created['id']}"
    got = await server.fetch(one, token=operator)
    assert got.status == 200 and got.json == created and got.headers["Etag"] == '"1"'
    assert (await server.fetch(one, "PUT", token=operator, json_body=real_like())).status == 428
    r = await save(server, operator, created["id"], 1, real_like(title="办件状态提醒"))
    assert r.status == 200 and r.json["version"] == 2
    stale = await save(server, operator, created["id"], 1, real_like(title="又改了"))
    assert stale.status == 409 and stale.json["error"]["details"] == {"current_version": 2}
    assert (await server.fetch(one, "DELETE", token=operator, headers={"If-Match": '"1"'})).status == 409
    assert (await server.fetch(one, "DELETE", token=operator)).status == 428
    assert (await server.fetch(one, "DELETE", token=operator, headers={"If-Match": '"2"'})).status == 204
    assert (await server.fetch(one, token=operator)).status == 404
    assert (await server.fetch(f"{ADMIN}/{'0' * 24}", token=operator)).status == 404

    log = (await server.fetch("/api/v1/admin/audit?target=message_template:wechat:TPL_REAL_LIKE", token=operator)).json
    assert [e["action"] for e in log["entries"]] == ["message_template.delete", "message_template.update",
                                                     "message_template.create"]
    assert log["entries"][1]["details"] == {"version": 2, "changed": ["title"]}

    resident = await applicant_token(server, "o-tpl-resident")
    clerk = await server.login("processor.rsj", "Processor@2026")
    for token in (resident, clerk):
        assert (await server.fetch(ADMIN, token=token)).status == 403
        assert (await server.fetch(ADMIN, "POST", token=token, json_body=real_like())).status == 403


async def test_preview_is_the_exact_payload_with_its_problems(push_server):
    server = push_server
    operator = await server.login()
    long_name = "城乡居民基本养老保险参保登记（含补缴及转移接续）"
    at = "2026-11-24T08:30:00+00:00"
    r = await server.fetch(f"{ADMIN}/preview", "POST", token=operator, json_body={
        "template": real_like(), "event": {"type": "application.supplement_required", "item_name": long_name,
                                           "number": "SB20261124000001", "at": at}})
    assert r.status == 200, r.body
    assert r.json["data"] == {"character_string13": {"value": "SB20261124000001"},
                              "thing1": {"value": long_name[:19] + "…"}, "phrase3": {"value": "待补正"},
                              "time11": {"value": "2026年11月24日 16:30"}}
    assert r.json["problems"] == {} and r.json["template_id"] == "TPL_REAL_LIKE"
    assert r.json["page"].startswith("pages/applications/detail?number=SB20261124000001&event=")
    # a status too long for a phrase, a remark in a character_string: shown, never sent
    keys = [{"key": "phrase3", "type": "phrase", "source": "title"},
            {"key": "character_string2", "type": "character_string", "source": "remark"}]
    r = await server.fetch(f"{ADMIN}/preview", "POST", token=operator, json_body={
        "template": real_like(keys=keys), "event": {"type": "application.refused"}})
    assert r.status == 200
    assert r.json["problems"] == {"phrase3": "通知标题「办件不予受理」应为 5 个以内汉字",
                                  "character_string2": "温馨提示「点击查看办件详情」应为 32 位以内数字、字母或符号"}
    r = await server.fetch(f"{ADMIN}/preview", "POST", token=operator, json_body={"template": real_like(keys=[])})
    assert r.status == 422 and "template.keys" in r.json["error"]["details"]


async def test_the_worker_sends_with_the_registered_keys_and_follows_edits(push_server):
    server = push_server
    server.deps.sandbox.wechat_subscribe.templates[MINI_APPID]["TPL_REAL_LIKE"] = REAL_LIKE  # picked in WeChat
    operator = await server.login()
    status = (await templates(server, operator))["TPL_APPLICATION_STATUS"]
    r = await save(server, operator, status["id"], 1, {**{k: status[k] for k in (
        "channel", "template_id", "kind", "title", "page", "keys")}, "events": ["application.submitted"]})
    assert r.status == 200
    created = (await server.fetch(ADMIN, "POST", token=operator, json_body=real_like())).json
    _, owner = await wechat_user(server, "o-tpl-real", "TPL_REAL_LIKE")
    worker = make_worker(server)

    accepted = event(owner, item="城乡居民基本养老保险参保登记（含补缴及转移接续）")
    await worker.handle([accepted])
    [message] = await sent_to(server, "o-tpl-real")
    assert message["template_id"] == "TPL_REAL_LIKE" and set(message["data"]) == set(REAL_LIKE)
    assert message["data"]["character_string13"]["value"] == accepted["number"]
    assert message["data"]["thing1"]["value"].endswith("…") and message["data"]["phrase3"]["value"] == "已受理"
    # submitted goes with the status template, which this resident never accepted: not planned
    submitted = event(owner, "application.submitted")
    await worker.handle([submitted])
    assert len(await sent_to(server, "o-tpl-real")) == 1
    assert (await server.deps.db.deliveries.find_one({"event_id": submitted["event_id"], "provider": "wechat"})) is None

    # the operator maps the item name to a phrase key: refused before sending, recorded on the delivery
    keys = [*created["keys"][:2], {"key": "phrase3", "type": "phrase", "source": "item_name"}, created["keys"][3]]
    assert (await save(server, operator, created["id"], 1, real_like(keys=keys))).status == 200
    requests_before = len(server.deps.sandbox.received.list("wechat.subscribe.send"))
    bad = event(owner, item="社会保障卡补换业务")
    await worker.handle([bad])  # the same worker: it reads the edited template
    delivery = await server.deps.db.deliveries.find_one({"event_id": bad["event_id"], "provider": "wechat"})
    assert delivery["status"] == "permanent-failure" and delivery["attempts"] == 1
    assert delivery["reason"] == "invalid-data: phrase3 事项名称「社会保障卡补换业务」应为 5 个以内汉字"
    assert len(await sent_to(server, "o-tpl-real")) == 1
    assert len(server.deps.sandbox.received.list("wechat.subscribe.send")) == requests_before  # nothing sent

    # removed: the event is no longer planned on WeChat
    assert (await server.fetch(f"{ADMIN}/{created['id']}", "DELETE", token=operator,
                               headers={"If-Match": '"2"'})).status == 204
    later = event(owner)
    await worker.handle([later])
    assert (await server.deps.db.deliveries.find_one({"event_id": later["event_id"], "provider": "wechat"})) is None


async def test_test_send_reaches_the_sandbox_or_says_why_not(push_server):
    server = push_server
    operator = await server.login()
    status = (await templates(server, operator))["TPL_APPLICATION_STATUS"]
    send = f"{ADMIN}/{status['id']}/test-send"
    await wechat_user(server, "o-tpl-test", kind="one-time")
    r = await server.fetch(send, "POST", token=operator, json_body={"to": "o-tpl-test",
                                                                    "event": {"type": "application.approved"}})
    assert r.status == 200, r.body
    assert r.json["status"] == "accepted" and r.json["receipt"] and r.json["problems"] == {}
    [message] = await sent_to(server, "o-tpl-test")
    assert message["data"] == r.json["data"] and message["page"] == r.json["page"]
    assert message["data"]["phrase3"] == {"value": "已准予"} and str(message["msgid"]) == r.json["receipt"]
    # the one-time quota is used: WeChat refuses, and the answer says so
    r = await server.fetch(send, "POST", token=operator, json_body={"to": "o-tpl-test"})
    assert (r.json["status"], r.json["reason"]) == ("permanent-failure", "no-quota (43101)")
    r = await server.fetch(send, "POST", token=operator, json_body={"to": "o-not-a-user"})
    assert (r.json["status"], r.json["reason"]) == ("permanent-failure", "invalid-openid (40003)")

    # a template id WeChat does not know for this app (a typo), a page the app lacks
    typo = (await server.fetch(ADMIN, "POST", token=operator, json_body=real_like(
        template_id="TPL_APPLICATION_STATU", keys=status["keys"], events=[]))).json
    r = await server.fetch(f"{ADMIN}/{typo['id']}/test-send", "POST", token=operator, json_body={"to": "o-tpl-test"})
    assert (r.json["status"], r.json["reason"]) == ("permanent-failure", "invalid-template (40037)")
    server.deps.sandbox.wechat_subscribe.templates[MINI_APPID]["TPL_REAL_LIKE"] = REAL_LIKE
    await wechat_user(server, "o-tpl-page", "TPL_REAL_LIKE")
    paged = (await server.fetch(ADMIN, "POST", token=operator, json_body=real_like(
        page="pages/applications/detial", events=[]))).json
    r = await server.fetch(f"{ADMIN}/{paged['id']}/test-send", "POST", token=operator, json_body={"to": "o-tpl-page"})
    assert r.json["status"] != "accepted" and "41030" in r.json["reason"]

    r = await server.fetch(send, "POST", token=operator, json_body={"to": "not an openid"})
    assert r.status == 422 and "to" in r.json["error"]["details"]
    entries = (await server.fetch("/api/v1/admin/audit?action=message_template.test_send", token=operator)).json
    assert entries["entries"][-1]["details"] == {"to": "o-tpl-test", "event": "application.approved",
                                                 "status": "accepted", "reason": None}


async def test_alipay_keys_come_from_the_template(push_server):
    server = push_server
    operator = await server.login()
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": "2088000000000078"})
    r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    token = r.json["access_token"]
    assert (await server.fetch("/api/v1/me/subscriptions", token=token)).json["templates"] == [
        {"id": "TPL_ALIPAY_STATUS", "kind": "one-time", "title": "办件进度提醒"}]
    alipay = (await templates(server, operator, "alipay"))["TPL_ALIPAY_STATUS"]
    send = f"{ADMIN}/{alipay['id']}/test-send"
    r = await server.fetch(send, "POST", token=operator, json_body={"to": "2088000000000078"})
    assert r.json["status"] == "accepted", r.json
    [message] = (await server.fetch("/sandbox/alipay/template-messages?to_user_id=2088000000000078")).json["messages"]
    assert message["data"] == r.json["data"] and set(message["data"]) == {f"keyword{i}" for i in range(1, 6)}
    # four keywords where the template has five: Alipay refuses the message
    fewer = {**{k: alipay[k] for k in ("channel", "template_id", "kind", "title", "page", "events")},
             "keys": alipay["keys"][:4]}
    assert (await save(server, operator, alipay["id"], 1, fewer)).status == 200
    r = await server.fetch(send, "POST", token=operator, json_body={"to": "2088000000000078"})
    assert (r.json["status"], r.json["reason"]) == ("permanent-failure", "isv.invalid-parameter")


async def test_the_client_asks_for_the_registered_templates(push_server):
    server = push_server
    operator = await server.login()
    token = await applicant_token(server, "o-tpl-ask")
    ask = "/api/v1/me/subscriptions"
    assert (await server.fetch(ask, token=token)).json["templates"] == [
        {"id": "TPL_APPLICATION_STATUS", "kind": "one-time", "title": "办件进度通知"}]
    status = (await templates(server, operator))["TPL_APPLICATION_STATUS"]
    body = {k: status[k] for k in ("channel", "template_id", "title", "page", "keys")}
    assert (await save(server, operator, status["id"], 1, {**body, "kind": "long-term", "events": []})).status == 200
    assert (await server.fetch(ask, token=token)).json["templates"] == []  # sends nothing: not asked for
    assert (await server.fetch(ADMIN, "POST", token=operator, json_body=real_like())).status == 201
    assert (await server.fetch(ask, token=token)).json["templates"] == [
        {"id": "TPL_REAL_LIKE", "kind": "long-term", "title": "办件状态变更提醒"}]


def test_the_demo_data_registers_the_templates_the_sandbox_has():
    """As an operator copies them from the platform: the same ids, keys and types (Alipay: no longer
    than the keyword takes); the page is one of the mini-program's."""
    from models.seed import demo_templates
    from sandbox.alipay_templates import DEFAULT_ALIPAY_TEMPLATES
    from sandbox.demo import mini_pages
    from sandbox.wechat_subscribe_state import DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES

    for template in demo_templates():
        if template["channel"] == "wechat":
            own = DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES[template["template_id"]]
            assert {k["key"]: k["type"] for k in template["keys"]} == own
            assert template["page"] in mini_pages()
        else:
            own = DEFAULT_ALIPAY_TEMPLATES[template["template_id"]]
            assert {k["key"] for k in template["keys"]} == set(own)
            assert all(k["max_length"] <= own[k["key"]] for k in template["keys"])
