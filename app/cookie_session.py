"""Flask's signed session cookie, without rebuilding its signer on every request.

Flask's SecureCookieSessionInterface makes a new serializer for each request, and
itsdangerous derives the signing key from the secret again for every cookie it reads or
writes (an HMAC of the salt). Both are pure functions of the configured keys, so they are
made once per process here and remade when the keys change; what is signed, how, and which
keys are accepted (SECRET_KEY, then SECRET_KEY_FALLBACKS) is exactly Flask's.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

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


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._keys: tuple | None = None
        self._serializer: URLSafeTimedSerializer | None = None

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
        return self._serializer
