from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cards import selectors, services
from cards.filters import CardFilter
from cards.serializers import CardAcknowledgementSerializer, CardDraftSerializer, CardSerializer, CardVersionSerializer
from core.errors import NotFound
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs.selectors import post_get_for

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
    list=extend_schema(summary="Cards (明白卡 drafts) of the enterprises the caller may read"),
    retrieve=extend_schema(summary="One card's draft and the number of its latest published version"),
    create=extend_schema(
        summary="Create the card of a post (safety managers); left-out fields start from the defaults",
        description="`emergency_steps` defaults to the five steps 关、避、喊、报、助 (seed item 49).",
        responses={201: CardSerializer, 409: CARD_EXISTS},
        examples=[
            OpenApiExample("card", value={"post": 12, **CONTENT}, request_only=True),
            BAD_SHAPE,
            error_example("card_exists", "该岗位已有明白卡。", "post", status_codes=("409",)),
            READ_ONLY,
        ],
    ),
    partial_update=extend_schema(
        summary="Edit the draft (safety managers); each list given replaces the stored one",
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
        summary="Published versions of the card, newest first", responses={200: CardVersionSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        versions = selectors.card_versions(self.get_object())
        return Response(CardVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="Publish the draft as a new immutable version (safety managers)",
        description="The draft needs at least one duty, one hazard, emergency steps and one emergency contact "
        "with a phone; a 400 names the first missing field and `errors` lists them all.",
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
        summary="The caller confirms having read the card's current version (again: the same confirmation)",
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
        summary="The post's current published card (明白卡)",
        responses={200: CardVersionSerializer},
        examples=[VERSION_EXAMPLE, error_example("not_found", "该岗位尚未发布明白卡。", status_codes=("404",))],
    )
    def get(self, request, pk):
        version = selectors.card_current_version(post_get_for(request.user, pk))
        if version is None:
            raise NotFound(_("该岗位尚未发布明白卡。"))
        return Response(CardVersionSerializer(version).data)
