"""What learners ask to learn (topics) and what they can do afterwards (skills)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from literacy.core.models import BilingualNameMixin, TimeStampedModel


class Topic(BilingualNameMixin, TimeStampedModel):
    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="topics"
    )
    slug = models.SlugField(max_length=60)
    name_kana = models.CharField(max_length=200, blank=True)
    icon = models.CharField(max_length=8, blank=True, help_text=_("絵文字一文字"))
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("相談内容")
        verbose_name_plural = _("相談内容")
        ordering = ["municipality", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="topic_unique_slug"),
        ]


class Skill(BilingualNameMixin):
    """Something a learner can now do on their own: one line of a topic's checklist."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="skills")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("できるようになったこと")
        verbose_name_plural = _("できるようになったこと")
        ordering = ["topic", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "name"], name="skill_unique_name")]
