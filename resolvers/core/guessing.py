"""Online guessing on the anonymous paths (codes from a letter, the sign-in form): stopped per
source, slowed per account, never a lock-out of the account.

An INS is not a secret, and neither is a login: locking an account after a few failures lets a
stranger lock a patient out of her own space by failing on purpose, and answering a locked account
differently tells who has one. So, following NIST SP 800-63B §5.2.2 (rate limiting that does not
let an attacker lock the claimant out: increasing delays, per-source limits) and OWASP's
Authentication and Credential Stuffing cheat sheets (throttle by source; beware lock-outs as a
denial of service; the same answer for unknown accounts):

- each failure is counted for every *source* it came through (the address, and the OAuth client
  where there is one) and for the *account* typed (the INS or login, whether or not anyone has
  it), in fixed windows of ``WINDOW`` kept in MongoDB (``rate_windows``, shared by the replicas);
- a source past its budget of failures in the window gets the "too many attempts" answer, for
  every account alike, without anything being checked: the attacker's source stops, the holder
  trying from her own device does not;
- an account past ``free_per_account`` failures in the window answers more slowly, the wait
  doubling with each failure up to ``MAX_DELAY_SECONDS``: distributed guessing slows down, the
  holder still gets in.

Counting an unknown account exactly like a known one keeps the answers, their codes and their
time the same with or without a space.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio

from resolvers.core.clock import Clock
from storage.stores import Stores

WINDOW = timedelta(minutes=15)
BASE_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class Policy:
    name: str  # what is guessed: "codes", "login"
    per_source: int  # failures one source may make in a window
    free_per_account: int  # failures on one account before its answers slow down


CODES = Policy("codes", per_source=5, free_per_account=5)
LOGIN = Policy("login", per_source=10, free_per_account=5)


@dataclass(frozen=True, slots=True)
class Sources:
    """Where an attempt comes from: the client address, and the OAuth client if any."""

    address: str
    client_id: str | None = None

    def keys(self, policy: Policy) -> list[str]:
        keys = [f"fail:{policy.name}:ip:{self.address}"]
        if self.client_id is not None:
            keys.append(f"fail:{policy.name}:client:{self.client_id}")
        return keys


def _account_key(policy: Policy, account: str) -> str:
    # hashed: the counters are no place for INS numbers
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    return f"fail:{policy.name}:account:{digest}"


def _window(clock: Clock) -> tuple[int, datetime]:
    size = int(WINDOW.total_seconds())
    start = math.floor(clock.now().timestamp() / size) * size
    return start, datetime.fromtimestamp(start + size, UTC)


async def before_attempt(
    stores: Stores, clock: Clock, policy: Policy, sources: Sources, account: str
) -> bool:
    """``False`` when the source is out of its budget (refuse without checking anything);
    otherwise waits as long as the account's recent failures ask, then ``True``."""
    start, _ = _window(clock)
    keys = [*sources.keys(policy), _account_key(policy, account)]
    *by_source, on_account = await stores.rate_windows.counts(keys, start)
    if any(count >= policy.per_source for count in by_source):
        return False
    delay = account_delay(policy, on_account)
    if delay > 0:
        await anyio.sleep(delay)
    return True


def account_delay(policy: Policy, failures: int) -> float:
    """Seconds to wait before checking an account that failed ``failures`` times lately."""
    over = failures - policy.free_per_account
    if over < 0:
        return 0.0
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2.0**over)


async def failed(
    stores: Stores, clock: Clock, policy: Policy, sources: Sources, account: str
) -> None:
    """Count a failure for each source and for the account."""
    start, ends = _window(clock)
    for key in [*sources.keys(policy), _account_key(policy, account)]:
        await stores.rate_windows.hit(key, start, ends)
