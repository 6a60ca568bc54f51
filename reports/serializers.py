"""Shapes of the daily review, the weekly report and the monthly dispatch. Who may do what, and when a
snapshot is frozen, is decided in reports.services; here only the shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from checklists.models import HazardGrade, Tier
from checklists.serializers import InspectionFlagSerializer
from hazards.models import HazardSource, HazardStatus
from orgs.models import Person
from orgs.serializers import EnterpriseRefField
from reports.models import (
    CheckStatus,
    DailyReview,
    DispatchDecision,
    DispatchStatus,
    MonthlyDispatch,
    SnapshotKind,
    WeeklyReport,
    WeeklyReportStatus,
)
from reports.selectors import GroupBy
from risks.serializers import RiskFiguresSerializer, risk_figures_payload

NOTE_MAX = 2000
TEXT_MAX = 10000
DECISIONS_MAX = 50

# ---------------------------------------------------------------------------------------------
# The day log


class ReportPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True, help_text="The name, or the login when unnamed")

    class Meta:
        model = Person
        fields = ["id", "name"]


class DayLogCountsSerializer(serializers.Serializer):
    checks = serializers.IntegerField(help_text="Checks whose period contains the day (every post, every tier)")
    done = serializers.IntegerField(help_text="Recorded in time")
    late = serializers.IntegerField(help_text="Recorded only after the period closed (补录)")
    missed = serializers.IntegerField(help_text="The period closed with no record")
    due = serializers.IntegerField(help_text="Period still open, nothing recorded yet")
    off_site = serializers.IntegerField(help_text="Recorded without a valid QR scan")
    records = serializers.IntegerField(help_text="Records received during the day")
    # Issue 12; logs signed before it have neither (0).
    flagged = serializers.IntegerField(default=0, help_text="Records of the day with flags (suspicious)")
    needs_look = serializers.IntegerField(default=0, help_text="Flagged records no manager has looked at yet")
    failed_items = serializers.IntegerField()
    hazards_opened = serializers.IntegerField()
    major_hazards_opened = serializers.IntegerField()


class DayLogCheckSerializer(serializers.Serializer):
    post = serializers.IntegerField()
    post_name = serializers.CharField()
    template = serializers.IntegerField()
    template_name = serializers.CharField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    period = serializers.CharField(help_text="Period key, e.g. 2024-07-03 or 2024-W27")
    status = serializers.ChoiceField(
        choices=CheckStatus.choices, help_text="done, late (补录), missed (缺失) or due (still open)"
    )
    inspection = serializers.IntegerField(allow_null=True, help_text="The record that counts, if any")
    off_site = serializers.BooleanField()
    failed = serializers.IntegerField(help_text="Failed items of that record")


class DayLogRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    post = serializers.IntegerField()
    post_name = serializers.CharField()
    template_name = serializers.CharField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    period = serializers.CharField()
    received_at = serializers.DateTimeField()
    submitted_by = serializers.CharField()
    late = serializers.BooleanField()
    on_site = serializers.BooleanField()
    ok = serializers.IntegerField()
    failed = serializers.IntegerField()
    na = serializers.IntegerField()
    flagged = serializers.BooleanField(default=False, help_text="The record has flags (see needs_look)")


class DayLogLateRecordSerializer(DayLogRecordSerializer):
    status = serializers.ChoiceField(choices=CheckStatus.choices, help_text="Always late (补录)")


class DayLogNeedsLookSerializer(serializers.Serializer):
    """A flagged record of the day without a manager's look (待核查): POST /inspections/{id}/reviews/."""

    inspection = serializers.IntegerField()
    post_name = serializers.CharField()
    template_name = serializers.CharField()
    submitted_by = serializers.CharField()
    received_at = serializers.DateTimeField()
    on_site = serializers.BooleanField()
    flags = InspectionFlagSerializer(many=True)


class DayLogFailedItemSerializer(serializers.Serializer):
    inspection = serializers.IntegerField()
    post_name = serializers.CharField()
    item_label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    hazard = serializers.IntegerField(allow_null=True, help_text="The hazard the failed item opened")


class DayLogHazardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=HazardSource.choices)
    status = serializers.ChoiceField(choices=HazardStatus.choices, help_text="When the log was computed")
    post_name = serializers.CharField(allow_null=True)
    found_at = serializers.DateTimeField()


class DayLogSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    enterprise_name = serializers.CharField()
    date = serializers.DateField(help_text="The enterprise's local day")
    computed_at = serializers.DateTimeField(help_text="When the statuses were computed (the signature, once signed)")
    counts = DayLogCountsSerializer()
    checks = DayLogCheckSerializer(many=True)
    records = DayLogRecordSerializer(many=True)
    needs_look = DayLogNeedsLookSerializer(
        many=True,
        default=list,
        help_text="Flagged records of the day no manager had looked at (as they were when signed); [] in logs "
        "signed before flags existed",
    )
    failed_items = DayLogFailedItemSerializer(many=True)
    hazards = DayLogHazardSerializer(many=True)


class DailyReviewSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    signed_by = ReportPersonSerializer(read_only=True)

    class Meta:
        model = DailyReview
        fields = ["id", "enterprise", "enterprise_name", "date", "note", "signed_by", "signed_at"]
        read_only_fields = fields


class DailyReviewDetailSerializer(DailyReviewSerializer):
    log = DayLogSerializer(read_only=True, help_text="The day's log, frozen when it was signed")

    class Meta(DailyReviewSerializer.Meta):
        fields = [*DailyReviewSerializer.Meta.fields, "log"]
        read_only_fields = fields


class DayLogAnswerSerializer(DayLogSerializer):
    late_records = DayLogLateRecordSerializer(
        many=True,
        required=False,
        help_text="A signed day: records of its checks made after the signature, each a late record (补录); "
        "the frozen log does not count them. [] for an unsigned day",
    )
    review = DailyReviewSerializer(allow_null=True, help_text="The signature; null while the day is unsigned")


class ReportDateField(serializers.DateField):
    """A local day between 2000 and 2999 (9999-12-31 has no next day to end its period on)."""

    default_error_messages = {"out_of_range": _("日期超出范围(2000-01-01 至 2999-12-31)。")}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not 2000 <= day.year <= 2999:
            self.fail("out_of_range")
        return day


class DayLogQuerySerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1)
    date = ReportDateField(help_text="YYYY-MM-DD, the enterprise's local day")


class DailyReviewSignSerializer(serializers.Serializer):
    enterprise = EnterpriseRefField()
    date = ReportDateField(help_text="YYYY-MM-DD, an ended local day")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# The figures of a week or a month (frozen in the snapshots)


class ReportPeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SnapshotKind.choices)
    key = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The last day, inclusive")


class ReportTierFiguresSerializer(serializers.Serializer):
    expected = serializers.IntegerField(
        help_text="Expected checks: check periods beginning in the period (and begun), per post and template "
        "in force during them (README, Figures)"
    )
    done = serializers.IntegerField(help_text="Recorded within their period")
    late = serializers.IntegerField(help_text="Recorded only after their period closed (补录), counted apart")
    missed = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Periods still open when computed")
    off_site = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True, help_text="(done + late) / expected")
    on_time_rate = serializers.FloatField(required=False, allow_null=True, help_text="done / expected")


class ReportChecksSerializer(serializers.Serializer):
    daily = ReportTierFiguresSerializer()
    weekly = ReportTierFiguresSerializer()
    monthly = ReportTierFiguresSerializer()
    quarterly = ReportTierFiguresSerializer()
    total = ReportTierFiguresSerializer()


class ReportHazardFiguresSerializer(serializers.Serializer):
    found = serializers.IntegerField()
    found_general = serializers.IntegerField()
    found_major = serializers.IntegerField()
    closed = serializers.IntegerField(help_text="Closed (销号) during the period")
    found_closed = serializers.IntegerField(help_text="Found in the period and closed before its end")
    rectification_rate = serializers.FloatField(allow_null=True, help_text="found_closed / found")
    open = serializers.IntegerField(help_text="Not closed at the end of the period")
    open_major = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open at the end of the period and past their deadline")


class ReportCardFiguresSerializer(serializers.Serializer):
    posts = serializers.IntegerField()
    with_card = serializers.IntegerField(help_text="Posts with a published card")
    coverage_rate = serializers.FloatField(allow_null=True)


class ReportKnowledgeFiguresSerializer(serializers.Serializer):
    spot_checks = serializers.IntegerField()
    questions = serializers.IntegerField()
    correct = serializers.IntegerField()
    awareness_rate = serializers.FloatField(allow_null=True, help_text="correct / questions (target >= 80%)")


class ReportDrillFiguresSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Drills done in the period")
    # Not in snapshots taken before drills were tracked, hence not required.
    status = serializers.ChoiceField(
        ["done", "overdue", "planned", "due"],
        required=False,
        help_text="The drill obligation on the period's last day (yearly; half-yearly for high-risk "
        "industries): done, overdue (a planned drill missed), planned, due (nothing done or planned)",
    )
    overdue = serializers.IntegerField(required=False, help_text="Planned drills of the obligation not done in time")
    last_done_on = serializers.DateField(required=False, allow_null=True)
    late = serializers.IntegerField(
        required=False, help_text="Drills done in the period but recorded after their date (补录), counted apart"
    )


class ReportCertificateFiguresSerializer(serializers.Serializer):
    required = serializers.IntegerField(help_text="Pairs of a post holder and a certificate kind the post requires")
    missing = serializers.IntegerField(help_text="Of those, without a valid certificate at the period's end")
    certified_rate = serializers.FloatField(allow_null=True, help_text="持证上岗率 (target 100%)")


class ReportDayFiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    expected = serializers.IntegerField(help_text="Daily checks expected that day")
    recorded = serializers.IntegerField()
    missed = serializers.IntegerField()
    hazards_found = serializers.IntegerField()


class ReportFiguresSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    computed_at = serializers.DateTimeField()
    checks = ReportChecksSerializer()
    hazards = ReportHazardFiguresSerializer()
    cards = ReportCardFiguresSerializer()
    knowledge = ReportKnowledgeFiguresSerializer()
    drills = ReportDrillFiguresSerializer()
    certificates = ReportCertificateFiguresSerializer(required=False, help_text="Not in older snapshots")
    days = ReportDayFiguresSerializer(many=True)


# ---------------------------------------------------------------------------------------------
# Weekly report


class WeeklyReportSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status = serializers.ChoiceField(choices=WeeklyReportStatus.choices, read_only=True)
    figures = ReportFiguresSerializer(read_only=True)
    generated_by = ReportPersonSerializer(read_only=True, allow_null=True, help_text="null: the beat task")
    director_signed_by = ReportPersonSerializer(read_only=True, allow_null=True)
    principal_signed_by = ReportPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WeeklyReport
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "week",
            "period_start",
            "period_end",
            "status",
            "figures",
            "generated_at",
            "generated_by",
            "summary",
            "risk_analysis",
            "next_week_plan",
            "director_signed_by",
            "director_signed_at",
            "director_note",
            "principal_signed_by",
            "principal_signed_at",
            "principal_note",
        ]
        read_only_fields = fields


class WeeklyReportGenerateSerializer(serializers.Serializer):
    enterprise = EnterpriseRefField()
    week = serializers.CharField(max_length=8, help_text="ISO week, e.g. 2024-W27; it must have ended")


class WeeklyReportUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    risk_analysis = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    next_week_plan = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class ReportSignSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Monthly dispatch


class DispatchDecisionSerializer(serializers.ModelSerializer):
    owner = ReportPersonSerializer(read_only=True)

    class Meta:
        model = DispatchDecision
        fields = ["order", "task", "owner", "due_date"]
        read_only_fields = fields


class MonthlyDispatchSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status = serializers.ChoiceField(choices=DispatchStatus.choices, read_only=True)
    figures = ReportFiguresSerializer(read_only=True)
    generated_by = ReportPersonSerializer(read_only=True, allow_null=True, help_text="null: the beat task")
    decisions = DispatchDecisionSerializer(many=True, read_only=True, help_text="Next month's key work")
    principal_signed_by = ReportPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MonthlyDispatch
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "month",
            "period_start",
            "period_end",
            "status",
            "figures",
            "generated_at",
            "generated_by",
            "summary",
            "decisions",
            "principal_signed_by",
            "principal_signed_at",
            "principal_note",
        ]
        read_only_fields = fields


class DispatchGenerateSerializer(serializers.Serializer):
    enterprise = EnterpriseRefField()
    month = serializers.CharField(max_length=7, help_text="YYYY-MM; the month must have ended")


class DispatchDecisionInputSerializer(serializers.Serializer):
    task = serializers.CharField(max_length=500)
    owner = serializers.IntegerField(min_value=1, help_text="A person of the enterprise")
    due_date = ReportDateField(help_text="After the dispatch's month")


class DispatchUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    decisions = serializers.ListField(
        child=DispatchDecisionInputSerializer(),
        max_length=DECISIONS_MAX,
        required=False,
        help_text="Replaces every decision of the dispatch",
    )


# ---------------------------------------------------------------------------------------------
# Regulator statistics (issue 4, part 3)


class StatsQuerySerializer(serializers.Serializer):
    month = serializers.CharField(
        required=False, allow_blank=True, help_text="YYYY-MM; default: the current month in Beijing time"
    )
    region = serializers.IntegerField(
        required=False, min_value=1, help_text="Region id: its enterprises and those of its child regions"
    )
    industry = serializers.IntegerField(
        required=False, min_value=1, help_text="Industry id: its enterprises and those of its sub-industries"
    )
    enterprise = serializers.IntegerField(
        required=False, min_value=1, help_text="One enterprise (404 if the caller may not read it)"
    )
    group_by = serializers.ChoiceField(
        choices=GroupBy.CHOICES,
        required=False,
        default=GroupBy.ENTERPRISE,
        help_text="One row per enterprise (default), or per region / industry. With `region`, the region rows "
        "are its direct children (drill down by passing a row's id as `region`); without it, the regions the "
        "enterprises are registered in. Likewise for `industry`.",
    )


class StatsTierSerializer(serializers.Serializer):
    due = serializers.IntegerField(
        help_text="Expected checks: periods begun in the month, per post and template in force during them "
        "(README, Figures; the dispatch's `expected`)"
    )
    done = serializers.IntegerField(help_text="Recorded within their period, one per post, template and period")
    late = serializers.IntegerField(help_text="Recorded only after the period had closed (补录), counted apart")
    rate = serializers.FloatField(
        allow_null=True, help_text="Completion: (done + late) / due; null when nothing was due"
    )
    on_time_rate = serializers.FloatField(allow_null=True, help_text="done / due; null when nothing was due")


class StatsChecksSerializer(serializers.Serializer):
    daily = StatsTierSerializer(source="checks.daily", help_text="日管控")
    weekly = StatsTierSerializer(source="checks.weekly", help_text="周排查 (a week counts in the month of its Monday)")
    monthly = StatsTierSerializer(source="checks.monthly", help_text="月调度")
    quarterly = StatsTierSerializer(
        source="checks.quarterly",
        help_text="Principal-led inspection: counts in the quarter's first month; monthly in high-risk industries",
    )


class StatsFiguresSerializer(serializers.Serializer):
    risk = RiskFiguresSerializer(help_text="The risk register (双重预防), as it is now")
    enterprises = serializers.IntegerField()
    posts = serializers.IntegerField()
    posts_with_card = serializers.IntegerField(help_text="Posts with a card version published before the month's end")
    card_coverage = serializers.FloatField(allow_null=True, help_text="posts_with_card / posts (target 1.0)")
    checks = StatsChecksSerializer(source="*")
    check_completion = serializers.FloatField(allow_null=True, help_text="All tiers: (done + late) / due (target 1.0)")
    check_on_time = serializers.FloatField(allow_null=True, help_text="All tiers: done / due (late ones never count)")
    hazards_found = serializers.IntegerField(help_text="Found in the month")
    hazards_closed = serializers.IntegerField(
        help_text="Of those found in the month, closed (销号) by the month's end (now for the current month)"
    )
    hazards_overdue = serializers.IntegerField(
        help_text="Open at the month's end (now for the current month) and past their deadline then"
    )
    rectification_rate = serializers.FloatField(allow_null=True, help_text="closed / found (target 1.0)")
    major_hazards_open = serializers.IntegerField(help_text="Major hazards open at the month's end")
    spot_checks = serializers.IntegerField(help_text="Knowledge spot-checks finished in the month")
    questions = serializers.IntegerField()
    correct_answers = serializers.IntegerField()
    awareness_rate = serializers.FloatField(
        allow_null=True, help_text="应知应会知晓率: correct_answers / questions (target >= 0.8)"
    )
    drills_month = serializers.IntegerField(help_text="Emergency drills done in the month, recorded on their date")
    drills_month_late = serializers.IntegerField(
        help_text="Drills done in the month, recorded after their date (补录), counted apart"
    )
    drills_year = serializers.IntegerField(help_text="Done from 1 January to the month's end, as known then")
    drills_up_to_date = serializers.IntegerField(
        help_text="Enterprises whose drill obligation at the month's end is done: a drill in the calendar year, "
        "the half-year in high-risk industries (seed item 49), as known then"
    )
    certificates_required = serializers.IntegerField(
        help_text="Pairs of a post holder and a certificate kind the post requires (持证上岗)"
    )
    certificates_missing = serializers.IntegerField(
        help_text="Of those, without a valid certificate at the month's end (today for the current month)"
    )
    certified_rate = serializers.FloatField(
        allow_null=True, help_text="持证上岗率: 1 - missing / required (target 1.0)"
    )
    records_received = serializers.IntegerField(
        help_text="Records stored for the month's check periods: every record (second copies and corrections "
        "too), a late one (补录) in the month of its period"
    )
    records_on_site = serializers.IntegerField(
        help_text="Of those, verified on site: citing a scan event of the same person at the post shortly before"
    )
    records_flagged = serializers.IntegerField(
        help_text="Of those, flagged as suspicious (no scan, too fast, photo time or reuse, outside the fence...)"
    )
    on_site_rate = serializers.FloatField(
        allow_null=True, help_text="现场核验率: records_on_site / records_received; null without records"
    )
    flagged_rate = serializers.FloatField(
        allow_null=True, help_text="标记率: records_flagged / records_received; null without records"
    )


class StatsRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="enterprise, region or industry (as group_by)")
    id = serializers.IntegerField(help_text="Enterprise, region or industry id (a region id drills down)")
    code = serializers.CharField(help_text="Credit code, region code (GB/T 2260) or industry code (GB/T 4754)")
    name = serializers.CharField()
    region = serializers.CharField(help_text="Enterprise rows: the region code; else empty")
    industry = serializers.CharField(help_text="Enterprise rows: the industry code; else empty")
    high_risk = serializers.BooleanField(allow_null=True, help_text="Enterprise rows only")
    last_drill_on = serializers.DateField(allow_null=True, help_text="Enterprise rows only")
    figures = StatsFiguresSerializer()


class StatsTargetsSerializer(serializers.Serializer):
    """reports.targets: each with its seed item (README, Figures)."""

    card_coverage = serializers.FloatField(help_text="Seed item 12")
    check_completion = serializers.FloatField(help_text="Seed item 24")
    rectification_rate = serializers.FloatField(help_text="Seed item 3")
    awareness_rate = serializers.FloatField(help_text="Seed item 6")
    certified_rate = serializers.FloatField(help_text="Seed item 16")


class StatsSerializer(serializers.Serializer):
    month = serializers.CharField()
    group_by = serializers.CharField(help_text="As asked: enterprise, region or industry")
    region = serializers.IntegerField(source="region_id", allow_null=True, help_text="The region asked for")
    industry = serializers.IntegerField(source="industry_id", allow_null=True, help_text="The industry asked for")
    enterprise = serializers.IntegerField(source="enterprise_id", allow_null=True)
    targets = StatsTargetsSerializer(help_text="The campaign's targets the rates are measured against")
    total = StatsFiguresSerializer()
    rows = StatsRowSerializer(many=True)


def _figures_payload(f) -> dict:
    all_tiers = f.checks_total()
    return {
        "risk": risk_figures_payload(f.risk),
        "enterprises": f.enterprises,
        "posts": f.posts,
        "posts_with_card": f.posts_with_card,
        "card_coverage": f.card_coverage,
        "checks": {
            tier: {"due": t.due, "done": t.done, "late": t.late, "rate": t.rate, "on_time_rate": t.on_time_rate}
            for tier, t in f.checks.items()
        },
        "check_completion": all_tiers.completion_rate,
        "check_on_time": all_tiers.on_time_rate,
        "hazards_found": f.hazards_found,
        "hazards_closed": f.hazards_closed,
        "hazards_overdue": f.hazards_overdue,
        "rectification_rate": f.rectification_rate,
        "major_hazards_open": f.major_hazards_open,
        "spot_checks": f.spot_checks,
        "questions": f.questions,
        "correct_answers": f.correct_answers,
        "awareness_rate": f.awareness_rate,
        "drills_month": f.drills_month,
        "drills_month_late": f.drills_month_late,
        "drills_year": f.drills_year,
        "drills_up_to_date": f.drills_up_to_date,
        "certificates_required": f.certificates_required,
        "certificates_missing": f.certificates_missing,
        "certified_rate": f.certified_rate,
        "records_received": f.records_received,
        "records_on_site": f.records_on_site,
        "records_flagged": f.records_flagged,
        "on_site_rate": f.on_site_rate,
        "flagged_rate": f.flagged_rate,
    }


def stats_payload(stats) -> dict:
    """What StatsSerializer renders, built directly: DRF's field-by-field serialization took longer
    than every query together for a thousand enterprises (tests check both give the same body)."""
    return {
        "month": stats.month,
        "group_by": stats.group_by,
        "region": stats.region_id,
        "industry": stats.industry_id,
        "enterprise": stats.enterprise_id,
        "targets": stats.targets,
        "total": _figures_payload(stats.total),
        "rows": [
            {
                "kind": row.kind,
                "id": row.id,
                "code": row.code,
                "name": row.name,
                "region": row.region,
                "industry": row.industry,
                "high_risk": row.high_risk,
                "last_drill_on": row.last_drill_on.isoformat() if row.last_drill_on else None,
                "figures": _figures_payload(row.figures),
            }
            for row in stats.rows
        ],
    }
