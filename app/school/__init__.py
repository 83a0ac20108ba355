"""Schools, school years with terms and days off, mentor groups."""
