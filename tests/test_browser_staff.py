"""人员管理 in Debian's chromium: an admin creates a processor with a temporary password; the new
processor logs in, is shown only the change-password page, changes it, and reaches the workbench.
Screenshots under test-artifacts/ (staff-*.png)."""

import test_browser_console as console

pytestmark = console.pytestmark
page = console.page  # the console's browser fixture, chromium against this server
login, shot = console.login, console.shot


async def test_an_admin_creates_a_processor_who_must_change_the_password(page):
    await login(page, "admin", "Admin@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="人员管理").click()
    await page.locator(".accounts tr[data-username=operator]").wait_for(timeout=10000)
    await page.get_by_role("button", name="新建账号").click()
    form = page.get_by_role("form", name="新建账号")
    await form.get_by_label("用户名").fill("clerk.wang")
    await form.get_by_label("姓名").fill("王审核")
    await form.get_by_label("角色").select_option("processor")
    await form.get_by_role("button", name="保存").click()
    await form.get_by_text("请输入密码").wait_for()  # checked before sending
    await form.get_by_label("初始密码", exact=False).fill("Temp1234567")
    await form.get_by_role("button", name="保存").click()
    await form.get_by_text("办件审核员须属于一个部门").wait_for(timeout=10000)  # the server's 422, beside the form
    await form.get_by_label("部门").select_option("rsj")
    await shot(page, "staff-create")
    await form.get_by_role("button", name="保存").click()
    await page.get_by_text("已创建账号 clerk.wang").wait_for(timeout=10000)
    row = page.locator(".accounts tr[data-username='clerk.wang']")
    assert "待修改初始密码" in await row.inner_text() and "市人力资源和社会保障局" in await row.inner_text()
    await shot(page, "staff-list")
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "clerk.wang", "Temp1234567")
    await page.get_by_role("heading", name="修改初始密码").wait_for(timeout=10000)
    assert await page.locator(".topbar").count() == 0
    await page.get_by_label("当前密码").fill("Temp1234567")
    await page.get_by_label("新密码", exact=False).first.fill("Temp1234567")
    await page.get_by_label("再次输入新密码").fill("Temp1234567")
    await page.get_by_role("button", name="修改密码").click()
    await page.get_by_text("新密码不能与当前密码相同").wait_for()
    await page.get_by_label("新密码", exact=False).first.fill("Wang2026abcd")
    await page.get_by_label("再次输入新密码").fill("Wang2026abcd")
    await shot(page, "staff-change-password")
    await page.get_by_role("button", name="修改密码").click()
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("heading", name="办件工作台").wait_for(timeout=10000)

    admin = await page.server.login("admin", "Admin@2026")
    r = await page.server.fetch("/api/v1/admin/audit?target=staff:clerk.wang", token=admin)
    assert [e["action"] for e in r.json["entries"]] == ["staff.password_change", "staff.create"]
