import django_filters

from checklists.models import ChecklistTemplate, Inspection, Tier
from core.filters import IdFilter


class TemplateFilter(django_filters.FilterSet):
    # Ids, not model choices: a choice filter answered 400 for an enterprise that does not exist and
    # an empty list for another tenant's, telling the two apart.
    enterprise = IdFilter(field_name="enterprise_id")
    post = IdFilter(field_name="posts")

    class Meta:
        model = ChecklistTemplate
        fields = ["enterprise", "tier", "active", "post"]


class InspectionFilter(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    period = django_filters.CharFilter()
    # Dates of receipt in the server's time zone (Asia/Shanghai unless configured otherwise).
    date_from = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte")
    enterprise = IdFilter(field_name="enterprise_id")
    post = IdFilter(field_name="post_id")
    template = IdFilter(field_name="template_id")

    class Meta:
        model = Inspection
        fields = ["enterprise", "post", "template", "tier", "period", "late", "on_site", "flagged"]
