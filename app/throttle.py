"""Growing delays for everything that costs a stranger nothing: signing in, asking for a
sign-in or reset link by e-mail, using such a link, and guessing calendar feed links.

Attempts are counted in buckets:

- per account *and* address (the e-mail as typed, with the client's address): after
  `free` attempts, each further attempt waits `first_delay` seconds, then twice that,
  and so on up to `max_delay`. Wrong passwords from one address never slow down the same
  account from another address, so no stranger can lock a person out.
- per address across accounts: the same, with a larger allowance, so one address cannot
  spray many accounts (or many link tokens) either.

Buckets are keyed by the e-mail as typed, whether or not an account has it, so a known and
an unknown account answer alike. Keys are keyed hashes: the counter store holds neither
e-mail addresses nor IP addresses.

The counts live in Flask-Limiter's storage (`RATELIMIT_STORAGE_URI`: the app's database
by default, Redis when configured), never in process memory, so every worker and instance
counts together. Each attempt is first checked against the bucket's delay (a "gate" key
that expires when the delay is over; a waiting attempt is refused without being counted),
then counted with one atomic increment; an attempt beyond the free ones may proceed only
if it is the one that takes the next gate (an atomic increment from zero), so parallel
attempts cannot slip through together. A successful sign-in (or a valid link) gives its
attempt back.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from math import ceil

from flask import current_app, request
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter


@dataclass(frozen=True)
class Rule:
    free: int  # attempts before delays start
    window: int  # seconds a count of attempts is kept (from the first attempt)
    first_delay: int = 30  # seconds; doubles with each further attempt
    max_delay: int = 15 * 60

    def delay(self, count: int) -> int:
        """The wait after the count-th attempt (count >= free)."""
        return min(self.first_delay * 2 ** min(count - self.free, 20), self.max_delay)


HOUR = 3600
RULES = {
    # Passwords: five tries per account and address, then 30 s, 1 min, 2 min, ... 15 min.
    "signin.account": Rule(free=5, window=24 * HOUR),
    # One address across accounts (a school's staff may share one address: a larger allowance,
    # and successful sign-ins give their attempt back).
    "signin.address": Rule(free=50, window=HOUR),
    # Links by e-mail: every request sends mail, so every request counts.
    "mail.account": Rule(free=3, window=HOUR),
    "mail.address": Rule(free=20, window=HOUR),
    # Sign-in and reset links in the address bar: valid ones give their attempt back.
    "token.address": Rule(free=20, window=HOUR),
    # Calendar feed links: only unknown ones count (calendar services share addresses).
    "feed.address": Rule(free=100, window=HOUR, first_delay=60),
}


class Throttled(TooManyRequests):
    """429 with Retry-After: wait this many seconds."""

    def __init__(self, wait: float):
        super().__init__(retry_after=max(1, ceil(wait)))
        self.wait = max(1, ceil(wait))


def _rule(name: str) -> Rule:
    return current_app.config.get("THROTTLE_RULES", {}).get(name) or RULES[name]


def _digest(*parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    joined = "\x1f".join(parts).encode()
    return hmac.new(secret, joined, hashlib.sha256).hexdigest()[:32]


def address() -> str:
    """The client's address (the proxy's X-Forwarded-For with PROXY_FIX_HOPS set). An IPv6
    client counts by its /64 network: one subscriber gets a whole /64 to rotate through."""
    remote = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return remote
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


@dataclass(frozen=True)
class Bucket:
    rule: Rule
    key: str

    @property
    def gate(self) -> str:
        return self.key + ":gate"

    @property
    def count(self) -> str:
        return self.key + ":n"


def account_bucket(scope: str, email: str, addr: str | None = None) -> Bucket:
    key = _digest(email.strip().lower(), addr or address())
    return Bucket(_rule(scope + ".account"), f"throttle:{scope}:{key}")


def address_bucket(scope: str, addr: str | None = None) -> Bucket:
    return Bucket(_rule(scope + ".address"), f"throttle:{scope}:addr:{_digest(addr or address())}")


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def waiting(bucket: Bucket) -> float:
    """Seconds until the bucket's next attempt may be made (0: now)."""
    storage = limiter.storage
    if storage.get(bucket.gate) <= 0:
        return 0
    return max(1.0, storage.get_expiry(bucket.gate) - time.time())


def refuse_if_waiting(*buckets: Bucket) -> None:
    wait = max((waiting(bucket) for bucket in buckets), default=0)
    if wait:
        raise Throttled(wait)


def take(bucket: Bucket) -> None:
    """Count an attempt; refuse it (429) when it comes before the bucket's delay is over."""
    storage = limiter.storage
    rule = bucket.rule
    count = storage.incr(bucket.count, rule.window)
    if count < rule.free:
        return
    # From the last free attempt on, each allowed attempt closes the gate for a while; the
    # first to find it open takes it (the increment from nothing), any other is refused.
    if storage.incr(bucket.gate, rule.delay(count)) != 1 and count > rule.free:
        raise Throttled(storage.get_expiry(bucket.gate) - time.time())


def attempt(*buckets: Bucket) -> None:
    """Refuse while any bucket waits, otherwise count the attempt in each."""
    refuse_if_waiting(*buckets)
    for bucket in buckets:
        take(bucket)


def forgive(bucket: Bucket, clear: bool = False) -> None:
    """A successful attempt: give it back (or, for the account's own bucket, start over)."""
    storage = limiter.storage
    if clear:
        storage.clear(bucket.count)
        storage.clear(bucket.gate)
    else:
        storage.incr(bucket.count, bucket.rule.window, amount=-1)


# --- view decorators ----------------------------------------------------------------------


def _posted_email() -> str:
    return request.form.get("email", "")


def sign_in(view):
    """Password sign-in (POST): per account and address, and per address. A successful
    sign-in starts the account's count over and gives the address its attempt back."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "POST" or not enabled():
            return view(*args, **kwargs)
        account, addr = account_bucket("signin", _posted_email()), address_bucket("signin")
        attempt(account, addr)
        response = view(*args, **kwargs)
        if current_user.is_authenticated:
            forgive(account, clear=True)
            forgive(addr)
        return response

    return wrapped


def mail_link(view):
    """A request that e-mails a link (POST): every request counts, per account and address
    and per address, whether an account has the address or not."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST" and enabled():
            attempt(account_bucket("mail", _posted_email()), address_bucket("mail"))
        return view(*args, **kwargs)

    return wrapped


def link_token(valid: Callable[[str], bool]):
    """A secret link's view (`<token>` in the path): every request counts per address and
    a valid token gives its attempt back. `valid(token)` is asked before the view runs,
    as the view may use the token up."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not enabled():
                return view(*args, **kwargs)
            bucket = address_bucket("token")
            attempt(bucket)
            was_valid = valid(kwargs["token"])
            response = view(*args, **kwargs)
            if was_valid:
                forgive(bucket)
            return response

        return wrapped

    return decorator


def refuse_feed_guessing() -> None:
    """Before a feed link is looked up: refuse an address that is waiting after guesses."""
    if enabled():
        refuse_if_waiting(address_bucket("feed"))


def count_feed_guess() -> None:
    """An unknown or revoked feed link: count it against the address (429 when too many)."""
    if enabled():
        take(address_bucket("feed"))
