"""Students' goals for the school year (IUP) and their follow-ups."""
