"""Development: DEBUG, console email and SMS, a throwaway secret key."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-oshieai"  # noqa: F405
ACCOUNT_EMAIL_VERIFICATION = "optional"
TWILIO_WEBHOOKS_ALLOW_UNSIGNED = env_bool("TWILIO_WEBHOOKS_ALLOW_UNSIGNED", True)
