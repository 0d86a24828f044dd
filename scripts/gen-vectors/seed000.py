#!/usr/bin/env python3
"""Test vectors for seed 000 (Part11PayloadBuilder, HMAC-SHA256 over Python canonical JSON).

Writes tests/vectors/seed000-vectors.json and tests/vectors/python-canonical-vectors.json.
Re-runnable and deterministic: secrets and timestamps are fixed, so a re-run on CPython 3.x
reproduces the files byte for byte. Run from the repository root:

    python3 scripts/gen-vectors/seed000.py

The builder code below is copied from /work/shared/seeds/000_c6c5b6a3b0ce6d3d.txt (only the
parts needed to build, verify and validate; the MQTT publisher is replaced by the one line that
serializes what it publishes). Nothing in it is changed: timestamps are fixed by replacing
`_utc_iso` from outside.
"""

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional

# ---- copied from seed 000 -------------------------------------------------------------------
_SIGNATURE_EXCLUDED_KEYS = {"schema_hash", "signature_manifest"}


def _canonicalize(payload: Dict[str, Any], exclude: set[str] = frozenset()) -> bytes:
    """Deterministic JSON serialization for hashing/signing."""
    filtered = {k: v for k, v in payload.items() if k not in exclude}
    return json.dumps(filtered, sort_keys=True, separators=(",", ":")).encode("utf-8")


class Part11PayloadBuilder:
    SCHEMA_VERSION = "2.1.0"

    def __init__(self, device_id: str, signing_secret: bytes):
        if len(signing_secret) < 32:
            raise ValueError("signing_secret must be at least 32 bytes")
        self.device_id = device_id
        self.signing_secret = signing_secret

    @staticmethod
    def _utc_iso() -> str:
        raise RuntimeError("replaced by the generator with a fixed clock")

    def build(
        self,
        sensor_value: float,
        unit: str,
        operator_id: str,
        action: str,
        previous_value: Optional[float] = None,
        reason_for_change: str = "routine_telemetry",
    ) -> Dict[str, Any]:
        ts = self._utc_iso()
        payload: Dict[str, Any] = {
            "payload_version": self.SCHEMA_VERSION,
            "device_id": self.device_id,
            "timestamp_utc": ts,
            "sensor_reading": {"value": sensor_value, "unit": unit},
            "audit_trail": [{
                "action": action,
                "operator_id": operator_id,
                "timestamp_utc": ts,
                "previous_value": previous_value,
                "new_value": sensor_value,
                "reason_for_change": reason_for_change,
            }],
            "access_control": {
                "operator_role": "cold_chain_monitor",
                "device_cert_fingerprint": "sha256:pending_attestation",
                "access_level": "read_write",
            },
            "transmission_params": {
                "broker_endpoint": "mqtt.pharma-edge.internal",
                "tls_version": "1.3",
                "qos_level": 1,
                "retain_flag": False,
            },
        }
        canonical = _canonicalize(payload, exclude=_SIGNATURE_EXCLUDED_KEYS)
        payload["schema_hash"] = hashlib.sha256(canonical).hexdigest()
        payload["signature_manifest"] = {
            "signer_name": self.device_id,
            "signer_role": "automated_edge_agent",
            "signature_timestamp": ts,
            "cryptographic_hash": hmac.new(
                self.signing_secret, canonical, hashlib.sha256
            ).hexdigest(),
        }
        return payload

    @staticmethod
    def verify(payload: Dict[str, Any], signing_secret: bytes) -> bool:
        try:
            expected = hmac.new(
                signing_secret,
                _canonicalize(payload, exclude=_SIGNATURE_EXCLUDED_KEYS),
                hashlib.sha256,
            ).hexdigest()
            actual = payload["signature_manifest"]["cryptographic_hash"]
        except (KeyError, TypeError):
            return False
        return hmac.compare_digest(expected, actual)

    @staticmethod
    def validate(payload: Dict[str, Any]) -> bool:
        required_keys = {
            "payload_version", "device_id", "timestamp_utc", "sensor_reading",
            "audit_trail", "access_control", "transmission_params",
            "schema_hash", "signature_manifest",
        }
        if not required_keys.issubset(payload.keys()):
            return False
        if not isinstance(payload["audit_trail"], list) or not payload["audit_trail"]:
            return False
        return True


def publish_bytes(payload: Dict[str, Any]) -> bytes:
    """What CompliantMQTTPublisher.publish hands to paho."""
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")
# ---- end of the copy ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "tests" / "vectors"


def secret_for(device_id: str, key_version: int) -> bytes:
    """Fixed 32-byte test secrets, so the vectors are reproducible."""
    return hashlib.sha256(f"custos test vector secret|{device_id}|{key_version}".encode("utf-8")).digest()


TS = "2024-05-01T12:00:00+00:00"

# The device registry the TypeScript tests verify against: device -> {key_version: secret}.
KEYRING = {
    "EDGE-TH-0042": {1: secret_for("EDGE-TH-0042", 1), 2: secret_for("EDGE-TH-0042", 2)},
    "EDGE-µ-温度-😀": {1: secret_for("EDGE-µ-温度-😀", 1)},
}

# Keys whose code point order differs from their UTF-16 order: U+E000..U+FFFF sort before
# astral characters by code point, after them by UTF-16 code unit.
CODEPOINT_KEYS = {
    "\ue000": "private use",
    "😀": "grinning face (U+1F600)",
    "\uffff": "last BMP",
    "\U00010000": "first astral",
    "𝄞": "G clef (U+1D11E)",
    "\U0010ffff": "last code point",
    "a": 1,
    "B": 2,
    "~": 3,
    "\x7f": 4,
    "é": 5,
    "": 6,
    " ": 7,
    "\x00": 8,
    "摂氏": 9,
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build(device_id: str, key_version: int = 1, ts: str = TS, signing_secret: Optional[bytes] = None, **kwargs: Any) -> Dict[str, Any]:
    Part11PayloadBuilder._utc_iso = staticmethod(lambda: ts)
    secret = signing_secret if signing_secret is not None else KEYRING[device_id][key_version]
    payload = Part11PayloadBuilder(device_id, secret).build(**kwargs)
    if key_version != 1:
        # The seed's advice for rotation: a key_version in signature_manifest. It is added
        # after build(), outside the canonical form, exactly like the rest of the manifest.
        payload["signature_manifest"]["key_version"] = key_version
    return payload


def typical(**overrides: Any) -> Dict[str, Any]:
    """The seed's own usage example."""
    args: Dict[str, Any] = dict(
        sensor_value=2.4, unit="°C", operator_id="SYS_AUTO", action="temperature_read", previous_value=2.3
    )
    args.update(overrides)
    return args


cases = []


def add(name: str, published: bytes, payload: Optional[Dict[str, Any]], expect: Dict[str, Any], note: str, **extra: Any) -> None:
    """Records one vector. `payload` is the dict Python built (None for hand-written bytes)."""
    case: Dict[str, Any] = {"name": name, "note": note, "published_b64": b64(published)}
    if payload is not None:
        canonical = _canonicalize(payload, exclude=_SIGNATURE_EXCLUDED_KEYS)
        case["python_canonical_b64"] = b64(canonical)
        case["schema_hash"] = payload.get("schema_hash")
        case["hmac"] = payload.get("signature_manifest", {}).get("cryptographic_hash")
    # What the seed's own verify() + validate() say when the published bytes are read back
    # with json.loads: documents where Custos is deliberately stricter than the seed.
    try:
        loaded = json.loads(published)
        device = loaded.get("device_id")
        version = loaded.get("signature_manifest", {}).get("key_version", 1)
        secret = KEYRING.get(device, {}).get(version) if isinstance(version, int) else None
        case["python_accepts"] = bool(
            secret and Part11PayloadBuilder.validate(loaded) and Part11PayloadBuilder.verify(loaded, secret)
        )
    except (ValueError, AttributeError, TypeError, RecursionError):
        case["python_accepts"] = False
    case.update(extra)
    case["expect"] = expect
    cases.append(case)


def ok(payload: Dict[str, Any], key_version: int = 1) -> Dict[str, Any]:
    reading = payload["sensor_reading"]
    return {
        "ok": True,
        "device_id": payload["device_id"],
        "key_version": key_version,
        "value_text": json.dumps(reading["value"]),
        "unit": reading["unit"],
        "timestamp_utc": payload["timestamp_utc"],
    }


def reject(reason: str, json_error: Optional[str] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {"ok": False, "reason": reason}
    if json_error:
        out["json_error"] = json_error
    return out


def positive(name: str, note: str, device: str = "EDGE-TH-0042", key_version: int = 1, **kwargs: Any) -> Dict[str, Any]:
    payload = build(device, key_version, **kwargs)
    add(name, publish_bytes(payload), payload, ok(payload, key_version), note,
        secret_hex=KEYRING[device][key_version].hex(), key_version=key_version)
    return payload


# ---- accepted payloads ----------------------------------------------------------------------
base = positive("typical", "the seed's usage example: 2.4 °C, previous 2.3", **typical())
positive("float_dot_zero", "2.0 keeps its .0 (JS would write 2)", **typical(sensor_value=2.0, previous_value=1.0))
positive("exponent_small", "1e-07 (JS would write 1e-7)", **typical(sensor_value=1e-07, previous_value=1.5e-05))
positive("exponent_large", "1e+16 (JS would write 10000000000000000)", **typical(sensor_value=1e16, previous_value=1e22))
positive("min_subnormal", "5e-324", **typical(sensor_value=5e-324, previous_value=2.2250738585072014e-308))
positive("max_double", "1.7976931348623157e+308", **typical(sensor_value=1.7976931348623157e308, previous_value=-1.7976931348623157e308))
positive("big_integers", "2**64+1 and -(2**70): beyond 2**53", **typical(sensor_value=2**64 + 1, previous_value=-(2**70)))
positive("negative_zero", "-0.0 stays -0.0 (JS would write 0)", **typical(sensor_value=-0.0, previous_value=0.0))
positive("integer_value", "a plain int reading and 1e+16-ish float repr 1.2345678901234568e+17",
         **typical(sensor_value=7, previous_value=123456789012345678.0))
positive("unit_micro", "µS/cm: non-ASCII escaped as \\u00b5", **typical(sensor_value=1.25, unit="µS/cm"))
positive("unit_astral", "𝄞 (U+1D11E) escaped as a surrogate pair", **typical(unit="𝄞"))
positive("unit_emoji", "😀 escaped as \\ud83d\\ude00", **typical(unit="😀"))
positive("unit_cjk", "CJK unit 摂氏度", **typical(unit="摂氏度"))
positive("control_characters", "\\x00 \\x1f \\x7f \\n \\t \\r \\b \\f \" \\\\ / in strings",
         **typical(reason_for_change="a\x00b\x1fc\x7fd\ne\tf\rg\bh\fi\"j\\k/l\x80m\u2028n\ufeffo"))
positive("codepoint_key_order", "nested keys that sort differently by code point and by UTF-16",
         **typical(previous_value={**CODEPOINT_KEYS, "nested": {"😀": [1, {"\ue000": None}], "\ue000": [True, False, None]}}))
positive("nested_values", "arrays, objects, None and booleans anywhere in previous_value",
         **typical(previous_value={"list": [None, True, False, [], {}, [[1.5, "x"]]], "n": None, "t": True, "f": False,
                                   "big": [2**64 + 1, -(2**70), 2**53 + 1], "floats": [-0.0, 0.0, 1e-07, 1e16, 0.1, 100.0]}))
positive("non_ascii_device", "device id with µ, CJK and an emoji", device="EDGE-µ-温度-😀", **typical())
positive("operator_non_ascii", "operator and action with accents and RTL text",
         **typical(operator_id="José Müller", action="température_lue ‏עברית"))
positive("key_version_2", "signed with key version 2, key_version in signature_manifest", key_version=2, **typical())
positive("depth_32", "previous_value nested so the document is exactly 32 levels deep",
         **typical(previous_value=json.loads("[" * 29 + "1" + "]" * 29)))

reordered = json.loads(publish_bytes(base))
reordered = dict(reversed(list(reordered.items())))
reordered["sensor_reading"] = dict(reversed(list(reordered["sensor_reading"].items())))
add("reordered_keys", publish_bytes(reordered), reordered, ok(base),
    "same payload, keys in a different order: the canonical form sorts them",
    secret_hex=KEYRING["EDGE-TH-0042"][1].hex(), key_version=1)
pretty = json.dumps(base, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
add("pretty_raw_utf8", pretty, base, ok(base),
    "indented, sorted, with raw UTF-8 °C (ensure_ascii=False): same canonical bytes",
    secret_hex=KEYRING["EDGE-TH-0042"][1].hex(), key_version=1)

# Lone surrogates: Python accepts and re-emits "\ud800"; Custos refuses them unless asked.
lone = build("EDGE-TH-0042", **typical(unit="\ud800x\udfff"))
add("lone_surrogate", publish_bytes(lone), lone, reject("malformed", "lone_surrogate"),
    "unit holds lone surrogates: refused by default; with loneSurrogates='preserve' it verifies",
    expect_preserve=ok(lone), secret_hex=KEYRING["EDGE-TH-0042"][1].hex(), key_version=1)

# ---- rejected payloads ----------------------------------------------------------------------
tampered = json.loads(publish_bytes(base))
tampered["sensor_reading"]["value"] = 2.5
add("tampered_value", publish_bytes(tampered), None, reject("schema_hash_mismatch"),
    "value changed after signing, hashes left alone")

rehashed = json.loads(publish_bytes(base))
rehashed["sensor_reading"]["value"] = 2.5
rehashed["schema_hash"] = hashlib.sha256(_canonicalize(rehashed, exclude=_SIGNATURE_EXCLUDED_KEYS)).hexdigest()
add("tampered_value_rehashed", publish_bytes(rehashed), None, reject("bad_signature"),
    "value changed and schema_hash recomputed (anyone can): the HMAC still fails")

wrong_secret = build("EDGE-TH-0042", signing_secret=secret_for("someone else", 1), **typical())
add("wrong_secret", publish_bytes(wrong_secret), wrong_secret, reject("bad_signature"),
    "signed with a secret that is not the device's", secret_hex=secret_for("someone else", 1).hex(), key_version=1)

claims_v2 = build("EDGE-TH-0042", **typical())
claims_v2["signature_manifest"]["key_version"] = 2
add("wrong_key_version", publish_bytes(claims_v2), claims_v2, reject("bad_signature"),
    "signed with key version 1, manifest says key_version 2")

claims_v3 = build("EDGE-TH-0042", **typical())
claims_v3["signature_manifest"]["key_version"] = 3
add("unknown_key_version", publish_bytes(claims_v3), claims_v3, reject("unknown_key_version"),
    "key_version 3 is not registered for the device")

float_version = build("EDGE-TH-0042", **typical())
float_version["signature_manifest"]["key_version"] = 1.0
add("key_version_float", publish_bytes(float_version), float_version, reject("schema"),
    "key_version 1.0 is not an integer")

unknown = build("EDGE-UNKNOWN", signing_secret=secret_for("EDGE-UNKNOWN", 1), **typical())
add("unknown_device", publish_bytes(unknown), unknown, reject("unknown_device"), "a well-signed payload from a device that is not registered")

for label, bad in [("nan", float("nan")), ("infinity", float("inf")), ("negative_infinity", float("-inf"))]:
    p = build("EDGE-TH-0042", **typical(sensor_value=bad))
    add(f"{label}_value", publish_bytes(p), p, reject("malformed", "non_finite_number"),
        f"json.dumps writes {json.dumps(bad)} by default; the seed's verify() accepts it; Custos refuses it")

overflow = publish_bytes(base).replace(b'"value":2.4', b'"value":1e400')
add("float_overflow", overflow, None, reject("malformed", "non_finite_number"),
    "1e400: Python reads inf, so it is refused like Infinity")

no_trail = build("EDGE-TH-0042", **typical())
del no_trail["audit_trail"]
add("missing_audit_trail", publish_bytes(no_trail), None, reject("schema"), "a key validate() requires is missing")

empty_trail = json.loads(publish_bytes(base))
empty_trail["audit_trail"] = []
add("empty_audit_trail", publish_bytes(empty_trail), None, reject("schema"), "validate() requires a non-empty audit_trail")

upper = json.loads(publish_bytes(base))
upper["signature_manifest"]["cryptographic_hash"] = upper["signature_manifest"]["cryptographic_hash"].upper()
add("uppercase_hmac_hex", publish_bytes(upper), None, reject("schema"),
    "hexdigest() is lowercase; compare_digest would fail on uppercase too")

other_version = json.loads(publish_bytes(base))
other_version["payload_version"] = "2.2.0"
add("unknown_payload_version", publish_bytes(other_version), None, reject("schema"), "only 2.1.0 is a validated format")

# Hand-written duplicate keys (json.dumps cannot produce them; json.loads keeps the last one).
pub = publish_bytes(base).decode("ascii")
dup_top = pub[:-1] + ',"device_id":"EDGE-OTHER"}'
add("duplicate_key_top", dup_top.encode(), None, reject("malformed", "duplicate_key"), "device_id appears twice")
dup_escaped = pub[:-1] + ',"\\u0064evice_id":"EDGE-OTHER"}'
add("duplicate_key_escaped", dup_escaped.encode(), None, reject("malformed", "duplicate_key"),
    "the second device_id is spelled \\u0064evice_id")
dup_same = pub.replace('"unit":"\\u00b0C"', '"unit":"\\u00b0C","unit":"\\u00b0C"')
add("duplicate_key_same_value", dup_same.encode(), None, reject("malformed", "duplicate_key"),
    "a duplicate with an equal value is still refused (lossless-json would accept it)")
dup_nested = pub.replace('"value":2.4', '"value":2.4,"value":9.9')
add("duplicate_key_nested", dup_nested.encode(), None, reject("malformed", "duplicate_key"),
    "sensor_reading.value appears twice")

add("trailing_garbage", publish_bytes(base) + b"x", None, reject("malformed", "syntax"), "a byte after the document")
add("trailing_second_document", publish_bytes(base) + b"\n{}", None, reject("malformed", "syntax"), "two documents")
bad_utf8 = pretty.replace("°C".encode("utf-8"), b"\xb0C", 1)
add("invalid_utf8", bad_utf8, None, reject("malformed", "invalid_utf8"), "a Latin-1 byte inside the UTF-8 text")
add("byte_order_mark", b"\xef\xbb\xbf" + publish_bytes(base), None, reject("malformed", "syntax"),
    "json.loads(bytes) would skip it; Custos does not guess encodings")
too_deep = build("EDGE-TH-0042", **typical(previous_value=json.loads("[" * 30 + "1" + "]" * 30)))
add("too_deep", publish_bytes(too_deep), too_deep, reject("malformed", "too_deep"),
    "33 levels: one over the default limit of 32")
big = build("EDGE-TH-0042", **typical(reason_for_change="x" * 70_000))
add("too_large", publish_bytes(big), None, reject("malformed", "too_large"), "over the default 64 KiB cap")


# ---- canonicalization vectors (any dict, not only builder payloads) -------------------------
canon_cases = []


def canon(name: str, obj: Dict[str, Any], note: str, lone_surrogates: bool = False) -> None:
    canonical = _canonicalize(obj)
    inputs = [json.dumps(obj).encode("utf-8")]
    if not lone_surrogates:  # raw UTF-8 cannot carry a lone surrogate
        inputs.append(json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8"))
    canon_cases.append({
        "name": name,
        "note": note,
        "lone_surrogates": lone_surrogates,
        "inputs_b64": [b64(i) for i in inputs],
        "python_canonical_b64": b64(canonical),
        "python_canonical_sha256": hashlib.sha256(canonical).hexdigest(),
    })


canon("codepoint_order", CODEPOINT_KEYS, "U+E000..U+FFFF before astral keys; a UTF-16 sort gets this wrong")
canon("emoji_vs_private_use", {"😀": 1, "\ue000": 2}, "the smallest case: code point order puts \\ue000 first")
canon("shared_high_surrogate", {"\U0001f600": 1, "\U0001f601": 2, "\U0001f5ff": 3, "\U0001f600a": 4},
      "astral keys sharing a high surrogate")
canon("floats", {"v": [2.0, -0.0, 0.0, 1e-07, 1e16, 1e22, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, 100.0, 1e15,
                       123456789012345678.0, 1.5e-05, 0.0001, 2.5e-5]},
      "Python float repr: never rewritten")
canon("integers", {"v": [0, -1, 2**53, 2**53 + 1, 2**64 + 1, -(2**70), 10**40]}, "integers of any size")
canon("every_ascii_control", {"s": "".join(chr(c) for c in range(0x00, 0x20)) + "\x7f", "\n": "\t"},
      "all C0 controls and DEL, in a value and in a key")
canon("escapes_and_ranges", {"s": "\"\\/ \x80\x9f\xa0\xff\u0100\u07ff\u0800\u2028\u2029\ufeff\ufffd\uffff\U00010000\U0010ffff"},
      "quote, backslash, slash kept, every UTF-8 length boundary")
canon("nesting", {"a": {"b": {"c": [1, [2, [3, {"d": None}]]]}}, "e": [], "f": {}, "g": [True, False, None]},
      "nested containers, empty containers, literals")
canon("depth_32", {"d": json.loads("[" * 31 + "]" * 31)}, "exactly 32 levels")
canon("lone_surrogate_keys", {"\ud800": 1, "\ue000": 2, "😀": 3, "\udfff": 4, "\ud83d": 5, "\ud83dx": 6},
      "lone surrogates sort as their own value, below U+E000 (preserve mode only)", lone_surrogates=True)


def write(name: str, doc: Dict[str, Any]) -> None:
    path = OUT_DIR / name
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=True) + "\n", encoding="ascii")
    print(f"wrote {path.relative_to(ROOT)}")


OUT_DIR.mkdir(parents=True, exist_ok=True)
header = {
    "generator": "scripts/gen-vectors/seed000.py",
    "python": f"{sys.version_info.major}.{sys.version_info.minor}",
}
write("seed000-vectors.json", {
    **header,
    "keyring": {device: {str(v): s.hex() for v, s in versions.items()} for device, versions in KEYRING.items()},
    "cases": cases,
})
write("python-canonical-vectors.json", {**header, "cases": canon_cases})
