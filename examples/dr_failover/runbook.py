"""DR failover with Vault Enterprise's replication API: promote the DR secondary, demote the old primary,
and point the performance secondaries at the new primary.

    python runbook.py --dr-secondary https://vault-dr:8200 --old-primary https://vault-a:8200 \
        --perf-secondary https://vault-b:8200 --key-share KEY1 --key-share KEY2 --key-share KEY3

Tokens come from the environment: VAULT_TOKEN for the old primary and, after the promotion, for the new
primary (it holds a copy of the old primary's data, tokens included) and the performance secondaries.
Every step prints what it did; any refusal stops the run with Vault's error.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import hvac
import hvac.exceptions


class RunbookError(RuntimeError):
    """A step Vault refused; the message says which and why."""


@dataclass
class Runbook:
    dr_secondary: str
    key_shares: Sequence[str]
    old_primary: str | None = None
    perf_secondaries: Sequence[str] = ()
    token: str = ""
    say: Callable[[str], None] = print
    steps: list[str] = field(default_factory=list)

    def _client(self, url: str, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=url, token=token or "")  # no fallback to ~/.vault-token

    def _step(self, text: str) -> None:
        self.steps.append(text)
        self.say(text)

    def dr_operation_token(self) -> str:
        """generate-operation-token on the DR secondary with the key shares; the result decoded with the OTP."""
        client = self._client(self.dr_secondary)
        path = "/v1/sys/replication/dr/secondary/generate-operation-token"
        client.adapter.delete(path + "/attempt")  # a stale attempt would block a new one
        started = client.adapter.post(path + "/attempt")
        otp, nonce = started["otp"], started["nonce"]
        done: dict[str, object] = {}
        for share in self.key_shares:
            done = client.adapter.post(path + "/update", json={"key": share, "nonce": nonce})
            if done.get("complete"):
                break
        if not done.get("complete"):
            raise RunbookError(
                f"{len(self.key_shares)} key share(s) were not enough (required: {done.get('required')})"
            )
        encoded = str(done["encoded_token"])
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
        token = bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()
        self._step("generated a DR operation token on the DR secondary")
        return token

    def run(self) -> None:
        try:
            self._run()
        except hvac.exceptions.VaultError as exc:
            raise RunbookError(f"after {len(self.steps)} step(s): {exc}") from None

    def _run(self) -> None:
        operation_token = self.dr_operation_token()
        self._client(self.dr_secondary).adapter.post(
            "/v1/sys/replication/dr/secondary/promote", json={"dr_operation_token": operation_token}
        )
        self._step(f"promoted {self.dr_secondary} to DR primary")
        if self.old_primary:
            try:
                self._client(self.old_primary, self.token).adapter.post("/v1/sys/replication/dr/primary/demote")
                self._step(f"demoted the old primary {self.old_primary}")
            except (hvac.exceptions.VaultError, OSError) as exc:  # it may be down: that is why we fail over
                self._step(f"could not demote the old primary {self.old_primary} ({exc}); demote it before it returns")
        new_primary = self._client(self.dr_secondary, self.token)
        for i, url in enumerate(self.perf_secondaries):
            wrapped = new_primary.adapter.post(
                "/v1/sys/replication/performance/primary/secondary-token", json={"id": f"after-failover-{i}"}
            )
            activation = wrapped["wrap_info"]["token"]
            self._client(url, self.token).adapter.post(
                "/v1/sys/replication/performance/secondary/update-primary", json={"token": activation}
            )
            self._step(f"pointed the performance secondary {url} at the new primary")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dr-secondary", required=True, help="address of the DR secondary to promote")
    parser.add_argument("--old-primary", help="address of the old primary, to demote it")
    parser.add_argument("--perf-secondary", action="append", default=[], help="a performance secondary to repoint")
    parser.add_argument("--key-share", action="append", default=[], required=True, help="an unseal/recovery key share")
    args = parser.parse_args(argv)
    book = Runbook(
        args.dr_secondary, args.key_share, args.old_primary, args.perf_secondary, os.environ.get("VAULT_TOKEN", "")
    )
    try:
        book.run()
    except RunbookError as exc:
        print(f"failover stopped: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
