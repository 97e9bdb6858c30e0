"""Telephony: Twilio webhooks, the voice line and inbound SMS."""
