"""The inspectors' app 执法通 (/field/) in Debian's chromium at a phone viewport, geolocation granted
at a fixed position: log in; go offline; register a case with two photos (stamped on the device;
one small, sent whole; one over 1 MiB, sent in resumable chunks); reload the page offline (the service worker serves the app,
IndexedDB still holds the case and both photos); go online; watch it sync; the server's chain
verifies with both photos' SHA-256. Then: a look-up with its reason and the limit left; on duty, a
task dispatched, accepted, reached and completed; a task alert pushed over the live socket; a
supervisor creates a task in the app and the nearest inspector on duty is alerted; a supervisor
returns a case that the inspector fixes and resubmits; a spot decision signed on the screen yields
the PDF 决定书; an inspector with an admin's temporary password must change it (修改初始密码)
before reaching the home page.
`make test` builds the app first (`make client`)."""

import hashlib
import io
import os
import pathlib
import shutil

import pytest
from PIL import Image
from playwright.async_api import async_playwright, expect
from pypdf import PdfReader

from support import eventually, start_server, stop_server, unless_present, watch_policy

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIELD = ROOT / "field" / "dist" / "build" / "h5"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = {"latitude": 30.2741, "longitude": 120.1551, "accuracy": 12}

pytestmark = unless_present(FIELD / "index.html", CHROMIUM,
                            reason="needs `make client` and Debian's chromium (make test provides both)")


@pytest.fixture
async def page(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, FIELD_DIR=str(FIELD))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                            has_touch=True, permissions=["geolocation"], geolocation=HERE)
        tab = await context.new_page()
        tab.server, tab.ctx, tab.browser = server, context, browser
        tab.violations = watch_policy(context)
        yield tab
        await browser.close()
    assert tab.violations == []  # the app works under its Content-Security-Policy
    await stop_server(server)


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"field-{name}.png"), full_page=True)


def jpeg(width, height, *, noise=False):
    """A photo the phone can decode (it is stamped before it is kept): a smooth gradient, small
    once compressed, or noise, which stays large (over 1 MiB: the resumable path)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95)
    return buf.getvalue()


async def add_photo(page, data, name):
    async with page.expect_file_chooser() as chooser:
        await page.locator(".take-photo").click()
    await (await chooser.value).set_files({"name": name, "mimeType": "image/jpeg", "buffer": data})


async def test_an_inspector_registers_a_case_offline_and_it_syncs(page):
    server = page.server
    await page.goto(f"{server.base}/field/")
    await page.locator(".username input").fill("inspector")
    await page.locator(".password input").fill("Inspector@2026")
    await page.locator(".submit").click()
    await page.locator(".new-case").wait_for(timeout=15000)
    assert await page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the shell is cached
    for target in (".new-case", ".sync-now"):  # gloves: big targets
        box = await page.locator(target).bounding_box()
        assert box["height"] >= 56

    await page.ctx.set_offline(True)
    await page.locator(".new-case").click()
    await page.get_by_text("经度 120.155100").wait_for(timeout=10000)  # GPS, with its accuracy
    await page.get_by_text("机动车违反规定停放、临时停车").click()
    await page.get_by_text("《中华人民共和国道路交通安全法》第九十三条第二款").wait_for()
    await page.get_by_text("可当场处罚").first.wait_for()
    await page.locator(".party-name input").fill("王五")
    await page.locator(".id-number input").fill("330106195508163315")  # a wrong check digit
    await page.locator(".plate input").fill("A7K2M9")
    await page.locator(".address input").fill("杭州市西湖区南山路 100 号")
    await page.locator(".facts textarea").fill("在禁停路段停车，驾驶人不在现场。")
    await page.locator(".save").click()
    await page.get_by_text("校验位不正确").wait_for()
    await page.locator(".id-number input").fill("330106195508163314")
    await shot(page, "form")
    await page.locator(".save").click()
    await page.locator(".take-photo").wait_for(timeout=10000)
    small, large = jpeg(800, 600), jpeg(1400, 1000, noise=True)
    await add_photo(page, small, "a.jpg")
    await add_photo(page, large, "b.jpg")
    await page.locator(".photo").nth(1).wait_for(timeout=20000)
    # the hashes of the stamped files (the originals are not kept)
    shown = [(await page.locator(".photo .sha").nth(i).inner_text()).removeprefix("SHA-256 ") for i in (0, 1)]
    assert not {hashlib.sha256(d).hexdigest() for d in (small, large)} & set(shown)

    await page.reload()  # offline: the service worker serves the app, IndexedDB still has everything
    await page.locator(".photo").nth(1).wait_for(timeout=15000)
    assert await page.locator(".case-status").inner_text() == "待发送"
    assert await page.get_by_text("待上传").count() == 2
    await shot(page, "offline")

    await page.ctx.set_offline(False)
    await page.goto(f"{server.base}/field/#/pages/index/index")
    await page.locator(".sync-now").click()
    await page.get_by_text("已同步 1").wait_for(timeout=30000)
    await page.get_by_text("照片待上传 0").wait_for(timeout=30000)
    await shot(page, "synced")
    await page.locator(".case-row").click()
    await page.locator(".verify").click()
    await page.get_by_text("校验通过：证据链完整").wait_for(timeout=10000)
    assert await page.get_by_text("已上传").count() == 2

    token = await server.login("inspector", "Inspector@2026")
    case = (await server.fetch("/api/v1/enforcement/cases", token=token)).json["cases"][0]
    assert case["parties"][0]["id_number_masked"] == "330106********3314"
    assert case["parties"][1]["plate"] == "浙A7K2M9"
    assert case["record"]["address"] == "杭州市西湖区南山路 100 号" and case["record"]["violation"] == "TP-093"
    assert case["location"]["coordinates"] == [HERE["longitude"], HERE["latitude"]]
    assert [e["sha256"] for e in case["evidence"]] == shown
    sizes = [e["size"] for e in case["evidence"]]
    assert sizes[0] < 1024 * 1024 < sizes[1]  # one sent whole, one in resumable chunks
    verify = (await server.fetch(f"/api/v1/enforcement/cases/{case['id']}/verify", token=token)).json
    assert verify["ok"] and verify["events"] == 3


async def log_in(page, username="inspector", password="Inspector@2026"):
    await page.goto(f"{page.server.base}/field/")
    await page.locator(".username input").fill(username)
    await page.locator(".password input").fill(password)
    await page.locator(".submit").click()
    await page.locator(".logout").wait_for(timeout=15000)


async def big(page, *selectors):
    for target in selectors:  # gloves: big targets
        box = await page.locator(target).first.bounding_box()
        assert box["height"] >= 56, target


async def new_case(page, facts="在禁停路段停车，驾驶人不在现场。"):
    """A case made on the device (online), synced: the detail page with its server state."""
    await page.goto(f"{page.server.base}/field/#/pages/index/index")
    await page.locator(".new-case").click()
    await page.get_by_text("经度 120.155100").wait_for(timeout=10000)
    await page.get_by_text("机动车违反规定停放、临时停车").click()
    await page.locator(".party-name input").fill("王五")
    await page.locator(".id-number input").fill("330106195508163314")
    await page.locator(".plate input").fill("A7K2M9")
    await page.locator(".address input").fill("杭州市西湖区南山路 100 号")
    await page.locator(".facts textarea").fill(facts)
    await page.locator(".save").click()
    await page.locator(".case-status", has_text="已同步").wait_for(timeout=20000)
    return page.url.split("id=")[1]


async def test_a_lookup_needs_a_reason_and_shows_the_limit_left(page):
    await log_in(page)
    await page.locator(".open-lookup").click()
    await page.locator(".lookup-key input").fill("浙A7K2M9")
    await page.locator(".lookup-submit").click()
    await page.get_by_text("请说明查询事由").wait_for()  # no reason: not sent
    await page.locator(".reason-chip", has_text="现场检查核实").click()
    await page.locator(".lookup-submit").click()
    await page.locator(".lookup-result").wait_for(timeout=10000)
    await page.get_by_text("交管系统：浙A7K2M9").wait_for()
    await page.get_by_text("还可查询 29 次（每分钟 30 次）").wait_for()
    await big(page, ".lookup-submit", ".kind-driver", ".reason-chip")
    await shot(page, "lookup")
    token = await page.server.login("supervisor", "Supervisor@2026")
    entries = (await page.server.fetch("/api/v1/enforcement/lookups/audit", token=token)).json["entries"]
    assert [(e["inspector"], e["subject"], e["reason"], e["outcome"]) for e in entries] == [
        ("inspector", "浙A7K2M9", "现场检查核实", "ok")]


async def test_on_duty_a_task_is_dispatched_accepted_reached_and_completed(page):
    server = page.server
    await log_in(page)
    await page.locator(".open-duty").click()
    await page.locator(".on-duty").click()
    await page.get_by_text("在岗（正在上报位置）").wait_for()
    await page.get_by_text("我的位置：120.155100, 30.274100").wait_for(timeout=10000)
    supervisor = await server.login("supervisor", "Supervisor@2026")
    team = (await server.fetch("/api/v1/enforcement/team", token=supervisor)).json
    mine = [p for p in team["positions"] if p["inspector"] == "inspector"][0]
    assert mine["on_duty"] and (mine["lng"], mine["lat"]) == (HERE["longitude"], HERE["latitude"])

    where = {"type": "Point", "coordinates": [120.1651, 30.2741]}  # about 960 m east
    task = (await server.fetch("/api/v1/enforcement/tasks", "POST", token=supervisor,
                               json_body={"location": where, "description": "湖滨路出租车违规揽客", "priority": "urgent"})).json
    assert task["suggestions"][0]["inspector"] == "inspector"
    r = await server.fetch(f"/api/v1/enforcement/tasks/{task['task']['id']}/assign", "POST", token=supervisor,
                           json_body={"inspector": "inspector"})
    assert r.status == 200
    await page.locator(".task-alert", has_text="湖滨路出租车违规揽客").wait_for(timeout=20000)
    await page.get_by_text("距我 960 米（东方向）").wait_for()
    await big(page, ".off-duty", ".step-accept")
    await shot(page, "duty")
    for step in ("accept", "arrive", "complete"):
        await page.locator(f".step-{step}").click()
    await page.get_by_text("暂无任务").wait_for(timeout=10000)
    done = (await server.fetch("/api/v1/enforcement/tasks", token=supervisor)).json["tasks"][0]
    assert done["state"] == "completed" and [t["state"] for t in done["timeline"]] == [
        "open", "assigned", "accepted", "arrived", "completed"]
    await page.locator(".off-duty").click()
    # the 上班 button comes back once the last (off-duty) position has been sent
    await page.locator(".on-duty").wait_for(timeout=10000)
    await page.get_by_text("离岗", exact=True).wait_for()
    team = (await server.fetch("/api/v1/enforcement/team", token=supervisor)).json
    assert not [p for p in team["positions"] if p["inspector"] == "inspector"][0]["on_duty"]


async def test_a_supervisor_creates_a_task_and_the_nearest_inspector_on_duty_gets_it(page):
    """The supervisor fills in 派发任务 (type, address, position from their own fix, urgency); the
    answer names the nearest free inspector on duty; one tap dispatches it; the inspector's app,
    told over the live socket, alerts it with its address and distance."""
    server = page.server
    await log_in(page)
    await page.locator(".open-duty").click()
    await page.locator(".on-duty").click()
    await page.get_by_text("我的位置：120.155100, 30.274100").wait_for(timeout=10000)
    supervisor = await server.login("supervisor", "Supervisor@2026")

    async def on_duty():
        team = (await server.fetch("/api/v1/enforcement/team", token=supervisor)).json
        return any(p["inspector"] == "inspector" and p["on_duty"] for p in team["positions"])
    await eventually(on_duty, "the inspector's first heartbeat")

    east = {"latitude": 30.2741, "longitude": 120.1651, "accuracy": 8}  # the supervisor, about 960 m east
    boss_context = await page.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                                  has_touch=True, permissions=["geolocation"], geolocation=east)
    boss = await boss_context.new_page()
    boss.server = server
    await log_in(boss, "supervisor", "Supervisor@2026")
    await boss.locator(".supervise").click()
    await boss.locator(".tab-dispatch").click()
    await boss.locator(".create-task").click()  # nothing filled in: each field says what is missing
    await boss.get_by_text("请选择任务类型").wait_for()
    await boss.get_by_text("纬度应为 -90 到 90 之间的数字").wait_for()
    assert await boss.get_by_label("地址", exact=True).count() == 1  # labelled fields
    assert await boss.get_by_label("纬度", exact=True).count() == 1
    await boss.locator(".task-lat input").fill("91")  # typed by hand, out of range
    await boss.locator(".task-lng input").fill("120.1651")
    await boss.locator(".kind-chip", has_text="违停处置").click()
    await boss.locator(".create-task").click()
    await boss.get_by_text("纬度应为 -90 到 90 之间的数字").wait_for()
    await boss.locator(".use-my-position").click()  # the supervisor's own fix fills both
    await expect(boss.locator(".task-lat input")).to_have_value("30.274100", timeout=10000)
    await expect(boss.locator(".task-lng input")).to_have_value("120.165100")
    await boss.locator(".task-details input").fill("消防通道被占，请尽快处置")
    await boss.locator(".task-address input").fill("杭州市上城区湖滨路 28 号")
    await boss.locator(".priority-urgent").click()
    await big(boss, ".kind-chip", ".use-my-position", ".task-lat", ".priority-urgent", ".create-task")
    await boss.locator(".create-task").click()
    nearest = boss.locator(".assign", has_text="派给 inspector（距 960 米，最近）")
    await nearest.wait_for(timeout=10000)
    await big(boss, ".assign")
    await shot(boss, "dispatch")
    await nearest.click()
    await boss.locator(".created-task", has_text="已派给 inspector").wait_for(timeout=10000)

    # pushed over the live socket (polling every 10 s is only the fallback)
    await page.locator(".task-alert", has_text="违停处置：消防通道被占，请尽快处置").wait_for(timeout=15000)
    await page.get_by_text("地址：杭州市上城区湖滨路 28 号").wait_for()
    await page.get_by_text("距我 960 米（东方向）").wait_for()
    task = (await server.fetch("/api/v1/enforcement/tasks", token=supervisor)).json["tasks"][0]
    assert (task["state"], task["assignee"], task["priority"]) == ("assigned", "inspector", "urgent")
    assert task["location"]["coordinates"] == [east["longitude"], east["latitude"]]
    await boss_context.close()


async def test_a_task_assigned_reaches_the_duty_page_over_the_live_socket(page):
    """The duty page keeps /api/v1/ws open while shown (h5: the token in a first message, never in
    the URL) and reloads its tasks on each push. With the fallback poll set to 2 minutes
    (`field_poll_ms` in storage), a task assigned through the API is alerted within 5 s: only the
    push can do that. Leaving the page closes the socket."""
    server = page.server
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    await log_in(page)
    await page.evaluate("localStorage.setItem('field_poll_ms', '120000')")
    await page.locator(".open-duty").click()
    await expect(page.get_by_role("status")).to_have_text("任务推送：实时", timeout=10000)
    await page.get_by_text("暂无任务").wait_for()
    assert [s.url for s in sockets] == [f"ws://127.0.0.1:{server.port}/api/v1/ws"]

    supervisor = await server.login("supervisor", "Supervisor@2026")
    where = {"type": "Point", "coordinates": [120.1651, 30.2741]}
    task = (await server.fetch("/api/v1/enforcement/tasks", "POST", token=supervisor,
                               json_body={"location": where, "description": "西湖边噪声扰民", "priority": "normal"})).json
    r = await server.fetch(f"/api/v1/enforcement/tasks/{task['task']['id']}/assign", "POST", token=supervisor,
                           json_body={"inspector": "inspector"})
    assert r.status == 200
    await page.locator(".task-alert", has_text="西湖边噪声扰民").wait_for(timeout=5000)  # < any poll
    await page.locator(".task", has_text="西湖边噪声扰民").wait_for()
    await big(page, ".step-accept")
    await shot(page, "duty-live")

    await page.go_back()  # the page is left: its socket closes
    await page.locator(".open-duty").wait_for()
    await eventually(lambda: sockets[0].is_closed(), "the socket closed")


async def test_a_supervisor_returns_a_case_and_the_inspector_resubmits(page):
    server = page.server
    await log_in(page)
    case_id = await new_case(page)
    await page.locator(".register").click()
    await page.get_by_text("服务器状态：已立案").wait_for(timeout=10000)

    boss = await (await page.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                                 is_mobile=True, has_touch=True)).new_page()
    boss.server = server
    await log_in(boss, "supervisor", "Supervisor@2026")
    assert await boss.locator(".new-case").count() == 0  # role-gated menu
    await boss.locator(".supervise").click()
    await boss.locator(".review-case").wait_for(timeout=10000)
    await boss.locator(".return").click()
    await boss.get_by_text("退回须填写审核意见").wait_for()
    await boss.locator(".review-comment textarea").fill("请补充驾驶人陈述")
    await big(boss, ".approve", ".return", ".tab-audit")
    await boss.locator(".return").click()
    await boss.get_by_text("没有待审核的案件").wait_for(timeout=10000)
    await boss.locator(".tab-team").click()
    await boss.locator(".tab-audit").click()

    await page.reload()
    await page.get_by_text("退回：请补充驾驶人陈述").wait_for(timeout=10000)
    await page.get_by_text("服务器状态：已退回").wait_for()
    await shot(page, "returned")
    await page.locator(".edit").click()
    await page.locator(".facts textarea").fill("在禁停路段停车。驾驶人到场后称临时停车取物。")
    await page.locator(".save").click()
    await page.locator(".case-status", has_text="已同步").wait_for(timeout=20000)
    await page.locator(".register", has_text="修改完成，重新提交").click()
    await page.get_by_text("服务器状态：已立案").wait_for(timeout=10000)

    await boss.locator(".tab-review").click()
    await boss.locator(".review-case").wait_for(timeout=10000)
    await boss.locator(".approve").click()
    await boss.get_by_text("没有待审核的案件").wait_for(timeout=10000)
    token = await server.login("supervisor", "Supervisor@2026")
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=token)).json
    assert case["state"] == "decided" and case["record"]["facts"].endswith("临时停车取物。")
    assert [c["text"] for c in case["comments"]] == ["请补充驾驶人陈述"]
    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["ok"]


async def test_a_spot_decision_yields_the_signed_pdf(page):
    server = page.server
    await log_in(page)
    case_id = await new_case(page)
    await page.locator(".spot").click()
    await page.get_by_text("《中华人民共和国道路交通安全法》第九十三条第二款").wait_for()
    await page.locator(".kind-fine").click()
    await page.locator(".amount input").fill("100")
    await page.locator(".issue").click()
    await page.get_by_text("请当事人在签名框内签名").wait_for()  # no signature: not sent
    box = await page.locator(".sig-pad").bounding_box()
    await page.mouse.move(box["x"] + 30, box["y"] + 150)
    await page.mouse.down()
    for x, y in ((90, 40), (150, 160), (220, 50), (300, 140)):
        await page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    await page.mouse.up()
    await page.get_by_text("已签名").wait_for()
    await page.locator(".serve-electronic").click()
    await page.locator(".phone input").fill("13800138000")
    await page.locator(".consent").click()
    await big(page, ".issue", ".kind-fine", ".serve-on-spot", ".consent", ".sig-clear")
    await shot(page, "decide")
    await page.locator(".issue").click()
    await page.locator(".issued").wait_for(timeout=20000)
    await page.get_by_text("电子送达 138****8000 · 短信已发送，当事人尚未查看").wait_for()
    sms = (await server.fetch("/sandbox/sms/messages?phone=13800138000")).json["messages"][-1]
    assert sms["template_code"] == "SMS_DOCUMENT_SERVED"
    assert (await server.fetch(f"/s/{sms['params']['code']}")).status == 200  # the party opens the link

    token = await server.login("inspector", "Inspector@2026")
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=token)).json
    assert case["state"] == "decided"
    await page.get_by_text(f"决定书已生成：案号 {case['number']}").wait_for()
    document = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=token)).json["documents"][0]
    pdf = (await server.fetch(f"/api/v1/enforcement/documents/{document['id']}.pdf", token=token)).body
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert case["number"] in text and "《中华人民共和国道路交通安全法》第九十三条第二款" in text
    assert "罚款人民币 100 元" in text and "王五" in text
    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["ok"]
    await page.locator(".back").click()
    await page.locator(".document .open-pdf").wait_for(timeout=10000)
    await page.get_by_text("电子送达 138****8000 · 当事人已查看").wait_for()  # the case page reads it again
    assert await page.locator(".document .resend-sms").count() == 0


async def test_a_site_record_is_made_with_the_refusal_recorded(page):
    """现场笔录 before any decision: the inspector reads back what it will say, the party refuses to
    sign, the record says so; the case page lists it and the chain still verifies."""
    server = page.server
    await log_in(page)
    case_id = await new_case(page)
    await page.locator(".site-record").click()
    await page.get_by_text("现场情况：在禁停路段停车，驾驶人不在现场。").wait_for()
    await page.locator(".issue-record").click()
    await page.get_by_text("请当事人在签名框内签名，或记录当事人拒绝签名").wait_for()  # neither: not sent
    await page.locator(".refused").click()
    await big(page, ".refused", ".issue-record")
    await page.locator(".issue-record").click()
    await page.locator(".issued").wait_for(timeout=20000)
    await page.get_by_text("当事人拒绝签名，已记录在笔录中").wait_for()

    token = await server.login("inspector", "Inspector@2026")
    listed = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=token)).json["documents"]
    assert [(d["kind"], d["signature_sha256"]) for d in listed] == [("site_record", None)]
    pdf = (await server.fetch(f"/api/v1/enforcement/documents/{listed[0]['id']}.pdf", token=token)).body
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "现场笔录" in text and "南山路 100 号" in text and "当事人拒绝签名" in text
    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["ok"]
    await page.locator(".back").click()
    await page.get_by_text(f"现场笔录 {listed[0]['number']}").wait_for(timeout=10000)


async def test_a_temporary_password_is_changed_before_anything_else(page):
    """An admin creates an inspector with a temporary password; at the first login 执法通 shows only
    修改初始密码 (again after a restart, from the stored flag or from /auth/staff/me); the change leads
    to the home page, and the temporary password no longer works."""
    server = page.server
    admin = await server.login("admin", "Admin@2026")
    r = await server.fetch("/api/v1/admin/staff", "POST", token=admin, json_body={
        "username": "inspector.new", "display_name": "执法队员赵新", "role": "inspector", "team": "一中队",
        "password": "Temp1234567"})
    assert r.status == 201 and r.json["must_change_password"] is True

    await page.goto(f"{server.base}/field/")
    await page.locator(".username input").fill("inspector.new")
    await page.locator(".password input").fill("Temp1234567")
    await page.locator(".submit").click()
    await page.locator(".old-password").wait_for(timeout=15000)
    await page.get_by_role("heading", name="修改初始密码").wait_for()
    await page.get_by_text("至少 10 位").wait_for()  # the server's rule, explained
    await page.get_by_text("至少包含 1 个数字（0–9）").wait_for()
    await big(page, ".old-password", ".new-password", ".again-password", ".toggle-shown", ".submit", ".password-logout")
    assert await page.get_by_label("新密码", exact=True).count() == 1  # labelled fields

    await page.goto(f"{server.base}/field/#/pages/index/index")  # a restart: straight back to the change
    await page.locator(".old-password").wait_for(timeout=15000)
    await page.evaluate("localStorage.removeItem('password_change_required')")  # the flag lost: /me says so
    await page.goto(f"{server.base}/field/#/pages/index/index")
    await page.reload()
    await page.locator(".old-password").wait_for(timeout=15000)
    assert await page.locator(".new-case").count() == 0

    await page.locator(".old-password input").fill("Wrong1234567")
    await page.locator(".new-password input").fill("short1")
    await page.locator(".submit").click()
    await page.get_by_text("新密码不符合要求：至少 10 位（现在 6 位）").wait_for()  # checked before sending
    await page.locator(".new-password input").fill("Mine2026abcd")
    await page.locator(".again-password input").fill("Mine2026abce")
    await page.locator(".submit").click()
    await page.get_by_text("两次输入的新密码不一致").wait_for()
    assert await page.locator(".new-password input").get_attribute("type") == "password"
    await page.locator(".toggle-shown").click()
    await page.get_by_text("隐藏密码").wait_for()
    assert await page.locator(".new-password input").get_attribute("type") == "text"
    await page.locator(".again-password input").fill("Mine2026abcd")
    await page.locator(".submit").click()
    await page.get_by_text("当前密码不正确").wait_for(timeout=10000)  # the server's answer, on its field
    await page.locator(".old-password input").fill("Temp1234567")
    await shot(page, "password")
    await page.locator(".submit").click()
    await page.locator(".new-case").wait_for(timeout=15000)  # the home page

    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "inspector.new", "password": "Temp1234567"})
    assert r.status == 401
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "inspector.new", "password": "Mine2026abcd"})
    assert r.status == 200 and r.json["password_change_required"] is False

    await page.reload()  # the new login stands: the home page stays
    await page.locator(".new-case").wait_for(timeout=15000)
    await page.locator(".change-password").click()  # 我的: 修改密码 any time
    await page.get_by_role("heading", name="修改密码").wait_for(timeout=10000)
    assert await page.locator(".password-logout").count() == 0
