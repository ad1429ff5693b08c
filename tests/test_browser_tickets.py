"""差评整改 in Debian's chromium: a 非常不满意 rating (through the API) opens a ticket; the
department's processor records the call-back and closes it; the operator's dashboard figure moves.
Another ticket's appeal is made by the department and decided by the operator. Screenshots under
test-artifacts/ (tickets-*.png)."""

import test_browser_console as console
from test_dashboard import complete

from support import applicant_token, submit

pytestmark = console.pytestmark
page = console.page  # the console's browser fixture, chromium against this server
login, shot = console.login, console.shot


async def bad_rating(server, openid, comment):
    token = await applicant_token(server, openid)
    clerk = await server.login("processor.rsj", "Processor@2026")
    number = await submit(server, token)
    await complete(server, clerk, number)
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token,
                           json_body={"level": "very_dissatisfied", "reasons": ["many_trips"], "comment": comment})
    assert r.status == 200, r.body
    return token, number


async def open_figure(tab):
    await tab.get_by_role("link", name="数据看板").click()
    figure = tab.locator("[data-figure=open-tickets]")
    await figure.wait_for(timeout=10000)
    return await figure.inner_text()


async def test_a_bad_rating_is_called_back_and_closed(page):
    server = page.server
    token, number = await bad_rating(server, "o-tk-1", "跑了三次才办成")

    await login(page, "operator", "Operator@2026")
    assert await open_figure(page) == "1"
    backlog = page.locator("[data-tile=backlog]")  # beside 逾期未办结; the one 办件 is 办结
    assert await backlog.locator(".tile-label").inner_text() == "在办积压"
    assert await backlog.locator(".tile-value").inner_text() == "0"
    assert await backlog.locator(".tile-hint").inner_text() == "待受理 0 件，审核中 0 件，待补正 0 件"
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "processor.rsj", "Processor@2026")
    await page.get_by_role("link", name="差评整改").click()
    row = page.locator(f".ticket-list tr[data-number='{number}']")
    await row.wait_for(timeout=10000)
    assert "非常不满意" in await row.inner_text() and "应于" in await row.inner_text()
    await row.get_by_role("link", name=f"处理工单 {number}").click()
    await page.get_by_text("申请人说：跑了三次才办成").wait_for(timeout=10000)
    assert "多次跑腿" in await page.locator(".rating-card").inner_text()

    await page.get_by_role("button", name="办结整改").click()
    await page.get_by_role("button", name="确认办结整改").click()
    await page.get_by_text("请选择整改结果").wait_for()
    await page.get_by_role("button", name="记录回访").click()
    form = page.get_by_role("form", name="记录回访")
    await form.get_by_label("回访时间", exact=False).fill("2026-01-05T10:30")
    await form.get_by_label("回访结果").fill("已电话致歉，申请人表示理解")
    await form.get_by_role("button", name="确认记录回访").click()
    await page.locator(".callbacks").get_by_text("已电话致歉，申请人表示理解").wait_for(timeout=10000)
    assert "2026-01-05 10:30" in await page.locator(".callbacks").inner_text()
    await page.get_by_role("button", name="办结整改").click()
    form = page.get_by_role("form", name="办结整改")
    await form.get_by_label("整改结果").select_option("rectified")
    await form.get_by_label("整改情况或说明").fill("窗口实行材料一次性告知")
    await form.get_by_role("button", name="确认办结整改").click()
    await page.locator(".page-head .tag", has_text="已办结").wait_for(timeout=10000)
    await shot(page, "tickets-closed")
    mine = (await server.fetch(f"/api/v1/applications/{number}/ticket", token=token)).json
    assert mine["state"] == "closed" and mine["resolution"]["text"] == "窗口实行材料一次性告知"
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "operator", "Operator@2026")
    assert await open_figure(page) == "0"
    assert await page.locator("[data-figure=tickets-on-time]").inner_text() == "100.0%"
    await shot(page, "tickets-dashboard")


async def test_an_appeal_is_decided_by_an_operator(page):
    server = page.server
    _, number = await bad_rating(server, "o-tk-2", "不给办")
    await login(page, "processor.rsj", "Processor@2026")
    await page.get_by_role("link", name="差评整改").click()
    await page.locator(".ticket-list").get_by_role("link", name=f"处理工单 {number}").click()
    await page.get_by_role("button", name="申诉").click()
    form = page.get_by_role("form", name="申诉")
    await form.get_by_label("申诉理由").fill("申请人不符合条件，已依法告知")
    await form.get_by_role("button", name="确认申诉").click()
    await page.get_by_text("等待运营人员裁定").wait_for(timeout=10000)
    await page.get_by_role("button", name="退出登录").click()

    await login(page, "operator", "Operator@2026")
    await page.get_by_role("link", name="差评整改").click()
    await page.locator(".ticket-list").get_by_role("link", name=f"处理工单 {number}").click()
    await page.get_by_role("button", name="裁定申诉").click()
    form = page.get_by_role("form", name="裁定申诉")
    await form.get_by_label("申诉成立", exact=False).check()
    await form.get_by_label("裁定意见").fill("经核查，评价与办理无关")
    await form.get_by_role("button", name="确认裁定申诉").click()
    await page.locator(".page-head .tag", has_text="申诉成立已撤销").wait_for(timeout=10000)
    assert "裁定：申诉成立（经核查，评价与办理无关）" in await page.locator(".page").inner_text()
    await shot(page, "tickets-appeal")
