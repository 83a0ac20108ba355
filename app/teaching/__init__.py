"""Teaching: subject teachers, what they teach and tell the mentor before a talk, and what
the mentor passes on (the written assessment to the family, the handover to the next
mentor)."""
