"""Loopback stand-ins for the upstream platforms (WeChat today; Alipay, JPush,
SMS and department systems later) used by the tests and the demo.

The package is self-contained: it imports only the standard library and
tornado, and receives all of its configuration as plain arguments::

    from sandbox.app import SandboxState, make_sandbox_app, sandbox_routes

    state = SandboxState(wechat_apps={"wxdemoappid": "demo-secret"})
    app = make_sandbox_app(state, prefix="/sandbox")

Layout:

* ``state``  - in-memory state shared by every upstream: injected faults, the
  received-request log, and each upstream's own data (tokens, menus, ...).
* ``base``   - the request handler base class every sandbox endpoint uses
  (JSON out, request recording, fault application).
* ``faults`` - the control plane: ``/faults``, ``/received``, ``/reset``.
* ``wechat`` - the WeChat official-account API (``/wechat/cgi-bin/...``).
* ``app``    - assembly: routes and a standalone application.
"""
