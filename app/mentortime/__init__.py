"""Weekly mentor time (mentorstid) with its agendas."""
