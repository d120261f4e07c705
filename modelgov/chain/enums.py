"""The contracts' enums and role ids: the one place their numbers and names are written."""

from __future__ import annotations

import enum

from eth_utils.crypto import keccak

from modelgov.errors import ValidationError


class Verdict(enum.IntEnum):
    """``ModelRegistry.Verdict``. Users write the verb (``approve``/``reject``); records show the
    past participle (``approved``/``rejected``)."""

    NONE = 0
    APPROVED = 1
    REJECTED = 2

    @property
    def label(self) -> str:
        """How records show it: ``none``, ``approved``, ``rejected``."""
        return self.name.lower()

    @property
    def verb(self) -> str:
        """How users (and signed attestation files) write it: ``approve``, ``reject``."""
        return {1: "approve", 2: "reject"}.get(int(self), "none")

    @classmethod
    def parse(cls, value: str | int) -> Verdict:
        """``approve``/``approved``/``1`` → APPROVED, ``reject``/``rejected``/``2`` → REJECTED.

        Raises:
            ValidationError: anything else (``none`` is never given).
        """
        if isinstance(value, int) and not isinstance(value, bool) and value in (1, 2):
            return cls(value)
        text = str(value).strip().lower()
        for member in (cls.APPROVED, cls.REJECTED):
            if text in (member.verb, member.label, str(int(member))):
                return member
        raise ValidationError(f"verdict must be 'approve' or 'reject', not {value!r}")

    @classmethod
    def label_of(cls, code: int) -> str:
        try:
            return cls(int(code)).label
        except ValueError:
            return str(code)


class ProposalState(enum.IntEnum):
    """OpenZeppelin Governor's ``ProposalState``."""

    Pending = 0
    Active = 1
    Canceled = 2
    Defeated = 3
    Succeeded = 4
    Queued = 5
    Expired = 6
    Executed = 7


class VoteSupport(enum.IntEnum):
    """``GovernorCountingSimple``'s support values."""

    against = 0
    for_ = 1
    abstain = 2


#: ``support`` text → value, as the CLI takes it.
SUPPORT = {"against": 0, "for": 1, "abstain": 2}


class MilestoneStatus(enum.IntEnum):
    """``GrantTreasury.MilestoneStatus``."""

    pending = 0
    submitted = 1
    released = 2
    reclaimed = 3
    cancelled = 4


def role_id(name: str) -> bytes:
    """``keccak256(name)``, as OpenZeppelin AccessControl role ids are built."""
    return bytes(keccak(text=name))


ADMIN_ROLE = b"\x00" * 32
AUDITOR_ROLE = role_id("AUDITOR_ROLE")
GUARDIAN_ROLE = role_id("GUARDIAN_ROLE")
STEWARD_ROLE = role_id("STEWARD_ROLE")
REVIEWER_ROLE = role_id("REVIEWER_ROLE")
PROPOSER_ROLE = role_id("PROPOSER_ROLE")
EXECUTOR_ROLE = role_id("EXECUTOR_ROLE")
CANCELLER_ROLE = role_id("CANCELLER_ROLE")
ALIAS_MANAGER_ROLE = role_id("ALIAS_MANAGER_ROLE")

#: role id → readable name (for error messages).
ROLE_NAMES: dict[bytes, str] = {ADMIN_ROLE: "DEFAULT_ADMIN_ROLE (governance)"}
for _name in ("AUDITOR_ROLE", "GUARDIAN_ROLE", "STEWARD_ROLE", "REVIEWER_ROLE", "PROPOSER_ROLE",
              "EXECUTOR_ROLE", "CANCELLER_ROLE", "ALIAS_MANAGER_ROLE"):
    ROLE_NAMES[role_id(_name)] = _name


def role_name(role: bytes) -> str:
    return ROLE_NAMES.get(bytes(role), "0x" + bytes(role).hex())
