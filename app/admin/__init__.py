"""School administration: school years, groups, staff, policies, imports and the audit log."""
