"""The operator console in Debian's chromium (Playwright, never a downloaded browser), against this
server: wrong passwords and roles without pages here are refused; an operator sees the dashboard, edits the app
channel's menu, validates, publishes after confirming the diff, sees the change on the resident h5
page, rolls back and sees it gone; 422 field errors and a stale version in the item editor; a WeChat
refusal of the official-account menu with its errcode. The h5 step needs `make client`; a screenshot
of each step is saved under test-artifacts/ (console-*.png)."""

import pathlib
import shutil

import pytest
from playwright.async_api import async_playwright

from support import applicant_token, start_server, stop_server, submit, unless_present, watch_policy

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "console"
H5 = ROOT / "miniprogram" / "dist" / "build" / "h5"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = unless_present(CONSOLE / "index.html", CHROMIUM, reason="needs Debian's chromium (make test provides it)")
needs_h5 = unless_present(H5 / "index.html", reason="needs `make client` (the resident h5 build)")


@pytest.fixture
async def page(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, H5_DIR=str(H5), CONSOLE_DIR=str(CONSOLE))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        tab = await context.new_page()
        tab.server = server
        tab.violations = watch_policy(context)
        tab.browser = browser
        yield tab
        await browser.close()
    assert tab.violations == []  # the pages work under their Content-Security-Policy
    await stop_server(server)


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


async def login(page, username, password):
    await page.goto(f"{page.server.base}/console/")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_a_wrong_password_and_an_inspector_are_refused(page):
    await login(page, "operator", "not-the-password")
    error = page.locator(".login-error")
    await error.wait_for(timeout=10000)
    assert await error.inner_text() == "用户名或密码错误"  # the server's message
    await shot(page, "wrong-password")

    for _ in range(4):  # the fifth failure in a row locks the account (LOGIN_MAX_FAILURES)
        async with page.expect_response("**/api/v1/auth/staff"):
            await page.get_by_role("button", name="登录").click()
    await page.get_by_text("登录失败次数过多，请 15 分钟后再试").wait_for(timeout=10000)
    button = page.locator("button[type=submit]")
    assert await button.is_disabled() and "后可重试" in await button.inner_text()  # counts down from Retry-After
    await shot(page, "locked")

    await login(page, "inspector", "Inspector@2026")  # 执法通 is theirs; processors have the workbench
    await page.get_by_text("无权使用运营管理台").wait_for(timeout=10000)
    assert "执法队员" in await page.locator(".login-error").inner_text()
    assert await page.locator(".topbar").count() == 0
    assert await page.evaluate("Object.keys(sessionStorage).length") == 0  # the refused session was not kept
    await shot(page, "inspector-refused")


@needs_h5
async def test_operator_publishes_a_menu_change_sees_it_on_h5_and_rolls_back(page):
    server = page.server
    resident = await applicant_token(server, "o-console-1")
    for _ in range(2):
        await submit(server, resident)

    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    total = page.locator("[data-tile=total] .tile-value")
    await total.wait_for(timeout=10000)
    assert await total.inner_text() == "2"
    labels = await page.locator(".tile-label").all_inner_texts()
    assert labels == ["办件总数", "按时办结率", "逾期未办结", "在办积压", "好差评均分", "消息到达率"]
    assert "待受理 2 件" in await page.locator("[data-tile=backlog] .tile-hint").inner_text()
    assert await page.locator("[data-tile=on_time] .tile-value").inner_text() == "—"  # nothing 办结 yet
    assert await page.locator(".charts canvas").count() == 4
    assert await page.locator(".departments tbody tr").count() == 3
    await shot(page, "dashboard")

    # the app channel's menu: rename 社保服务 and add a link entry to it
    await page.get_by_role("link", name="菜单管理").click()
    await page.get_by_role("tab", name="App").click()
    section = page.locator(".section-editor[data-section=shebao]")
    await section.wait_for(timeout=10000)
    await section.get_by_label("栏目名称").fill("社保专区")
    await section.get_by_role("button", name="添加入口").click()
    await section.get_by_label("入口类型").last.select_option("link")
    await section.get_by_label("入口标题").last.fill("社保政策解读")
    await section.get_by_label("网址").last.fill("https://hrss.hangzhou.gov.cn/")
    phone = page.locator(".phone")
    await phone.get_by_text("社保专区").wait_for()  # the preview follows the edit
    await phone.get_by_text("社保政策解读").wait_for()
    assert await phone.get_by_text("社保服务").count() == 0
    assert await page.get_by_text("有未保存的修改").count() == 1
    await shot(page, "menu-edited")
    questions = []
    page.once("dialog", lambda d: questions.append(d.message) or d.dismiss())
    await page.get_by_role("link", name="数据看板").click()  # leaving asks first; staying keeps the edits
    assert questions == ["当前页面有未保存的修改，离开将丢弃这些修改，确定离开吗？"]
    assert await section.get_by_label("栏目名称").input_value() == "社保专区"

    await page.get_by_role("button", name="校验").click()
    result = page.locator(".check-result")
    await result.get_by_text("校验通过").wait_for(timeout=10000)
    change = "栏目「社保专区」：名称由「社保服务」改为「社保专区」；新增入口 网页链接「社保政策解读」"
    assert change in await result.inner_text()
    await shot(page, "menu-validated")

    await page.get_by_role("button", name="发布…").click()
    dialog = page.get_by_role("dialog", name="确认发布App菜单")
    await dialog.wait_for()
    assert change in await dialog.inner_text()
    await dialog.get_by_label("发布说明").fill("浏览器测试：调整社保栏目")
    await shot(page, "menu-confirm")
    await dialog.get_by_role("button", name="确认发布").click()
    await page.get_by_text("已发布App菜单，当前版本 2").wait_for(timeout=10000)
    assert "当前" in await page.locator(".versions tr[data-version='2']").inner_text()
    await shot(page, "menu-published")

    phone_context = await page.browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    watch_policy(phone_context, page.violations)
    h5 = await phone_context.new_page()
    await h5.goto(f"{server.base}/h5/")
    await h5.get_by_text("社保专区").first.wait_for(timeout=15000)
    await h5.get_by_text("社保政策解读").first.wait_for()
    assert await h5.get_by_text("社保服务", exact=True).count() == 0
    await shot(h5, "h5-published")

    await page.locator(".versions tr[data-version='1']").get_by_role("button", name="回滚到此版本").click()
    dialog = page.get_by_role("dialog", name="回滚到版本 1")
    await dialog.wait_for()
    await dialog.get_by_role("button", name="确认回滚").click()
    await page.get_by_text("已回滚到版本 1，当前版本 3").wait_for(timeout=10000)
    assert "回滚自版本 1" in await page.locator(".versions tr[data-version='3']").inner_text()
    await page.locator(".section-editor[data-section=shebao]").get_by_label("栏目名称").wait_for()
    assert await page.locator(".section-editor[data-section=shebao]").get_by_label("栏目名称").input_value() == "社保服务"
    await shot(page, "menu-rolled-back")

    await h5.reload()
    await h5.get_by_text("社保服务", exact=True).first.wait_for(timeout=15000)
    assert await h5.get_by_text("社保专区").count() == 0
    assert await h5.get_by_text("社保政策解读").count() == 0
    await shot(h5, "h5-rolled-back")

    await page.get_by_role("link", name="操作日志").click()
    rollback = page.locator("tr[data-action='menu.rollback']").first
    await rollback.wait_for(timeout=10000)
    assert "版本 3（回滚到版本 1）" in await rollback.inner_text()
    published = page.locator("tr[data-action='menu.publish']").first
    assert "说明：浏览器测试：调整社保栏目" in await published.inner_text()
    # the diff records the titles, so the log reads without either menu at hand
    line = "栏目「社保专区」：名称由「社保服务」改为「社保专区」；新增入口 网页链接「社保政策解读」"
    assert line in await published.inner_text()
    await shot(page, "audit")

    # older entries come a page at a time
    from models import audit
    for i in range(60):
        await audit.record(server.deps.db, actor="operator", role="operator", action="item.update", target=f"item:SB{i:04d}")
    admin = await server.login("admin", "Admin@2026")
    total = len((await server.fetch("/api/v1/admin/audit?limit=500", token=admin)).json["entries"])
    await page.get_by_role("button", name="查询").click()
    more = page.get_by_role("button", name="加载更早的记录")
    await more.wait_for(timeout=10000)
    rows = page.locator("tr[data-action]")
    assert await rows.count() == 50
    await more.click()
    await page.wait_for_function(f"document.querySelectorAll('tr[data-action]').length === {total}", timeout=10000)
    assert await more.count() == 0


async def test_item_editor_shows_field_errors_and_a_stale_version(page):
    server = page.server
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/items/SB0008")
    await page.reload()  # the session survives a reload (sessionStorage, checked with /auth/staff/me)
    delivery = page.locator(".field-row[data-field=delivery]")
    await delivery.wait_for(timeout=10000)
    # a choice with one option: the server's message appears beside the options
    await delivery.get_by_role("button", name="删除").last.click()
    await page.get_by_role("button", name="保存").click()
    await delivery.get_by_text("选择题至少需要两个选项").wait_for(timeout=10000)
    assert "提交的数据有误" in await page.locator(".alert-error").inner_text()
    await shot(page, "item-field-error")

    await delivery.get_by_role("button", name="添加选项").click()
    await delivery.get_by_label("选项值").last.fill("express")
    await delivery.get_by_label("选项显示文字").last.fill("快递到家")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_text("（版本 2）").wait_for(timeout=10000)
    item = (await server.fetch("/api/v1/admin/items/SB0008", token=await server.login())).json
    assert item["version"] == 2
    assert [o["label"] for o in next(f for f in item["form"] if f["name"] == "delivery")["options"]] == ["邮寄送达", "快递到家"]

    # someone else saves first: the next save is refused with the server's message
    token = await server.login("admin", "Admin@2026")
    body = {k: v for k, v in item.items() if k not in ("department_name", "online_depth_label", "version", "updated_at",
                                                       "updated_by")}
    r = await server.fetch("/api/v1/admin/items/SB0008", "PUT", token=token, headers={"If-Match": '"2"'},
                           json_body={**body, "description": body["description"] + "（已更新）"})
    assert r.status == 200, r.body
    await page.get_by_label("事项名称").fill("社保卡挂失补换（测试）")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_text("事项已被他人修改，请刷新后重试").wait_for(timeout=10000)
    assert await page.get_by_role("button", name="加载最新版本").count() == 1
    await shot(page, "item-stale")


async def test_wechat_refusal_of_the_official_account_menu_shows_its_errcode(page):
    await login(page, "admin", "Admin@2026")  # admins pass every operator check
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="菜单管理").click()
    wx = page.locator(".wx-menu")
    await wx.wait_for(timeout=10000)
    assert "一级菜单 3 / 3 个" in await wx.locator(".wx-count").first.inner_text()
    first = wx.get_by_label("一级菜单名称").first
    await first.fill("办事服务大厅入口")  # 24 bytes: over WeChat's 16, counted as typed
    assert await wx.locator(".counter.over").first.inner_text() == "24 / 16 字节"
    await wx.get_by_text("一级菜单名称不能超过 16 字节（汉字按 3 字节计）").wait_for()
    await first.fill("办事服务")
    # an appid WeChat does not link to this account: only WeChat can tell
    await wx.get_by_label("小程序 appid").first.fill("wx0000000000000000")
    await page.get_by_role("button", name="发布…").click()
    dialog = page.get_by_role("dialog", name="确认发布微信菜单")
    await dialog.wait_for(timeout=10000)
    assert "公众号菜单有变更" in await dialog.inner_text()
    await dialog.get_by_role("button", name="确认发布").click()
    refusal = wx.locator(".wx-rejection")
    await refusal.wait_for(timeout=10000)
    text = await refusal.inner_text()
    assert "微信拒绝了公众号菜单" in text and "微信错误码 40166" in text
    assert await page.locator(".versions tbody tr").count() == 1  # nothing was published
    await shot(page, "wechat-refused")


async def test_a_publish_by_someone_else_is_not_overwritten_silently(page):
    server = page.server
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/menus/alipay")
    shebao = page.locator(".section-editor[data-section=shebao]")
    await shebao.wait_for(timeout=10000)
    await shebao.get_by_label("栏目名称").fill("社保业务")

    # meanwhile an admin publishes version 2 through the API
    token = await server.login("admin", "Admin@2026")
    menu = (await server.fetch("/api/v1/admin/menus/alipay/draft", token=token)).json["menu"]
    menu["sections"][0]["title"] = "热门推荐"
    r = await server.fetch("/api/v1/admin/menus/alipay/publish", "POST", token=token,
                           json_body={"base_version": 1, "menu": menu, "comment": "另一位管理员"})
    assert r.status == 201, r.body

    await page.get_by_role("button", name="发布…").click()
    stale = page.locator(".stale")
    await stale.get_by_text("菜单已被他人发布（当前版本 2），您的草稿基于版本 1。").wait_for(timeout=10000)
    assert await page.get_by_role("dialog").count() == 0  # no publish offered from the old base
    await shot(page, "menu-stale")

    # keep the edits: the diff against version 2 shows that 热门推荐 would be undone
    await stale.get_by_role("button", name="保留我的修改，与最新版本对比后再发布").click()
    result = page.locator(".check-result")
    await result.get_by_text("与已发布版本 2 相比").wait_for(timeout=10000)
    text = await result.inner_text()
    assert "栏目「热门服务」：名称由「热门推荐」改为「热门服务」" in text
    assert "栏目「社保业务」：名称由「社保服务」改为「社保业务」" in text
    await page.get_by_role("button", name="发布…").click()
    dialog = page.get_by_role("dialog", name="确认发布支付宝菜单")
    await dialog.get_by_role("button", name="确认发布").click()
    await page.get_by_text("已发布支付宝菜单，当前版本 3").wait_for(timeout=10000)
    await shot(page, "menu-stale-resolved")


async def test_a_draft_saved_by_someone_else_is_not_overwritten_silently(page):
    server = page.server
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/menus/app")
    shebao = page.locator(".section-editor[data-section=shebao]")
    await shebao.wait_for(timeout=10000)
    await shebao.get_by_label("栏目名称").fill("社保业务")

    # meanwhile an admin saves the same draft through the API
    token = await server.login("admin", "Admin@2026")
    r = await server.fetch("/api/v1/admin/menus/app/draft", token=token)
    menu = r.json["menu"]
    menu["sections"][0]["title"] = "热门推荐"
    r = await server.fetch("/api/v1/admin/menus/app/draft", "PUT", token=token, json_body=menu,
                           headers={"If-Match": r.headers["Etag"]})
    assert r.status == 200, r.body

    await page.get_by_role("button", name="保存草稿").click()
    conflict = page.locator(".draft-conflict")
    await conflict.get_by_text("草稿已被 admin 修改或菜单已发布新版本，您的修改尚未保存。").wait_for(timeout=10000)
    stored = (await server.fetch("/api/v1/admin/menus/app/draft", token=token)).json
    assert stored["menu"]["sections"][0]["title"] == "热门推荐" and stored["updated_by"] == "admin"
    await shot(page, "menu-draft-conflict")

    await conflict.get_by_role("button", name="用我的修改覆盖").click()
    await page.get_by_text("草稿已保存").wait_for(timeout=10000)
    stored = (await server.fetch("/api/v1/admin/menus/app/draft", token=token)).json
    assert [s["title"] for s in stored["menu"]["sections"][:2]] == ["热门服务", "社保业务"]
    assert stored["updated_by"] == "operator" and stored["revision"] == 2
    assert await page.locator(".draft-conflict").count() == 0


async def test_message_templates_preview_and_test_send(page):
    server = page.server
    await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
        "appid": "wxdemominiapp", "openid": "o-console-tpl", "template_id": "TPL_APPLICATION_STATUS", "kind": "one-time"})
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="消息模板").click()
    row = page.locator("tr[data-template=TPL_APPLICATION_STATUS]")
    await row.wait_for(timeout=10000)
    assert "character_string1, thing2, phrase3, time4, thing5" in await row.inner_text()
    await row.get_by_role("link", name="办件进度通知").click()

    # the status goes to a phrase key: a title there is too long, and the preview says so
    source = page.get_by_label("第 3 个关键词的取值")
    await source.wait_for(timeout=10000)
    await source.select_option("title")
    await page.get_by_label("示例事件").select_option("application.refused")
    await page.get_by_role("button", name="预览").click()
    problem = page.locator(".preview-data tr[class=bad]")
    await problem.get_by_text("通知标题「办件不予受理」应为 5 个以内汉字").wait_for(timeout=10000)
    assert await page.get_by_role("button", name="试发送").is_disabled()  # unsaved edits: save first
    await shot(page, "template-preview-problem")

    await source.select_option("status")
    await page.get_by_role("button", name="预览").click()
    await page.locator(".preview-data").get_by_text("不予受理", exact=True).wait_for(timeout=10000)
    assert await page.locator(".preview-data tr[class=bad]").count() == 0
    await page.get_by_label("试发送给").fill("o-console-tpl")
    await page.get_by_role("button", name="试发送").click()
    await page.get_by_text("平台已受理，消息 ID").wait_for(timeout=10000)
    sent = (await server.fetch("/sandbox/wechat/subscribe-messages?touser=o-console-tpl")).json["messages"]
    assert [m["data"]["phrase3"]["value"] for m in sent] == ["不予受理"]
    await page.get_by_role("button", name="试发送").click()  # the one-time quota is spent
    await page.get_by_text("发送失败：no-quota (43101)").wait_for(timeout=10000)
    await shot(page, "template-test-send")


async def test_item_editor_edits_the_guide_and_field_conditions(page):
    server = page.server
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/items/JT0004")
    address = page.locator(".field-row[data-field=mail_address]")
    await address.wait_for(timeout=10000)
    # 邮寄地址: shown and required only when 领取方式 is 邮寄送达; the contact phone is the login's
    assert await address.get_by_label("显示条件字段").input_value() == "delivery"
    assert await address.get_by_label("显示条件值").input_value() == "mail"
    assert await address.get_by_label("条件必填值").input_value() == "mail"
    assert await page.locator(".field-row[data-field=contact_phone]").get_by_label("预填居民登录手机号").is_checked()
    assert "机动车驾驶证有效期满前90日内" in await page.get_by_label("受理条件").input_value()
    assert await page.get_by_label("第 1 步名称").input_value() == "在线申请"

    # a new phone with a bad number: the server's message beside it; fixed, saved
    await page.get_by_role("button", name="添加电话").click()
    await page.get_by_label("电话 3 名称").fill("车管所咨询窗口")
    await page.get_by_label("电话 3 号码").fill("0571-8888 6666")
    await page.get_by_role("button", name="保存").click()
    await page.locator(".field-error", has_text="电话号码只能包含数字和连字符").wait_for(timeout=10000)
    assert "办事指南 › 第 3 个电话 › 号码：电话号码只能包含数字和连字符" in await page.locator(".alert-error").inner_text()
    await page.get_by_label("电话 3 号码").fill("0571-88886666")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_text("（版本 2）").wait_for(timeout=10000)
    await shot(page, "item-guide")
    item = (await server.fetch("/api/v1/items/JT0004")).json
    assert item["guide"]["phones"][-1] == {"label": "车管所咨询窗口", "number": "0571-88886666"}
    address_def = next(f for f in item["form"] if f["name"] == "mail_address")
    assert address_def["required_when"] == {"field": "delivery", "equals": "mail"}
