"""The gateways' signatures: Alibaba Cloud's documented SendSms example, and HallQ's JSON scheme
checked by the emulator."""

from __future__ import annotations

import base64
import hashlib
import hmac

from queue_server.adapters import aliyun_sms
from queue_server.adapters.gateways import body_signature

# The worked example of Alibaba Cloud's SMS signature documentation (AccessKeySecret "testSecret").
DOCUMENTED = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_canonical_query_percent_encodes_utf8_json_and_the_colons_of_the_time() -> None:
    query = aliyun_sms.canonical_query(DOCUMENTED)
    assert query.startswith("AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001")
    assert (
        "SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8" in query
    )
    assert "TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z" in query
    assert aliyun_sms.string_to_sign("GET", DOCUMENTED).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML"
    )


def test_the_documented_example_signs_to_the_documented_signature() -> None:
    assert aliyun_sms.sign("GET", DOCUMENTED, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_sms.signed_query("GET", DOCUMENTED, "testSecret").startswith(
        "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId"
    )


def test_a_space_is_percent_20_and_the_unreserved_marks_stay_as_they_are() -> None:
    assert aliyun_sms.percent_encode("a b*c~d-e_f.g+h") == "a%20b%2Ac~d-e_f.g%2Bh"


def test_the_json_gateway_signs_the_timestamp_and_the_body_with_hmac_sha256() -> None:
    expected = hmac.new(b"k", b"1700000000\n{}", hashlib.sha256).hexdigest()
    assert body_signature("k", "1700000000", b"{}") == expected
    assert len(base64.b16decode(expected.upper())) == 32
