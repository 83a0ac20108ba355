"""Contact details of guardians and the mentor's contact log (kontaktlogg)."""
