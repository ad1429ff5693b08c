"""运营报表, 操作日志 and 登录记录 in Debian's chromium: an operator downloads the report (the
browser's download event) and the file's 办件 total is the dashboard's; the audit log's person
filter narrows to one person's actions, and its CSV export keeps the filter; an admin sees a
failed login in the login history, and a staff member their own. Screenshots under
test-artifacts/ (reports-*.png)."""

import csv
import io

import openpyxl
import test_browser_console as console

from models import audit
from support import applicant_token, submit

pytestmark = console.pytestmark
page = console.page  # the console's browser fixture, chromium against this server
login, shot = console.login, console.shot


async def test_an_operator_downloads_the_report_and_filters_the_audit_log(page, tmp_path):
    server = page.server
    resident = await applicant_token(server, "o-browser-report")
    for _ in range(2):
        await submit(server, resident)
    await login(page, "operator", "Operator@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="运营报表").click()
    await page.get_by_role("button", name="近 7 天").click()
    first = await page.get_by_label("开始日期").input_value()
    last = await page.get_by_label("结束日期").input_value()
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="下载 Excel 报表").click()
    download = await waiting.value
    assert download.suggested_filename == f"运营报表_{first}_{last}.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    await page.get_by_text(f"已生成 运营报表_{first}_{last}.xlsx").wait_for(timeout=10000)
    await shot(page, "reports-download")
    operator = await server.login()
    dash = (await server.fetch(f"/api/v1/admin/dashboard?from={first}&to={last}", token=operator)).json
    sheet = openpyxl.load_workbook(saved, read_only=True)["办件按部门和状态"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert rows["合计"][-1] == dash["applications"]["total"] >= 2

    # the person filter: only alice's entries
    for actor, target in (("alice", "item:A1"), ("bob", "item:B1"), ("alice", "item:A2")):
        await audit.record(server.deps.db, actor=actor, role="operator", action="item.update", target=target,
                           details={"version": 2, "changed": ["name"]})
    await page.get_by_role("link", name="操作日志").click()
    table = page.locator(".audit table tbody")
    await table.locator("tr[data-action='report.export']").first.wait_for(timeout=10000)  # the download, audited
    await page.get_by_label("操作人").fill("alice")
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_function("document.querySelectorAll('.audit tbody tr').length === 2", timeout=10000)
    texts = await table.locator("tr").all_inner_texts()
    assert all("alice" in t for t in texts) and "事项 A2" in texts[0] and "事项 A1" in texts[1]
    await shot(page, "reports-audit-filter")
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="导出 CSV").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".csv")
    data = (await download.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    exported = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[1] for r in exported[1:]] == ["alice", "alice"]


async def test_an_admin_sees_a_failed_login_and_a_clerk_their_own(page):
    server = page.server
    r = await server.fetch("/api/v1/auth/staff", "POST", headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"},
                           json_body={"username": "processor.rsj", "password": "not-the-password"})
    assert r.status == 401
    await login(page, "admin", "Admin@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="登录记录").click()
    await page.get_by_role("heading", name="登录记录").wait_for(timeout=10000)
    await page.get_by_label("用户名", exact=True).fill("processor.rsj")
    await page.get_by_label("结果", exact=True).select_option("failed")
    await page.get_by_role("button", name="查询").click()
    row = page.locator(".logins tbody tr[data-outcome=failed]")
    await row.first.wait_for(timeout=10000)
    await page.wait_for_function("document.querySelectorAll('.logins tbody tr').length === 1", timeout=10000)
    text = await row.inner_text()
    assert "processor.rsj" in text and "用户名或密码错误" in text and "Firefox 128" in text and "127.0.0.1" in text
    await shot(page, "reports-login-history")
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "processor.rsj", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.get_by_role("link", name="登录记录").click()
    await page.get_by_role("heading", name="我的最近登录").wait_for(timeout=10000)
    await page.locator(".logins tbody tr[data-outcome=success]").first.wait_for(timeout=10000)
    outcomes = await page.locator(".logins tbody tr").evaluate_all("rows => rows.map(r => r.dataset.outcome)")
    assert outcomes[:2] == ["success", "failed"]  # this login, then the stranger's attempt
    await shot(page, "reports-my-logins")
