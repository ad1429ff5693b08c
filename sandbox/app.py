"""Assembly: the sandbox's routes, and a standalone application serving them.

    state = SandboxState(wechat_apps={"wxdemoappid": "demo-secret"})
    routes = sandbox_routes(state, prefix="/sandbox")  # mount in another app
    app = make_sandbox_app(state, prefix="/sandbox")   # or serve on its own
    sms = sms_gateway_app(state)                       # the SMS gateway: its own port

Upstreams and their fault / received-log targets:

* ``wechat``           - ``wechat.token``, ``wechat.stable_token``,
  ``wechat.menu.create|get|delete|selfmenu_info``
* ``wechat_login``     - ``wechat.jscode2session``
* ``wechat_subscribe`` - ``wechat.subscribe.send``
* ``wechat_face``      - ``wechat.face.getverifyid``, ``wechat.face.queryverifyinfo``
* ``alipay``           - ``alipay.gateway``, ``alipay.system.oauth.token``,
  ``alipay.open.app.mini.templatemessage.send``, ``alipay.user.certify.open.initialize|certify|query``
  (the last three in ``alipay_certify``, which adds only control routes)
* ``sms``              - ``sms.send`` (served by ``sms_gateway_app``)
* ``identity``         - ``identity.verify``
* ``jpush``            - ``jpush.push``, ``jpush.cid``
* ``exchange``         - ``exchange.rsj.insured|contributions|pension|card``,
  ``exchange.jj.vehicle_check|violations|licence|inspection``, and per
  department ``exchange.rsj``, ``exchange.jj``
* ``exchange_lookup``  - ``exchange.jj.vehicle|driver``,
  ``exchange.ysj.business``, and per department ``exchange.ysj`` (mounted
  before ``exchange``, whose routes end with a catch-all)
* ``exchange_skills``  - ``exchange.rsj.certificates`` (before ``exchange`` too)
* ``exchange_medical`` - ``exchange.ybj.account|records``, and per department
  ``exchange.ybj`` (before ``exchange`` too)

A new upstream adds a module with its ``TARGETS`` and a ``*_routes(state,
prefix_re)`` function, and is listed in ``_UPSTREAMS`` below.
"""

from __future__ import annotations

import re
from typing import Any

import tornado.web

from sandbox import (
    alipay,
    alipay_certify,
    exchange,
    exchange_lookup,
    exchange_medical,
    exchange_skills,
    identity,
    jpush,
    sms,
    wechat,
    wechat_face,
    wechat_login,
    wechat_subscribe,
)
from sandbox.base import NotFoundHandler
from sandbox.faults import control_routes
from sandbox.sms import sms_gateway_app
from sandbox.state import SandboxState

__all__ = ["SandboxState", "make_sandbox_app", "sandbox_routes", "sms_gateway_app"]

# (targets, routes factory) per upstream.
_UPSTREAMS = [
    (wechat.TARGETS, wechat.wechat_routes),
    (wechat_login.TARGETS, wechat_login.wechat_login_routes),
    (wechat_subscribe.TARGETS, wechat_subscribe.wechat_subscribe_routes),
    (wechat_face.TARGETS, wechat_face.wechat_face_routes),
    (alipay.TARGETS, alipay.alipay_routes),
    ((), alipay_certify.alipay_certify_routes),
    (sms.TARGETS, sms.sms_routes),
    (identity.TARGETS, identity.identity_routes),
    (jpush.TARGETS, jpush.jpush_routes),
    (exchange_lookup.TARGETS, exchange_lookup.exchange_lookup_routes),
    (exchange_skills.TARGETS, exchange_skills.exchange_skills_routes),
    (exchange_medical.TARGETS, exchange_medical.exchange_medical_routes),
    (exchange.TARGETS, exchange.exchange_routes),
]


def _normalize_prefix(prefix: str) -> str:
    prefix = prefix.strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix


def sandbox_routes(state: SandboxState, prefix: str = "/sandbox") -> list[tornado.web.URLSpec]:
    """Every sandbox route below ``prefix``, as URLSpecs for any Application.

    The list ends with a catch-all that answers JSON 404 for unknown paths
    below the prefix (omitted when the prefix is empty, so that it cannot
    shadow the host application's routes).
    """
    prefix_re = re.escape(_normalize_prefix(prefix))
    rules: list[tuple[str, type, dict[str, Any]]] = []
    for targets, routes in _UPSTREAMS:
        state.register_targets(targets)
        rules.extend(routes(state, prefix_re))
    rules.extend(control_routes(state, prefix_re))
    if prefix_re:
        rules.append((rf"{prefix_re}/.*", NotFoundHandler, {"state": state}))
    return [tornado.web.URLSpec(pattern, handler, kwargs) for pattern, handler, kwargs in rules]


def make_sandbox_app(
    state: SandboxState, prefix: str = "/sandbox", **settings: Any
) -> tornado.web.Application:
    """A standalone Application serving ``sandbox_routes(state, prefix)``.

    Extra keyword arguments are passed to the Application as settings.
    """
    settings.setdefault("default_handler_class", NotFoundHandler)
    settings.setdefault("default_handler_args", {"state": state})
    return tornado.web.Application(sandbox_routes(state, prefix), **settings)
