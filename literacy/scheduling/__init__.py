"""Scheduling: bookable times, help requests, offers, lessons, bookings and reports."""
