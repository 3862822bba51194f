import factory

from portal.accounts import services
from portal.accounts.models import Department, User
from portal.accounts.validators import resident_id_check_char


def make_resident_id(sequence: int, birth: str = "19900307") -> str:
    first17 = f"320102{birth}{sequence % 1000:03d}"
    return first17 + resident_id_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"张{n}")
    password = factory.PostGenerationMethodCall("set_password", "yiwang-test-pass")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ResidentFactory(UserFactory):
    username = factory.Sequence(lambda n: f"resident{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    resident_id = factory.Sequence(make_resident_id)


def make_department(code: str, *, kind=Department.Kind.FUNCTIONAL, parent=None, name=None):
    return services.department_create(
        name=name or code, code=code, kind=kind, parent=parent
    )


def make_clerk(department: Department, username: str | None = None, *, leader=False):
    user = UserFactory(username=username or f"clerk_{department.code}")
    services.staff_member_add(
        user=user,
        department=department,
        role="leader" if leader else "clerk",
    )
    return user


def make_committee_member(username: str = "committee_member"):
    user = UserFactory(username=username)
    services.committee_member_add(user=user)
    return user
