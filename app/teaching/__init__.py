"""Teaching: what teachers, mentors and the next mentor pass to each other about a student."""
