"""Every upstream mounts through ``sandbox_routes`` under any prefix."""

import tornado.httpserver
import tornado.testing
import tornado.web
from tornado.httpclient import AsyncHTTPClient

from sandbox.app import SandboxState, sandbox_routes


async def test_all_upstreams_mount_under_a_prefix():
    state = SandboxState(wechat_apps={"wxapp": "secret"})
    app = tornado.web.Application(sandbox_routes(state, prefix="/sb/"), xsrf_cookies=True)
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets([sock])
    http = AsyncHTTPClient()
    base = f"http://127.0.0.1:{port}/sb"
    try:
        checks = [
            ("/wechat/login-code", "POST", b'{"openid": "o1"}', 201),
            ("/wechat/sns/jscode2session?appid=wxapp&secret=secret&js_code=x&grant_type=authorization_code",
             "GET", None, 200),
            ("/alipay/public-key", "GET", None, 200),
            ("/alipay/gateway.do", "GET", None, 200),
            ("/alipay/gateway_do", "GET", None, 404),  # the dot is literal
            ("/sms/messages", "GET", None, 200),
            ("/identity/verify", "POST", b'{"name": "x", "id_number": "1"}', 200),
            ("/identity/people/11010519491231002X", "GET", None, 200),
            ("/wechat/cgi-bin/message/subscribe/send", "POST", b"{}", 200),  # errcode 41001
            ("/wechat/subscriptions", "GET", None, 200),
            ("/wechat/subscribe-messages", "GET", None, 200),
            ("/jpush/v3/push", "POST", b"{}", 401),
            ("/jpush/v3/devices/1a0018970a8c3e5d6e7", "GET", None, 404),
            ("/jpush/devices", "GET", None, 200),
            ("/jpush/pushes", "GET", None, 200),
            ("/exchange/rsj/insured", "POST", b'{"id_number": "11010519491231002X"}', 401),  # unsigned
            ("/exchange/jj/vehicles/%E6%B5%99A12345", "GET", None, 200),
            ("/exchange/jj/vehicle", "POST", b'{"plate": "x"}', 401),  # sandbox.exchange_lookup, unsigned
            ("/exchange/ysj/business", "POST", b'{"licence_no": "330100123456"}', 401),
            ("/exchange/rsj/certificates", "POST", b'{"id_number": "11010519491231002X"}', 401),  # exchange_skills
            ("/exchange/ybj/account", "POST", b'{"id_number": "11010519491231002X"}', 401),  # exchange_medical
            ("/exchange/ybj/records", "POST", b'{"id_number": "11010519491231002X", "year": 2025}', 401),
            ("/exchange/calls", "GET", None, 200),
            ("/exchange/nowhere", "GET", None, 404),
        ]
        for path, method, body, code in checks:
            response = await http.fetch(base + path, method=method, body=body, raise_error=False)
            assert response.code == code, (path, response.body)
        targets = set(state.targets)
        assert {"wechat.token", "wechat.jscode2session", "alipay.gateway", "alipay.system.oauth.token",
                "alipay.open.app.mini.templatemessage.send", "sms.send", "identity.verify",
                "wechat.subscribe.send", "jpush.push", "exchange.rsj.insured", "exchange.jj.violations",
                "exchange.rsj", "exchange.jj", "exchange.jj.driver", "exchange.ysj.business", "exchange.ysj",
                "exchange.rsj.certificates", "exchange.ybj.account", "exchange.ybj.records", "exchange.ybj"} <= targets
    finally:
        server.stop()
        await server.close_all_connections()
