"""Role-aware start pages: a card per child, own overview, own groups, school overview."""
