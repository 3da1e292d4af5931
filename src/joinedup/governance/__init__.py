"""Governance: agreements as policy, residents' consent and objections, and the one decision point.

``DecisionPoint.decide(request, consents)`` answers PERMIT (with the permitted fields), DENY or REVIEW, always
with reasons; ``DisclosureGate`` wraps it with the audit entry written in the disclosure's transaction,
break-glass looks flagged for the DPO, and "known to you?" answers; ``GovernedDeliveries`` puts tell-us-once
deliveries through the same decision point and audit. See ``docs/governance.md``.
"""

from joinedup.governance._breakglass import BreakGlassError
from joinedup.governance._checks import check_agreements
from joinedup.governance._consent import (
    Consent,
    ConsentDecision,
    ConsentScope,
    ConsentState,
    Period,
    Provision,
    ProvisionActor,
    consent_state,
)
from joinedup.governance._decisions import DecisionPoint
from joinedup.governance._delivery import FIELD_PATHS, GovernedDeliveries, field_path, system_actor
from joinedup.governance._demo import DemoLook, run_demo_requests
from joinedup.governance._diff import AgreementDiff, Permission, diff_agreements, diff_places, permissions_of
from joinedup.governance._extracts import AGGREGATE, EXTRACT_FIELD_PATHS, ExtractAnswer, Produced, extract_in
from joinedup.governance._gate import Disclosure, DisclosureGate, Fetch, decision_event, disclosure_event
from joinedup.governance._policies import CompiledPolicies, Grant, compile_policies, in_force
from joinedup.governance._requests import Actor, Channel, Decision, Outcome, Reason, Request
from joinedup.place._governance import SYSTEM_ROLE

__all__ = [
    "AGGREGATE",
    "EXTRACT_FIELD_PATHS",
    "FIELD_PATHS",
    "SYSTEM_ROLE",
    "Actor",
    "AgreementDiff",
    "BreakGlassError",
    "Channel",
    "CompiledPolicies",
    "Consent",
    "ConsentDecision",
    "ConsentScope",
    "ConsentState",
    "Decision",
    "DecisionPoint",
    "DemoLook",
    "Disclosure",
    "DisclosureGate",
    "ExtractAnswer",
    "Fetch",
    "GovernedDeliveries",
    "Grant",
    "Outcome",
    "Period",
    "Permission",
    "Produced",
    "Provision",
    "ProvisionActor",
    "Reason",
    "Request",
    "check_agreements",
    "compile_policies",
    "consent_state",
    "decision_event",
    "diff_agreements",
    "diff_places",
    "disclosure_event",
    "extract_in",
    "field_path",
    "in_force",
    "permissions_of",
    "run_demo_requests",
    "system_actor",
]
