"""Four eyes on menus and 部门与中队 in Debian's chromium: operator A submits a menu change for review
(A cannot approve it), operator B approves it and the resident's menu shows it; an admin creates a
department and assigns a processor to it. Screenshots under test-artifacts/ (console-review-*.png)."""

import test_browser_console as console

from models import staff

pytestmark = console.pytestmark
page = console.page  # the console's browser fixture, chromium against this server
login, shot = console.login, console.shot


async def nav(page, name):
    await page.locator(".topbar nav").get_by_role("link", name=name).click()


async def test_a_menu_change_waits_for_a_second_operator_then_goes_live(page):
    server = page.server
    await staff.create_staff(server.deps.db, username="operator.b", password_hash=staff.hash_password("Second@2026a"),
                             role="operator", display_name="运营审核员")

    await login(page, "operator", "Operator@2026")
    await nav(page, "菜单管理")
    await page.get_by_role("tab", name="支付宝").click()
    section = page.locator(".section-editor[data-section=shebao]")
    await section.wait_for(timeout=10000)
    await section.get_by_label("栏目名称").fill("社保审核专区")
    await page.get_by_role("button", name="提交审核…").click()
    dialog = page.get_by_role("dialog", name="提交支付宝菜单审核")
    await dialog.wait_for(timeout=10000)
    assert "栏目「社保审核专区」：名称由「社保服务」改为「社保审核专区」" in await dialog.inner_text()
    await dialog.get_by_label("提交说明").fill("浏览器测试：社保栏目改名")
    await dialog.get_by_role("button", name="提交审核").click()
    await page.get_by_text("已提交支付宝菜单的变更，等待另一名运营人员审核").wait_for(timeout=10000)
    await page.get_by_text("本渠道有 1 项变更等待审核").wait_for()
    assert (await server.fetch("/api/v1/channels/alipay/menu")).json["version"] == 1  # nothing live yet

    await nav(page, "审核发布")
    mine = page.locator(".review[data-state=pending]")
    await mine.wait_for(timeout=10000)
    assert "这是您提交的变更，须由另一名运营人员审核" in await mine.inner_text()
    assert await mine.get_by_role("button", name="批准发布").count() == 0
    await shot(page, "review-own")
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "operator.b", "Second@2026a")
    await nav(page, "审核发布")
    pending = page.locator(".review[data-state=pending]")
    await pending.wait_for(timeout=10000)
    text = await pending.inner_text()
    assert "支付宝菜单" in text and "operator" in text and "浏览器测试：社保栏目改名" in text
    assert "名称由「社保服务」改为「社保审核专区」" in text
    await shot(page, "review-pending")
    await pending.get_by_role("button", name="批准发布").click()
    dialog = page.get_by_role("dialog", name="批准并立即发布")
    await dialog.get_by_label("审核意见（可选）").fill("同意")
    await dialog.get_by_role("button", name="确认发布").click()
    await page.get_by_text("支付宝菜单：已发布 · 版本 2").wait_for(timeout=10000)
    await page.get_by_role("button", name="已发布").click()
    await page.locator(".review[data-state=published]").wait_for(timeout=10000)
    await shot(page, "review-published")

    menu = (await server.fetch("/api/v1/channels/alipay/menu")).json
    assert menu["version"] == 2 and "社保审核专区" in [s["title"] for s in menu["sections"]]
    admin = await server.login("admin", "Admin@2026")
    entries = (await server.fetch("/api/v1/admin/audit?target=menu:alipay", token=admin)).json["entries"]
    assert [(e["action"], e["actor"]) for e in entries][:4] == [
        ("review.published", "operator.b"), ("menu.publish", "operator.b"), ("review.approve", "operator.b"),
        ("review.submit", "operator")]


async def test_an_admin_creates_a_department_and_assigns_a_processor(page):
    await login(page, "admin", "Admin@2026")
    await nav(page, "部门与中队")
    form = page.get_by_role("form", name="新建部门或中队")
    await form.wait_for(timeout=10000)
    await form.get_by_label("代码").fill("Bad Code")
    await form.get_by_label("名称").fill("市市场监督管理局")
    await form.get_by_role("button", name="新建").click()
    await form.get_by_text("部门代码须为小写字母开头").wait_for()  # checked before sending
    await form.get_by_label("代码").fill("sjj")
    await form.get_by_role("button", name="新建").click()
    await page.get_by_text("已新建部门 市市场监督管理局").wait_for(timeout=10000)
    row = page.locator(".units[data-kind=department] tr[data-code=sjj]")
    assert "0 人" in await row.inner_text() and "启用" in await row.inner_text()

    await nav(page, "人员管理")
    await page.get_by_role("button", name="编辑 processor.rsj2").click()
    edit = page.get_by_role("form", name="编辑账号")
    await edit.get_by_label("部门").select_option("sjj")
    await edit.get_by_role("button", name="保存").click()
    await page.get_by_text("已保存账号 processor.rsj2").wait_for(timeout=10000)
    account = page.locator(".accounts tr[data-username='processor.rsj2']")
    await account.get_by_text("市市场监督管理局").wait_for(timeout=10000)  # the list reloads after the notice

    await nav(page, "部门与中队")
    await row.wait_for(timeout=10000)
    await page.wait_for_function(
        "document.querySelector('.units[data-kind=department] tr[data-code=sjj]')?.innerText.includes('1 人')")
    assert await row.get_by_role("button", name="停用 市市场监督管理局").is_disabled()  # someone works there
    await shot(page, "review-org")
    admin = await page.server.login("admin", "Admin@2026")
    r = await page.server.fetch("/api/v1/admin/audit?target=staff:processor.rsj2", token=admin)
    assert r.json["entries"][0]["details"]["changes"]["department"] == ["rsj", "sjj"]
