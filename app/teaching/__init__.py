"""Teaching: subject teachers, what they teach, and what they tell the mentor before a talk."""
