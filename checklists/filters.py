import django_filters

from checklists.models import ChecklistTemplate, Inspection, Tier


class TemplateFilter(django_filters.FilterSet):
    post = django_filters.NumberFilter(field_name="posts")

    class Meta:
        model = ChecklistTemplate
        fields = ["enterprise", "tier", "active", "post"]


class InspectionFilter(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    period = django_filters.CharFilter()
    # Dates of receipt in the server's time zone (Asia/Shanghai unless configured otherwise).
    date_from = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte")

    class Meta:
        model = Inspection
        fields = ["enterprise", "post", "template", "tier", "period", "late", "on_site"]
