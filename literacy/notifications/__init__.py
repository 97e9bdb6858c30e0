"""Notifications: the outbox of SMS, voice calls and email, its dispatcher and providers."""
