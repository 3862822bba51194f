"""The one door through which a case changes status.

Every operation is keyword-only, runs in one transaction, locks the case row
(select_for_update), checks the transition and the actor's permission, writes
a CaseEvent beside the history row (with the actor and the reason), moves
per-case grants where the case changes hands, and returns the updated case.
An invalid move or a missing permission raises WorkflowError and changes
nothing. Views, admin actions, API and tasks call these; nothing else writes
Case.status.

intake.py, routing.py, reply.py and notes.py hold the operations; core.py the shared
lock, stage clock and save; overdue.py what the system user itself does when
a time limit runs on (reminders on the timeline, overdue escalation). Callers
import from here.
"""

from portal.cases.workflow.core import (
    ALREADY_HANDLED,
    ALREADY_RATED,
    NOTHING_TO_RATE,
    ASSIGNEE_NOT_STAFF,
    BASIS_REQUIRED,
    DUPLICATE_REQUIRED,
    DUPLICATE_SELF,
    EXTENSION_POSITIVE,
    EXTENSION_TOO_LONG,
    INVALID_TRANSITION,
    ITEMS_REQUIRED,
    LEADER_REQUIRED,
    MATERIAL_ALREADY_REQUESTED,
    NO_EXTENSION,
    NO_SUPERVISOR,
    NOT_ALLOWED,
    NOT_SUPERVISOR,
    RATING_RANGE,
    REASON_REQUIRED,
    REDIRECT_REQUIRED,
    REOPEN_WINDOW_PASSED,
    REPLY_REQUIRED,
    SAME_DEPARTMENT,
    TITLE_REQUIRED,
    WorkflowError,
)
from portal.cases.workflow.intake import (
    AS_SUBMITTER,
    NO_APPLICANT_NOT_ALLOWED,
    accept_case,
    decline_case,
    request_material,
    resubmit_case,
    submit_case,
)
from portal.cases.workflow.notes import (
    NOTE_NOT_ALLOWED,
    NOTE_REQUIRED,
    PUBLIC_NOTE_NOT_ALLOWED,
    note_case,
    system_note_case,
)
from portal.cases.workflow.overdue import (
    REMINDED_STAGES,
    STAGE_MOVED_ON,
    escalation_target,
    system_escalate_overdue,
    system_remind,
)
from portal.cases.workflow.reply import (
    confirm_case,
    dispute_case,
    rate_case,
    reopen_case,
    resolve_case,
    withdraw_case,
)
from portal.cases.workflow.routing import (
    assign_case,
    co_handle_case,
    escalate_case,
    extend_deadline,
    transfer_case,
)

__all__ = [
    "WorkflowError",
    "ALREADY_HANDLED",
    "INVALID_TRANSITION",
    "NOT_ALLOWED",
    "REASON_REQUIRED",
    "TITLE_REQUIRED",
    "REPLY_REQUIRED",
    "ITEMS_REQUIRED",
    "MATERIAL_ALREADY_REQUESTED",
    "BASIS_REQUIRED",
    "REDIRECT_REQUIRED",
    "DUPLICATE_REQUIRED",
    "DUPLICATE_SELF",
    "LEADER_REQUIRED",
    "ASSIGNEE_NOT_STAFF",
    "SAME_DEPARTMENT",
    "NO_SUPERVISOR",
    "NOT_SUPERVISOR",
    "NO_EXTENSION",
    "EXTENSION_TOO_LONG",
    "EXTENSION_POSITIVE",
    "RATING_RANGE",
    "ALREADY_RATED",
    "NOTHING_TO_RATE",
    "REOPEN_WINDOW_PASSED",
    "NOTE_REQUIRED",
    "NOTE_NOT_ALLOWED",
    "PUBLIC_NOTE_NOT_ALLOWED",
    "AS_SUBMITTER",
    "NO_APPLICANT_NOT_ALLOWED",
    "submit_case",
    "accept_case",
    "decline_case",
    "request_material",
    "resubmit_case",
    "resolve_case",
    "confirm_case",
    "dispute_case",
    "rate_case",
    "reopen_case",
    "withdraw_case",
    "assign_case",
    "transfer_case",
    "escalate_case",
    "co_handle_case",
    "extend_deadline",
    "note_case",
    "system_note_case",
    "REMINDED_STAGES",
    "STAGE_MOVED_ON",
    "escalation_target",
    "system_remind",
    "system_escalate_overdue",
]
