"""Absence: sickness reports, register data, follow-up (issue 18)."""
