from django.urls import path
from rest_framework.routers import SimpleRouter

from cards import views

router = SimpleRouter()
router.register("cards", views.CardViewSet, basename="card")
router.register("questions", views.KnowledgeQuestionViewSet, basename="question")
router.register("spot-checks", views.SpotCheckViewSet, basename="spot-check")
router.register("drills", views.DrillViewSet, basename="drill")

urlpatterns = [
    path("posts/<int:pk>/card/", views.PostCardApi.as_view(), name="post-card"),
    path("posts/<int:pk>/card/from-register/", views.PostCardFromRegisterApi.as_view(), name="post-card-register"),
    *router.urls,
]
