"""Realistic values: Vault-style ids, addresses, offsets, WAL magnitudes, all from one seeded Faker."""

from __future__ import annotations

import bisect
import itertools
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from faker import Faker

REGIONS = ("us-east", "us-west", "eu-west", "eu-central", "ap-south", "ap-southeast", "ca-central", "sa-east")
# Local offsets (minutes) that the samples and real deployments use: New York, Chicago,
# Los Angeles, Berlin, Kolkata, Tokyo, Sydney, and UTC, which containers and Kubernetes nodes run in:
# about half of the generated clusters are UTC, so clients meet Go's "Z" form as often as offsets.
UTC_OFFSETS = (0, 0, 0, 0, 0, 0, 0, -300, -360, -420, -480, 60, 330, 540, 600)
VERSIONS_ENT = ("1.21.1+ent", "1.20.4+ent", "1.19.9+ent", "1.18.12+ent")
VERSIONS_OSS = ("1.21.1", "1.20.4", "1.19.9")
# The private IPv4 blocks (RFC 1918) as (first address, size); each is picked with equal chance, as Faker's
# ipv4_private picks an address class first, so a 192.168 address is as likely as a 10.x one. A cluster's
# nodes share one /24, as they do on a real network.
PRIVATE_V4 = ((10 << 24, 1 << 24), ((172 << 24) | (16 << 16), 1 << 20), ((192 << 24) | (168 << 16), 1 << 16))
HOSTS_PER_SUBNET = 254
"""Host addresses in a /24 (not its network or broadcast address): the most nodes one cluster can have."""
_NOT_DNS = re.compile(r"[^a-z0-9]")


def _label(name: str) -> str:
    """A surname as a DNS label: transliterated to ASCII as Faker's own domain words are, lower case."""
    if not name.isascii():
        from faker.decode import unidecode  # Faker's internet provider has loaded it already

        name = unidecode(name)
    return _NOT_DNS.sub("", name.lower()) or "vault"


class Words:
    """Faker's word lists for host names, read once per Faker and drawn from with the seeded generator.

    Faker's own ``domain_word`` formats a company name through its template engine and weighs the surname
    list on every call: three quarters of the time of building a topology. The words and their weights are
    the same; only the drawing is done here, in a bisect of precomputed cumulative weights.
    """

    def __init__(self, fake: Faker) -> None:
        provider = next(p for p in fake.get_providers() if hasattr(p, "last_names"))
        names = provider.last_names  # an OrderedDict of weights in most locales, a plain sequence in some
        weights = list(names.values()) if hasattr(names, "values") else [1.0] * len(names)
        self.surnames = [_label(str(n)) for n in names]
        self.cumulative = list(itertools.accumulate(weights))


class Realism:
    """One seeded source of realistic values; the same seed gives the same values in the same order."""

    def __init__(self, seed: int, fake: Faker | None = None, words: Words | None = None) -> None:
        if fake is None:
            from faker import Faker

            fake = Faker("en_US")
        fake.seed_instance(seed)
        self.fake = fake
        self.words = words if words is not None else Words(fake)
        self.rng = fake.random
        self._names: set[str] = set()
        self._subnets: set[int] = set()

    def vault_id(self) -> str:
        """Random hex in 8-4-4-4-12 form, as Vault's uuid.GenerateUUID makes it (no RFC 4122 version bits)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def cluster_name(self) -> str:
        return f"vault-cluster-{self.rng.getrandbits(32):08x}"

    def region(self) -> str:
        return str(self.rng.choice(REGIONS)) + "-" + str(self.rng.randint(1, 2))

    def secondary_id(self, kind: str, cluster: str) -> str:
        """A secondary id as operators name them ('dr-secondary', 'us-east-1-perf'), or a Vault-style id."""
        style = self.rng.random()
        if style < 0.4:  # noqa: PLR2004
            base = self.vault_id()
        elif style < 0.7:  # noqa: PLR2004
            base = f"{self.region()}-{'dr' if kind == 'dr' else 'perf'}"
        else:
            base = f"{'dr' if kind == 'dr' else 'perf'}-secondary-{cluster.lower()}"
        name = base
        while name in self._names:
            name = f"{base}-{self.rng.randint(2, 99)}"
        self._names.add(name)
        return name

    def addresses(self, nodes: int) -> list[tuple[str, str]]:
        """(api_addr, cluster_addr) for each node: private IPs of one subnet or internal host names, ports 8200/8201."""
        if self.rng.random() < 0.6:  # noqa: PLR2004
            hosts = self.private_hosts(nodes)
        else:
            domain = f"{self.domain_word()}.internal"
            prefix = self.domain_word()
            hosts = [f"vault-{prefix}-{i}.{domain}" for i in range(nodes)]
        return [(f"https://{h}:8200", f"https://{h}:8201") for h in hosts]

    def private_hosts(self, count: int) -> list[str]:
        """``count`` distinct host addresses in one /24 of a private block, as the nodes of one cluster sit."""
        if not 1 <= count <= HOSTS_PER_SUBNET:
            msg = f"a /24 holds 1 to {HOSTS_PER_SUBNET} hosts, not {count}"
            raise ValueError(msg)
        for _ in range(100):  # a subnet no other cluster of this topology has
            first, size = self.rng.choice(PRIVATE_V4)
            subnet = first + (self.rng.randrange(size >> 8) << 8)
            if subnet not in self._subnets:
                break
        self._subnets.add(subnet)
        hosts = self.rng.sample(range(1, HOSTS_PER_SUBNET + 1), count)  # never the network or broadcast address
        return [f"{subnet >> 24}.{(subnet >> 16) & 255}.{(subnet >> 8) & 255}.{h}" for h in hosts]

    def domain_word(self) -> str:
        """A surname, by its frequency, or two joined by a hyphen (a third of the time), as Faker's company names."""
        return "-".join(self._surname() for _ in range(2 if self.rng.random() < 1 / 3 else 1))

    def _surname(self) -> str:
        words = self.words
        index = bisect.bisect(words.cumulative, self.rng.random() * words.cumulative[-1])
        return words.surnames[min(index, len(words.surnames) - 1)]

    def utc_offset(self) -> int:
        return int(self.rng.choice(UTC_OFFSETS))

    def wal(self) -> int:
        """A WAL index of a plausible magnitude (log-uniform from a hundred to a few million)."""
        return int(math.exp(self.rng.uniform(math.log(150), math.log(4_000_000))))

    def write_rate(self) -> float:
        """WAL entries per second written on a cluster (a quiet to a busy cluster)."""
        return round(float(self.rng.uniform(0.5, 40.0)), 2)

    def clock_skew_ms(self) -> int:
        return int(self.rng.choice((0, 0, 0, 1, -1, 2, -2, 3)))

    def heartbeat_duration_ms(self) -> int:
        return int(self.rng.choice((0, 0, 1, 1, 2, 3, 5)))

    def phase(self, period: float) -> float:
        return round(float(self.rng.uniform(0, period)), 3)

    def uptime_seconds(self) -> int:
        """How long ago replication was enabled: an hour to two months."""
        return int(self.rng.uniform(3600, 60 * 86400))

    def version(self, enterprise: bool) -> str:
        return str(self.rng.choice(VERSIONS_ENT if enterprise else VERSIONS_OSS))

    def choice_bool(self, p: float) -> bool:
        return bool(self.rng.random() < p)
