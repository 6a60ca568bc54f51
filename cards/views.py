from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cards import selectors, services
from cards.models import CardVersion
from cards.serializers import (
    CardAcknowledgementSerializer,
    CardSerializer,
    CardUpdateSerializer,
    CardVersionSerializer,
)
from core.errors import NotFound
from core.serializers import ErrorSerializer
from orgs.selectors import post_get_for

CONFLICT = OpenApiResponse(ErrorSerializer, description="Nothing new to publish, or not published yet")


@extend_schema_view(
    list=extend_schema(summary="Cards (drafts) the caller may read"),
    retrieve=extend_schema(summary="One card's draft"),
    create=extend_schema(
        summary="Create the card of a post (safety managers)", responses={201: CardSerializer, 409: CONFLICT}
    ),
    partial_update=extend_schema(summary="Edit the draft", request=CardUpdateSerializer),
)
class CardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CardSerializer
    filterset_fields = ["post", "enterprise"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        versions = Prefetch("versions", queryset=CardVersion.objects.only("id", "card_id", "version"))
        return selectors.cards_visible_to(self.request.user).prefetch_related(versions)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        post = data.pop("post")
        serializer.instance = services.card_create(by=self.request.user, post=post, data=data)

    def partial_update(self, request, *args, **kwargs):
        card = self.get_object()
        draft = CardUpdateSerializer(data=request.data, partial=True)
        draft.is_valid(raise_exception=True)
        services.card_update_draft(by=request.user, card=card, data=draft.validated_data)
        return Response(CardSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(summary="Published versions of the card, newest first", responses=CardVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        card = self.get_object()
        return Response(CardVersionSerializer(card.versions.select_related("card"), many=True).data)

    @extend_schema(
        summary="Publish the draft as a new immutable version",
        request=None,
        responses={201: CardVersionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        version = services.card_publish(card=self.get_object(), by=request.user)
        return Response(CardVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The calling worker confirms the current version",
        request=None,
        responses={200: CardAcknowledgementSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        acknowledgement = services.card_acknowledge(card=self.get_object(), by=request.user)
        return Response(CardAcknowledgementSerializer(acknowledgement).data)


class PostCardApi(APIView):
    @extend_schema(summary="The post's current published card (明白卡)", responses={200: CardVersionSerializer})
    def get(self, request, pk):
        version = selectors.card_current_version(post_get_for(request.user, pk))
        if version is None:
            raise NotFound(_("该岗位尚未发布明白卡。"))
        return Response(CardVersionSerializer(version).data)
