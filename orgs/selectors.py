"""Tenancy in one place: which enterprises a person may read, and in which they may act.

Which enterprises a person reads, with which roles, is `enterprises_readable_by`; every read of tenant
data goes through it (`scope_to(person, queryset)`), every fetch of one object through an
`access_<entity>(person, id, *, write=False)` built on `get_visible`, and every write checks
`role_required(...)`. An object outside the person's scope is reported as missing (404), never as
forbidden, so that ids of other tenants reveal nothing.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound
from orgs.models import (
    SAFETY_MANAGER_ROLES,
    Certificate,
    Enterprise,
    Industry,
    Membership,
    Person,
    Post,
    Region,
    RegulatorScope,
    Role,
)


def _with_descendants(model, root_ids: Iterable[int]) -> set[int]:
    """Ids of the roots and everything below them (a few queries: one per tree level)."""
    found = set(root_ids)
    frontier = set(found)
    while frontier:
        frontier = set(model.objects.filter(parent__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def _regulated_enterprises_filter(person: Person) -> Q | None:
    scopes = list(person.regulator_scopes.all())
    if not scopes:
        return None
    condition = Q(pk__in=[])
    for scope in scopes:
        regions = _with_descendants(Region, [scope.region_id])
        scope_q = Q(region__in=regions)
        if scope.industry_id:
            scope_q &= Q(industry__in=_with_descendants(Industry, [scope.industry_id]))
        condition |= scope_q
    return condition


def roles_of(person: Person) -> dict[int, str]:
    """{enterprise_id: role} of the person's memberships, cached on the person for the request."""
    if not hasattr(person, "_mingbai_roles"):
        person._mingbai_roles = dict(person.memberships.values_list("enterprise_id", "role"))
    return person._mingbai_roles


def _regulated(person: Person) -> Q | None:
    if not hasattr(person, "_mingbai_regulated"):  # cached on the person for the request
        person._mingbai_regulated = _regulated_enterprises_filter(person)
    return person._mingbai_regulated


def enterprises_readable_by(
    person: Person, *, roles: Iterable[str] | None = None, regulator: bool = True
) -> QuerySet[Enterprise]:
    """THE rule of who reads which enterprise: those where the person holds one of `roles` (any role
    when None), and those in their regulator scopes (unless `regulator=False`, for what only the
    enterprise's own people read). A membership never lowers what a regulator reads (DESIGN.md, trust
    rules): a regulator who is also a worker of an enterprise in scope still reads it as its regulator.
    Superusers read every enterprise, anonymous callers none. No query until the queryset is read
    (the regulator scopes: a few queries, once per request)."""
    if not person or not person.is_authenticated:
        return Enterprise.objects.none()
    if person.is_superuser:
        return Enterprise.objects.all()
    roles = None if roles is None else set(roles)
    condition = Q(pk__in=[pk for pk, role in roles_of(person).items() if roles is None or role in roles])
    regulated = _regulated(person) if regulator else None
    if regulated is not None:
        condition |= regulated
    return Enterprise.objects.filter(condition)


def enterprise_readable_by(person: Person, enterprise_id: int, *, roles: Iterable[str] | None = None) -> bool:
    """`enterprises_readable_by` for one enterprise; no query when the person's membership answers."""
    if not person or not person.is_authenticated:
        return False
    if person.is_superuser:
        return True
    role = role_in(person, enterprise_id)
    if role is not None and (roles is None or role in roles):
        return True
    return enterprises_readable_by(person, roles=roles).filter(pk=enterprise_id).exists()


def scope_to(
    person: Person, queryset: QuerySet, *, via: str = "enterprise", roles: Iterable[str] | None = None
) -> QuerySet:
    """Narrow any tenant queryset to what the person may read (with one of `roles` where they are a
    member: enterprises_readable_by); `via` is the path to Enterprise."""
    if person and person.is_authenticated and person.is_superuser:
        return queryset
    lookup = "pk__in" if via == "" else f"{via}__in"
    return queryset.filter(**{lookup: enterprises_readable_by(person, roles=roles).values("pk")})


def get_or_404(queryset: QuerySet, pk):
    """The one place a fetch by id answers 404: absent, another tenant's, or not an id at all."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound(_("未找到。")) from None


def get_visible(person: Person, queryset: QuerySet, pk, *, via: str = "enterprise"):
    """Fetch one object the person may read, or raise NotFound (404) — also for other tenants' ids.
    The building block of the `access_<entity>` functions."""
    return get_or_404(scope_to(person, queryset, via=via), pk)


def write_required(person: Person, enterprise_id: int) -> None:
    """What `write=True` of an access function adds: a reader who is no member of the enterprise (a
    regulator in scope) is refused with 403; regulators read, never act."""
    if not person.is_superuser and role_in(person, enterprise_id) is None:
        raise Forbidden(_("监管人员只能查看,不能修改。"))


def access_enterprise(person: Person, enterprise_id, *, write: bool = False) -> Enterprise:
    """An enterprise (its industry loaded) the person may read, else 404; with `write`, 403 for a
    regulator (the role the write needs is the service's rule: role_required)."""
    enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    if write:
        write_required(person, enterprise.pk)
    return enterprise


def role_in(person: Person, enterprise_id: int) -> str | None:
    return roles_of(person).get(enterprise_id)


def role_required(person: Person, enterprise_id: int, roles: Iterable[str]) -> str:
    """Raise unless the person holds one of `roles` in the enterprise (superusers may do anything).

    Call it on objects the person can already read: a member of another role gets 403, a regulator
    (read-only) gets 403, anyone else would not have found the object in the first place.
    """
    if person.is_superuser:
        return Role.ADMIN
    role = role_in(person, enterprise_id)
    if role is None:
        if enterprises_readable_by(person).filter(pk=enterprise_id).exists():
            raise Forbidden(_("监管人员只能查看,不能修改。"))
        raise NotFound(_("未找到。"))
    if role not in roles:
        raise Forbidden(_("您的角色无权执行此操作。"))
    return role


def access_post(person: Person, post_id, *, write: bool = False) -> Post:
    """The post with its enterprise and industry, or NotFound (404) outside what the person may read.

    With `write` (the person is about to act on the post) a regulator in scope gets 403, and the same
    query sets `post.person_role` (the person's role in the post's enterprise, None when not a member)
    and `post.held_by_person`, which the write's permission check reads.
    The regulator scopes are read only for a post of an enterprise the person is not a member of.
    """
    if not person or not person.is_authenticated:
        raise NotFound(_("未找到。"))
    queryset = Post.objects.select_related("enterprise", "enterprise__industry")
    if write:
        # Written as SQL: the same subqueries built with Exists() and Subquery() took 0.6 ms more to
        # compile than the query takes to run, on the path of every submission (bench/load.py).
        posts, holders, members = Post._meta.db_table, Post.holders.through._meta.db_table, Membership._meta.db_table
        queryset = queryset.annotate(
            held_by_person=RawSQL(
                f"EXISTS (SELECT 1 FROM {holders} h WHERE h.post_id = {posts}.id AND h.person_id = %s)",
                [person.pk],
                output_field=BooleanField(),
            ),
            person_role=RawSQL(
                f"(SELECT m.role FROM {members} m WHERE m.enterprise_id = {posts}.enterprise_id "
                "AND m.person_id = %s)",  # at most one membership per person and enterprise
                [person.pk],
                output_field=CharField(),
            ),
        )
    post = get_or_404(queryset, post_id)
    member = post.person_role is not None if write else post.enterprise_id in roles_of(person)
    if member or person.is_superuser:
        return post
    if enterprises_readable_by(person).filter(pk=post.enterprise_id).exists():  # a regulator in scope
        if write:
            write_required(person, post.enterprise_id)
        return post
    raise NotFound(_("未找到。"))


def person_holds_post(person: Person, post: Post) -> bool:
    if hasattr(post, "held_by_person"):  # read with access_post(..., write=True)
        return post.held_by_person
    return post.holders.filter(pk=person.pk).exists()


def members_of(person: Person) -> QuerySet[Membership]:
    """The memberships the person reads, each with `phone_visible`: a phone number is personal, so a
    worker sees their colleagues' names and roles but only their own number; the enterprise's safety
    managers, its regulators and superusers see every number (the rule of `certificates_visible_to`)."""
    queryset = scope_to(person, Membership.objects.select_related("person", "enterprise"))
    if not person.is_authenticated:  # the schema generator asks as AnonymousUser
        return queryset.none()
    readers = personal_data_readable(person)
    visible = Value(True) if readers is None else ExpressionWrapper(readers, output_field=BooleanField())
    return queryset.annotate(phone_visible=visible)


def personal_data_readable(person: Person) -> Q | None:
    """THE rule for a person's own data kept by an enterprise (phone numbers, certificates): rows about
    the caller, and rows of the enterprises where the caller is a safety manager or the regulator.
    None for platform staff, who read all. For querysets with `person` and `enterprise` fields."""
    if person.is_superuser:
        return None
    return Q(person=person) | Q(enterprise__in=enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES))


def is_regulator(person: Person) -> bool:
    """The person holds a regulator scope (a few queries, once per request)."""
    return bool(person and person.is_authenticated) and _regulated(person) is not None


def regulates(person: Person, enterprise_id: int) -> bool:
    """The enterprise lies in one of the person's regulator scopes (their memberships aside):
    `enterprises_readable_by` with no member role."""
    return is_regulator(person) and enterprises_readable_by(person, roles=()).filter(pk=enterprise_id).exists()


def reach_required(person: Person, *, roles: Iterable[str], message: str) -> None:
    """403 with `message` unless the person reads some enterprise with one of `roles` or as a regulator:
    for roll-ups (statistics, counts) that a plain member may not ask for at all."""
    if person.is_superuser or is_regulator(person):
        return
    if not set(roles_of(person).values()) & set(roles):
        raise Forbidden(message)


def with_belonging(queryset: QuerySet[Person], enterprise_id: int) -> QuerySet[Person]:
    """Annotate `member_here` (a member of the enterprise) and `belongs_elsewhere` (a member of another
    enterprise, a regulator, or platform staff). An enterprise attaches only people who belong nowhere
    else, and edits only its own people (DESIGN.md: people belong to their enterprise)."""
    memberships = Membership.objects.filter(person=OuterRef("pk"))
    elsewhere = (
        Exists(memberships.exclude(enterprise_id=enterprise_id))
        | Exists(RegulatorScope.objects.filter(person=OuterRef("pk")))
        | Q(is_staff=True)
        | Q(is_superuser=True)
    )
    return queryset.annotate(
        member_here=Exists(memberships.filter(enterprise_id=enterprise_id)),
        belongs_elsewhere=ExpressionWrapper(elsewhere, output_field=BooleanField()),
    )


# ---------------------------------------------------------------------------------------------
# Certificates (持证上岗, seed item 16: 100% of special-operation workers certified)


def certificates_visible_to(person: Person) -> QuerySet[Certificate]:
    """Safety managers and regulators see the enterprise's certificates; a worker only their own (the
    numbers are often derived from the national ID number). A regulator who is also a worker of an
    enterprise in scope still sees all of its certificates."""
    queryset = scope_to(person, Certificate.objects.select_related("person", "kind"))
    if not person.is_authenticated:  # the schema generator asks as AnonymousUser
        return queryset.none()
    readers = personal_data_readable(person)
    return queryset if readers is None else queryset.filter(readers)


def _valid_certificates(on: date) -> QuerySet[Certificate]:
    return Certificate.objects.filter(issued_on__lte=on, expires_on__gte=on)


def certificates_missing(*, person: Person, post: Post, on: date | None = None) -> list[str]:
    """Names of the kinds the post requires for which the person holds no valid certificate on `on`
    (default: today) recorded by the post's enterprise. One query.

    Only the post's enterprise answers for its roster: a certificate another tenant wrote for the same
    person (which this enterprise cannot even see) never closes its gap. No one else can record a
    certificate today (a regulator reads only), so "its own" is the whole rule."""
    on = on or timezone.localdate()
    valid = _valid_certificates(on).filter(person=person, kind=OuterRef("pk"), enterprise_id=post.enterprise_id)
    return list(post.required_certificate_kinds.filter(~Exists(valid)).order_by("code").values_list("name", flat=True))


def _requirement_pairs(on: date) -> QuerySet:
    """One row per (post holder, kind the post requires), with `holder` and `kind` annotated, and
    `valid`: the holder has a valid certificate of the kind recorded by the post's enterprise."""
    return (
        Post.required_certificate_kinds.through.objects.annotate(holder=F("post__holders"), kind=F("certificatekind"))
        .filter(holder__isnull=False)
        .annotate(
            valid=Exists(
                _valid_certificates(on).filter(
                    person=OuterRef("holder"), kind=OuterRef("kind"), enterprise=OuterRef("post__enterprise")
                )
            )
        )
    )


def certificate_gaps_by_enterprise(enterprise_qs: QuerySet[Enterprise], *, on: date) -> QuerySet[Enterprise]:
    """Annotate each enterprise with `certificates_required` (pairs of a post holder and a kind the
    post requires) and `certificates_missing` (those pairs without a valid certificate on `on`); the
    持证上岗率 is 1 - missing / required. One query whatever the number of enterprises."""
    pairs = _requirement_pairs(on).filter(post__enterprise=OuterRef("pk"))

    def count(rows):
        # COUNT as a plain function, not an aggregate: an aggregate would GROUP BY the annotations of
        # the pairs (holder, kind, valid) and the subquery would return the count of one group only.
        rows = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return enterprise_qs.annotate(
        certificates_required=count(pairs), certificates_missing=count(pairs.filter(valid=False))
    )
