"""Daily reviews, weekly reports, monthly dispatches: signed snapshots of the archive."""

from django.db import models  # noqa: F401
