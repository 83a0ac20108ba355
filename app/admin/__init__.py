"""School administration: school years, groups, staff, policies, imports and the audit log."""


class Refused(ValueError):
    """A change the school's data does not allow; `field` names the form field to blame."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field, self.message = field, message
