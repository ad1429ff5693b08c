import pytest

from config import DEMO_JWT_SECRET, ConfigError, Settings

PROD = {"APP_MODE": "production", "MONGODB_URI": "mongodb://db:27017", "REDIS_URL": "redis://r:6379/0",
        "JWT_SECRET": "x" * 40, "WECHAT_SECRET": "real-secret",
        "PII_HMAC_KEY": "h" * 40, "PII_ENC_KEY": "ab" * 32, "SMS_SIGN_NAME": "某市政务服务",
        "SMS_TEMPLATE_LOGIN": "SMS_465320001", "SMS_TEMPLATE_LINK": "SMS_465320002", "SMS_TEMPLATE_STATUS": "SMS_465320003",
        "SMS_TEMPLATE_DOCUMENT": "SMS_465320004"}


def test_demo_mode_runs_on_embedded_defaults():
    s = Settings.from_mapping({"APP_MODE": "demo"})
    assert s.demo and s.mount_sandbox and s.mongodb_uri is None
    assert s.wechat_api_base == "http://127.0.0.1:8000/sandbox/wechat/"


def test_production_is_the_default_and_refuses_the_demo_secret():
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        Settings.from_mapping({**PROD, "APP_MODE": "", "JWT_SECRET": DEMO_JWT_SECRET})
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        Settings.from_mapping({k: v for k, v in PROD.items() if k != "JWT_SECRET"})


def test_production_needs_mongo_redis_and_no_sandbox():
    with pytest.raises(ConfigError) as err:
        Settings.from_mapping({**PROD, "MONGODB_URI": "", "REDIS_URL": "", "SANDBOX": "1"})
    assert "MONGODB_URI" in str(err.value) and "REDIS_URL" in str(err.value) and "SANDBOX" in str(err.value)
    assert Settings.from_mapping(PROD).mode == "production"


def test_secrets_are_hidden_in_repr():
    s = Settings.from_mapping(PROD)
    text = repr(s)
    assert "x" * 40 not in text and "real-secret" not in text and "mongodb://db" not in text
    assert s.jwt_secret == "x" * 40


def test_production_refuses_the_demo_sms_templates_and_signature():
    for name, demo in (("SMS_TEMPLATE_LOGIN", "SMS_LOGIN_CODE"), ("SMS_TEMPLATE_LINK", "SMS_LINK_CODE"),
                       ("SMS_TEMPLATE_STATUS", "SMS_APPLICATION_STATUS"),
                       ("SMS_TEMPLATE_DOCUMENT", "SMS_DOCUMENT_SERVED"), ("SMS_SIGN_NAME", "政务服务")):
        for value in (demo, ""):
            with pytest.raises(ConfigError, match=name):
                Settings.from_mapping({**PROD, name: value})
        with pytest.raises(ConfigError, match=name):
            Settings.from_mapping({k: v for k, v in PROD.items() if k != name})  # the default is the demo's
    demo = Settings.from_mapping({"APP_MODE": "demo"})
    assert (demo.sms_template_status, demo.sms_sign_name) == ("SMS_APPLICATION_STATUS", "政务服务")


def test_jpush_apns_and_wechat_refresh_defaults():
    prod, demo = Settings.from_mapping(PROD), Settings.from_mapping({"APP_MODE": "demo"})
    assert prod.jpush_apns_production is True and demo.jpush_apns_production is False
    assert Settings.from_mapping({**PROD, "JPUSH_APNS_PRODUCTION": "false"}).jpush_apns_production is False
    assert prod.wechat_force_refresh_every == 5400


@pytest.mark.parametrize("env", [{"PORT": "eighty"}, {"SANDBOX": "maybe"}, {"APP_MODE": "staging"},
                                 {"ACCESS_TOKEN_TTL": "3600"}, {"PUSH_SWEEP_AGE": "0"},
                                 {"PUSH_READY_BACKLOG_AGE": "-1"}, {"PUSH_RETRY_WINDOW": "43201"},
                                 {"PUSH_RETRY_WINDOW": "0"}, {"RECTIFY_DAYS": "0"}, {"RECTIFY_DAYS": "61"}])
def test_bad_values_fail_at_start(env):
    with pytest.raises(ConfigError):
        Settings.from_mapping({"APP_MODE": "demo", **env})


def test_rectify_days_is_the_citys_setting():
    assert Settings.from_mapping({"APP_MODE": "demo"}).rectify_days == 5
    assert Settings.from_mapping({"APP_MODE": "demo", "RECTIFY_DAYS": "10"}).rectify_days == 10


def test_dotenv_is_read_below_the_environment(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=9001\nLOG_LEVEL=debug\n")
    s = Settings.from_env({"APP_MODE": "demo", "PORT": "9002"}, dotenv=str(dotenv))
    assert s.port == 9002 and s.log_level == "DEBUG"
