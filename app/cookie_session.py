"""Flask's signed session cookie, without rebuilding its signer on every request, and
without checking and decoding the same cookie again on every request.

Flask's SecureCookieSessionInterface makes a new serializer for each request, and
itsdangerous derives the signing key from the secret again for every cookie it reads or
writes (an HMAC of the salt). Both are pure functions of the configured keys, so they are
made once per process here and remade when the keys change; what is signed, how, and which
keys are accepted (SECRET_KEY, then SECRET_KEY_FALLBACKS) is exactly Flask's.

A device sends the same cookie until its session changes, and checking its signature and
decoding it (base64, HMAC, zlib, tagged JSON) cost 30 µs a request. What a cookie holds
is a pure function of its text and the keys, so each process keeps, per key set, the
contents of the cookies it accepted (bounded; never one it refused), with their signing
time: the age limit is still applied on every request, and each request gets its own
copy to change. Only contents of plain values (text, numbers, booleans) are kept.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

_DERIVED: dict[tuple, bytes] = {}


class _Signer(TimestampSigner):
    def derive_key(self, secret_key=None) -> bytes:
        chosen = self.secret_keys[-1] if secret_key is None else secret_key
        key = (chosen, self.salt, self.key_derivation, self.digest_method)
        derived = _DERIVED.get(key)
        if derived is None:
            if len(_DERIVED) > 64:  # only a few keys and salts are ever configured
                _DERIVED.clear()
            derived = _DERIVED[key] = super().derive_key(secret_key)
        return derived


_PLAIN = (str, int, float, bool, type(None))
_OPENED_MAX = 4096


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._keys: tuple | None = None
        self._serializer: URLSafeTimedSerializer | None = None
        # cookie text -> (signed at, in seconds since the epoch; its contents)
        self._opened: dict[str, tuple[float, dict]] = {}

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        opened = self._opened.get(value)
        if opened is not None:
            age = time.time() - opened[0]
            # itsdangerous's rule: older than max_age, or signed in the future, is refused
            if 0 <= age <= max_age:
                return self.session_class(opened[1])
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if type(data) is dict and all(type(v) in _PLAIN for v in data.values()):
            if len(self._opened) >= _OPENED_MAX:
                self._opened.clear()
            self._opened[value] = (signed_at.timestamp(), dict(data))
        return self.session_class(data)

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        # itsdangerous expects the current key last.
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        if keys != self._keys:
            self._serializer = URLSafeTimedSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer=_Signer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            self._keys = keys
            self._opened = {}  # what the old keys accepted, the new ones may not
        return self._serializer
