#!/usr/bin/env python3
"""Test vectors for seed 001 (SecureTelemetryGateway, ECDSA P-256 over the canonical reading).

Writes tests/vectors/seed001-vectors.json. Needs `cryptography` and `requests` (both present
in the system Python here). Run from the repository root:

    python3 scripts/gen-vectors/seed001.py

The gateway class is copied from /work/shared/seeds/001_55838a7d2ec3478c.txt unchanged, and
run for real: an in-memory SQLite buffer, its own signing, and its own sync_pending(), whose
requests.Session is given a transport adapter that records each prepared body instead of
sending it. So the bodies are exactly what requests would put on the wire.

The gateway's signing key is tests/vectors/seed001-gateway-key.pem: made on the first run and
reused afterwards (a test key; it signs nothing else). ECDSA signatures are randomized, so a
re-run rewrites the signatures; every vector stays valid.
"""

import base64
import hashlib
import json
import logging
import sqlite3
import threading
import time as _real_time
from datetime import datetime as _real_datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

logging.basicConfig(level=logging.WARNING)

# The gateway reads the clock through these two module names; the generator points them at a
# fixed clock before each reading (see FixedClock below).
datetime = _real_datetime
time = _real_time


# ---- copied from seed 001 -------------------------------------------------------------------
class SecureTelemetryGateway:
    """Edge gateway that signs each reading with an ECDSA key dedicated to
    application signing (NOT the same key used for mTLS) and stores the exact
    canonical bytes that were signed, so any downstream verifier can recompute
    the digest and check the signature without ambiguity.
    """

    def __init__(
        self,
        db_path: str,
        signing_key_path: str,
        ca_cert_path: str,
        tls_client_cert_path: str,
        tls_client_key_path: str,
    ):
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self._db_lock = threading.Lock()
        with self._db_lock:
            self.conn.execute("""
                CREATE TABLE IF NOT EXISTS telemetry (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    canonical_payload TEXT NOT NULL,
                    signature_hex TEXT NOT NULL,
                    timestamp REAL NOT NULL,
                    synced INTEGER NOT NULL DEFAULT 0
                )
            """)
            self.conn.execute("""
                CREATE TRIGGER IF NOT EXISTS telemetry_no_delete
                BEFORE DELETE ON telemetry
                BEGIN SELECT RAISE(ABORT, 'telemetry is append-only'); END
            """)
            self.conn.commit()

        with open(signing_key_path, "rb") as f:
            self.signing_key = serialization.load_pem_private_key(f.read(), password=None)

        self.session = requests.Session()
        self.session.verify = ca_cert_path
        self.session.cert = (tls_client_cert_path, tls_client_key_path)
        self.session.headers.update({"Content-Type": "application/json"})

    @staticmethod
    def _canonicalize(payload: dict) -> bytes:
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def ingest_and_sign(self, sensor_id: str, reading: float, unit: str) -> int:
        payload = {
            "sensor_id": sensor_id,
            "value": reading,
            "unit": unit,
            "ts_utc": datetime.now(timezone.utc).isoformat(),
        }
        canonical = self._canonicalize(payload)
        signature = self.signing_key.sign(canonical, ec.ECDSA(hashes.SHA256()))

        with self._db_lock:
            cursor = self.conn.execute(
                "INSERT INTO telemetry (canonical_payload, signature_hex, timestamp) VALUES (?, ?, ?)",
                (canonical.decode("utf-8"), signature.hex(), time.time()),
            )
            self.conn.commit()
        return cursor.lastrowid

    def sync_pending(self, endpoint: str) -> int:
        with self._db_lock:
            pending = self.conn.execute(
                "SELECT seq, canonical_payload, signature_hex, timestamp "
                "FROM telemetry WHERE synced = 0 ORDER BY seq"
            ).fetchall()

        synced = 0
        for seq, canonical_payload, sig, ts in pending:
            try:
                response = self.session.post(
                    endpoint,
                    json={
                        "seq": seq,
                        "canonical": canonical_payload,
                        "sig": sig,
                        "ts": ts,
                    },
                    timeout=5,
                )
                response.raise_for_status()
            except requests.RequestException as e:
                logging.warning("Sync failed at seq %s: %s", seq, e)
                continue

            with self._db_lock:
                self.conn.execute("UPDATE telemetry SET synced = 1 WHERE seq = ?", (seq,))
                self.conn.commit()
            synced += 1
        return synced

    def close(self) -> None:
        self.session.close()
        with self._db_lock:
            self.conn.close()
# ---- end of the copy ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "tests" / "vectors"
KEY_PATH = OUT_DIR / "seed001-gateway-key.pem"
ENDPOINT = "https://ingest.custos.invalid/telemetry/sync"
GATEWAY_ID = "GW-WH-A-01"


class RecordingAdapter(requests.adapters.BaseAdapter):
    """Stands in for the network: keeps each prepared body and answers 200."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: List[bytes] = []

    def send(self, request, **kwargs):  # noqa: ANN001 - requests' adapter signature
        self.bodies.append(request.body)
        response = requests.Response()
        response.status_code = 200
        response.request = request
        response.url = request.url
        return response

    def close(self) -> None:
        pass


class FixedClock:
    def __init__(self, when: _real_datetime, stored_at: float) -> None:
        self.when = when
        self.stored_at = stored_at

    def install(self) -> None:
        clock = self
        globals()["datetime"] = SimpleNamespace(now=lambda tz=None: clock.when.astimezone(tz) if tz else clock.when)
        globals()["time"] = SimpleNamespace(time=lambda: clock.stored_at)


def load_or_create_key() -> ec.EllipticCurvePrivateKey:
    if not KEY_PATH.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        KEY_PATH.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        print(f"created {KEY_PATH.relative_to(ROOT)}")
    return serialization.load_pem_private_key(KEY_PATH.read_bytes(), password=None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def utc(micro: int = 0, second: int = 0) -> _real_datetime:
    return _real_datetime(2024, 5, 1, 12, 0, second, micro, tzinfo=timezone.utc)


OUT_DIR.mkdir(parents=True, exist_ok=True)
gateway_key = load_or_create_key()
public_pem = gateway_key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

# ---- readings the real gateway buffers and syncs ---------------------------------------------
READINGS = [
    # name, sensor_id, value, unit, ts_utc, stored_at (time.time()), note, expected result
    ("typical", "TH-0042", 2.4, "°C", utc(123456), 1714564800.123456, "2.4 °C", "ok"),
    ("float_dot_zero_no_micros", "TH-0042", 2.0, "°C", utc(0), 1714564800.0,
     "2.0; isoformat() drops .000000; ts 1714564800.0", "ok"),
    ("exponent_small", "TH-0042", 1e-07, "µS/cm", utc(1), 1714564800.000001, "1e-07 and µ", "ok"),
    ("exponent_large", "TH-0042", 1e16, "𝄞", utc(999999), 1714564800.999999, "1e+16 and an astral unit", "ok"),
    ("min_subnormal", "TH-0042", 5e-324, "😀", utc(500000), 1714564801.5, "5e-324 and an emoji", "ok"),
    ("max_double", "TH-0042", 1.7976931348623157e308, "摂氏", utc(250000), 1714564802.25, "max double, CJK unit", "ok"),
    ("big_integer", "TH-0042", 2**64 + 1, "count", utc(), 1714564803.0, "2**64+1", "ok"),
    ("big_negative_integer", "TH-0042", -(2**70), "count", utc(), 1714564804.0, "-(2**70)", "ok"),
    ("negative_zero", "TH-0042", -0.0, "°C", utc(), 1714564805.0, "-0.0", "ok"),
    ("non_ascii_sensor", "Sensor-温度-😀", 4.5, "°C", utc(42), 1714564806.000042, "sensor id with CJK and emoji", "ok"),
    ("control_characters", "TH-0042", 3.3, "a\x00b\x1fc\x7fd\ne\tf\"g\\h/", utc(), 1714564807.0,
     "controls, DEL, quote, backslash, slash in the unit", "ok"),
    ("lone_surrogate", "TH-0042", 3.3, "\ud800", utc(), 1714564808.0,
     "Python writes \\ud800 into canonical; refused by default, verifies with loneSurrogates='preserve'", "lone"),
    ("nan_value", "TH-0042", float("nan"), "°C", utc(), 1714564809.0,
     "the gateway's json.dumps writes NaN into canonical and signs it; refused", "nan"),
    ("infinity_value", "TH-0042", float("inf"), "°C", utc(), 1714564810.0, "Infinity in canonical; refused", "nan"),
    ("unknown_sensor", "TH-9999", 2.4, "°C", utc(), 1714564811.0, "no gateway key registered for the sensor", "unknown"),
]

adapter = RecordingAdapter()
key_path = str(KEY_PATH)
gateway = SecureTelemetryGateway(":memory:", key_path, "/nonexistent/ca.pem", "/nonexistent/client.pem", "/nonexistent/client.key")
gateway.session.mount("https://", adapter)
for _, sensor_id, value, unit, when, stored_at, _, _ in READINGS:
    FixedClock(when, stored_at).install()
    gateway.ingest_and_sign(sensor_id, value, unit)
synced = gateway.sync_pending(ENDPOINT)
gateway.close()
assert synced == len(READINGS) == len(adapter.bodies), (synced, len(adapter.bodies))

cases: List[Dict[str, Any]] = []


def python_verifies(body: bytes) -> Optional[bool]:
    """What a Python server doing json.loads + ec verify would say (None: it could not decode)."""
    try:
        doc = json.loads(body)
        gateway_key.public_key().verify(bytes.fromhex(doc["sig"]), doc["canonical"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not accepted"
        return False


def add(name: str, body: bytes, expect: Dict[str, Any], note: str, **extra: Any) -> None:
    case = {"name": name, "note": note, "body_b64": b64(body), "python_verifies": python_verifies(body)}
    case.update(extra)
    case["expect"] = expect
    cases.append(case)


def ok_expect(doc: Dict[str, Any]) -> Dict[str, Any]:
    reading = json.loads(doc["canonical"])
    canonical_bytes = doc["canonical"].encode("utf-8")
    return {
        "ok": True,
        "gateway_id": GATEWAY_ID,
        "seq": str(doc["seq"]),
        "sensor_id": reading["sensor_id"],
        "value_text": json.dumps(reading["value"]),
        "unit": reading["unit"],
        "timestamp_utc": reading["ts_utc"],
        "stored_at_text": json.dumps(doc["ts"]),
        "canonical_sha256": hashlib.sha256(canonical_bytes).hexdigest(),
    }


def reject(reason: str, json_error: Optional[str] = None, part: Optional[str] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {"ok": False, "reason": reason}
    if json_error:
        out["json_error"] = json_error
    if part:
        out["part"] = part
    return out


def requests_body(doc: Dict[str, Any]) -> bytes:
    """The body requests builds for json=doc (json.dumps(..., allow_nan=False), UTF-8)."""
    return requests.Request("POST", ENDPOINT, json=doc).prepare().body


bodies = {}
for (name, sensor_id, value, unit, when, stored_at, note, kind), body in zip(READINGS, adapter.bodies):
    doc = json.loads(body)
    bodies[name] = doc
    # The canonical text must be what the gateway signed: re-derive it from the reading.
    rebuilt = SecureTelemetryGateway._canonicalize(
        {"sensor_id": sensor_id, "value": value, "unit": unit, "ts_utc": when.isoformat()})
    assert doc["canonical"].encode("utf-8") == rebuilt, name
    extra = {"python_canonical_b64": b64(rebuilt)}
    if kind == "ok":
        add(name, body, ok_expect(doc), note, **extra)
    elif kind == "lone":
        add(name, body, reject("malformed", "lone_surrogate", "canonical"), note, expect_preserve=ok_expect(doc), **extra)
    elif kind == "nan":
        add(name, body, reject("malformed", "non_finite_number", "canonical"), note, **extra)
    else:
        add(name, body, reject("unknown_sensor"), note, **extra)


def sign(canonical: bytes, key: ec.EllipticCurvePrivateKey = gateway_key) -> str:
    return key.sign(canonical, ec.ECDSA(hashes.SHA256())).hex()


typical = bodies["typical"]

# ---- signed over the exact bytes, whatever their form ----------------------------------------
reading = {"sensor_id": "TH-0042", "value": 2.4, "unit": "°C", "ts_utc": "2024-05-01T12:00:00.123456+00:00"}
raw_utf8 = json.dumps(reading, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
doc = {"seq": 100, "canonical": raw_utf8, "sig": sign(raw_utf8.encode("utf-8")), "ts": 1714564900.5}
add("canonical_raw_utf8", requests_body(doc), ok_expect(doc),
    "canonical written with ensure_ascii=False (raw °): the signature covers those UTF-8 bytes")
spaced = json.dumps(reading)
doc = {"seq": 101, "canonical": spaced, "sig": sign(spaced.encode("utf-8")), "ts": 1714564901.5}
add("canonical_not_sorted", requests_body(doc), ok_expect(doc),
    "canonical with spaces and insertion order: verified as sent, never re-serialized")

# ---- rejected --------------------------------------------------------------------------------
doc = dict(typical, canonical=typical["canonical"].replace('"value":2.4', '"value":2.5'))
add("tampered_value", requests_body(doc), reject("bad_signature"), "value changed after signing")

other_key = ec.generate_private_key(ec.SECP256R1())
doc = dict(typical, sig=sign(typical["canonical"].encode("utf-8"), other_key))
add("signed_by_other_key", requests_body(doc), reject("bad_signature"), "a valid signature by a key that is not the gateway's")

sig = bytes.fromhex(typical["sig"])
doc = dict(typical, sig=(sig[:-1] + bytes([sig[-1] ^ 0x01])).hex())
add("signature_bit_flip", requests_body(doc), reject("bad_signature"), "last byte of s flipped")

doc = dict(typical, sig=(bytes([0x30, 0x81, sig[1]]) + sig[2:]).hex())
add("signature_ber_length", requests_body(doc), reject("bad_signature"), "same r and s, BER long-form length: not DER")

doc = dict(typical, sig=typical["sig"] + "00")
add("signature_trailing_byte", requests_body(doc), reject("bad_signature"), "DER signature with a byte appended")

doc = dict(typical, sig=typical["sig"].upper())
add("signature_uppercase_hex", requests_body(doc), reject("schema", part="body"), "bytes.hex() is lowercase")

doc = dict(typical, seq=-1)
add("negative_seq", requests_body(doc), reject("schema", part="body"), "seq is a SQLite rowid, never negative")

doc = dict(typical, seq=1.0)
add("float_seq", requests_body(doc), reject("schema", part="body"), "seq 1.0 is not an integer")

doc = dict(typical, extra="x")
add("extra_body_key", requests_body(doc), reject("schema", part="body"), "the sync body has exactly four keys")

doc = {k: v for k, v in typical.items() if k != "canonical"}
add("missing_canonical", requests_body(doc), reject("schema", part="body"), "no canonical")

typical_body = requests_body(typical).decode("ascii")
nan_ts = typical_body.replace('"ts": 1714564800.123456', '"ts": NaN')
assert nan_ts != typical_body
add("nan_ts", nan_ts.encode(), reject("malformed", "non_finite_number", "body"),
    "requests refuses NaN (allow_nan=False); a hand-written body with NaN is refused too")

dup_body = typical_body[:-1] + ', "seq": 2}'
add("duplicate_body_key", dup_body.encode(), reject("malformed", "duplicate_key", "body"), "seq appears twice in the body")

dup_canonical = '{"sensor_id":"TH-0042","sensor_id":"TH-9999","ts_utc":"2024-05-01T12:00:00+00:00","unit":"\\u00b0C","value":2.4}'
doc = {"seq": 102, "canonical": dup_canonical, "sig": sign(dup_canonical.encode("utf-8")), "ts": 1714564902.0}
add("duplicate_canonical_key_signed", requests_body(doc), reject("malformed", "duplicate_key", "canonical"),
    "a correctly signed canonical that names two sensors: ambiguous, refused")

extra_field = json.dumps(dict(reading, note="x"), sort_keys=True, separators=(",", ":"))
doc = {"seq": 103, "canonical": extra_field, "sig": sign(extra_field.encode("utf-8")), "ts": 1714564903.0}
add("extra_canonical_key_signed", requests_body(doc), reject("schema", part="canonical"),
    "a correctly signed canonical with a fifth key")

doc = dict(typical, canonical="[1,2]", sig=sign(b"[1,2]"))
add("canonical_not_object", requests_body(doc), reject("schema", part="canonical"), "canonical is a signed array")

add("trailing_garbage", requests_body(typical) + b" x", reject("malformed", "syntax", "body"), "a byte after the body")

write_path = OUT_DIR / "seed001-vectors.json"
write_path.write_text(json.dumps({
    "generator": "scripts/gen-vectors/seed001.py",
    "gateway_id": GATEWAY_ID,
    "public_key_pem": public_pem,
    "registered_sensors": ["TH-0042", "Sensor-温度-😀"],
    "cases": cases,
}, indent=2, ensure_ascii=True) + "\n", encoding="ascii")
print(f"wrote {write_path.relative_to(ROOT)}")
