"""ModelRegistry under random sequences of submit / attest / revoke / activate / suspend /
reinstate / set-required-approvals, checked against a small Python model.

Invariants:
- the active version of a model is the one governance last activated, not suspended since, and
  audited NOW (approvals ≥ the requirement, no live rejection); otherwise there is none (issue 14:
  no fall-back, the guardian only stops; reinstating activates nothing). The model predicts every
  activation outcome, including the refusal of an activation that states another active version;
- a version record never changes after submission;
- approvals / rejections equal the live attestations of current auditors (governance may remove
  and restore auditors), which auditStatus lists exactly;
- (issue 15) an approval with an expiry stops counting once the chain's time reaches it
  (everywhere: counts, isAudited, activation, the active version);
- (issue 15) each auditor's nonce on a version is the number of direct attestations, withdrawals
  and relayed signatures it made on that version; a signature is accepted iff its nonce is the
  next one on its version, so an older signature never lands over a newer verdict, while
  signatures on other versions stay valid in any order;
- (issue 15) aliases: aliasOf is the version last set (0 once cleared, or while the version is
  suspended) and aliasesOf lists exactly the set names.

Each example runs from a chain snapshot that is restored afterwards.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from registry_helpers import (
    APPROVED,
    REJECTED,
    ZERO_ADDRESS,
    cid,
    relay_args,
    relay_expiry_args,
    signed,
    version_input,
)

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
REFUSALS = {
    keccak(text=sig)[:4]
    for sig in (
        "ModelRegistryNotAudited(uint256,uint256,uint256,uint256)",
        "ModelRegistryVersionSuspended(uint256)",
        "ModelRegistryAlreadyActive(uint256)",
        "ModelRegistryUnexpectedActiveVersion(uint256,uint256,uint256)",
    )
}
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
ALIASES = ("champion", "staging")


def test_registry_state_machine(chain, registry, governance, accounts, stranger):
    auditors = [accounts[4], accounts[5], accounts[6]]
    guardian = accounts[7]
    for a in auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.grantRole(GUARDIAN_ROLE, guardian, sender=governance)
    registry.createModel("alpha", b"", sender=governance)
    registry.createModel("beta", b"", sender=governance)
    models = (1, 2)

    class RegistryMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            registry.setRequiredApprovals(1, sender=governance)
            self.required = 1
            self.versions: list[dict] = []  # index = versionId - 1
            self.records: list[tuple] = []  # as read right after submission
            self.live: dict[tuple[int, int], int] = {}  # (versionId, auditor idx) -> verdict
            self.expiry: dict[tuple[int, int], int] = {}  # (versionId, auditor idx) -> expiresAt
            self.used: dict[tuple[int, int], int] = {}  # (versionId, auditor idx) -> nonces used
            self.signatures: list = []  # signed attestations, relayed or not
            self.aliases = {m: {} for m in models}  # model -> alias -> versionId
            self.removed: set[int] = set()  # auditors whose role governance revoked
            self.history = {m: [] for m in models}
            self.activated = {m: 0 for m in models}  # last activation, cleared when suspended
            self.suspended: set[int] = set()
            self.touched: int | None = None
            self.seed = 0

        def teardown(self):
            try:
                for i, record in enumerate(self.records):
                    assert tuple(registry.version(i + 1)) == record
            finally:
                chain.restore(self.snapshot)

        # --- model of the contract ------------------------------------------------------------
        def now(self):
            return chain.blocks.head.timestamp

        def counted(self, vid, w):
            expires = self.expiry.get((vid, w), 0)
            return w not in self.removed and (expires == 0 or self.now() < expires)

        def counts(self, vid):
            verdicts = [v for (x, w), v in self.live.items() if x == vid and self.counted(x, w)]
            return verdicts.count(APPROVED), verdicts.count(REJECTED)

        def active(self, model):
            vid = self.activated[model]
            approvals, rejections = self.counts(vid) if vid else (0, 1)
            return vid if approvals >= self.required and rejections == 0 else 0

        def pick(self, i):
            # one of the three latest versions: keeps attestations concentrated enough to
            # reach activation often
            return max(len(self.versions) - i, 1) if self.versions else None

        # --- rules -------------------------------------------------------------------------------
        @initialize()
        def first_versions(self):
            for model in models:
                self.submit(model, False)

        @rule(model=st.sampled_from(models), with_parent=st.booleans())
        def submit(self, model, with_parent):
            self.seed += 1
            parent = len(self.versions) if with_parent and self.versions else 0
            receipt = registry.submitVersion(
                model, version_input(f"s{self.seed}", parent=parent,
                                     datasets=(cid(f"d{self.seed}"),)),
                sender=stranger)
            vid = receipt.events.filter(registry.VersionSubmitted)[0].versionId
            assert vid == len(self.versions) + 1
            self.versions.append({"model": model})
            self.records.append(tuple(registry.version(vid)))
            if vid % 2:  # every other version gets a verifier: the audit cache is kept for those
                registry.bindVerifier(vid, registry.address, sender=stranger)
            self.touched = vid

        @rule(i=st.integers(0, 2), who=st.integers(0, 2),
              verdict=st.sampled_from([APPROVED, REJECTED]))
        def attest(self, i, who, verdict):
            vid = self.pick(i)
            if vid is None or who in self.removed:
                return
            registry.attest(vid, verdict, cid(f"r{vid}-{who}-{verdict}"), sender=auditors[who])
            self.live[(vid, who)] = verdict
            self.expiry.pop((vid, who), None)
            self.used[(vid, who)] = self.used.get((vid, who), 0) + 1
            self.touched = vid

        @rule(i=st.integers(0, 2), who=st.integers(0, 2), ttl=st.sampled_from([1_000, 2_500]))
        def attest_expiring(self, i, who, ttl):
            vid = self.pick(i)
            if vid is None or who in self.removed:
                return
            expires = self.now() + ttl
            registry.attestWithExpiry(vid, APPROVED, cid(f"e{vid}-{who}"), expires, sender=auditors[who])
            self.live[(vid, who)] = APPROVED
            self.expiry[(vid, who)] = expires
            self.used[(vid, who)] = self.used.get((vid, who), 0) + 1
            self.touched = vid

        @rule(dt=st.sampled_from([600, 2_000]))
        def advance_time(self, dt):
            chain.mine(deltatime=dt)

        @rule(i=st.integers(0, 2), who=st.integers(0, 2), verdict=st.sampled_from([APPROVED, REJECTED]),
              expiring=st.booleans(), ahead=st.integers(0, 1))
        def sign(self, i, who, verdict, expiring, ahead):
            """The auditor signs offline (its next nonce on the version, or the one after)."""
            vid = self.pick(i)
            if vid is None:
                return
            seq = self.used.get((vid, who), 0) + ahead
            expires = self.now() + 100_000 if expiring and verdict == APPROVED else 0
            self.signatures.append(signed(chain, registry, auditors[who], vid, verdict,
                                          nonce=seq, expires_at=expires, deadline=2**40))

        @rule(k=st.integers(0, 7))
        def relay(self, k):
            """Anyone relays one of the signatures, in any order: it lands iff its nonce is the
            auditor's next one on its version (and the auditor is still one)."""
            if not self.signatures:
                return
            s = self.signatures[k % len(self.signatures)]
            r = s.request
            who = next(w for w, a in enumerate(auditors) if a.address == r.auditor)
            ok = r.nonce == self.used.get((r.version_id, who), 0) and who not in self.removed
            fn, args = ((registry.attestWithExpiryBySig, relay_expiry_args(s)) if r.expires_at
                        else (registry.attestBySig, relay_args(s)))
            if ok:
                fn(*args, sender=stranger)
                self.live[(r.version_id, who)] = r.verdict
                if r.expires_at:
                    self.expiry[(r.version_id, who)] = r.expires_at
                else:
                    self.expiry.pop((r.version_id, who), None)
                self.used[(r.version_id, who)] = r.nonce + 1
            else:
                tx = {"from": stranger.address, "to": registry.address,
                      "data": bytes(fn.encode_input(*args))}
                with pytest.raises(Web3ContractLogicError):
                    chain.provider.web3.eth.call(tx)
            self.touched = r.version_id

        @rule(model=st.sampled_from(models), i=st.integers(0, 2), name=st.sampled_from(ALIASES))
        def set_alias(self, model, i, name):
            vid = self.pick(i)
            if vid is None:
                return
            if self.versions[vid - 1]["model"] != model or vid in self.suspended:
                data = bytes(registry.setAlias.encode_input(model, name, vid))
                with pytest.raises(Web3ContractLogicError):
                    chain.provider.web3.eth.call({"from": governance.address,
                                                  "to": registry.address, "data": data})
                return
            registry.setAlias(model, name, vid, sender=governance)
            self.aliases[model][name] = vid

        @rule(model=st.sampled_from(models), name=st.sampled_from(ALIASES))
        def clear_alias(self, model, name):
            if name in self.aliases[model]:
                registry.clearAlias(model, name, sender=governance)
                del self.aliases[model][name]

        @rule(i=st.integers(0, 2), who=st.integers(0, 2))
        def revoke(self, i, who):
            vid = self.pick(i)
            if vid is None or (vid, who) not in self.live:
                return
            registry.revokeAttestation(vid, sender=auditors[who])
            del self.live[(vid, who)]
            self.expiry.pop((vid, who), None)
            self.used[(vid, who)] = self.used.get((vid, who), 0) + 1
            self.touched = vid

        @rule(i=st.integers(0, 2), stale=st.booleans())
        def try_activate(self, i, stale=False):
            vid = self.pick(i)
            if vid is None:
                return
            model = self.versions[vid - 1]["model"]
            approvals, rejections = self.counts(vid)
            # a stale proposal states an active version that is no longer (or never was) active
            expected = self.active(model) if not stale else (self.active(model) + 1) % (len(self.versions) + 1)
            eligible = (vid not in self.suspended and self.active(model) != vid
                        and approvals >= self.required and rejections == 0
                        and expected == self.active(model))
            if eligible:
                registry.activateVersion(model, vid, expected, sender=governance)
                self.history[model].append(vid)
                self.activated[model] = vid
            else:  # the contract must refuse it (checked by eth_call: ape's revert path is slow)
                data = bytes(registry.activateVersion.encode_input(model, vid, expected))
                tx = {"from": governance.address, "to": registry.address, "data": data}
                with pytest.raises(Web3ContractLogicError) as refused:
                    chain.provider.web3.eth.call(tx)
                assert bytes.fromhex(str(refused.value.data)[2:10]) in REFUSALS
            self.touched = vid

        @rule(i=st.integers(0, 2), approvers=st.integers(1, 3))
        def approve_then_activate(self, i, approvers):
            """Compound step so that random runs reach activation often."""
            for who in range(approvers):
                self.attest(i, who, APPROVED)
            self.try_activate(i)

        @rule(i=st.integers(0, 2))
        def suspend(self, i):
            vid = self.pick(i)
            if vid is None or vid in self.suspended:
                return
            registry.suspendVersion(vid, sender=guardian)
            self.suspended.add(vid)
            model = self.versions[vid - 1]["model"]
            if self.activated[model] == vid:
                self.activated[model] = 0  # no fall-back: the guardian only stops
            self.touched = vid

        @rule(i=st.integers(0, 2))
        def reinstate(self, i):
            vid = self.pick(i)
            if vid is None or vid not in self.suspended:
                return
            registry.reinstateVersion(vid, sender=governance)
            self.suspended.discard(vid)
            self.touched = vid

        @rule(who=st.integers(0, 2))
        def toggle_auditor(self, who):
            """Governance removes (or restores) an auditor: their verdicts stop (or resume) counting."""
            if who in self.removed:
                registry.grantRole(AUDITOR_ROLE, auditors[who], sender=governance)
                self.removed.discard(who)
            else:
                registry.revokeRole(AUDITOR_ROLE, auditors[who], sender=governance)
                self.removed.add(who)

        @rule(i=st.integers(0, 2))
        def sync_audit(self, i):
            vid = self.pick(i)
            if vid is not None:
                registry.syncAudit(vid, sender=stranger)

        @rule(n=st.integers(1, 2))
        def set_required(self, n):
            registry.setRequiredApprovals(n, sender=governance)
            self.required = n

        # --- invariants ------------------------------------------------------------------------
        @invariant()
        def active_versions_match(self):
            for model in models:
                active = registry.activeVersionId(model)
                assert active == self.active(model)
                if active:  # activated by governance, not suspended, audited now
                    assert active in self.history[model] and active not in self.suspended
                    assert registry.isAudited(active)
                # the cached path (issue 20) answers exactly what the full tally does
                verifier = registry.address if active % 2 else ZERO_ADDRESS
                assert tuple(registry.activeVerifiedVersion(model)) == (active, verifier)

        @invariant()
        def touched_version_counts_are_live_attestations(self):
            vid = self.touched
            if vid is None:
                return
            status = registry.auditStatus(vid)
            assert (status.approvals, status.rejections) == self.counts(vid)
            listed = {(a.auditor, a.verdict) for a in status.attestations}
            expected = {(auditors[w].address, v) for (x, w), v in self.live.items()
                        if x == vid and self.counted(x, w)}
            assert listed == expected and len(status.attestations) == len(expected)
            assert status.suspended == (vid in self.suspended)
            for w, a in enumerate(auditors):
                assert int(registry.nonces(a, vid)) == (vid << 64) | self.used.get((vid, w), 0)
                live = (vid, w) in self.live
                assert registry.attestationExpiry(vid, a) == (self.expiry.get((vid, w), 0) if live else 0)

        @invariant()
        def each_model_lists_its_own_versions_oldest_first(self):
            """Versions are linked per model (no array): the pages follow submission order."""
            for model in models:
                mine = [i + 1 for i, v in enumerate(self.versions) if v["model"] == model]
                page, total = registry.versionsOf(model, 0, 1000)
                assert total == len(mine) == registry.model(model)[3]
                assert [int(r[0]) for r in page] == mine
                if len(mine) > 2:  # a page in the middle
                    assert [int(r[0]) for r in registry.versionsOf(model, 1, 1)[0]] == mine[1:2]

        @invariant()
        def aliases_match(self):
            for model in models:
                assert sorted(registry.aliasesOf(model)) == sorted(self.aliases[model])
                for name in ALIASES:
                    vid = self.aliases[model].get(name, 0)
                    expected = 0 if vid in self.suspended else vid
                    assert registry.aliasOf(model, name) == expected

    run_state_machine_as_test(
        RegistryMachine,
        settings=settings(max_examples=15, stateful_step_count=15, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
