import functools

from django.conf import settings
from django.contrib.auth import load_backend
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from portal.accounts import backup_codes
from portal.accounts.masking import mask_mobile, mask_resident_id
from portal.crypto.fields import BlindIndexField, EncryptedTextField
from portal.accounts.validators import (
    normalize_resident_id,
    validate_mobile,
    validate_resident_id,
)

RESIDENT_ID_TAKEN = _(
    "This resident identity number is already registered to another account. "
    "If it is yours, please bring your identity card to a service hall."
)


class UserManager(DjangoUserManager):
    def with_resident_id(self, number: str | None):
        """Users with this identity number (at most one), found through the
        blind index: the number itself is encrypted and cannot be compared."""
        digest = User._meta.get_field("resident_id_index").digest(
            normalize_resident_id(number or "")
        )
        if digest is None:
            return self.none()
        return self.filter(resident_id_index=digest)


@functools.lru_cache(maxsize=8)
def _backends(paths: tuple[str, ...]) -> tuple:
    return tuple(load_backend(path) for path in paths)


def auth_backends() -> tuple:
    """``django.contrib.auth.get_backends()``, each backend made once per list
    of AUTHENTICATION_BACKENDS (they keep no state) rather than imported and
    made again on every permission question: an admin page asks ~30 of them
    (its app list: each model's four permissions), ~100 µs each here."""
    return _backends(tuple(settings.AUTHENTICATION_BACKENDS))


class User(AbstractUser):
    """Everyone who logs in: residents, staff, grid workers, the committee.

    The real-name profile (name, mobile, resident identity number) sits on the
    user itself: every matter needs it and a join per page buys nothing.
    """

    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile],
    )
    mobile_verified = models.BooleanField(_("mobile verified"), default=False)
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    # Encrypted at rest (AES-256-GCM, portal/crypto); exact lookups and the
    # uniqueness go through the keyed hash beside it.
    resident_id = EncryptedTextField(
        _("resident identity number"),
        max_length=18,
        null=True,
        blank=True,
        validators=[validate_resident_id],
    )
    resident_id_index = BlindIndexField(
        source="resident_id",
        purpose="accounts.user.resident_id",
        unique=True,
        verbose_name=_("resident identity number (blind index)"),
    )
    real_name_verified_at = models.DateTimeField(
        _("real-name verified at"), null=True, blank=True
    )
    # Issue 7: staff passwords expire (portal/accounts/passwords.py). Null for
    # accounts made before the field: their date_joined counts instead.
    password_changed_at = models.DateTimeField(
        _("password changed at"), null=True, blank=True, editable=False
    )
    # Part of the session auth hash: a new value ends every session of the
    # user at once, with any session backend (see get_session_auth_hash).
    # A database default too: bulk loaders (portal/bench) name their columns.
    session_token = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )

    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "session_token"]
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_full_resident_id", _("Can see full resident identity numbers")),
            ("manage_grants", _("Can grant and remove users' groups and permissions")),
        ]

    def __str__(self):
        return self.real_name or self.username

    def clean(self):
        super().clean()
        # As save() stores them, so that a form's unique check compares the
        # stored form: "...002x" is a duplicate of "...002X", not a new row
        # that then fails in the database.
        self.resident_id = normalize_resident_id(self.resident_id) or None
        self.mobile = self.mobile or None
        if (
            self.resident_id
            and User.objects.with_resident_id(self.resident_id)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"resident_id": ValidationError(RESIDENT_ID_TAKEN, code="unique")}
            )

    def save(self, *args, **kwargs):
        if self.resident_id:
            self.resident_id = normalize_resident_id(self.resident_id)
        else:
            self.resident_id = None
        if not self.mobile:
            self.mobile = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "resident_id" in update_fields:
            kwargs["update_fields"] = {*update_fields, "resident_id_index"}
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            # A new password ends the other web sessions (the session auth
            # hash includes it) and the phone app's logins.
            from portal.accounts.tokens import api_tokens_revoke

            api_tokens_revoke(user=self)

    # PermissionsMixin's two questions that every admin page asks many
    # times, answered as Django's _user_has_perm and _user_has_module_perms
    # answer them, over auth_backends().

    def has_perm(self, perm, obj=None):
        if self.is_active and self.is_superuser:
            return True
        return self._backends_answer("has_perm", perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.is_superuser:
            return True
        return self._backends_answer("has_module_perms", app_label)

    def _backends_answer(self, question, *args) -> bool:
        """True when a backend says yes; a backend's PermissionDenied is a no."""
        for backend in auth_backends():
            ask = getattr(backend, question, None)
            if ask is None:
                continue
            try:
                if ask(self, *args):
                    return True
            except PermissionDenied:
                return False
        return False

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    # Django stores an HMAC of the password hash in each session and drops a
    # session whose HMAC no longer matches the user. Adding session_token to
    # what is signed lets end_all_sessions() end them without changing the
    # password and without listing sessions (which the cache backend cannot).

    def _session_auth_hash(self, secret=None) -> str:
        return salted_hmac(
            "portal.accounts.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_token}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self):
        return self._session_auth_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    def rotate_session_token(self) -> None:
        """End every session of this user (saved at once, by itself)."""
        self.session_token = get_random_string(32)
        type(self)._default_manager.filter(pk=self.pk).update(
            session_token=self.session_token
        )

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def masked_resident_id(self) -> str:
        return mask_resident_id(self.resident_id)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class Department(models.Model):
    """A unit that owns cases: the district tree (district, street or township,
    community) and the functional departments beside it.

    Case visibility is granted with guardian permissions on a Department; a grant
    holds for the department's whole subtree (a street supervises its
    communities), read through DepartmentLink.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        COMMAND_CENTRE = "command_centre", _("District command centre")
        STREET = "street", _("Street or township")
        COMMUNITY = "community", _("Community")
        FUNCTIONAL = "functional", _("Functional department")
        COMMITTEE = "committee", _("Politics and law committee")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("supervising department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="department", editable=False
    )
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        permissions = [
            ("view_cases_of", _("Can view the cases of this department")),
            ("handle_cases_of", _("Can handle the cases of this department")),
            ("lead_cases_of", _("Leads this department (confirms, extends)")),
        ]

    def __str__(self):
        return self.name

    def ancestors(self):
        """This department and every department above it, nearest first."""
        return Department.objects.filter(descendant_links__descendant=self).order_by(
            "descendant_links__depth"
        )


class DepartmentLink(models.Model):
    """Closure table of the department tree: one row per (ancestor, descendant)
    pair, depth 0 for the department itself. Lets one indexed join answer
    "is this case's department under a department the user holds a grant on"."""

    ancestor = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="descendant_links"
    )
    descendant = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="ancestor_links"
    )
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ancestor", "descendant"], name="department_link_unique"
            )
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self):
        return f"{self.ancestor_id} > {self.descendant_id} ({self.depth})"


class StaffMembership(models.Model):
    """A staff member's role in one department."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        LEADER = "leader", _("Leader")

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"], name="staff_membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.department} ({self.get_role_display()})"


class DepartmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class DepartmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's single-use backup codes for the second factor, kept
    hashed (portal/accounts/backup_codes.py), unlike django-otp's static
    device, which keeps them as they are. Repeated wrong codes are slowed
    down as on the other devices."""

    class Meta:
        verbose_name = _("backup code device")
        verbose_name_plural = _("backup code devices")

    def get_throttle_factor(self):
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token):
        """Use up the code if it is one of this device's. django_otp's
        verify_token() locks the device row first, so two requests cannot
        both spend the same code."""
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        match = next(
            (
                code
                for code in self.codes.all()
                if backup_codes.matches(token, salt=code.salt, stored=code.digest)
            ),
            None,
        )
        if match is not None and BackupCode.objects.filter(pk=match.pk).delete()[0]:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False

    def codes_create(self, *, count: int, uses: int = 1) -> list[str]:
        """Replace the codes with `count` new ones and return them (the only
        time they are seen). `uses` stores each code that many times: the
        demo's printed code lets a newcomer in more than once."""
        self.codes.all().delete()
        codes = [backup_codes.new_code() for _ in range(count)]
        rows = []
        for code in codes:
            for _use in range(uses):
                salt = backup_codes.new_salt()
                rows.append(
                    BackupCode(
                        device=self, salt=salt, digest=backup_codes.digest(code, salt)
                    )
                )
        BackupCode.objects.bulk_create(rows)
        return codes


class BackupCode(models.Model):
    """One unused backup code: a salt and HMAC-SHA256 of salt and code."""

    device = models.ForeignKey(
        BackupCodeDevice, on_delete=models.CASCADE, related_name="codes"
    )
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")

    def __str__(self):
        return f"{self.device_id}:{self.pk}"
