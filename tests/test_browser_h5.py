"""The resident h5 page in Debian's chromium (Playwright, never a downloaded browser), against this
server: log in with a phone and the SMS code the sandbox received, see the channel's menu and hot
items, search in pinyin initials, and read the inbox; apply online with a photo, follow the
application while a processor accepts it, and read the message about it; turn 我的材料库 on from the
form and find the accepted photo and the result kept there; on 我的 see the masked phone, turn SMS off
and log out; a new login typing the name and 身份证号 of an existing account proves it by the SMS code
sent to that account's phone before it joins it, and the account's owner refuses, approves and undoes
requests on 我的. `make test` builds the page first
(`make client`); a screenshot of each step is saved under test-artifacts/."""

import asyncio
import datetime as dt
import json
import pathlib
import struct
import time
import urllib.parse
import zlib

import pytest
from test_dashboard import complete

from sandbox import exchange_data
from support import CHROMIUM, person_for, phone_page, submit, unless_present

ROOT = pathlib.Path(__file__).resolve().parent.parent
H5 = ROOT / "miniprogram" / "dist" / "build" / "h5"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = "13700001234"

pytestmark = unless_present(H5 / "index.html", CHROMIUM,
                            reason="needs `make client` and Debian's chromium (make test provides both)")


@pytest.fixture
async def page(database, redis_server):
    async with phone_page(database, redis_server) as tab:
        yield tab


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"h5-{name}.png"), full_page=True)


async def login(page, phone):
    server = page.server
    await page.goto(f"{server.base}/h5/#/pages/login/login")
    await page.locator("input").nth(0).fill(phone)
    await page.get_by_text("获取验证码").click()
    await page.get_by_text("秒后重发").wait_for(timeout=10000)
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    await page.locator("input").nth(1).fill(code)
    await page.locator(".submit").click()
    await page.locator(".consent-agree").click(timeout=10000)  # a first login: 用户协议 and 隐私政策
    await page.locator(".tab-bar").wait_for(timeout=10000)  # back home
    await page.locator(".home-login").wait_for(state="detached", timeout=10000)  # logged in


async def stored(page, key):
    """A value uni.setStorageSync kept in the h5 page's localStorage (wrapped as {type, data})."""
    raw = await page.evaluate("(key) => window.localStorage.getItem(key)", key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value.get("data") if isinstance(value, dict) and "data" in value else value


async def test_resident_logs_in_sees_the_menu_searches_and_reads_messages(page):
    server = page.server
    await page.goto(f"{server.base}/h5/")
    await page.get_by_text("社保服务").first.wait_for(timeout=15000)  # a section of the app channel's menu
    await page.get_by_text("热门事项").wait_for()
    await shot(page, "home")

    await login(page, PHONE)
    await shot(page, "logged-in")

    await page.goto(f"{server.base}/h5/#/pages/search/search")
    await page.locator("input").first.fill("sbk")
    await page.keyboard.press("Enter")
    await page.get_by_text("社保卡").first.wait_for(timeout=10000)  # pinyin initials find 社保卡 items
    await shot(page, "search")

    await page.goto(f"{server.base}/h5/#/pages/inbox/inbox")
    await page.get_by_text("暂无消息").wait_for(timeout=10000)  # a new resident has no messages yet
    await shot(page, "inbox")


async def test_a_social_security_query_asks_for_real_name_first(page):
    server = page.server
    id_number = "330106195508163314"
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    await login(page, "13700005678")
    await page.goto(f"{server.base}/h5/#/pages/query/query?code=SB0001")
    await page.locator(".id-consent-agree").click(timeout=10000)  # not verified yet: the 身份证号 notice first
    await page.locator(".realname-submit").wait_for(timeout=10000)
    inputs = page.locator("input")
    await inputs.nth(0).fill(name)
    await inputs.nth(1).fill(id_number)
    await shot(page, "realname")
    await page.locator(".realname-submit").click()
    await page.locator(".query-result").wait_for(timeout=15000)  # back on the query, answered
    await page.locator(".insured-row").first.wait_for()
    assert await page.locator(".insured-row").count() >= 1
    assert await page.get_by_text("社保系统").count() >= 1
    await shot(page, "query")


def small_png(width=16, height=16) -> bytes:
    """A real PNG (solid blue): what a phone's photo upload sends, minus the size."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x16\x77\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def verify_realname(page, id_number):
    """On the real-name page the apply page sent us to: the sandbox register's name for the number."""
    name = (await page.server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    await page.locator(".id-consent-agree").click(timeout=10000)  # the 身份证号 notice, then the form
    await page.locator(".realname-submit").wait_for(timeout=10000)
    inputs = page.locator("input")
    await inputs.nth(0).fill(name)
    await inputs.nth(1).fill(id_number)
    await page.locator(".realname-submit").click()


async def test_resident_applies_with_a_photo_and_follows_the_application(page):
    server = page.server
    await login(page, "13700002468")
    await page.get_by_text("社保服务").first.wait_for(timeout=15000)  # the menu, after the login
    for entry in ("我的办件", "我的消息", "我的车辆", "我的材料库"):
        assert await page.locator(".mine-entry", has_text=entry).count() == 1
    await shot(page, "apply-home")

    # the item: 养老保险关系转移接续 needs a 居民身份证 photo
    await page.goto(f"{server.base}/h5/#/pages/item/item?code=SB0011")
    await page.locator(".item-apply").click()
    await verify_realname(page, "33010619800307001X")  # not verified yet: the apply page asks first
    await page.locator(".apply-form").wait_for(timeout=15000)  # back on the form
    assert await page.locator(".apply-name").inner_text() == "养老保险关系转移接续"
    assert await page.locator(".upload-title").all_inner_texts() == ["居民身份证", "基本养老保险参保缴费凭证"]

    # sent empty: the client's messages, nothing submitted
    await page.locator(".apply-submit").click()
    await page.locator('[data-name="transfer_type"] .field-error', has_text="此项为必填项").wait_for()
    assert await page.locator('[data-code="id_card"] .upload-error').inner_text() == "请上传居民身份证"
    await shot(page, "apply-errors")

    await page.locator('[data-name="transfer_type"] .chip', has_text="跨省转入").click()
    await page.locator('[data-name="from_region"] input').fill("安徽省合肥市")
    await page.locator('[data-name="contact_phone"] input').fill("13700002468")

    # no library consent yet: one line under the materials heading leads to 我的材料库, turned on there;
    # back on the form the line is gone and what was filled in is still there
    invite = page.locator(".apply-materials .library-invite")
    assert await invite.inner_text() == "开启材料库，审核通过的材料下次可直接使用"
    await invite.click()
    await page.locator(".consent-state", has_text="未开启").wait_for(timeout=10000)
    assert await page.locator(".library-empty").inner_text() == "开启后，审核通过的材料会保存到这里，下次办事可直接使用。"
    await page.locator(".consent-row").click()
    await page.locator(".consent-state", has_text="已开启").wait_for(timeout=10000)
    switch = page.locator(".consent-switch")
    assert "switch-on" in (await switch.get_attribute("class")).split()
    assert await page.locator(".consent-row").get_attribute("aria-checked") == "true"
    await shot(page, "library-consent")
    await page.go_back()
    await page.locator(".apply-form").wait_for(timeout=10000)
    await page.locator(".library-invite").wait_for(state="detached", timeout=10000)
    assert await page.locator('[data-name="from_region"] input').input_value() == "安徽省合肥市"
    assert await page.locator('[data-name="contact_phone"] input').input_value() == "13700002468"
    assert await page.locator('[data-name="transfer_type"] .chip-on').inner_text() == "跨省转入"

    async with page.expect_file_chooser() as chooser:
        await page.locator('[data-code="id_card"] .upload-photo').click()
    await (await chooser.value).set_files(files=[{"name": "id-card.png", "mimeType": "image/png", "buffer": small_png()}])
    await page.locator('[data-code="id_card"] .upload-done').wait_for(timeout=10000)
    assert await page.locator('[data-code="id_card"] .upload-filename').inner_text() == "id-card.png"
    await shot(page, "apply-filled")

    await page.locator(".apply-submit").click()
    # what happens next and by when (45 working days), then the application's detail page
    await page.locator(".done-page .next-step").first.wait_for(timeout=15000)
    assert "承诺 45 个工作日内办结" in await page.locator(".done-next").inner_text()
    await shot(page, "apply-done")
    await page.locator(".done-view").click()
    await page.locator(".detail-state").wait_for(timeout=15000)
    assert await page.locator(".detail-state").inner_text() == "已提交"
    number = await page.locator(".detail-number").inner_text()
    assert await page.locator(".event-title").all_inner_texts() == ["已提交"]
    await shot(page, "apply-submitted")

    await page.goto(f"{server.base}/h5/#/pages/applications/list")
    row = page.locator(".application-row", has_text=number)
    await row.wait_for(timeout=10000)
    assert await row.locator(".state").inner_text() == "已提交"
    assert "养老保险关系转移接续" in await row.inner_text()
    await shot(page, "applications")

    # the department's processor claims and accepts it through the API
    token = await server.login("processor.rsj", "Processor@2026")
    claimed = await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=token)
    assert claimed.status == 200, claimed.body
    accepted = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=token,
                                  json_body={"action": "accept", "version": claimed.json["version"], "comment": "材料齐全"})
    assert accepted.status == 200, accepted.body

    await row.click()
    await page.locator(".detail-state").wait_for(timeout=10000)
    await page.reload()
    await page.locator(".detail-state", has_text="已受理").wait_for(timeout=10000)
    assert await page.locator(".event-title").all_inner_texts() == ["已受理", "已提交"]
    assert "材料齐全" in await page.locator(".event-comment").first.inner_text()
    await shot(page, "application-accepted")

    # the push worker writes the inbox on its own time: look again until the message is there
    await page.goto(f"{server.base}/h5/#/pages/inbox/inbox")
    message = page.locator(".message", has_text="办件已受理")
    deadline = time.monotonic() + 10
    while not await message.count():
        assert time.monotonic() < deadline, "no 办件已受理 message in 10 s"
        await asyncio.sleep(0.5)
        await page.reload()
        await page.locator(".summary, .empty").first.wait_for(timeout=10000)
    assert number in await message.inner_text()
    assert "养老保险关系转移接续" in await message.inner_text()
    await shot(page, "inbox-accepted")

    # accepted with consent given: the 居民身份证 photo is in 我的材料库 now, with its preview
    await page.goto(f"{server.base}/h5/#/pages/library/library")
    kept = page.locator('.entry[data-code="id_card"]')
    await kept.wait_for(timeout=10000)
    assert await page.locator(".entry-name").all_inner_texts() == ["居民身份证"]
    assert f"来自办件 {number}" in await kept.inner_text()
    assert (await kept.locator(".entry-added").inner_text()).startswith("保存于 ")
    await kept.locator("uni-image.entry-thumb").wait_for(timeout=10000)
    await shot(page, "library-accepted")

    # reviewed, approved and completed with a result document: the resident rates it and downloads it
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    result = await server.fetch("/api/v1/staff/uploads?filename=transfer-result.pdf", "POST", token=token, body=pdf,
                                headers={"Content-Type": "application/pdf"})
    assert result.status == 201, result.body
    version = accepted.json["version"]
    for action, extra in (("start_review", {}), ("approve", {}), ("complete", {"result": result.json["id"]})):
        moved = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=token,
                                   json_body={"action": action, "version": version, **extra})
        assert moved.status == 200, moved.body
        version = moved.json["version"]
    await page.goto(f"{server.base}/h5/#/pages/applications/detail?number={number}")
    await page.locator(".detail-state", has_text="已办结").wait_for(timeout=10000)
    assert (await page.locator(".event-title").all_inner_texts())[:2] == ["已办结", "已准予"]
    assert await page.locator(".detail-rating .level .choice-name").all_inner_texts() == [
        "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    await page.locator('.level[data-level="very_satisfied"]').click()
    assert await page.locator('.level[data-level="very_satisfied"]').get_attribute("aria-checked") == "true"
    assert await page.locator(".reasons").count() == 0  # a good level asks for no reason
    await page.locator(".rating-comment textarea").fill("网上就办好了，很方便")
    await page.locator(".rating-submit").click()
    await page.locator(".detail-rated", has_text="网上就办好了，很方便").wait_for(timeout=10000)
    assert await page.locator(".rated-level").inner_text() == "非常满意"
    assert await page.locator(".detail-ticket").count() == 0
    async with page.expect_download() as download_info:
        await page.locator(".result-download").click()
    download = await download_info.value
    assert download.suggested_filename == "transfer-result.pdf"
    assert pathlib.Path(await download.path()).read_bytes() == pdf
    await shot(page, "application-completed")

    # completed: the result document joins the library
    await page.goto(f"{server.base}/h5/#/pages/library/library")
    await page.locator('.entry[data-code="result_sb0011"]').wait_for(timeout=10000)
    assert await page.locator(".entry-name").all_inner_texts() == ["居民身份证", "养老保险关系转移接续结果"]
    await shot(page, "library-completed")


async def test_a_very_dissatisfied_resident_gets_an_answer_and_says_it_is_solved(page):
    """非常不满意 needs a reason and words (checked before sending); it opens a rectification ticket:
    the department calls back and closes it, the resident reads the answer and says 已解决."""
    server = page.server
    await login(page, "13700003579")
    token = await stored(page, "access_token")
    id_number, name = person_for("h5-rate")
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    clerk = await server.login("processor.rsj", "Processor@2026")
    number = await submit(server, token)
    await complete(server, clerk, number)

    await page.goto(f"{server.base}/h5/#/pages/applications/detail?number={number}")
    await page.locator(".detail-state", has_text="已办结").wait_for(timeout=15000)
    low = page.locator('.level[data-level="very_dissatisfied"]')
    await low.focus()
    await page.keyboard.press("Space")  # a radio, operated from the keyboard
    assert await low.get_attribute("aria-checked") == "true"
    assert await page.locator(".reason").count() == 8
    await page.locator(".rating-submit").click()  # nothing chosen or written: the client says what is missing
    assert await page.locator(".reasons-error").inner_text() == "请选择不满意的原因（可多选）"
    assert await page.locator(".comment-error").inner_text() == "请写明不满意的具体情况"
    await shot(page, "rating-missing")
    await page.locator('.reason[data-reason="many_trips"]').click()
    assert await page.locator('.reason[data-reason="many_trips"]').get_attribute("aria-checked") == "true"
    await page.locator(".rating-comment textarea").fill("材料一次没说清，跑了三次")
    await page.locator(".rating-submit").click()
    await page.locator(".detail-rated .rated-level", has_text="非常不满意").wait_for(timeout=10000)
    assert await page.locator(".rated-reasons").inner_text() == "原因：多次跑腿"
    await page.locator(".ticket-state", has_text="整改中").wait_for(timeout=10000)
    mine = (await server.fetch(f"/api/v1/applications/{number}/ticket", token=token)).json
    assert await page.locator(".ticket-due").inner_text() == mine["due_date"] + ("（暂定）" if mine["due_provisional"] else "")
    assert await page.locator(".verdict-solved").count() == 0
    await shot(page, "ticket-open")

    # the department, through the API: a call-back, then closed with what it changed
    ticket = f"/api/v1/staff/tickets/{mine['id']}"
    r = await server.fetch(f"{ticket}/callbacks", "POST", token=clerk,
                           json_body={"called_at": "2026-01-05T10:00:00+08:00", "result": "已电话致歉，了解情况"})
    assert r.status == 200, r.body
    r = await server.fetch(f"{ticket}/close", "POST", token=clerk,
                           json_body={"outcome": "rectified", "text": "窗口增加一人，材料一次告知"})
    assert r.status == 200, r.body

    await page.reload()
    await page.locator(".ticket-state", has_text="部门已答复，请您确认").wait_for(timeout=15000)
    assert await page.locator(".callback-time").inner_text() == "2026-01-05 10:00"
    assert await page.locator(".callback-result").inner_text() == "已电话致歉，了解情况"
    assert await page.locator(".answer-outcome").inner_text() == "已整改"
    assert await page.locator(".answer-text").inner_text() == "窗口增加一人，材料一次告知"
    await shot(page, "ticket-answered")
    await page.locator(".verdict-solved").click()
    await page.locator(".ticket-state", has_text="已解决").wait_for(timeout=10000)
    assert await page.locator(".ticket-verdict").inner_text() == "您已确认：已解决"
    assert await page.locator(".verdict-solved").count() == 0
    mine = (await server.fetch(f"/api/v1/applications/{number}/ticket", token=token)).json
    assert mine["state"] == "closed" and mine["verdict"]["solved"] is True
    await shot(page, "ticket-solved")


async def test_resident_binds_a_new_energy_car_and_reads_its_violations(page):
    server = page.server
    plate = "浙AD66666"  # 8 characters; the sandbox register has five violations on it, one open
    car = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(plate)}")).json
    beijing_now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).replace(tzinfo=None)
    expected = exchange_data.violations(exchange_data.derived_vehicle(plate), beijing_now)
    await login(page, "13700003579")

    await page.goto(f"{server.base}/h5/#/pages/item/item?code=JT0001")
    await page.locator(".item-query").click()
    await page.locator(".query-bind").click()  # no car bound yet: the query page sends us to 我的车辆
    await page.locator(".vehicles-empty").wait_for(timeout=10000)

    async def bind():
        await page.locator(".bind-plate input").fill("浙ad66666")
        await page.locator(".bind-engine input").fill(car["engine_tail"].lower())
        await page.locator(".bind-submit").click()

    await page.locator(".bind-plate input").fill("浙A123")
    await page.locator(".bind-engine input").fill("12")
    await page.locator(".bind-submit").click()
    assert await page.locator(".plate-error").inner_text() == "号牌号码应为7位，新能源号牌为8位"
    assert await page.locator(".engine-error").inner_text() == "请输入发动机号后六位"
    await bind()
    await verify_realname(page, car["owner_id_number"])  # binding needs real name: asked, then back
    await page.locator(".vehicles-empty").wait_for(timeout=15000)
    await bind()
    vehicle = page.locator(f'.vehicle[data-plate="{plate}"]')
    await vehicle.wait_for(timeout=15000)
    assert await vehicle.locator(".plate").inner_text() == "浙A·D66666"
    assert "新能源" in await vehicle.inner_text()
    await page.locator(".bind-open").wait_for()  # the form closed; it opens empty for the next car
    assert await page.locator(".bind-card").count() == 0
    await shot(page, "vehicles")

    await vehicle.locator(".vehicle-query").click()
    await page.locator(".violation-totals").wait_for(timeout=15000)
    records = expected["violations"]
    assert await page.locator(".violation").count() == len(records)
    totals = await page.locator(".violation-totals .total-num").all_inner_texts()
    due = sum(int(r["fine"]) for r in records if r["status"] == "未处理")
    assert totals == [str(expected["unhandled"]), str(expected["points_total"]), str(due)]
    assert await page.locator(".violation .status-bad").count() == expected["unhandled"]
    first_open = next(r for r in records if r["status"] == "未处理")
    assert await page.locator(".violation-act").first.inner_text() == first_open["act"]
    assert f"{plate} 违法记录（{len(records)} 条）" in await page.locator(".query-result").inner_text()
    await shot(page, "violations")


async def test_resident_sees_me_turns_sms_off_and_logs_out(page):
    server = page.server
    phone = "13700004321"
    await login(page, phone)
    await page.locator(".tab-me").click()
    await page.locator(".profile-card").wait_for(timeout=10000)
    assert await page.locator(".realname-tag").inner_text() == "未实名"
    assert await page.locator(".profile-phone .profile-value").inner_text() == "137****4321"
    assert phone not in await page.locator(".me-page").inner_text()  # masked everywhere
    assert await page.locator(".realname-go").inner_text() == "去实名认证"
    app = page.locator('.channel-row[data-channel="app"]')
    assert (await app.locator(".channel-state").inner_text()).startswith("当前登录")
    assert await page.locator(".channel-unlink").count() == 0  # the only channel, and the current one
    await page.locator(".sms-state", has_text="已开启").wait_for(timeout=10000)
    await shot(page, "me")

    await page.locator(".sms-row").click()
    await page.locator(".sms-state", has_text="已关闭").wait_for()
    await page.locator(".sms-row.pref-busy").wait_for(state="detached", timeout=10000)  # the PUT answered
    token = await stored(page, "access_token")
    saved = await server.fetch("/api/v1/me/notification-preferences", token=token)
    assert saved.status == 200, saved.body
    assert saved.json == {"channel": None, "sms": "off"}
    await page.reload()
    await page.locator(".sms-state", has_text="已关闭").wait_for(timeout=10000)
    switch = page.locator(".sms-row")
    assert await switch.get_attribute("aria-checked") == "false"
    await shot(page, "me-sms-off")

    refresh_token = await stored(page, "refresh_token")
    assert refresh_token
    await page.locator(".logout-btn").click()
    await page.locator(".uni-modal").get_by_text("退出", exact=True).click()
    await page.locator(".home-login").wait_for(timeout=10000)  # home, logged out
    await page.get_by_text("热门事项").wait_for()
    assert await stored(page, "access_token") is None
    assert await stored(page, "refresh_token") is None
    gone = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": refresh_token})
    assert gone.status == 401, gone.body  # revoked on the server too
    await shot(page, "me-logged-out")


LINK_ID_NUMBER = "11010519491231002X"


async def api_login(server, phone):
    """A resident's app login straight through the API: what they did earlier on another phone."""
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    assert r.status == 202, r.body
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    assert r.status == 200, r.body
    agreed = await server.fetch("/api/v1/me/consents", "POST", token=r.json["access_token"],  # as that phone did
                                json_body={"kinds": ["terms", "privacy"], "versions": {"terms": 1, "privacy": 1}})
    assert agreed.status == 200, agreed.body
    return r.json


async def realname(server, token, id_number=LINK_ID_NUMBER):
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    return await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})


async def test_a_new_login_proves_by_the_sms_code_that_it_holds_the_account_and_joins_it(page):
    server = page.server
    owner_phone = "13800007001"
    owner = await api_login(server, owner_phone)  # the account, verified, with a phone on record
    assert (await realname(server, owner["access_token"])).status == 200
    await server.fetch("/sandbox/sms/messages", "DELETE")  # the gateway's one message a minute per phone

    await login(page, "13700007002")  # a new login on this page: its own, unverified account
    await page.goto(f"{server.base}/h5/#/pages/realname/realname")
    name = (await server.fetch(f"/sandbox/identity/people/{LINK_ID_NUMBER}")).json["name"]
    await page.locator(".id-consent-agree").click(timeout=10000)
    await page.locator(".realname-submit").wait_for(timeout=10000)
    inputs = page.locator("input")
    await inputs.nth(0).fill(name)
    await inputs.nth(1).fill(LINK_ID_NUMBER)
    await page.locator(".realname-submit").click()

    await page.locator(".link-explain").wait_for(timeout=10000)  # not joined: asked for proof
    assert "该身份证号已绑定其他账号。为保护账号安全，需要确认是您本人" in await page.locator(".link-explain").inner_text()
    assert await page.locator(".proof-title").all_inner_texts() == ["短信验证码", "在已登录该账号的设备上批准"]
    assert await page.locator(".proof-face").count() == 0  # never on h5
    assert "138****7001" in await page.locator(".proof-sms").inner_text()
    assert owner_phone not in await page.locator(".link-page").inner_text()
    token = await stored(page, "access_token")
    mine = (await server.fetch("/api/v1/me", token=token)).json
    assert mine["id"] != owner["resident"]["id"] and mine["realname"] == {"status": "unverified"}
    await shot(page, "link")

    await page.locator(".sms-send").click()
    await page.locator(".sms-sent").wait_for(timeout=10000)
    assert "138****7001" in await page.locator(".sms-sent").inner_text()
    sms = (await server.fetch(f"/sandbox/sms/messages?phone={owner_phone}")).json["messages"][-1]
    assert sms["template_code"] == "SMS_LINK_CODE", sms
    code = sms["params"]["code"]
    await page.locator(".sms-code input").fill("111111" if code != "111111" else "222222")
    await page.locator(".sms-confirm").click()
    await page.locator(".sms-error", has_text="验证码错误").wait_for(timeout=10000)
    await page.locator(".sms-code input").fill(code)
    await page.locator(".sms-confirm").click()

    await page.locator(".link-joined").wait_for(timeout=10000)  # joined: new tokens for the account
    assert "已实名" in await page.locator(".link-joined-name").inner_text()
    joined = await server.fetch("/api/v1/me", token=await stored(page, "access_token"))
    assert joined.json["id"] == owner["resident"]["id"], joined.body
    assert (await stored(page, "resident"))["id"] == owner["resident"]["id"]
    await shot(page, "link-joined")

    await page.locator(".link-done").click()
    await page.goto(f"{server.base}/h5/#/pages/me/me")
    await page.locator(".realname-tag", has_text="已实名").wait_for(timeout=10000)
    await page.locator(".merges-card").wait_for()
    assert await page.locator(".merge-via").all_inner_texts() == ["短信验证码确认"]
    await shot(page, "link-me")


async def test_the_owner_refuses_then_approves_then_undoes_a_request_on_me(page):
    server = page.server
    await login(page, "13800007003")  # the account's owner, on this page
    owner_token = await stored(page, "access_token")
    owner_id = (await stored(page, "resident"))["id"]
    assert (await realname(server, owner_token)).status == 200
    other = await api_login(server, "13700007004")  # another login types the owner's name and number
    first = await realname(server, other["access_token"])
    assert first.status == 202, first.body

    await page.goto(f"{server.base}/h5/#/pages/me/me")
    card = page.locator(".incoming-card")
    await card.wait_for(timeout=10000)
    assert await card.locator(".incoming-title").inner_text() == "有新的登录方式申请关联您的账号"
    assert await card.locator(".incoming-from").inner_text() == "来自手机App或网页的登录"
    assert (await card.locator(".incoming-at").inner_text()).startswith("申请时间 ")
    await shot(page, "me-link-request")
    await card.locator(".incoming-refuse").click()  # no confirm: refusing is safe
    await card.wait_for(state="detached", timeout=10000)
    mine = (await server.fetch("/api/v1/me", token=other["access_token"])).json
    assert mine["id"] == other["resident"]["id"] and mine["links"]["outgoing"] == []

    assert (await realname(server, other["access_token"])).status == 202  # asks again
    await page.reload()
    await card.wait_for(timeout=10000)
    await card.locator(".incoming-approve").click()
    modal = page.locator(".uni-modal")
    await modal.get_by_text("全部办件").wait_for(timeout=10000)  # asked first, with the warning
    await shot(page, "me-link-approve")
    await modal.get_by_text("批准", exact=True).click()
    await card.wait_for(state="detached", timeout=10000)
    await page.locator(".merge-via", has_text="您在已登录的设备上批准").wait_for(timeout=10000)
    joined = (await server.fetch("/api/v1/me", token=other["access_token"])).json
    assert joined["id"] == owner_id and joined["realname"]["status"] == "verified"  # its old token, now the account
    await shot(page, "me-link-merged")

    await page.locator(".merge-undo").click()
    await modal.get_by_text("撤销", exact=True).click()
    await page.locator(".merge-state", has_text="已撤销").wait_for(timeout=10000)
    assert await page.locator(".merge-undo").count() == 0
    back = (await server.fetch("/api/v1/me", token=other["access_token"])).json
    assert back["id"] == other["resident"]["id"] and back["realname"] == {"status": "unverified"}
