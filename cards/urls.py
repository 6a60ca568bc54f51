from django.urls import path
from rest_framework.routers import SimpleRouter

from cards import views

router = SimpleRouter()
router.register("cards", views.CardViewSet, basename="card")

urlpatterns = [
    path("posts/<int:pk>/card/", views.PostCardApi.as_view(), name="post-card"),
    *router.urls,
]
