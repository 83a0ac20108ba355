"""People: users, students, guardianship and staff roles; sign-in and accounts."""
