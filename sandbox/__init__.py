"""Loopback stand-ins for the upstream platforms (WeChat, Alipay, Aliyun SMS,
the population register, JPush, the data-sharing exchange with the
social-security bureau, the traffic police and the transport bureau) used by
the tests and the demo.

The package is self-contained: it imports only the standard library,
tornado and ``cryptography`` (Alipay's RSA signatures), and receives all of
its configuration as plain arguments::

    from sandbox.app import SandboxState, make_sandbox_app, sandbox_routes, sms_gateway_app

    state = SandboxState(
        wechat_apps={"wxdemoappid": "demo-secret"},
        alipay_apps={"2021000000000001": app_public_key_pem},
        sms_access_keys={"demo-ak": "demo-secret"},
        jpush_apps={"demo-app-key": "demo-master-secret"},
        exchange_apps={"demo-exchange-app": "demo-exchange-secret"},
    )
    app = make_sandbox_app(state, prefix="/sandbox")
    sms_app = sms_gateway_app(state)  # the SDK's path is "/": its own port
    state.alipay_public_key_pem       # the Alipay public key for the client

Layout:

* ``state``  - ``SandboxState``, all the in-memory state, composed of each
  upstream's own: ``<upstream>_state`` beside the module serving it
  (``wechat_state``, ``wechat_login_state``, ``wechat_subscribe_state``,
  ``wechat_push_state``, ``alipay_state``, ``sms_state``, ``identity_state``,
  ``jpush_state``, ``exchange_state``, ``face_state``); ``shared_state`` holds
  the clock type, Beijing time, injected faults and the received-request log.
* ``base``   - the request handler base class every sandbox endpoint uses
  (JSON out, request recording, fault application).
* ``faults`` - the control plane: ``/faults``, ``/received``, ``/reset``.
* ``wechat`` - the WeChat official-account API (``/wechat/cgi-bin/...``).
* ``wechat_login`` - mini-program login (``/wechat/login-code``,
  ``/wechat/sns/jscode2session``).
* ``wechat_subscribe`` - mini-program subscribe messages
  (``/wechat/cgi-bin/message/subscribe/send``; the user's quotas at
  ``/wechat/subscriptions``, read-back at ``/wechat/subscribe-messages``).
* ``wechat_face`` - 人脸核身 2.0 (``/wechat/cityservice/face/identify/...``;
  the resident's part at ``/wechat/face/{verify_id}``).
* ``alipay`` - the Alipay open-platform gateway (``/alipay/gateway.do``);
  ``alipay_templates`` holds each app's message templates.
* ``alipay_certify`` - 身份验证 methods of the gateway (the resident's part
  at ``/alipay/certify/{certify_id}``); ``face_state`` holds both platforms'
  face sessions.
* ``sms``    - Aliyun SMS ``SendSms`` (its own app at ``/``; read-back at
  ``/sms/messages``).
* ``identity`` - the population register (``/identity/verify``).
* ``jpush``  - JPush ``/jpush/v3/push`` (point the SDK at it with a
  ``jpush.common.ZONES`` entry from ``jpush.jpush_zone(base_url)``; devices
  at ``/jpush/devices``, read-back at ``/jpush/pushes``).
* ``exchange`` (+ ``exchange_data``) - the data-sharing exchange: signed
  queries to 人社 (``/exchange/rsj/...``) and 交警 (``/exchange/jj/...``);
  a plate's owner at ``/exchange/jj/vehicles/{plate}``, query counts at
  ``/exchange/calls``.
* ``exchange_lookup`` - the field inspectors' look-ups on the exchange:
  ``/exchange/jj/vehicle``, ``/exchange/jj/driver`` and 运管's
  ``/exchange/ysj/business``.
* ``app``    - assembly: routes and a standalone application.
"""
