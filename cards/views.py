from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cards import selectors, services
from cards.filters import CardFilter, DrillFilter, KnowledgeQuestionFilter, SpotCheckFilter
from cards.models import KnowledgeQuestion, SpotCheck
from cards.register import card_sync_register
from cards.serializers import (
    CardAcknowledgementSerializer,
    CardDraftSerializer,
    CardSerializer,
    CardVersionSerializer,
    DrillRecordSerializer,
    DrillSerializer,
    KnowledgeQuestionSerializer,
    SpotCheckAnswersSerializer,
    SpotCheckListSerializer,
    SpotCheckSerializer,
    SpotCheckStartSerializer,
)
from core.errors import NotFound
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs.selectors import access_post

CARD_EXISTS = OpenApiResponse(ErrorSerializer, description="The post already has a card (one card per post).")
NOTHING_NEW = OpenApiResponse(ErrorSerializer, description="The draft equals the latest version: nothing to publish.")
NOT_PUBLISHED = OpenApiResponse(ErrorSerializer, description="The card has no published version yet.")

READ_ONLY = error_example("permission_denied", "监管人员只能查看,不能修改。", status_codes=("403",))
BAD_SHAPE = error_example("invalid", "hazards[1].risk_level: “purple” 不是合法选项。", "hazards[1].risk_level")
CONTENT = {
    "duties": ["严格执行反应釜操作规程", "每班开展岗位安全检查并记录"],
    "hazards": [
        {"name": "火灾爆炸", "risk_level": "orange", "description": "易燃物料泄漏遇点火源"},
        {"name": "中毒窒息", "risk_level": "yellow", "description": ""},
    ],
    "controls": ["严禁烟火", "定期检测可燃气体浓度"],
    "emergency_steps": [
        {"key": "close", "title": "关", "action": "立即关闭进料阀和电源。"},
        {"key": "evade", "title": "避", "action": "沿疏散通道撤离到上风向。"},
        {"key": "shout", "title": "喊", "action": "大声呼喊,警示周边人员撤离。"},
        {"key": "report", "title": "报", "action": "报告班组长和值班室,必要时拨打119。"},
        {"key": "help", "title": "助", "action": "确保自身安全后协助救援。"},
    ],
    "emergency_contacts": [{"name": "值班室", "phone": "0711-3200000"}],
    "required_certificates": ["危险化学品安全作业证"],
    "ppe": ["安全帽", "防静电工作服"],
    "operating_rules": ["开机前检查设备和仪表"],
}
VERSION_EXAMPLE = OpenApiExample(
    "published version",
    value={"id": 7, "card": 3, "post": 12, "version": 2, "published_at": "2024-07-03T01:30:00Z", **CONTENT},
    response_only=True,
    status_codes=["200", "201"],
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("调用者可查看企业的明白卡(草稿)")),
    retrieve=extend_schema(summary=gettext_lazy("单张明白卡的草稿及其最新发布的版本号")),
    create=extend_schema(
        summary=gettext_lazy("为岗位创建明白卡(安全管理人员);未填写的字段取默认值"),
        description=gettext_lazy("`emergency_steps` 默认为关、避、喊、报、助五步(目标清单第 49 项)。"),
        responses={201: CardSerializer, 409: CARD_EXISTS},
        examples=[
            OpenApiExample("card", value={"post": 12, **CONTENT}, request_only=True),
            BAD_SHAPE,
            error_example("card_exists", "该岗位已有明白卡。", "post", status_codes=("409",)),
            READ_ONLY,
        ],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("编辑草稿(安全管理人员);提交的每个列表整体替换原有列表"),
        request=CardDraftSerializer,
        responses={200: CardSerializer},
        examples=[
            OpenApiExample("change the PPE", value={"ppe": ["安全帽", "防毒面具"]}, request_only=True),
            BAD_SHAPE,
            READ_ONLY,
        ],
    ),
)
class CardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CardSerializer
    filterset_class = CardFilter
    http_method_names = ["get", "post", "patch", "head", "options"]  # a draft is edited field by field

    def get_queryset(self):
        return selectors.cards_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.card_create(by=self.request.user, post=data.pop("post"), data=data)

    def partial_update(self, request, *args, **kwargs):
        card = self.get_object()
        draft = CardDraftSerializer(data=request.data)  # not partial: that would relax the nested shapes
        draft.is_valid(raise_exception=True)
        card = services.card_update_draft(by=request.user, card=card, data=draft.validated_data)
        return Response(CardSerializer(card, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("明白卡的已发布版本,最新的在前"), responses={200: CardVersionSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        versions = selectors.card_versions(self.get_object())
        return Response(CardVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary=gettext_lazy("将草稿发布为不可更改的新版本(安全管理人员)"),
        description=gettext_lazy(
            "草稿至少需要一项岗位职责、一项主要风险、应急处置步骤和一个有电话的应急联系人;400 指明第一个缺少的字段,"
            "`errors` 列出全部缺项。"
        ),
        request=None,
        responses={201: CardVersionSerializer, 409: NOTHING_NEW},
        examples=[
            VERSION_EXAMPLE,
            error_example("incomplete", "至少填写一项主要风险。", "hazards"),
            error_example("nothing_to_publish", "草稿与当前版本相同,没有可发布的新内容。", status_codes=("409",)),
            READ_ONLY,
        ],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        version = services.card_publish(card=self.get_object(), by=request.user)
        return Response(CardVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("调用者确认已阅读明白卡的当前版本(重复确认:返回同一确认)"),
        request=None,
        responses={200: CardAcknowledgementSerializer, 409: NOT_PUBLISHED},
        examples=[
            OpenApiExample(
                "confirmed", value={"version": 2, "acknowledged_at": "2024-07-03T00:12:00Z"}, response_only=True
            ),
            error_example("not_published", "该岗位尚未发布明白卡。", status_codes=("409",)),
            error_example("permission_denied", "只有本企业人员可以确认明白卡。", status_codes=("403",)),
        ],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        acknowledgement = services.card_acknowledge(card=self.get_object(), by=request.user)
        return Response(CardAcknowledgementSerializer(acknowledgement).data)


class PostCardApi(APIView):
    @extend_schema(
        summary=gettext_lazy("岗位当前发布的明白卡"),
        responses={200: CardVersionSerializer},
        examples=[VERSION_EXAMPLE, error_example("not_found", "该岗位尚未发布明白卡。", status_codes=("404",))],
    )
    def get(self, request, pk):
        version = selectors.card_current_version(access_post(request.user, pk))
        if version is None:
            raise NotFound(_("该岗位尚未发布明白卡。"))
        return Response(CardVersionSerializer(version).data)


# ---------------------------------------------------------------------------------------------
# Knowledge questions and spot-checks

IN_USE = OpenApiResponse(ErrorSerializer, description="The question was asked in a spot-check: deactivate it.")
FINISHED = OpenApiResponse(ErrorSerializer, description="The spot-check is finished and can no longer change.")
QUESTION_EXAMPLE = OpenApiExample(
    "single choice",
    value={
        "card": 3,
        "kind": "single",
        "text": "发现可燃气体泄漏,第一步应当?",
        "options": ["关闭阀门切断气源", "打电话", "开灯查看"],
        "answer": [0],
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("调用者所管理明白卡的应知应会题目(含答案)")),
    retrieve=extend_schema(summary=gettext_lazy("单个应知应会题目及答案(安全管理人员)")),
    create=extend_schema(
        summary=gettext_lazy("为岗位明白卡添加题目(安全管理人员)"),
        description=gettext_lazy(
            "题型:single(单选)、multiple(多选)、true_false(判断,选项默认为 [对, 错])。"
            "`answer` 列出正确选项的序号(从 0 开始)。"
        ),
        examples=[QUESTION_EXAMPLE, error_example("invalid", "单选题和判断题只有一个正确答案。", "answer")],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改题目;已用于抽查的题目只能启用或停用"),
        responses={200: KnowledgeQuestionSerializer, 409: IN_USE},
        examples=[error_example("question_in_use", "题目已用于抽查,不能修改;请停用后新增题目。", "text", ("409",))],
    ),
    destroy=extend_schema(summary=gettext_lazy("删除从未用于抽查的题目"), responses={204: None, 409: IN_USE}),
)
class KnowledgeQuestionViewSet(viewsets.ModelViewSet):
    queryset = KnowledgeQuestion.objects.none()  # for the schema; get_queryset scopes every request
    serializer_class = KnowledgeQuestionSerializer
    filterset_class = KnowledgeQuestionFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.questions_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.question_save(
            by=self.request.user, question=None, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        question = services.question_save(
            by=self.request.user, question=serializer.instance, data=dict(serializer.validated_data)
        )
        # Read back as the caller reads it (answer_hidden); the service refuses edits of a question in
        # the caller's own open spot-check, so this is for the record, not a second line of defence.
        serializer.instance = self.get_queryset().get(pk=question.pk)

    def perform_destroy(self, instance):
        services.question_delete(by=self.request.user, question=instance)


SPOT_CHECK_EXAMPLE = OpenApiExample(
    "open spot-check",
    value={
        "id": 9,
        "enterprise": 1,
        "person": 5,
        "person_name": "张三",
        "started_by": 2,
        "started_by_name": "李安全",
        "started_at": "2024-07-03T02:00:00Z",
        "finished_at": None,
        "question_count": 1,
        "correct_count": 0,
        "score": None,
        "items": [
            {
                "question": 31,
                "kind": "true_false",
                "text": "动火作业前必须办理动火作业票。",
                "options": ["对", "错"],
                "given": [0],
                "correct": None,
                "right_answer": None,
            }
        ],
    },
    response_only=True,
    status_codes=["200", "201"],
)
FINISHED_EXAMPLE = error_example("finished", "抽查已结束,不能再修改。", status_codes=("409",))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("应知应会抽查:安全管理人员和监管人员看企业的,作业人员看自己的"),
        responses={200: SpotCheckListSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("单次抽查及其题目;抽查结束后才显示正确答案"),
        examples=[SPOT_CHECK_EXAMPLE],
    ),
)
class SpotCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = SpotCheck.objects.none()  # for the schema; get_queryset scopes every request
    serializer_class = SpotCheckSerializer
    filterset_class = SpotCheckFilter

    def get_queryset(self):
        queryset = selectors.spot_checks_visible_to(self.request.user)
        if self.action == "retrieve":
            return queryset.prefetch_related(
                Prefetch("answers", queryset=selectors.spot_check_items(self.request.user))
            )
        return queryset

    def get_serializer_class(self):
        return SpotCheckListSerializer if self.action == "list" else SpotCheckSerializer

    def _detail(self, spot_check, status_code=status.HTTP_200_OK):
        detail = selectors.spot_check_detail(spot_check, reader=self.request.user)
        return Response(SpotCheckSerializer(detail).data, status=status_code)

    @extend_schema(
        summary=gettext_lazy("发起应知应会抽查(安全管理人员):从被抽查人员的岗位随机抽题"),
        request=SpotCheckStartSerializer,
        responses={201: SpotCheckSerializer},
        examples=[
            OpenApiExample("start", value={"person": 5, "question_count": 5}, request_only=True),
            SPOT_CHECK_EXAMPLE,
            error_example("no_questions", "该人员所在岗位的明白卡上没有应知应会题目。", "person"),
        ],
    )
    def create(self, request):
        start = SpotCheckStartSerializer(data=request.data, context=self.get_serializer_context())
        start.is_valid(raise_exception=True)
        data = start.validated_data
        spot_check = services.spot_check_start(
            by=request.user, person=data["person"], enterprise=data.get("enterprise"), count=data["question_count"]
        )
        return self._detail(spot_check, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("被抽查人员答题;重复提交相同答案不产生变化"),
        description=gettext_lazy(
            "每条答案替换该人员对该题的先前答案,直到抽查结束(之后返回 409)。任何一条有误时全部不保存。"
        ),
        request=SpotCheckAnswersSerializer,
        responses={200: SpotCheckSerializer, 409: FINISHED},
        examples=[
            OpenApiExample("answers", value={"answers": [{"question": 31, "answer": [0]}]}, request_only=True),
            SPOT_CHECK_EXAMPLE,
            error_example("invalid", "单选题和判断题只能选一个答案。", "answers[0].answer"),
            FINISHED_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        spot_check = self.get_object()
        answers = SpotCheckAnswersSerializer(data=request.data)
        answers.is_valid(raise_exception=True)
        services.spot_check_answer(by=request.user, spot_check=spot_check, answers=answers.validated_data["answers"])
        return self._detail(spot_check)

    @extend_schema(
        summary=gettext_lazy("结束抽查并评分(被抽查人员或安全管理人员);未答题目计为答错"),
        request=None,
        responses={200: SpotCheckSerializer, 409: FINISHED},
        examples=[FINISHED_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        spot_check = services.spot_check_finish(by=request.user, spot_check=self.get_object())
        return self._detail(spot_check)


# ---------------------------------------------------------------------------------------------
# Emergency drills

DRILL_DONE = OpenApiResponse(ErrorSerializer, description="The drill was done: its record no longer changes.")
DRILL_DONE_EXAMPLE = error_example("drill_done", "演练已实施,记录不能再修改。", status_codes=("409",))


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("应急演练(已计划和已实施)")),
    retrieve=extend_schema(summary=gettext_lazy("单次应急演练")),
    create=extend_schema(
        summary=gettext_lazy("计划应急演练(安全管理人员);实施后用 done/ 记录"),
        examples=[
            OpenApiExample(
                "plan",
                value={"enterprise": 1, "post": 12, "title": "反应釜泄漏五步法演练", "planned_on": "2024-09-20"},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改已计划的应急演练"),
        responses={200: DrillSerializer, 409: DRILL_DONE},
        examples=[DRILL_DONE_EXAMPLE],
    ),
    destroy=extend_schema(
        summary=gettext_lazy("取消已计划的应急演练"),
        responses={204: None, 409: DRILL_DONE},
        examples=[DRILL_DONE_EXAMPLE],
    ),
)
class DrillViewSet(viewsets.ModelViewSet):
    serializer_class = DrillSerializer
    filterset_class = DrillFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.drills_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.drill_plan(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.drill_update(
            by=self.request.user, drill=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.drill_delete(by=self.request.user, drill=instance)

    @extend_schema(
        summary=gettext_lazy("记录应急演练已实施(安全管理人员)"),
        request=DrillRecordSerializer,
        responses={200: DrillSerializer, 409: DRILL_DONE},
        examples=[
            OpenApiExample(
                "done",
                value={"done_on": "2024-09-20", "participants": 12, "summary": "五步法熟练"},
                request_only=True,
            ),
            error_example("invalid", "实施日期不能晚于今天。", "done_on"),
            DRILL_DONE_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        record = DrillRecordSerializer(data=request.data)
        record.is_valid(raise_exception=True)
        drill = services.drill_record(by=request.user, drill=self.get_object(), **record.validated_data)
        return Response(DrillSerializer(drill).data)


class PostCardFromRegisterApi(APIView):
    @extend_schema(
        summary=gettext_lazy("按风险清单更新岗位明白卡并发布新版本(安全管理人员)"),
        description=gettext_lazy(
            "主要风险取岗位接触的风险点的危险源及其风险等级(红橙黄蓝),管控措施取本岗位负责的措施。"
            "内容有变化时发布新版本(201),没有变化时返回当前版本(200)。"
        ),
        request=None,
        responses={200: CardVersionSerializer, 201: CardVersionSerializer},
        examples=[
            VERSION_EXAMPLE,
            error_example("no_register", "该岗位没有接触任何已评价的风险点。", "post"),
            error_example("incomplete", "至少填写一条岗位职责。", "duties"),
        ],
    )
    def post(self, request, pk):
        card, version = card_sync_register(post=access_post(request.user, pk), by=request.user)
        if version is None:
            return Response(CardVersionSerializer(selectors.card_current_version(card.post)).data)
        return Response(CardVersionSerializer(version).data, status=status.HTTP_201_CREATED)
