"""One small district for the generated access test, built once per module:
a resident's matter with a file, a grid event with a photo, a whistle, a
notification, and one object of every model the admin shows; and the four
actors who must be refused, beside the people who may see each thing (the
positive controls, so that a refusal for everyone cannot pass unnoticed)."""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.tokens import RefreshToken

from grid.models import GridMember
from grid.services.open311 import open311_client_create
from grid.tests.factories import grid_category, make_grid, make_member, make_tree, png
from grid.tests.factories import report as report_event
from grid.whistle.models import NegativeListEntry
from grid.whistle.tests.factories import blow
from grid.whistle.tests.factories import report as report_summons
from portal.accounts.models import BackupCodeDevice
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_committee_member,
)
from portal.audit import services as audit_services
from portal.audit.models import AuditRecord
from portal.cases import workflow
from portal.cases.models import HolidayCalendar, HolidayYear
from portal.cases.tests.factories import file_case, make_category, pdf_upload
from portal.notifications.models import Delivery, Notification, Reminder
from portal.notifications.services import deliver_event, preference_for

# The actors the issue names: each must be refused everything below that is
# not theirs.
ACTORS = ("anonymous", "other_resident", "other_clerk", "other_grid_worker")


@dataclass
class World:
    people: dict = field(default_factory=dict)
    objects: SimpleNamespace = field(default_factory=SimpleNamespace)

    def user(self, actor):
        return None if actor == "anonymous" else self.people[actor]


def build_world() -> World:
    world = World()
    tree = make_tree()
    o = world.objects
    o.tree = tree

    owner = ResidentFactory(username="acc_owner")
    clerk = make_clerk(tree["housing"], "acc_clerk_housing")
    street_clerk = make_clerk(tree["street"], "acc_clerk_street")
    secretary = make_clerk(tree["street"], "acc_secretary", leader=True)
    grid_a = make_grid(tree["community"], "acc-a")
    grid_b = make_grid(tree["sibling"], "acc-b")
    worker = make_member(grid_a, "acc_worker_a")
    world.people = {
        "owner": owner,
        "clerk": clerk,
        "street_clerk": street_clerk,
        "worker": worker,
        "committee": make_committee_member("acc_committee"),
        "superuser": UserFactory(username="acc_root", is_staff=True, is_superuser=True),
        "other_resident": ResidentFactory(username="acc_other_resident"),
        "other_clerk": make_clerk(tree["market"], "acc_clerk_market"),
        "other_grid_worker": make_member(grid_b, "acc_worker_b"),
    }

    # A resident's matter of the housing bureau, with a file, accepted.
    category = make_category(tree["housing"], code="acc-housing")
    case = file_case(category, owner, title="ACC-楼道漏水", files=[pdf_upload()])
    case = workflow.accept_case(case=case, actor=clerk, note="已受理")
    o.category, o.case = category, case
    o.attachment = case.attachments.get()
    # Its notification, made as the Celery task makes it (inside the test's
    # transaction on_commit never runs), and the deliveries it was sent by.
    deliver_event(event=case.events.order_by("pk").last())
    o.notification = Notification.objects.filter(recipient=owner).first()
    o.delivery = o.notification.deliveries.first() or Delivery.objects.create(
        notification=o.notification,
        channel=Delivery.Channel.SMS,
        address=owner.mobile,
        created_at=timezone.now(),
    )
    o.preference = preference_for(owner)
    if o.preference.pk is None:  # the default is not stored until changed
        o.preference.save()
    o.reminder = Reminder.objects.create(
        case=case,
        stage="handling",
        stage_started_at=timezone.now(),
        level=Reminder.Level.YELLOW,
        sent_at=timezone.now(),
    )

    # A grid event in grid A, with a photo.
    event = report_event(
        worker,
        grid_a,
        grid_category(tree["centre"], code="acc-grid"),
        photos=[png()],
    )
    o.grid, o.event = grid_a, event
    o.photo = event.case.attachments.first()

    # A whistle of the street on a community matter, with one summons.
    community_category = make_category(tree["community"], code="acc-community")
    street_case = workflow.accept_case(
        case=file_case(community_category, owner, title="ACC-积水"),
        actor=street_clerk,
    )
    o.street_case = street_case
    # A second matter of the street, not yet whistled.
    o.blowable_case = workflow.accept_case(
        case=file_case(community_category, owner, title="ACC-噪音"),
        actor=street_clerk,
    )
    o.whistle = blow(
        street_case,
        actor=street_clerk,
        secretary=secretary,
        departments=[tree["urban"]],
    )
    o.summons = o.whistle.summonses.get()
    report_summons(o.summons, actor=make_clerk(tree["urban"], "acc_clerk_urban"))
    o.negative_entry = NegativeListEntry.objects.create(
        summons=o.summons,
        department=tree["urban"],
        reason=NegativeListEntry.Reason.TASK_OVERDUE,
        due_at=timezone.now(),
        year=timezone.now().year,
        recorded_at=timezone.now(),
    )

    # Configuration rows and the phone tokens the admin lists.
    o.group = tree["housing"].group
    o.holiday_year = HolidayYear.objects.create(year=2031)
    o.holiday = HolidayCalendar.objects.create(
        date=datetime.date(2031, 10, 1),
        kind=HolidayCalendar.Kind.HOLIDAY,
        name="国庆节",
    )
    o.open311_client, _key = open311_client_create(name="acc-client")
    token = RefreshToken.for_user(worker)
    token.blacklist()
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    o.outstanding_token = OutstandingToken.objects.get(jti=token["jti"])
    o.blacklisted_token = BlacklistedToken.objects.get(token=o.outstanding_token)
    o.member = GridMember.objects.get(user=worker)

    # Security records: the audit log and django-axes's login records.
    o.audit_record = audit_services.record(
        action=AuditRecord.Action.REVEAL,
        actor=clerk,
        target=owner,
    )
    seen = {
        "username": owner.username,
        "ip_address": "203.0.113.7",
        "user_agent": "acc-test",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    o.access_attempt = AccessAttempt.objects.create(
        **seen, get_data="", post_data="", failures_since_start=1
    )
    o.access_log = AccessLog.objects.create(**seen)
    o.access_failure = AccessFailureLog.objects.create(**seen, locked_out=False)

    # A staff member's second-factor devices (their secrets are personal).
    o.totp_device = TOTPDevice.objects.create(user=clerk, name="acc", confirmed=True)
    o.static_device = StaticDevice.objects.create(user=clerk, name="acc-backup")
    o.backup_device = BackupCodeDevice.objects.create(user=clerk, name="backup")
    o.backup_device.codes_create(count=2)
    # Every other staff member has one too, so that logging in (the root
    # conftest marks a staff session as having passed the second factor)
    # writes no device in each test.
    for user in world.people.values():
        if user.is_staff and user != clerk:
            TOTPDevice.objects.create(user=user, name="acc", confirmed=True)
    return world
