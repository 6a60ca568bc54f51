"""Filters on ids, never on model choices: a choice filter would answer 400 for an enterprise that
does not exist and an empty list for another tenant's, telling the two apart."""

import django_filters

from core.filters import IdFilter
from orgs.models import Certificate, Department, Enterprise, Industry, Membership, Post, Region, Role


class RegionFilter(django_filters.FilterSet):
    parent = IdFilter(field_name="parent_id", help_text="Children of this region.")
    root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", help_text="Only top-level regions.")

    class Meta:
        model = Region
        fields = ["parent", "root", "code"]


class IndustryFilter(django_filters.FilterSet):
    parent = IdFilter(field_name="parent_id", help_text="Children of this industry.")
    root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", help_text="Only top-level ones.")

    class Meta:
        model = Industry
        fields = ["parent", "root", "code", "high_risk"]


class DepartmentFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")

    class Meta:
        model = Department
        fields = ["enterprise"]


class PostFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    department = IdFilter(field_name="department_id")

    class Meta:
        model = Post
        fields = ["enterprise", "department", "risk_level"]


class MemberFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    person = IdFilter(field_name="person_id")
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["enterprise", "person", "role"]


class EnterpriseFilter(django_filters.FilterSet):
    region = IdFilter(field_name="region_id")
    industry = IdFilter(field_name="industry_id")

    class Meta:
        model = Enterprise
        fields = ["region", "industry", "credit_code"]


class CertificateFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    person = django_filters.NumberFilter(field_name="person_id")
    kind = django_filters.NumberFilter(field_name="kind_id")
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", help_text="Expiring on or before this date"
    )

    class Meta:
        model = Certificate
        fields = ["enterprise", "person", "kind", "expires_before"]
