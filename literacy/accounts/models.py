"""The user model (email is the login) and which municipalities a coordinator works for."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A volunteer or a coordinator. Seniors have no account."""

    username = None
    email = models.EmailField(_("メールアドレス"), unique=True)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("利用者アカウント")
        verbose_name_plural = _("利用者アカウント")

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_coordinator(self) -> bool:
        return self.coordinator_roles.exists()


class CoordinatorRole(models.Model):
    """A coordinator works for one municipality (or several); they see only those."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coordinator_roles")
    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="coordinator_roles"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("コーディネーター")
        verbose_name_plural = _("コーディネーター")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="coordinator_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"
