"""Writes to the organisation: enterprises, departments, posts and memberships.

Each takes the acting person as `by` and checks the role itself, so a call from anywhere (API,
command, task) obeys the same rules. `data` is validated input: model instances for references.
"""

from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from core.errors import ApplicationError, Conflict, Forbidden, NotFound, savepoint_or_raise
from orgs.models import (
    ORG_ADMIN_ROLES,
    SAFETY_MANAGER_ROLES,
    Certificate,
    Department,
    Enterprise,
    EnterpriseTimezoneChange,
    Membership,
    Person,
    Post,
)
from orgs.selectors import role_required, with_belonging
from orgs.validators import fence_degrees, fence_problems

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "region",
    "industry",
    "address",
    "timezone",
    "actual_controller_name",
    "actual_controller_phone",
)
# Region and industry decide which regulators see the enterprise, and the credit code is its legal
# identity: an enterprise must not move itself out of its regulator's sight. The time zone decides every
# period (day, week, month) of its figures: changed by platform staff only, and each change recorded.
ENTERPRISE_SUPERUSER_FIELDS = ("credit_code", "region", "industry", "timezone")
POST_FIELDS = ("name", "department", "risk_level", "location")


def _require_org_admin(by: Person, enterprise_id: int) -> None:
    role_required(by, enterprise_id, ORG_ADMIN_ROLES)


def _keep_enterprise(instance, data: dict) -> None:
    """An object never moves to another enterprise: its cards, checks and hazards stay behind."""
    enterprise = data.get("enterprise")
    if enterprise is not None and enterprise.pk != instance.enterprise_id:
        raise ApplicationError(_("不能更改所属企业。"), field="enterprise")


def _check_credit_code_free(credit_code: str, *, exclude_pk: int | None = None) -> None:
    if Enterprise.objects.filter(credit_code=credit_code).exclude(pk=exclude_pk).exists():
        raise ApplicationError(_("该统一社会信用代码已登记。"), field="credit_code", code="unique")


@transaction.atomic
def enterprise_create(*, by: Person, data: dict) -> Enterprise:
    if not by.is_superuser:
        raise Forbidden(_("只有系统管理员可以登记企业。"))
    _check_credit_code_free(data["credit_code"])
    enterprise = Enterprise(**{f: data[f] for f in ENTERPRISE_FIELDS if f in data})
    with savepoint_or_raise(ApplicationError(_("该统一社会信用代码已登记。"), field="credit_code", code="unique")):
        enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, by: Person, data: dict) -> Enterprise:
    _require_org_admin(by, enterprise.pk)
    for field in ENTERPRISE_SUPERUSER_FIELDS:
        if field in data and data[field] != getattr(enterprise, field) and not by.is_superuser:
            raise Forbidden(_("只有系统管理员可以修改统一社会信用代码、行政区划、行业和时区。"), field=field)
    if "credit_code" in data:
        _check_credit_code_free(data["credit_code"], exclude_pk=enterprise.pk)
    if "timezone" in data and data["timezone"] != enterprise.timezone:
        enterprise_timezone_record(enterprise=enterprise, new=data["timezone"], by=by)
    for field in ENTERPRISE_FIELDS:
        if field in data:
            setattr(enterprise, field, data[field])
    with savepoint_or_raise(ApplicationError(_("该统一社会信用代码已登记。"), field="credit_code", code="unique")):
        enterprise.save()
    return enterprise


def enterprise_timezone_record(*, enterprise: Enterprise, new: str, by: Person | None) -> EnterpriseTimezoneChange:
    """Record a change of the time zone (from the stored value to `new`); the caller saves the
    enterprise. Called by enterprise_update and by the admin's change form."""
    old = Enterprise.objects.filter(pk=enterprise.pk).values_list("timezone", flat=True).first() or ""
    return EnterpriseTimezoneChange.objects.create(enterprise=enterprise, old=old, new=new, changed_by=by)


def _check_department_name_free(enterprise_id: int, name: str, *, exclude_pk: int | None = None) -> None:
    if Department.objects.filter(enterprise_id=enterprise_id, name=name).exclude(pk=exclude_pk).exists():
        raise ApplicationError(_("该企业已有同名部门。"), field="name", code="unique")


def _save_department(department: Department) -> Department:
    with savepoint_or_raise(ApplicationError(_("该企业已有同名部门。"), field="name", code="unique")):
        department.save()
    return department


@transaction.atomic
def department_create(*, by: Person, data: dict) -> Department:
    enterprise = data["enterprise"]
    _require_org_admin(by, enterprise.pk)
    _check_department_name_free(enterprise.pk, data["name"])
    return _save_department(Department(enterprise=enterprise, name=data["name"]))


@transaction.atomic
def department_update(*, department: Department, by: Person, data: dict) -> Department:
    _require_org_admin(by, department.enterprise_id)
    _keep_enterprise(department, data)
    if "name" in data:
        _check_department_name_free(department.enterprise_id, data["name"], exclude_pk=department.pk)
        department.name = data["name"]
    return _save_department(department)


@transaction.atomic
def department_delete(*, department: Department, by: Person) -> None:
    """Its posts stay, without a department."""
    _require_org_admin(by, department.enterprise_id)
    department.delete()


def _check_department(department: Department | None, enterprise_id: int) -> None:
    if department is not None and department.enterprise_id != enterprise_id:
        raise ApplicationError(_("部门不属于该企业。"), field="department")


def _check_post_name_free(enterprise_id: int, department: Department | None, name: str, *, exclude_pk=None) -> None:
    # Checked here as well as by the constraint: without a department the constraint's NULL never collides.
    duplicates = Post.objects.filter(enterprise_id=enterprise_id, department=department, name=name)
    if duplicates.exclude(pk=exclude_pk).exists():
        raise ApplicationError(_("该部门已有同名岗位。"), field="name", code="unique")


def _resolve_holders(enterprise_id: int, person_ids: Iterable[int]) -> list[Person]:
    """People to put on a post: every one must be a member of the post's enterprise. Unknown ids and
    people of other enterprises get the same answer, so nothing is learnt about other tenants."""
    wanted = set(person_ids)
    people = list(Person.objects.filter(pk__in=wanted, memberships__enterprise_id=enterprise_id))
    missing = sorted(wanted - {p.pk for p in people})
    if missing:
        raise ApplicationError(
            _("以下人员不是该企业的成员:%(ids)s") % {"ids": ", ".join(map(str, missing))},
            field="holders",
            code="not_a_member",
        )
    return people


def _save_post(post: Post) -> Post:
    with savepoint_or_raise(ApplicationError(_("该部门已有同名岗位。"), field="name", code="unique")):
        post.save()
    return post


@transaction.atomic
def post_create(*, by: Person, data: dict) -> Post:
    enterprise = data["enterprise"]
    _require_org_admin(by, enterprise.pk)
    department = data.get("department")
    _check_department(department, enterprise.pk)
    _check_post_name_free(enterprise.pk, department, data["name"])
    holders = _resolve_holders(enterprise.pk, data.get("holders", []))
    post = _save_post(Post(enterprise=enterprise, **{f: data[f] for f in POST_FIELDS if f in data}))
    post.holders.set(holders)
    post.required_certificate_kinds.set(data.get("required_certificate_kinds", []))
    return post


@transaction.atomic
def post_update(*, post: Post, by: Person, data: dict) -> Post:
    _require_org_admin(by, post.enterprise_id)
    _keep_enterprise(post, data)
    if "department" in data:
        _check_department(data["department"], post.enterprise_id)
    holders = _resolve_holders(post.enterprise_id, data["holders"]) if "holders" in data else None
    for field in POST_FIELDS:
        if field in data:
            setattr(post, field, data[field])
    _check_post_name_free(post.enterprise_id, post.department, post.name, exclude_pk=post.pk)
    _save_post(post)
    if holders is not None:
        post.holders.set(holders)
    if "required_certificate_kinds" in data:
        post.required_certificate_kinds.set(data["required_certificate_kinds"])
    return post


@transaction.atomic
def post_delete(*, post: Post, by: Person) -> None:
    _require_org_admin(by, post.enterprise_id)
    try:
        post.delete()
    except (ProtectedError, RestrictedError):
        # The archive is kept for good: inspections and published card versions protect their post.
        raise Conflict(_("该岗位已有检查记录或已发布的明白卡,不能删除。"))


FENCE_FIELDS = ("fence_latitude", "fence_longitude", "fence_radius_m")


@transaction.atomic
def post_fence_set(*, post: Post, by: Person, latitude, longitude, radius_m) -> Post:
    """Set or move a post's electronic fence (safety managers: the fence is a safety rule, like a
    checklist). Records already stored keep the flags they got; the new fence applies from now on."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    problems = fence_problems(latitude=latitude, longitude=longitude, radius_m=radius_m)
    if problems:
        field, message = next(iter(problems.items()))
        raise ApplicationError(message, field=field)
    post.fence_latitude, post.fence_longitude = fence_degrees(latitude), fence_degrees(longitude)
    post.fence_radius_m = int(radius_m)
    post.save(update_fields=FENCE_FIELDS)
    return post


@transaction.atomic
def post_fence_clear(*, post: Post, by: Person) -> Post:
    """Remove a post's fence: its records store no position from now on."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    post.fence_latitude = post.fence_longitude = post.fence_radius_m = None
    post.save(update_fields=FENCE_FIELDS)
    return post


def _org_admins_locked(enterprise_id: int) -> list[Membership]:
    # Locked so that two admins demoting each other at once cannot leave the enterprise without one.
    return list(Membership.objects.select_for_update().filter(enterprise_id=enterprise_id, role__in=ORG_ADMIN_ROLES))


def _keep_one_org_admin(membership: Membership, *, new_role: str | None) -> None:
    if membership.role not in ORG_ADMIN_ROLES or new_role in ORG_ADMIN_ROLES:
        return
    admins = _org_admins_locked(membership.enterprise_id)
    if all(m.pk == membership.pk for m in admins):
        raise Conflict(_("企业至少需要一名管理员或主要负责人。"), field="role")


NEW_PERSON_FIELDS = ("name", "phone", "password")
PERSON_FIELDS = ("name", "phone")


def _attachable_person(username: str, enterprise: Enterprise) -> Person | None:
    """The existing person with that login (ignoring case) whom the enterprise may attach: a member
    already (then membership_create says so), or someone who belongs nowhere (no membership, no
    regulator scope, not platform staff). Anyone else is as good as unknown. The row is locked, so that
    two enterprises attaching the same free person at once cannot both succeed."""
    found = Person.objects.with_username(username).values_list("pk", flat=True).first()
    if found is None:
        return None
    Person.objects.select_for_update().filter(pk=found).first()
    person = with_belonging(Person.objects.filter(pk=found), enterprise.pk).first()
    if person is None or (person.belongs_elsewhere and not person.member_here):
        return None
    return person


def _person_for_membership(data: dict, password_hashes: dict[str, str] | None = None) -> Person:
    """The person to add: with the username alone an existing person who belongs nowhere else (or
    already here), otherwise a new person made from name, phone and password.

    An enterprise never attaches, reads or edits a person who belongs elsewhere (DESIGN.md, trust
    rules). Such a username is answered exactly like an unknown one: with the username alone both ask
    for the new person's fields (the same bytes), and a new person under a login already taken (by
    anyone) is "username taken", which reveals no more than any sign-up form."""
    enterprise, username = data["enterprise"], data["username"]
    if not any(data.get(field) for field in NEW_PERSON_FIELDS):
        person = _attachable_person(username, enterprise)
        if person is not None:
            return person
    if not data.get("password"):
        raise ApplicationError(_("新建人员需要设置密码。"), field="password", code="required")
    if not data.get("name"):
        raise ApplicationError(_("新建人员需要填写姓名。"), field="name", code="required")
    if Person.objects.with_username(username).exists():
        raise ApplicationError(_("用户名已存在。"), field="username", code="username_taken")
    person = Person(username=username, name=data["name"], phone=data.get("phone", ""))
    try:
        validate_password(data["password"], user=person)
    except DjangoValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="password", code="password_invalid")
    if password_hashes is None:
        person.set_password(data["password"])
    else:
        # A hash costs about a second (PBKDF2 at Django's default work factor): a roster sharing one
        # initial password hashes it once and the people share the encoded hash. Sharing reveals
        # nothing: they were all given that password, and each should change it at the first login.
        if data["password"] not in password_hashes:
            password_hashes[data["password"]] = make_password(data["password"])
        person.password = password_hashes[data["password"]]
    with savepoint_or_raise(ApplicationError(_("用户名已存在。"), field="username", code="username_taken")):
        person.save()
    return person


@transaction.atomic
def membership_create(*, by: Person, data: dict, password_hashes: dict[str, str] | None = None) -> Membership:
    """Add a person to an enterprise with a role: a new person, or an existing one who belongs nowhere
    else (see _person_for_membership).

    data: enterprise, role, username and, for a new person, name, password and optionally phone.
    `password_hashes` (password -> encoded hash), shared by the calls of one import, hashes each
    initial password once.
    """
    enterprise = data["enterprise"]
    _require_org_admin(by, enterprise.pk)
    person = _person_for_membership(data, password_hashes)
    if Membership.objects.filter(person=person, enterprise=enterprise).exists():
        raise ApplicationError(_("该人员已是本企业成员。"), field="username", code="already_member")
    with savepoint_or_raise(ApplicationError(_("该人员已是本企业成员。"), field="username", code="already_member")):
        return Membership.objects.create(person=person, enterprise=enterprise, role=data["role"])


@transaction.atomic
def membership_update(*, membership: Membership, by: Person, data: dict) -> Membership:
    _require_org_admin(by, membership.enterprise_id)
    if "role" in data and data["role"] != membership.role:
        _keep_one_org_admin(membership, new_role=data["role"])
        membership.role = data["role"]
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def person_update(*, by: Person, enterprise: Enterprise, person: Person, data: dict) -> Person:
    """Change the name or phone of one of the enterprise's own people: a member of it who belongs
    nowhere else. An enterprise never edits a person who belongs elsewhere (DESIGN.md, trust rules);
    the row is locked, so that a concurrent attachment elsewhere cannot slip in between."""
    _require_org_admin(by, enterprise.pk)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    found = with_belonging(Person.objects.filter(pk=person.pk), enterprise.pk).first()
    if found is None or not found.member_here:
        raise NotFound(_("未找到。"))
    if found.belongs_elsewhere:
        raise Forbidden(_("该用户名已属于其他企业的人员,不能修改其姓名或手机号。"), field="name")
    changed = [f for f in PERSON_FIELDS if f in data and data[f] != getattr(found, f)]
    for field in changed:
        setattr(person, field, data[field])
    if changed:
        person.save(update_fields=changed)
    return person


@transaction.atomic
def membership_delete(*, membership: Membership, by: Person) -> None:
    """Remove a person from an enterprise; they also leave the enterprise's posts they held."""
    _require_org_admin(by, membership.enterprise_id)
    _keep_one_org_admin(membership, new_role=None)
    Post.holders.through.objects.filter(
        post__enterprise_id=membership.enterprise_id, person=membership.person_id
    ).delete()
    membership.delete()


# ---------------------------------------------------------------------------------------------
# Certificates

CERTIFICATE_FIELDS = ("person", "kind", "number", "issued_on", "expires_on")


def _check_certificate(enterprise_id: int, certificate: Certificate, *, exclude_pk=None) -> None:
    if not Membership.objects.filter(person=certificate.person, enterprise_id=enterprise_id).exists():
        raise ApplicationError(_("该人员不是本企业成员。"), field="person", code="not_a_member")
    if certificate.expires_on < certificate.issued_on:
        raise ApplicationError(_("有效期不能早于发证日期。"), field="expires_on")
    taken = Certificate.objects.filter(enterprise_id=enterprise_id, kind=certificate.kind, number=certificate.number)
    if taken.exclude(pk=exclude_pk).exists():
        raise ApplicationError(_("该证书编号已登记。"), field="number", code="unique")


def _save_certificate(certificate: Certificate) -> Certificate:
    with savepoint_or_raise(ApplicationError(_("该证书编号已登记。"), field="number", code="unique")):
        certificate.save()
    return certificate


@transaction.atomic
def certificate_create(*, by: Person, data: dict) -> Certificate:
    """Record a person's certificate (safety managers: they keep the special-operation roster)."""
    enterprise = data["enterprise"]
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    certificate = Certificate(enterprise=enterprise, **{f: data[f] for f in CERTIFICATE_FIELDS})
    _check_certificate(enterprise.pk, certificate)
    return _save_certificate(certificate)


@transaction.atomic
def certificate_update(*, by: Person, certificate: Certificate, data: dict) -> Certificate:
    """Correct a certificate or record its renewal (a new expiry date)."""
    role_required(by, certificate.enterprise_id, SAFETY_MANAGER_ROLES)
    _keep_enterprise(certificate, data)
    for field in CERTIFICATE_FIELDS:
        if field in data:
            setattr(certificate, field, data[field])
    _check_certificate(certificate.enterprise_id, certificate, exclude_pk=certificate.pk)
    return _save_certificate(certificate)


@transaction.atomic
def certificate_delete(*, by: Person, certificate: Certificate) -> None:
    role_required(by, certificate.enterprise_id, SAFETY_MANAGER_ROLES)
    certificate.delete()
